package web

import (
	"context"
	"errors"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/gofiber/fiber/v2"
)

// /healthz is liveness: it fails when the server cannot complete requests
// (no database connection to be had), while /readyz is readiness.
func TestHealthzFollowsLive(t *testing.T) {
	live := error(nil)
	d := quietDeps()
	d.Live = func(context.Context) error { return live }
	app := New(d)
	get := func() int {
		res, err := app.Test(httptest.NewRequest("GET", "/healthz", nil))
		if err != nil {
			t.Fatal(err)
		}
		return res.StatusCode
	}
	if got := get(); got != 200 {
		t.Fatalf("healthz with a database: %d", got)
	}
	live = errors.New("no connection within 3 s")
	if got := get(); got != 503 {
		t.Fatalf("healthz without a database connection: %d, want 503", got)
	}
}

// A database that cannot serve now (saturated, restarting, out of disk)
// answers 503 with Retry-After, never 500; every request has a deadline.
func TestUnavailableIs503(t *testing.T) {
	busy := errors.New("database busy")
	d := quietDeps()
	d.Unavailable = func(err error) bool { return errors.Is(err, busy) }
	d.RequestTimeout = 50 * time.Millisecond
	d.Mounts = []Mount{func(app *fiber.App, api fiber.Router, _ Auth, _ *Validator) {
		api.Get("/test/busy", func(c *fiber.Ctx) error { return busy })
		api.Get("/test/slow", func(c *fiber.Ctx) error {
			<-c.UserContext().Done() // a request that waits on the database
			return c.UserContext().Err()
		})
		api.Get("/test/broken", func(c *fiber.Ctx) error { return errors.New("bug") })
	}}
	app := New(d)
	for path, want := range map[string]int{"/api/v1/test/busy": 503, "/api/v1/test/slow": 503, "/api/v1/test/broken": 500} {
		res, err := app.Test(httptest.NewRequest("GET", path, nil), 5000)
		if err != nil {
			t.Fatal(err)
		}
		if res.StatusCode != want {
			t.Errorf("%s: %d, want %d", path, res.StatusCode, want)
		}
		if ra := res.Header.Get("Retry-After"); (want == 503) != (ra != "") {
			t.Errorf("%s: Retry-After %q", path, ra)
		}
	}
}
