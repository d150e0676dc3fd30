package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/jiefen/jiefen/database/dbtest"
)

// testServer runs the real serve wiring on a temp data dir and port 0.
type testServer struct {
	t    *testing.T
	url  string
	cfg  Config
	stop func()
}

func startServer(t *testing.T, dialect string) *testServer {
	t.Helper()
	s, _ := startApp(t, dialect, io.Discard, nil)
	return s
}

// startApp opens the real app on a temp data dir (and a fresh PostgreSQL
// database for that dialect), logging to logs, lets prepare work on it
// (the demo data, say), serves it on port 0 until the test ends, and hands
// the App back for what the HTTP API does not offer.
func startApp(t *testing.T, dialect string, logs io.Writer, prepare func(ctx context.Context, app *App)) (*testServer, *App) {
	t.Helper()
	cfg := Config{DataDir: t.TempDir(), Addr: "127.0.0.1:0"}
	if dialect == "postgres" {
		cfg.DSN = dbtest.DSN(t, "postgres")
	}
	return startAppOn(t, cfg, logs, prepare)
}

// cli runs a jiefen command against the server's data.
func (s *testServer) cli(args ...string) (string, int) {
	var out, errb bytes.Buffer
	if s.cfg.DSN != "" {
		args = append(args, "--db", s.cfg.DSN)
	}
	code := Run(context.Background(), append(args, "--data", s.cfg.DataDir), &out, &errb)
	return out.String() + errb.String(), code
}

func (s *testServer) addUser(name, role, region string) {
	s.t.Helper()
	if out, code := s.cli("user", "add", "--username", name, "--password", "secret-"+name, "--role", role, "--region", region); code != 0 {
		s.t.Fatalf("user add %s: %d %s", name, code, out)
	}
}

type response struct {
	status int
	header http.Header
	body   map[string]any
	raw    string
}

func (s *testServer) do(method, path, token string, body any, headers ...string) response {
	s.t.Helper()
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		rd = strings.NewReader(b)
	default:
		j, _ := json.Marshal(b)
		rd = bytes.NewReader(j)
	}
	req, _ := http.NewRequest(method, s.url+path, rd)
	if rd != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		s.t.Fatal(err)
	}
	defer res.Body.Close()
	raw, _ := io.ReadAll(res.Body)
	r := response{status: res.StatusCode, header: res.Header, raw: string(raw)}
	json.Unmarshal(raw, &r.body)
	return r
}

func (s *testServer) login(user string) string {
	s.t.Helper()
	r := s.do("POST", "/api/v1/auth/login", "", map[string]string{"username": user, "password": "secret-" + user})
	tok, _ := r.body["token"].(string)
	if r.status != 200 || tok == "" || r.body["expires_at"] == nil {
		s.t.Fatalf("login %s: %d %s", user, r.status, r.raw)
	}
	return tok
}

func walkIn() map[string]any {
	return map[string]any{
		"channel": "window",
		"person":  map[string]any{"name": "李秀英", "id_number": "610902198001010027", "phone": "13812345678"},
		"subject": "邻居违建阻挡通道", "content": "隔壁王某在巷道加盖彩钢棚，堵住了出行通道，多次协商无果。",
		"address": "汉滨区老城街道西大街", "region_code": "610902001003", "category": "neighbourhood",
		"respondent": "王某",
	}
}

func errorCode(r response) string {
	e, _ := r.body["error"].(map[string]any)
	c, _ := e["code"].(string)
	return c
}

func errorField(r response, name string) string {
	e, _ := r.body["error"].(map[string]any)
	f, _ := e["fields"].(map[string]any)
	m, _ := f[name].(string)
	return m
}

func TestEndToEnd(t *testing.T) {
	t.Parallel() // no environment, no timing: runs beside the other parallel tests
	for _, dialect := range dbtest.Dialects() {
		t.Run(dialect, func(t *testing.T) { endToEnd(t, dialect) })
	}
}

