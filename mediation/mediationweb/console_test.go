package mediationweb_test

import (
	"io"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/jiefen/jiefen/mediation/mediationtest"
)

// The console pages and the case panel are served to the roles they are
// for, with their scripts.
func TestConsolePages(t *testing.T) {
	e := mediationtest.New(t, "sqlite")
	c := e.Register(t, "李秀英", "13800138000", "", "王建国")
	get := func(user, path string) (int, string) {
		req := httptest.NewRequest("GET", path, nil)
		req.Header.Set("Cookie", "jiefen_token="+e.Token(t, user))
		res, err := e.App.Test(req, -1)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		return res.StatusCode, string(b)
	}
	for _, tc := range []struct {
		user, path, want string
		status           int
	}{
		{"med1", "/console/mediator", "/static/mediation-desk.js", 200},
		{"clerk", "/console/mediator", "", 403},
		{"supervisor", "/console/mediation/roster", "/static/mediation-roster.js", 200},
		{"med1", "/console/mediation/roster", "", 403},
		{"clerk", "/console/cases/" + c.No, `data-panel="mediation"`, 200},
	} {
		status, body := get(tc.user, tc.path)
		if status != tc.status || !strings.Contains(body, tc.want) {
			t.Errorf("%s %s: %d, want %d with %q", tc.user, tc.path, status, tc.status, tc.want)
		}
	}
	for _, s := range []string{"/static/mediation.js", "/static/mediation-desk.js", "/static/mediation-roster.js"} {
		if status, _ := get("clerk", s); status != 200 {
			t.Errorf("%s: %d", s, status)
		}
	}
}
