package main

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jiefen/jiefen/channels/hotline"
	"github.com/jiefen/jiefen/database/dbtest"
)

// TestHotline runs the 12345 channel through the real server: signed work
// orders, replays, the screen pop, results posted back to a test platform
// that fails before it recovers, and an order sent back.
func TestHotline(t *testing.T) {
	for _, dialect := range dbtest.Dialects() {
		t.Run(dialect, func(t *testing.T) { hotlineEndToEnd(t, dialect) })
	}
}

const hotlineTestSecret = "e2e-hotline-secret"

// hotlinePlatform is the 12345 platform's callback receiver.
type hotlinePlatform struct {
	mu   sync.Mutex
	got  []hotline.Callback
	fail map[string]int // order → failures still to answer
}

func (p *hotlinePlatform) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	if _, err := hotline.Verify(hotlineTestSecret, r.Header.Get(hotline.HeaderTimestamp),
		r.Header.Get(hotline.HeaderSignature), body, time.Now(), time.Minute); err != nil {
		w.WriteHeader(http.StatusUnauthorized)
		return
	}
	var cb hotline.Callback
	json.Unmarshal(body, &cb)
	p.mu.Lock()
	defer p.mu.Unlock()
	p.got = append(p.got, cb)
	if p.fail[cb.OrderNo] > 0 {
		p.fail[cb.OrderNo]--
		w.WriteHeader(http.StatusBadGateway)
		return
	}
	w.WriteHeader(http.StatusOK)
}

func (p *hotlinePlatform) callbacks(order string) []hotline.Callback {
	p.mu.Lock()
	defer p.mu.Unlock()
	var out []hotline.Callback
	for _, cb := range p.got {
		if cb.OrderNo == order {
			out = append(out, cb)
		}
	}
	return out
}

// hotlineOrder is a work order as the platform pushes it.
func hotlineOrder(no, content string) []byte {
	b, _ := json.Marshal(map[string]any{
		"order_no": no, "call_id": "CALL-" + no, "caller_number": "13812345678", "caller_name": "孙斌",
		"received_at": time.Now().Add(-10 * time.Minute).Format(time.RFC3339), "type": "投诉",
		"content": content, "address": "汉滨区老城街道西大街", "region_code": "610902001003", "urgency": "一般",
	})
	return b
}

// pushOrder posts a signed order (signed at ts with key; unsigned if key is "").
func (s *testServer) pushOrder(body []byte, ts time.Time, key string) response {
	s.t.Helper()
	var h []string
	if key != "" {
		h = []string{hotline.HeaderTimestamp, strconv.FormatInt(ts.Unix(), 10),
			hotline.HeaderSignature, hotline.Sign(key, ts, body)}
	}
	return s.do("POST", "/api/v1/channels/hotline/orders", "", string(body), h...)
}

// callbackOutcomes lists the outcomes of the callback notes on a case.
func (s *testServer) callbackOutcomes(token, no string) []string {
	s.t.Helper()
	r := s.do("GET", "/api/v1/cases/"+no, token, nil)
	var out []string
	evs, _ := r.body["events"].([]any)
	for _, e := range evs {
		ev := e.(map[string]any)
		if ev["kind"] == hotline.EventCallback {
			data, _ := ev["data"].(map[string]any)
			o, _ := data["outcome"].(string)
			out = append(out, o)
		}
	}
	return out
}

