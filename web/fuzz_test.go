package web

import (
	"bytes"
	"io"
	"net/http/httptest"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/gofiber/fiber/v2"
)

// decoderApp serves every JSON request type of the API behind the real
// error handler and the edge checks: decode and validate, then 200.
func decoderApp() (*fiber.App, map[string]func() any) {
	s := &Server{Deps: quietDeps(), validate: NewValidator(time.Now)}
	s.Deps.Now = time.Now
	app := fiber.New(fiber.Config{ErrorHandler: s.errorHandler, BodyLimit: BodyLimit})
	app.Use(CheckInput)
	types := map[string]func() any{
		"login":       func() any { return new(loginRequest) },
		"intake":      func() any { return new(intakeRequest) },
		"transition":  func() any { return new(transitionRequest) },
		"reveal":      func() any { return new(revealRequest) },
		"grid":        func() any { return new(gridRequest) },
		"link":        func() any { return new(linkStatusRequest) },
		"split":       func() any { return new(splitRequest) },
		"merge":       func() any { return new(mergeRequest) },
		"undo":        func() any { return new(undoRequest) },
		"assign":      func() any { return new(assignRequest) },
		"inforequest": func() any { return new(infoRequest) },
	}
	for name, mk := range types {
		app.Post("/"+name, func(c *fiber.Ctx) error {
			req := mk()
			if err := s.bind(c, req); err != nil {
				return err
			}
			if bad := controlString(reflect.ValueOf(req)); bad != "" {
				c.Set("X-Control", "accepted a control character")
			}
			return c.SendStatus(fiber.StatusOK)
		})
	}
	return app, types
}

// controlString finds a string holding a control character in v.
func controlString(v reflect.Value) string {
	switch v.Kind() {
	case reflect.Pointer, reflect.Interface:
		if !v.IsNil() {
			return controlString(v.Elem())
		}
	case reflect.String:
		if TextProblem(v.String()) != "" {
			return v.String()
		}
	case reflect.Struct:
		for i := 0; i < v.NumField(); i++ {
			if v.Type().Field(i).IsExported() {
				if s := controlString(v.Field(i)); s != "" {
					return s
				}
			}
		}
	case reflect.Slice, reflect.Array:
		for i := 0; i < v.Len(); i++ {
			if s := controlString(v.Index(i)); s != "" {
				return s
			}
		}
	case reflect.Map:
		for _, k := range v.MapKeys() {
			if s := controlString(k); s != "" {
				return s
			}
			if s := controlString(v.MapIndex(k)); s != "" {
				return s
			}
		}
	}
	return ""
}

// FuzzJSONDecoders: whatever the body, every JSON decoder of the API
// answers 2xx or 4xx, never 5xx, and what it accepts holds no control
// character. `go test` runs the seeds; `go test -fuzz FuzzJSONDecoders
// ./web/` explores.
func FuzzJSONDecoders(f *testing.F) {
	seeds := []string{
		`{"username":"clerk","password":"clerk-pass-1"}`,
		`{"username":"cl\u0000erk","password":"x"}`,
		`{"username":"clerk","password":"\u0085"}`,
		`{"channel":"window","person":{"name":"李秀英","id_number":"610902198001010027","phone":"13812345678"},"subject":"邻居违建","content":"隔壁\n\t加盖彩钢棚","region_code":"610902001003","respondent":"王某"}`,
		`{"channel":"window","person":{"name":"李\u0007秀英"},"subject":"a","content":"b","region_code":"610902"}`,
		`{"channel":"window","subject":"a","content":"b","region_code":"610902","respondent":{"name":"王\u0000某"}}`,
		`{"channel":"window","subject":"a","content":"b","region_code":"610902","received_at":"2025-13-45T99:00:00Z"}`,
		`{"to":"accepted","note":"受理\u0000"}`,
		`{"to":"accepted","note":"\ud800"}`,
		"{\"to\":\"accepted\",\"note\":\"\xff\xfe\"}",
		`{"to":"accepted"}{"to":"rejected"}`,
		`{"assignee":"me"}`,
		`{"from":"6109022025091600001","note":"\u001b[31m"}`,
		`{"status":"confirmed","note":"x"}`,
		`{"intake_ref":"IN1","note":"x"}`,
		`{"event_id":1e400}`,
		`{"event_id":"1"}`,
		`{"request":"请补充"}`,
		`{"name":"网格","code":"\u0000"}`,
		`{"reason":"核实"}`,
		`[]`, `null`, `"\u0000"`, `{"a":`, ``, `{"\u0000":1}`,
	}
	for _, s := range seeds {
		f.Add(s)
	}
	app, types := decoderApp()
	f.Fuzz(func(t *testing.T, body string) {
		for name := range types {
			req := httptest.NewRequest("POST", "/"+name, bytes.NewReader([]byte(body)))
			req.Header.Set("Content-Type", "application/json")
			res, err := app.Test(req, -1)
			if err != nil {
				t.Fatal(err)
			}
			raw, _ := io.ReadAll(res.Body)
			res.Body.Close()
			if res.StatusCode >= 500 {
				t.Fatalf("%s %q: %d %s", name, body, res.StatusCode, raw)
			}
			if res.Header.Get("X-Control") != "" {
				t.Fatalf("%s %q: decoded a string with a control character", name, body)
			}
			if res.StatusCode >= 400 && !strings.Contains(string(raw), `"error"`) {
				t.Fatalf("%s %q: %d without an error body: %s", name, body, res.StatusCode, raw)
			}
		}
	})
}

// TestCheckInput: query parameters, form fields and the Idempotency-Key
// are refused with a 400 naming them when they hold control characters.
func TestCheckInput(t *testing.T) {
	app, _ := decoderApp()
	app.Get("/q", func(c *fiber.Ctx) error { return c.SendStatus(200) })
	app.Post("/q", func(c *fiber.Ctx) error { return c.SendStatus(200) })
	for _, tc := range []struct {
		method, target, ctype, body, key string
		want                             int
	}{
		{"GET", "/q?q=%E6%B5%8B%E8%AF%95", "", "", "", 200},
		{"GET", "/q?q=%00", "", "", "", 400},
		{"GET", "/q?q=%FF%FE", "", "", "", 400},
		{"GET", "/q?%07=1", "", "", "", 400},
		{"GET", "/q%00", "", "", "", 400},
		{"GET", "/q", "", "", "visit-0001", 200},
		{"GET", "/q", "", "", "\xff\xfe", 400},
		{"GET", "/q", "", "", "a\x01b", 400},
		{"POST", "/q", "application/x-www-form-urlencoded", "note=%00", "", 400},
		{"POST", "/q", "application/x-www-form-urlencoded", "note=a%0Ab", "", 200},
	} {
		req := httptest.NewRequest(tc.method, tc.target, strings.NewReader(tc.body))
		if tc.ctype != "" {
			req.Header.Set("Content-Type", tc.ctype)
		}
		if tc.key != "" {
			req.Header["Idempotency-Key"] = []string{tc.key}
		}
		res, err := app.Test(req, -1)
		if err != nil {
			t.Fatal(err)
		}
		raw, _ := io.ReadAll(res.Body)
		if res.StatusCode != tc.want {
			t.Errorf("%s %s %q key %q: %d %s", tc.method, tc.target, tc.body, tc.key, res.StatusCode, raw)
		}
	}
}
