package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/uptrace/bun"

	"github.com/jiefen/jiefen/channels/hotline"
	"github.com/jiefen/jiefen/database/dbtest"
	"github.com/jiefen/jiefen/search/meili"
)

// TestTwoServers is issue 9, item 6: two Apps on one PostgreSQL database
// take intakes at once. No duplicate case numbers, every acknowledged
// intake stored once and searchable on both servers, a duplicate filed on
// server B a second after the original on server A still merged, the same
// hotline work order delivered to both at once registered once, and each
// hotline callback job run once with both servers' job workers running.
// The index is Meilisearch shared by both (when MEILI_URL is set), or each
// server's own embedded index following the shared change feed.
func TestTwoServers(t *testing.T) {
	meiliURL, meiliKey := os.Getenv("MEILI_URL"), os.Getenv("MEILI_KEY")
	t.Run("embedded", func(t *testing.T) { twoServers(t, "embedded", "", "") })
	t.Run("meili", func(t *testing.T) {
		if meiliURL == "" {
			t.Skip("MEILI_URL not set")
		}
		twoServers(t, "meili", meiliURL, meiliKey)
	})
}

func twoServers(t *testing.T, variant, meiliURL, meiliKey string) {
	dsn := dbtest.DSN(t, "postgres") // skips without JIEFEN_TEST_PG
	platform := &hotlinePlatform{fail: map[string]int{}}
	hs := httptest.NewServer(platform)
	t.Cleanup(hs.Close)
	t.Setenv("HOTLINE_SECRET", hotlineTestSecret)
	t.Setenv("HOTLINE_CALLBACK_URL", hs.URL+"/12345/callback")
	t.Setenv("HOTLINE_CALLBACK_RETRY", "10ms")
	t.Setenv("JIEFEN_KEY", crashKey) // for the CLI (user add)
	t.Setenv("MEILI_URL", "")        // the CLI opens no engine

	cfg := func() Config {
		c := Config{DataDir: t.TempDir(), Addr: "127.0.0.1:0", DSN: dsn, Key: crashKey}
		if meiliURL != "" {
			c.MeiliURL, c.MeiliKey = meiliURL, meiliKey
			c.MeiliIndex = "jiefen_two_" + strconv.FormatInt(time.Now().UnixNano(), 36)
		}
		return c
	}
	cfgA := cfg()
	cfgB := cfgA
	cfgB.DataDir = t.TempDir()
	if meiliURL != "" {
		t.Cleanup(func() {
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			if e, err := meili.Open(ctx, meiliURL, meiliKey, cfgA.MeiliIndex); err == nil {
				e.Drop(ctx)
				e.Close()
			}
		})
	}
	logsA, logsB := &lockedBuffer{}, &lockedBuffer{}
	a, appA := startAppOn(t, cfgA, logsA, nil)
	b, _ := startAppOn(t, cfgB, logsB, nil)
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("server A log (tail):\n%s", logsA.tail(30))
			t.Logf("server B log (tail):\n%s", logsB.tail(30))
		}
	})
	a.addUser("clerk", "window_clerk", "6109")
	a.addUser("mediator", "mediator", "6109")
	servers := map[string]*testServer{"A": a, "B": b}
	clerk := map[string]string{"A": a.login("clerk"), "B": b.login("clerk")}

	t.Run("load", func(t *testing.T) {
		// Phase 1: one stream of realistic intakes (follow-ups by the same
		// people, groups of neighbours) dealt alternately to the two
		// servers. Phase 2, a second after phase 1 ends: echoes, some of
		// those intakes filed again word for word by the same person on
		// both servers at once, which must both be merged into the case the
		// original was acknowledged with (and never answer 409 because the
		// other server is updating that case).
		base := loadIntakes(t, "two-"+variant, 120)
		work := append([]loadIntake(nil), base...)
		var phases [2][2][]loadIntake // phase → server → work
		for i, w := range base {
			phases[0][i%2] = append(phases[0][i%2], w)
		}
		echoOf := map[string]int{} // echo key → index of the original
		for i := 0; i < len(base); i += 6 {
			for j, side := range []string{"a", "b"} {
				e := echoIntake(base[i], fmt.Sprintf("%s-echo-%s", base[i].key, side))
				echoOf[e.key] = i
				work = append(work, e)
				phases[1][j] = append(phases[1][j], e)
			}
		}
		idx := map[string]int{}
		for i, w := range work {
			idx[w.key] = i
		}
		lr := newLoadRun()
		ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
		defer cancel()
		began := time.Now()
		for p, phase := range phases {
			if p > 0 {
				time.Sleep(time.Second)
			}
			var wg sync.WaitGroup
			for j, name := range []string{"A", "B"} {
				wg.Add(1)
				go func() {
					defer wg.Done()
					driveLoadOn(ctx, servers[name].url, name, clerk[name], phase[j], 8, lr)
				}()
			}
			wg.Wait()
		}
		t.Logf("%d intakes in %v: %s", len(work), time.Since(began).Round(time.Millisecond), lr.summary())
		if ctx.Err() != nil {
			t.Errorf("load did not finish within 60 s")
		}
		lr.checkStatuses(t)
		if n := len(lr.unanswered()); n > 0 {
			t.Errorf("%d requests got no answer: %s", n, lr.summary())
		}
		// acks index the server's share; map them to the whole stream.
		acked := lr.acks()
		for i := range acked {
			acked[i].index = idx[acked[i].key]
		}
		if len(acked) < len(work)*95/100 {
			t.Errorf("%d of %d intakes acknowledged, want ≥ 95 %%", len(acked), len(work))
		}

		// Echoes join the original's case.
		caseOf := map[string]string{}
		for _, x := range acked {
			caseOf[x.key] = x.caseNo
		}
		for _, x := range acked {
			if i, ok := echoOf[x.key]; ok && caseOf[base[i].key] != "" && x.caseNo != caseOf[base[i].key] {
				t.Errorf("%s, filed again on %s, went to case %s (%s), not the original's %s",
					base[i].key, x.server, x.caseNo, x.decision, caseOf[base[i].key])
			}
		}

		// Cases opened by different intakes have different numbers.
		opened := map[string]string{}
		for _, x := range acked {
			if x.decision == "merged" {
				continue
			}
			if other, dup := opened[x.caseNo]; dup {
				t.Errorf("case number %s opened twice: by %s and %s", x.caseNo, other, x.key)
			}
			opened[x.caseNo] = x.key
		}
		var dupNos []string
		if err := appA.DB.NewRaw(`SELECT case_no FROM cases GROUP BY case_no HAVING COUNT(*) > 1`).Scan(ctx, &dupNos); err != nil {
			t.Error(err)
		} else if len(dupNos) > 0 {
			t.Errorf("duplicate case numbers in the database: %v", dupNos)
		}

		// Every acknowledged intake is stored once, on the case it was
		// acknowledged with, as the other server shows it.
		refs := make([]string, len(acked))
		for i, x := range acked {
			refs[i] = x.ref
			other := b
			if x.server == "B" {
				other = a
			}
			if n := intakeCountAt(getVia(other), clerk[otherName(x.server)], x.caseNo, x.ref); n != 1 {
				t.Errorf("intake %s (key %s, on %s) appears %d times on case %s as server %s shows it",
					x.ref, x.key, x.server, n, x.caseNo, otherName(x.server))
			}
		}
		var stored int
		if err := appA.DB.NewRaw(`SELECT COUNT(*) FROM intakes WHERE ref IN (?)`, bun.In(refs)).Scan(ctx, &stored); err != nil {
			t.Error(err)
		} else if stored != len(refs) {
			t.Errorf("%d intake rows for %d acknowledged refs", stored, len(refs))
		}

		// Both servers' searches find every acknowledged intake.
		var sw sync.WaitGroup
		for _, name := range []string{"A", "B"} {
			sw.Add(1)
			go func() {
				defer sw.Done()
				waitSearchableAt(t, "server "+name, getVia(servers[name]), clerk[name], work, acked, 30*time.Second)
			}()
		}
		sw.Wait()
	})

	t.Run("duplicate across servers", func(t *testing.T) {
		first := walkIn()
		first["person"] = map[string]any{"name": "韩立军", "id_number": "610902198504120017", "phone": "13991234567"}
		r := a.do("POST", "/api/v1/intakes", clerk["A"], first, "Idempotency-Key", "two-"+variant+"-dup-1")
		if r.status != 201 {
			t.Fatalf("first on A: %d %s", r.status, r.raw)
		}
		time.Sleep(time.Second)
		again := walkIn()
		again["person"] = first["person"]
		again["subject"] = "邻居违建堵住通道"
		again["content"] = "隔壁王某在巷道里加盖了彩钢棚，把出行的通道堵住了，我们协商了好几次都没有结果。"
		r2 := b.do("POST", "/api/v1/intakes", clerk["B"], again, "Idempotency-Key", "two-"+variant+"-dup-2")
		if r2.status/100 != 2 || r2.body["decision"] != "merged" || r2.body["case_no"] != r.body["case_no"] {
			t.Errorf("the same matter on B a second later: %d decision %v case %v, want merged into %v (%s)",
				r2.status, r2.body["decision"], r2.body["case_no"], r.body["case_no"], r2.raw)
		}
	})

	t.Run("hotline callbacks once", func(t *testing.T) {
		mediator := map[string]string{"A": a.login("mediator"), "B": b.login("mediator")}
		contents := []string{
			"丽发新城小区附近搅拌站日夜施工，噪音扬尘严重影响休息。",
			"咨询异地就医医保报销需要哪些材料，社区说不清楚。",
			"江北街道某饭店油烟直排，楼上住户窗户都是油污。",
			"某驾校收费后迟迟不安排练车，要求退费被拒。",
			"老城街道路灯坏了一个多月，夜里出行不安全。",
			"小区物业擅自提高停车费，业主意见很大。",
		}
		type order struct{ no, caseNo string }
		orders := make([]order, len(contents))
		for i, content := range contents {
			no := fmt.Sprintf("GD-TWO-%s-%d", strings.ToUpper(variant[:1]), i+1)
			body := twoServerOrder(no, fmt.Sprintf("1350916%04d", 1000+i), content)
			// The platform delivers the order to both servers at once (a
			// retry through the proxy): one case, both answers name it.
			var wg sync.WaitGroup
			var codes [2]int
			var nos [2]string
			var raws [2]string
			for j, s := range []*testServer{a, b} {
				wg.Add(1)
				go func() {
					defer wg.Done()
					codes[j], nos[j], raws[j] = pushOrderTo(s.url, body)
				}()
			}
			wg.Wait()
			if codes[0]/100 != 2 || codes[1]/100 != 2 || nos[0] == "" || nos[0] != nos[1] {
				t.Errorf("order %s on both servers: A %d %s, B %d %s", no, codes[0], raws[0], codes[1], raws[1])
			}
			orders[i] = order{no: no, caseNo: nos[0]}
			if orders[i].caseNo == "" {
				orders[i].caseNo = nos[1]
			}
		}
		// Resolve each case on one server or the other: each queues one
		// callback, which either server's worker may run.
		for i, o := range orders {
			if o.caseNo == "" {
				continue
			}
			name := []string{"A", "B"}[i%2]
			s := servers[name]
			for _, to := range []string{"accepted", "in_progress", "resolved"} {
				if r := s.do("POST", "/api/v1/cases/"+o.caseNo+"/transitions", mediator[name],
					map[string]string{"to": to, "note": "已协调相关部门处理并回复来电人"}); r.status != 200 {
					t.Errorf("%s %s on %s: %d %s", o.caseNo, to, name, r.status, r.raw)
				}
			}
		}
		deadline := time.Now().Add(30 * time.Second)
		for _, o := range orders {
			for len(platform.callbacks(o.no)) == 0 && time.Now().Before(deadline) {
				time.Sleep(100 * time.Millisecond)
			}
		}
		time.Sleep(3 * time.Second) // a second run, if any, would arrive by now
		for _, o := range orders {
			if o.caseNo == "" {
				continue
			}
			if got := platform.callbacks(o.no); len(got) != 1 {
				t.Errorf("order %s: %d callbacks posted, want 1", o.no, len(got))
			}
			if got := a.callbackOutcomes(mediator["A"], o.caseNo); strings.Join(got, ",") != "delivered" {
				t.Errorf("order %s: callback outcomes on the timeline %v, want [delivered]", o.no, got)
			}
		}
	})
}