func (s *testServer) waitCallbacks(token, no string, want ...string) {
	s.t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		got := s.callbackOutcomes(token, no)
		if strings.Join(got, ",") == strings.Join(want, ",") {
			return
		}
		if time.Now().After(deadline) {
			s.t.Fatalf("callback outcomes on %s: %v, want %v", no, got, want)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func hotlineEndToEnd(t *testing.T, dialect string) {
	p := &hotlinePlatform{fail: map[string]int{"GD-E2E-1": 2}}
	srv := httptest.NewServer(p)
	defer srv.Close()
	t.Setenv("HOTLINE_SECRET", hotlineTestSecret)
	t.Setenv("HOTLINE_CALLBACK_URL", srv.URL+"/12345/callback")
	t.Setenv("HOTLINE_CALLBACK_RETRY", "10ms")
	s := startServer(t, dialect)
	s.addUser("agent", "hotline_agent", "610902")
	s.addUser("mediator", "mediator", "610902")
	s.addUser("leader", "leader", "6109")
	agent, mediator, leader := s.login("agent"), s.login("mediator"), s.login("leader")
	noCases := func(when string) {
		t.Helper()
		r := s.do("GET", "/api/v1/cases", leader, nil)
		if items, _ := r.body["items"].([]any); r.status != 200 || len(items) != 0 {
			t.Fatalf("%s: cases stored: %s", when, r.raw)
		}
	}

	// Refused deliveries store nothing.
	body := hotlineOrder("GD-E2E-1", "丽发新城小区附近搅拌站日夜施工，噪音扬尘严重影响休息。")
	now := time.Now()
	for name, r := range map[string]response{
		"unsigned":     s.pushOrder(body, now, ""),
		"wrong secret": s.pushOrder(body, now, "guess"),
		"stale":        s.pushOrder(body, now.Add(-10*time.Minute), hotlineTestSecret),
		"ahead":        s.pushOrder(body, now.Add(10*time.Minute), hotlineTestSecret),
	} {
		if r.status != 401 || errorCode(r) != "unauthorized" {
			t.Errorf("%s: %d %s", name, r.status, r.raw)
		}
	}
	if r := s.pushOrder([]byte(`{"order_no":"GD-E2E-1","content":`), now, hotlineTestSecret); r.status != 400 || errorCode(r) != "invalid" {
		t.Errorf("malformed: %d %s", r.status, r.raw)
	}
	if r := s.pushOrder([]byte(`{"order_no":"GD-E2E-1"}`), now, hotlineTestSecret); r.status != 400 || errorField(r, "caller_number") == "" {
		t.Errorf("incomplete: %d %s", r.status, r.raw)
	}
	noCases("after refusals")

	// The first delivery registers (201), a replay answers the same (200).
	r := s.pushOrder(body, now, hotlineTestSecret)
	if r.status != 201 || r.body["decision"] != "new" {
		t.Fatalf("order: %d %s", r.status, r.raw)
	}
	no := r.body["case_no"].(string)
	if again := s.pushOrder(body, time.Now(), hotlineTestSecret); again.status != 200 || again.body["case_no"] != no ||
		again.body["intake_ref"] != r.body["intake_ref"] {
		t.Fatalf("replay: %d %s", again.status, again.raw)
	}

	// The screen pop: the caller's case, masked; staff only.
	if r := s.do("GET", "/api/v1/channels/hotline/callers/13812345678", "", nil); r.status != 401 {
		t.Errorf("screen pop without login: %d", r.status)
	}
	r = s.do("GET", "/api/v1/channels/hotline/callers/13812345678", agent, nil)
	cs, _ := r.body["cases"].([]any)
	if r.status != 200 || len(cs) != 1 || cs[0].(map[string]any)["case_no"] != no || r.body["caller"] != "138****5678" ||
		strings.Contains(r.raw, "13812345678") {
		t.Fatalf("screen pop: %d %s", r.status, r.raw)
	}
	if sug, _ := r.body["suggestions"].([]any); len(sug) == 0 || sug[0].(map[string]any)["case_no"] != no {
		t.Errorf("suggestions: %s", r.raw)
	}
	if r := s.do("GET", "/api/v1/channels/hotline/callers/12", agent, nil); r.status != 400 {
		t.Errorf("short number: %d %s", r.status, r.raw)
	}

	// Resolved: the platform fails twice, then takes the result.
	for _, to := range []string{"accepted", "in_progress", "resolved"} {
		if r := s.do("POST", "/api/v1/cases/"+no+"/transitions", mediator,
			map[string]string{"to": to, "note": "已责令搅拌站夜间停工并加装降尘设施"}); r.status != 200 {
			t.Fatalf("%s: %d %s", to, r.status, r.raw)
		}
	}
	s.waitCallbacks(mediator, no, "failed", "failed", "delivered")
	got := p.callbacks("GD-E2E-1")
	if len(got) != 3 || got[2].CaseNo != no || got[2].Result != "resolved" || got[2].Reply != "已责令搅拌站夜间停工并加装降尘设施" {
		t.Fatalf("callbacks: %+v", got)
	}

	// Sent back (退单) by staff who may transition cases.
	body2 := hotlineOrder("GD-E2E-2", "咨询异地就医医保报销需要哪些材料。")
	r = s.pushOrder(body2, time.Now(), hotlineTestSecret)
	if r.status != 201 {
		t.Fatalf("order 2: %d %s", r.status, r.raw)
	}
	no2 := r.body["case_no"].(string)
	reason := map[string]string{"reason": "属医保部门职责，请转市医保局"}
	if r := s.do("POST", "/api/v1/channels/hotline/orders/GD-E2E-2/return", agent, reason); r.status != 403 {
		t.Errorf("agent returns: %d %s", r.status, r.raw)
	}
	if r := s.do("POST", "/api/v1/channels/hotline/orders/GD-E2E-2/return", mediator, map[string]string{}); r.status != 400 {
		t.Errorf("return without reason: %d %s", r.status, r.raw)
	}
	r = s.do("POST", "/api/v1/channels/hotline/orders/GD-E2E-2/return", mediator, reason)
	if r.status != 200 || r.body["case_no"] != no2 || !strings.Contains(r.raw, hotline.EventReturned) {
		t.Fatalf("return: %d %s", r.status, r.raw)
	}
	if r := s.do("POST", "/api/v1/channels/hotline/orders/GD-E2E-2/return", mediator, reason); r.status != 409 {
		t.Errorf("second return: %d %s", r.status, r.raw)
	}
	if r := s.do("POST", "/api/v1/channels/hotline/orders/GD-NONE/return", mediator, reason); r.status != 404 {
		t.Errorf("unknown order: %d %s", r.status, r.raw)
	}
	s.waitCallbacks(mediator, no2, "delivered")
	if got := p.callbacks("GD-E2E-2"); len(got) != 1 || got[0].Result != "returned" || got[0].Reason != reason["reason"] {
		t.Errorf("return callback: %+v", got)
	}
}