func endToEnd(t *testing.T, dialect string) {
	s := startServer(t, dialect)
	s.addUser("clerk", "window_clerk", "610902") // 汉滨区
	s.addUser("leader", "leader", "6109")        // 安康市
	s.addUser("other", "window_clerk", "610202") // 铜川市王益区
	clerk, leader, other := s.login("clerk"), s.login("leader"), s.login("other")

	if r := s.do("GET", "/healthz", "", nil); r.status != 200 {
		t.Fatalf("healthz %d", r.status)
	}
	if r := s.do("GET", "/readyz", "", nil); r.status != 200 || r.body["status"] != "ready" {
		t.Fatalf("readyz %d %s", r.status, r.raw)
	}

	// Register a walk-in; a retry with the same key gets the same case.
	r := s.do("POST", "/api/v1/intakes", clerk, walkIn(), "Idempotency-Key", "visit-1")
	if r.status != 201 {
		t.Fatalf("register: %d %s", r.status, r.raw)
	}
	no, _ := r.body["case_no"].(string)
	if !strings.HasPrefix(no, "610902") || len(no) != 19 || r.body["intake_ref"] == "" || r.body["decision"] != "new" {
		t.Fatalf("register response %s", r.raw)
	}
	again := s.do("POST", "/api/v1/intakes", clerk, walkIn(), "Idempotency-Key", "visit-1")
	if again.status != 200 || again.body["case_no"] != no || again.body["intake_ref"] != r.body["intake_ref"] {
		t.Fatalf("replay: %d %s", again.status, again.raw)
	}

	// The case as the API shows it: masked personal data, a timeline.
	r = s.do("GET", "/api/v1/cases/"+no, clerk, nil)
	if r.status != 200 {
		t.Fatalf("get: %d %s", r.status, r.raw)
	}
	for _, k := range []string{"case_no", "status", "region_code", "category", "parties", "intakes", "links", "events"} {
		if _, ok := r.body[k]; !ok {
			t.Errorf("case JSON lacks %q", k)
		}
	}
	if strings.Contains(r.raw, "13812345678") || strings.Contains(r.raw, "610902198001010027") {
		t.Errorf("case JSON shows unmasked personal data: %s", r.raw)
	}
	if !strings.Contains(r.raw, "138****5678") || r.body["region_name"] != "西大街社区居委会" {
		t.Errorf("case JSON: %s", r.raw)
	}
	if ev, _ := r.body["events"].([]any); len(ev) != 1 {
		t.Errorf("events = %v", r.body["events"])
	}

	// Scope: the city leader sees it, another district's clerk does not.
	if r := s.do("GET", "/api/v1/cases/"+no, leader, nil); r.status != 200 {
		t.Errorf("leader: %d", r.status)
	}
	if r := s.do("GET", "/api/v1/cases/"+no, other, nil); r.status != 404 || errorCode(r) != "not_found" {
		t.Errorf("other district: %d %s", r.status, r.raw)
	}
	if r := s.do("GET", "/api/v1/cases", other, nil); r.status != 200 || len(r.body["items"].([]any)) != 0 {
		t.Errorf("other district list: %s", r.raw)
	}
	if r := s.do("GET", "/api/v1/cases?status=registered", leader, nil); len(r.body["items"].([]any)) != 1 {
		t.Errorf("leader list: %s", r.raw)
	}

	// Leaders read but do not handle.
	if r := s.do("POST", "/api/v1/cases/"+no+"/transitions", leader, map[string]string{"to": "accepted"}); r.status != 403 {
		t.Errorf("leader transition: %d %s", r.status, r.raw)
	}
	if r := s.do("POST", "/api/v1/cases/"+no+"/transitions", clerk, map[string]string{"to": "closed"}); r.status != 400 || errorCode(r) != "invalid" {
		t.Errorf("illegal transition: %d %s", r.status, r.raw)
	}
	r = s.do("POST", "/api/v1/cases/"+no+"/transitions", clerk, map[string]string{"to": "accepted", "note": "属于受理范围"})
	if r.status != 200 || r.body["status"] != "accepted" || r.body["handle_due_at"] == nil {
		t.Fatalf("accept: %d %s", r.status, r.raw)
	}

	// Full personal data only with a reason, and the read is on the timeline.
	r = s.do("POST", "/api/v1/cases/"+no+"/reveal", clerk, map[string]string{"reason": "电话回访核实"})
	if r.status != 200 || !strings.Contains(r.raw, "13812345678") || r.header.Get("Cache-Control") != "no-store" {
		t.Errorf("reveal: %d %s", r.status, r.raw)
	}
	r = s.do("GET", "/api/v1/cases/"+no, clerk, nil)
	if ev := r.body["events"].([]any); ev[len(ev)-1].(map[string]any)["kind"] != "pii_revealed" {
		t.Errorf("last event after reveal: %v", ev[len(ev)-1])
	}

	// Bad input: clear Chinese field errors, never a 500.
	bad := walkIn()
	bad["person"] = map[string]any{"name": "李秀英", "id_number": "610902198001010028", "phone": "12345"}
	bad["region_code"] = "61090"
	r = s.do("POST", "/api/v1/intakes", clerk, bad)
	if r.status != 400 || errorField(r, "person.id_number") != "身份证号码校验位错误" ||
		errorField(r, "person.phone") == "" || errorField(r, "region_code") == "" {
		t.Errorf("validation: %d %s", r.status, r.raw)
	}
	outside := walkIn()
	outside["region_code"] = "610202"
	if r := s.do("POST", "/api/v1/intakes", clerk, outside); r.status != 400 || errorField(r, "region_code") == "" {
		t.Errorf("outside scope: %d %s", r.status, r.raw)
	}
	for _, body := range []string{"", "{", `{"channel": 5}`, `{"bogus": 1}`, `[]`} {
		if r := s.do("POST", "/api/v1/intakes", clerk, body); r.status != 400 || errorCode(r) != "invalid" {
			t.Errorf("body %q: %d %s", body, r.status, r.raw)
		}
	}
	// An oversize body is refused with 413; the server may close the
	// connection before the client has finished writing, which the client
	// then sees as a reset. Either way nothing is stored.
	req, _ := http.NewRequest("POST", s.url+"/api/v1/intakes", strings.NewReader(strings.Repeat("x", 2<<20)))
	req.Header.Set("Authorization", "Bearer "+clerk)
	if res, err := http.DefaultClient.Do(req); err == nil {
		res.Body.Close()
		if res.StatusCode != 413 {
			t.Errorf("oversize body: %d", res.StatusCode)
		}
	} else if !strings.Contains(err.Error(), "reset") && !strings.Contains(err.Error(), "broken pipe") {
		t.Errorf("oversize body: %v", err)
	}
	if r := s.do("GET", "/api/v1/cases", "", nil); r.status != 401 || errorCode(r) != "unauthorized" {
		t.Errorf("no token: %d %s", r.status, r.raw)
	}
	if r := s.do("GET", "/api/v1/cases?cursor=zzz", clerk, nil); r.status != 400 {
		t.Errorf("bad cursor: %d", r.status)
	}
	if r := s.do("GET", "/api/v1/nope", clerk, nil); r.status != 404 || errorCode(r) != "not_found" {
		t.Errorf("unknown route: %d %s", r.status, r.raw)
	}

	// Calendar.
	r = s.do("GET", "/api/v1/calendar/deadline?start=2025-09-26&n=5&unit=working_days", "", nil)
	if r.body["due"] != "2025-10-10" {
		t.Errorf("deadline: %s", r.raw)
	}
	if r := s.do("GET", "/api/v1/calendar/days?from=2025-09-28&to=2025-10-01", "", nil); !strings.Contains(r.raw, `"adjusted_working"`) {
		t.Errorf("days: %s", r.raw)
	}
	if r := s.do("GET", "/api/v1/calendar/deadline?start=2025-13-01&n=5", "", nil); r.status != 400 {
		t.Errorf("bad date: %d", r.status)
	}

	// Grids under a village, inside the scope.
	if r := s.do("POST", "/api/v1/regions/610902001003/grids", clerk, map[string]string{"name": "第一网格"}); r.status != 403 {
		t.Errorf("clerk adds grid: %d", r.status)
	}
	s.addUser("super", "supervisor", "610902")
	super := s.login("super")
	r = s.do("POST", "/api/v1/regions/610902001003/grids", super, map[string]string{"name": "第一网格"})
	if r.status != 201 || r.body["code"] != "610902001003001" {
		t.Errorf("add grid: %d %s", r.status, r.raw)
	}
	if r := s.do("GET", "/api/v1/regions/610902001003", super, nil); !strings.Contains(r.raw, "第一网格") {
		t.Errorf("village children: %s", r.raw)
	}

	// Wrong passwords in quick succession hold that name back from this
	// address: 429 with Retry-After (TestSecurityLoginThrottle has the rules).
	for i := 0; i < 5; i++ {
		s.do("POST", "/api/v1/auth/login", "", map[string]string{"username": "other", "password": "wrong-password"})
	}
	r = s.do("POST", "/api/v1/auth/login", "", map[string]string{"username": "other", "password": "secret-other"})
	if r.status != 429 || errorCode(r) != "too_many_requests" || r.header.Get("Retry-After") == "" {
		t.Errorf("after 5 failures: %d %s", r.status, r.raw)
	}

	// Logout ends the token.
	if r := s.do("POST", "/api/v1/auth/logout", leader, nil); r.status != 204 {
		t.Errorf("logout: %d", r.status)
	}
	if r := s.do("GET", "/api/v1/me", leader, nil); r.status != 401 {
		t.Errorf("after logout: %d", r.status)
	}

	// Graceful shutdown: the listener closes and Serve returns cleanly.
	s.stop()
	if _, err := net.DialTimeout("tcp", strings.TrimPrefix(s.url, "http://"), time.Second); err == nil {
		t.Error("server still accepting after shutdown")
	}
}

func TestCLIUsage(t *testing.T) {
	var out, errb bytes.Buffer
	for _, args := range [][]string{{"bogus"}, {"user"}, {"user", "add", "--username", "x"}, {"serve", "--nope"}} {
		out.Reset()
		errb.Reset()
		if code := Run(context.Background(), args, &out, &errb); code != 2 {
			t.Errorf("%v: exit %d, want 2 (%s)", args, code, errb.String())
		}
	}
	s := startServer(t, "sqlite")
	if out, code := s.cli("user", "add", "--username", "a", "--password", "short", "--role", "king", "--region", "999999"); code != 1 ||
		!strings.Contains(out, "password") || !strings.Contains(out, "role") || !strings.Contains(out, "region") {
		t.Errorf("invalid user: %d %s", code, out)
	}
	if out, code := s.cli("regions", "load"); code != 0 || !strings.Contains(out, "0 regions added") {
		t.Errorf("regions load: %d %s", code, out)
	}
	if out, code := s.cli("version"); code != 0 || !strings.HasPrefix(out, "jiefen ") {
		t.Errorf("version: %d %s", code, out)
	}
}