func otherName(s string) string {
	if s == "A" {
		return "B"
	}
	return "A"
}

// getVia adapts a test server to the GET helpers shared with the crash
// test; it never fails the test itself.
func getVia(s *testServer) func(path, token string) (int, map[string]any, string) {
	return func(path, token string) (int, map[string]any, string) {
		status, body, raw := rawRequest("GET", s.url+path, token, nil)
		return status, body, raw
	}
}

// rawRequest is do without t: safe from any goroutine.
func rawRequest(method, url, token string, body []byte, headers ...string) (int, map[string]any, string) {
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequest(method, url, rd)
	if err != nil {
		return 0, nil, err.Error()
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	client := &http.Client{Timeout: 20 * time.Second}
	res, err := client.Do(req)
	if err != nil {
		return 0, nil, err.Error()
	}
	defer res.Body.Close()
	raw, _ := io.ReadAll(res.Body)
	var m map[string]any
	json.Unmarshal(raw, &m)
	return res.StatusCode, m, string(raw)
}

// twoServerOrder is a work order from its own caller.
func twoServerOrder(no, caller, content string) []byte {
	b, _ := json.Marshal(map[string]any{
		"order_no": no, "call_id": "CALL-" + no, "caller_number": caller, "caller_name": "来电群众",
		"received_at": time.Now().Add(-10 * time.Minute).Format(time.RFC3339), "type": "投诉",
		"content": content, "address": "汉滨区老城街道", "region_code": "610902001003", "urgency": "一般",
	})
	return b
}

// pushOrderTo posts a signed work order and returns the status and case.
func pushOrderTo(base string, body []byte) (int, string, string) {
	ts := time.Now()
	status, m, raw := rawRequest("POST", base+"/api/v1/channels/hotline/orders", "", body,
		hotline.HeaderTimestamp, strconv.FormatInt(ts.Unix(), 10),
		hotline.HeaderSignature, hotline.Sign(hotlineTestSecret, ts, body))
	no, _ := m["case_no"].(string)
	return status, no, raw
}

// echoIntake is in again, word for word, under another key and marker.
func echoIntake(in loadIntake, key string) loadIntake {
	marker := []byte(in.marker)
	for i, j := 0, len(marker)-1; i < j; i, j = i+1, j-1 {
		marker[i], marker[j] = marker[j], marker[i]
	}
	m := "e" + string(marker[1:])
	return loadIntake{key: key, marker: m, body: bytes.Replace(in.body, []byte(in.marker), []byte(m), 1)}
}

// startAppOn is startApp on a given configuration (a shared database, a
// fixed key, an engine), logging to logs; prepare, if set, runs before
// serving.
func startAppOn(t *testing.T, cfg Config, logs io.Writer, prepare func(ctx context.Context, app *App)) (*testServer, *App) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	app, err := OpenApp(ctx, cfg, slog.New(slog.NewTextHandler(logs, nil)))
	if err != nil {
		cancel()
		t.Fatal(err)
	}
	if prepare != nil {
		prepare(ctx, app)
	}
	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		cancel()
		app.Close()
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- app.Serve(ctx, ln) }()
	s := &testServer{t: t, url: "http://" + ln.Addr().String(), cfg: cfg}
	stopped := false
	s.stop = func() {
		if stopped {
			return
		}
		stopped = true
		cancel()
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("serve: %v", err)
			}
		case <-time.After(30 * time.Second):
			t.Errorf("serve did not return within 30 s of cancel")
		}
		app.Close()
	}
	t.Cleanup(s.stop)
	return s, app
}

// lockedBuffer is a log sink shared by goroutines.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) tail(lines int) string {
	l.mu.Lock()
	defer l.mu.Unlock()
	all := strings.Split(strings.TrimRight(l.b.String(), "\n"), "\n")
	if len(all) > lines {
		all = all[len(all)-lines:]
	}
	return strings.Join(all, "\n")
}
