package hotline_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/uptrace/bun"

	"github.com/jiefen/jiefen/calendar"
	"github.com/jiefen/jiefen/cases"
	"github.com/jiefen/jiefen/cases/casestore"
	"github.com/jiefen/jiefen/channels/hotline"
	"github.com/jiefen/jiefen/database"
	"github.com/jiefen/jiefen/database/dbtest"
	"github.com/jiefen/jiefen/jobs"
	"github.com/jiefen/jiefen/kernel"
	"github.com/jiefen/jiefen/search"
	"github.com/jiefen/jiefen/staff"
	"github.com/jiefen/jiefen/staff/staffstore"
	"github.com/jiefen/jiefen/web"
)

const secret = "hotline-test-secret"

var (
	discard  = slog.New(slog.NewTextHandler(io.Discard, nil))
	mediator = kernel.Actor{UserID: 2, Name: "王调解", Role: kernel.RoleMediator, RegionCode: "610902000000"}
	agent    = kernel.Actor{UserID: 3, Name: "刘坐席", Role: kernel.RoleHotlineAgent, RegionCode: "610902000000"}
	stranger = kernel.Actor{UserID: 4, Name: "铜川调解员", Role: kernel.RoleMediator, RegionCode: "610202000000"}
)

type env struct {
	n   int // orders registered
	t   *testing.T
	db  *bun.DB
	svc *cases.Service
	ch  *hotline.Channel
	app *fiber.App
}

func newEnv(t *testing.T, db *bun.DB, cfg hotline.Config, q hotline.Enqueuer) *env {
	return newEnvLog(t, db, cfg, q, discard)
}

func newEnvLog(t *testing.T, db *bun.DB, cfg hotline.Config, q hotline.Enqueuer, log *slog.Logger) *env {
	store := casestore.New(db, dbtest.Keys(t))
	svc := cases.NewService(database.Transactor{DB: db}, store, calendar.Default())
	ch := hotline.New(svc, store, nil, q, cfg, discard)
	svc.Notifier = ch.Notifier()
	app := web.New(web.Deps{Cases: svc, Staff: staff.NewService(staffstore.New(db), store), Log: log,
		Mounts: []web.Mount{ch.Mount}})
	return &env{t: t, db: db, svc: svc, ch: ch, app: app}
}

// post sends a work order signed at ts with key.
func (e *env) post(body []byte, ts time.Time, key string) (int, map[string]any, http.Header) {
	e.t.Helper()
	req := httptest.NewRequest("POST", "/api/v1/channels/hotline/orders", bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	if key != "" {
		req.Header.Set(hotline.HeaderTimestamp, strconv.FormatInt(ts.Unix(), 10))
		req.Header.Set(hotline.HeaderSignature, hotline.Sign(key, ts, body))
	}
	res, err := e.app.Test(req, -1)
	if err != nil {
		e.t.Fatal(err)
	}
	defer res.Body.Close()
	var out map[string]any
	json.NewDecoder(res.Body).Decode(&out)
	return res.StatusCode, out, res.Header
}

func (e *env) intakes() int64 {
	e.t.Helper()
	n, err := e.db.NewSelect().Table("intakes").Count(context.Background())
	if err != nil {
		e.t.Fatal(err)
	}
	return n
}

func errCode(body map[string]any) string {
	er, _ := body["error"].(map[string]any)
	c, _ := er["code"].(string)
	return c
}

func TestReceive(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		e := newEnv(t, db, hotline.Config{Secret: secret}, nil)
		body := mustJSON(order(nil))
		now := time.Now()

		// Nothing unsigned, mis-signed, stale or malformed is stored.
		for _, tc := range []struct {
			name   string
			body   []byte
			ts     time.Time
			key    string
			status int
		}{
			{"Unsigned", body, now, "", 401},
			{"WrongSecret", body, now, "guess", 401},
			{"Stale", body, now.Add(-6 * time.Minute), secret, 401},
			{"FromTheFuture", body, now.Add(6 * time.Minute), secret, 401},
			{"NotJSON", []byte("{order_no: 1"), now, secret, 400},
			{"MissingFields", []byte(`{"order_no":"X1"}`), now, secret, 400},
			{"UnknownRegion", mustJSON(order(map[string]any{"region_code": "610902999999"})), now, secret, 400},
			{"ReceivedInTheFuture", mustJSON(order(map[string]any{"received_at": now.Add(time.Hour).Format(time.RFC3339)})), now, secret, 400},
			{"Oversized", mustJSON(order(map[string]any{"padding": strings.Repeat("x", hotline.MaxOrderBytes)})), now, secret, 400},
		} {
			t.Run(tc.name, func(t *testing.T) {
				status, out, _ := e.post(tc.body, tc.ts, tc.key)
				if status != tc.status || errCode(out) == "" {
					t.Fatalf("status %d %v, want %d in the error shape", status, out, tc.status)
				}
				if n := e.intakes(); n != 0 {
					t.Fatalf("%d intakes stored after a refused order", n)
				}
			})
		}
		// A tampered body with a valid signature of the original.
		req := httptest.NewRequest("POST", "/api/v1/channels/hotline/orders",
			bytes.NewReader(mustJSON(order(map[string]any{"content": "改过的内容"}))))
		req.Header.Set(hotline.HeaderTimestamp, strconv.FormatInt(now.Unix(), 10))
		req.Header.Set(hotline.HeaderSignature, hotline.Sign(secret, now, body))
		if res, _ := e.app.Test(req, -1); res.StatusCode != 401 || e.intakes() != 0 {
			t.Fatalf("tampered body: %d", res.StatusCode)
		}

		// The first delivery registers; the response is the intake API's.
		status, first, _ := e.post(body, now, secret)
		if status != 201 {
			t.Fatalf("register: %d %v", status, first)
		}
		no, _ := first["case_no"].(string)
		cs, _ := first["case"].(map[string]any)
		if !strings.HasPrefix(no, "610902") || first["intake_ref"] == "" || first["decision"] != "new" || cs["case_no"] != no {
			t.Fatalf("response %v", first)
		}
		in := cs["intakes"].([]any)[0].(map[string]any)
		if in["channel"] != "hotline" || in["external_ref"] != "AK12345-20250916-0001" || cs["category"] != "environment" {
			t.Errorf("intake %v", in)
		}
		if raw := string(mustJSON(first)); strings.Contains(raw, "13812345678") || !strings.Contains(raw, "138****5678") {
			t.Errorf("phone not masked: %s", raw)
		}
		ev := cs["events"].([]any)[0].(map[string]any)
		if ev["actor"] != hotline.PlatformActor || ev["kind"] != "registered" {
			t.Errorf("event %v", ev)
		}

		// A repeated delivery (new timestamp, same body) is the same case.
		status, again, hdr := e.post(body, now.Add(time.Minute), secret)
		if status != 200 || again["case_no"] != no || again["intake_ref"] != first["intake_ref"] ||
			again["replayed"] != true || hdr.Get("Idempotent-Replayed") != "true" {
			t.Fatalf("replay: %d %v", status, again)
		}
		// The same order number with other content is a conflict.
		status, out, _ := e.post(mustJSON(order(map[string]any{"content": "另一件事"})), now, secret)
		if status != 409 || errCode(out) != "conflict" {
			t.Fatalf("changed order: %d %v", status, out)
		}
		if n := e.intakes(); n != 1 {
			t.Fatalf("%d intakes, want 1", n)
		}

		// Without a secret the route says why it does not work.
		off := newEnv(t, db, hotline.Config{}, nil)
		if status, out, _ := off.post(body, now, secret); status != 503 || errCode(out) != "unavailable" {
			t.Errorf("no secret: %d %v", status, out)
		}
	})
}

// platform is a test 12345 platform receiving callbacks.
type platform struct {
	t   *testing.T
	srv *httptest.Server
	mu  sync.Mutex
	got []hotline.Callback
	// answer decides the status (and Retry-After) of the n-th callback
	// (from 1) for an order.
	answer func(cb hotline.Callback, n int) (int, string)
}

func newPlatform(t *testing.T, answer func(cb hotline.Callback, n int) (int, string)) *platform {
	p := &platform{t: t, answer: answer}
	p.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		if _, err := hotline.Verify(secret, r.Header.Get(hotline.HeaderTimestamp), r.Header.Get(hotline.HeaderSignature),
			body, time.Now(), time.Minute); err != nil {
			t.Errorf("callback signature: %v", err)
			w.WriteHeader(401)
			return
		}
		var cb hotline.Callback
		if err := json.Unmarshal(body, &cb); err != nil {
			t.Errorf("callback body %s: %v", body, err)
		}
		p.mu.Lock()
		p.got = append(p.got, cb)
		n := 0
		for _, g := range p.got {
			if g.OrderNo == cb.OrderNo {
				n++
			}
		}
		p.mu.Unlock()
		status, after := p.answer(cb, n)
		if after != "" {
			w.Header().Set("Retry-After", after)
		}
		w.WriteHeader(status)
	}))
	t.Cleanup(p.srv.Close)
	return p
}

func (p *platform) callbacks(order string) []hotline.Callback {
	p.mu.Lock()
	defer p.mu.Unlock()
	var out []hotline.Callback
	for _, g := range p.got {
		if g.OrderNo == order {
			out = append(out, g)
		}
	}
	return out
}

// outcomes lists the outcomes of the callback notes on a case's timeline.
func (e *env) outcomes(no string) []string {
	e.t.Helper()
	c, err := e.svc.Get(context.Background(), mediator, no)
	if err != nil {
		e.t.Fatal(err)
	}
	var out []string
	for _, ev := range c.Events {
		if ev.Kind == hotline.EventCallback {
			if ev.ActorName != hotline.CallbackActor || ev.Note == "" {
				e.t.Errorf("callback note %+v", ev)
			}
			o, _ := ev.Data["outcome"].(string)
			out = append(out, o)
		}
	}
	return out
}

func (e *env) waitOutcomes(no string, want ...string) {
	e.t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		got := e.outcomes(no)
		if strings.Join(got, ",") == strings.Join(want, ",") {
			return
		}
		if time.Now().After(deadline) {
			e.t.Fatalf("callback outcomes of %s: %v, want %v", no, got, want)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func (e *env) register(orderNo, content string) string {
	e.t.Helper()
	e.n++
	at := time.Now().Add(time.Duration(e.n-100) * time.Minute).Format(time.RFC3339)
	status, out, _ := e.post(mustJSON(order(map[string]any{"order_no": orderNo, "content": content, "summary": nil,
		"received_at": at})), time.Now(), secret)
	if status != 201 {
		e.t.Fatalf("register %s: %d %v", orderNo, status, out)
	}
	return out["case_no"].(string)
}

func (e *env) resolve(no, reply string) {
	e.t.Helper()
	ctx := context.Background()
	for _, to := range []cases.Status{cases.StatusAccepted, cases.StatusInProgress, cases.StatusResolved} {
		note := ""
		if to == cases.StatusResolved {
			note = reply
		}
		if _, err := e.svc.Transition(ctx, mediator, no, to, note); err != nil {
			e.t.Fatal(err)
		}
	}
}

func TestCallbacks(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		ctx := context.Background()
		p := newPlatform(t, func(cb hotline.Callback, n int) (int, string) {
			switch {
			case cb.OrderNo == "GD-OUTAGE":
				return 500, "" // down for good
			case cb.OrderNo == "GD-FLAKY" && n <= 2:
				return 503, "" // fails twice, then recovers
			case cb.OrderNo == "GD-BUSY" && n == 1:
				return 429, "0" // asks to come back later
			}
			return 200, ""
		})
		if err := jobs.Migrate(ctx, db); err != nil {
			t.Fatal(err)
		}
		q, err := jobs.New(db, jobs.Options{PollEvery: 20 * time.Millisecond, Log: discard})
		if err != nil {
			t.Fatal(err)
		}
		e := newEnv(t, db, hotline.Config{Secret: secret, CallbackURL: p.srv.URL + "/callback",
			RetryBase: 10 * time.Millisecond, MaxAttempts: 3}, q)
		jobs.Add(q, e.ch.Worker())
		if err := q.Start(ctx); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { q.Stop(context.Background()) })

		// Resolved on a flaky platform: two failures, then delivered.
		flaky := e.register("GD-FLAKY", "小区门口烧烤摊油烟扰民，每晚营业到凌晨。")
		e.resolve(flaky, "已协调城管劝导，烧烤摊已搬离。")
		e.waitOutcomes(flaky, "failed", "failed", "delivered")
		got := p.callbacks("GD-FLAKY")
		if len(got) != 3 {
			t.Fatalf("%d callbacks, want 3", len(got))
		}
		cb := got[2]
		if cb.CaseNo != flaky || cb.Result != "resolved" || cb.ResultLabel != "办结" || cb.Reply != "已协调城管劝导，烧烤摊已搬离。" ||
			cb.CaseStatus != "resolved" || cb.Handler != mediator.Name || cb.Attempt != 3 || cb.CallbackID != got[0].CallbackID ||
			cb.HandledAt.IsZero() {
			t.Errorf("callback %+v", cb)
		}

		// Sent back while the platform is busy: postponed, then delivered.
		busy := e.register("GD-BUSY", "咨询异地医保报销流程。")
		if _, err := e.ch.Return(ctx, agent, "GD-BUSY", "不属于本单位职责"); kernel.ErrorCode(err) != kernel.EForbidden {
			t.Errorf("agent returns: %v", err)
		}
		if _, err := e.ch.Return(ctx, stranger, "GD-BUSY", "不属于本单位职责"); kernel.ErrorCode(err) != kernel.ENotFound {
			t.Errorf("other region returns: %v", err)
		}
		if _, err := e.ch.Return(ctx, mediator, "GD-NONE", "不属于本单位职责"); kernel.ErrorCode(err) != kernel.ENotFound {
			t.Errorf("unknown order: %v", err)
		}
		if _, err := e.ch.Return(ctx, mediator, "GD-BUSY", " "); kernel.ErrorCode(err) != kernel.EInvalid {
			t.Errorf("no reason: %v", err)
		}
		if no, err := e.ch.Return(ctx, mediator, "GD-BUSY", "属医保部门职责，请转市医保局办理"); err != nil || no != busy {
			t.Fatalf("return: %q %v", no, err)
		}
		if _, err := e.ch.Return(ctx, mediator, "GD-BUSY", "再退一次"); kernel.ErrorCode(err) != kernel.EConflict {
			t.Errorf("second return: %v", err)
		}
		e.waitOutcomes(busy, "postponed", "delivered")
		if got := p.callbacks("GD-BUSY"); got[1].Result != "returned" || got[1].Reason != "属医保部门职责，请转市医保局办理" || got[1].Reply != "" {
			t.Errorf("return callback %+v", got[1])
		}
		// Resolving the case later does not report the returned order.
		e.resolve(busy, "已告知来电人向医保局咨询。")
		// A resolved case cannot send its order back.
		if _, err := e.ch.Return(ctx, mediator, "GD-FLAKY", "迟来的退单"); kernel.ErrorCode(err) != kernel.EConflict {
			t.Errorf("return after resolution: %v", err)
		}

		// A platform that stays down: the last attempt gives up, on the timeline.
		outage := e.register("GD-OUTAGE", "反映西大街路灯不亮。")
		e.resolve(outage, "已报修，路灯恢复照明。")
		e.waitOutcomes(outage, "failed", "failed", "gave_up")
		time.Sleep(200 * time.Millisecond)
		if n := len(p.callbacks("GD-OUTAGE")); n != 3 {
			t.Errorf("%d attempts on an outage, want 3", n)
		}
		if got := p.callbacks("GD-BUSY"); len(got) != 2 {
			t.Errorf("returned order reported again on resolution: %+v", got)
		}
		c, _ := e.svc.Get(ctx, mediator, outage)
		last := c.Events[len(c.Events)-1]
		if !strings.Contains(last.Note, "停止推送") {
			t.Errorf("final note %q", last.Note)
		}
	})
}

func TestScreenPop(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		ctx := context.Background()
		e := newEnv(t, db, hotline.Config{Secret: secret}, nil)
		e.ch.Detector = &search.Detector{Config: search.DefaultConfig}
		old := e.register("GD-1", "小区门口烧烤摊油烟扰民，每晚营业到凌晨。")
		e.resolve(old, "已协调城管劝导。")
		open := e.register("GD-2", "丽发新城附近搅拌站日夜施工，噪音扬尘严重。")
		// Another caller: not on this caller's screen.
		other := mustJSON(order(map[string]any{"order_no": "GD-3", "caller_number": "13998765432"}))
		if status, out, _ := e.post(other, time.Now(), secret); status != 201 {
			t.Fatalf("%d %v", status, out)
		}

		pop, err := e.ch.ScreenPop(ctx, agent, "+86 138 1234 5678", "", "")
		if err != nil {
			t.Fatal(err)
		}
		if pop.Caller != "138****5678" || pop.Open != 1 || len(pop.Cases) != 2 || pop.Cases[0].CaseNo != open ||
			pop.Cases[1].CaseNo != old || !pop.Cases[0].Open || pop.Cases[1].Open || pop.Cases[0].Contacts != 1 {
			t.Fatalf("screen pop %+v", pop)
		}
		if len(pop.Suggestions) == 0 || pop.Suggestions[0].CaseNo != open || !pop.Suggestions[0].Own {
			t.Errorf("suggestions %+v", pop.Suggestions)
		}
		// What the agent types steers the suggestions.
		pop, err = e.ch.ScreenPop(ctx, agent, "13812345678", "烧烤摊油烟", "")
		if err != nil {
			t.Fatal(err)
		}
		if len(pop.Suggestions) == 0 || pop.Suggestions[0].CaseNo != old {
			t.Errorf("suggestions for 烧烤摊油烟: %+v", pop.Suggestions)
		}
		// Another region sees nothing; a new number has no history.
		if pop, err := e.ch.ScreenPop(ctx, stranger, "13812345678", "", ""); err != nil || len(pop.Cases) != 0 || len(pop.Suggestions) != 0 {
			t.Errorf("other region: %+v %v", pop, err)
		}
		if pop, err := e.ch.ScreenPop(ctx, agent, "13700000000", "", ""); err != nil || len(pop.Cases) != 0 || len(pop.Suggestions) != 0 {
			t.Errorf("new caller: %+v %v", pop, err)
		}
		if _, err := e.ch.ScreenPop(ctx, agent, "13812345678", "", "610202"); kernel.ErrorCode(err) != kernel.EInvalid {
			t.Errorf("region outside scope: %v", err)
		}
	})
}

// syncBuffer is a log sink safe for the server's goroutines.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// TestCallerNumberNotLogged: request logs carry paths, and paths carry no
// personal data, logged in or not.
func TestCallerNumberNotLogged(t *testing.T) {
	ctx := context.Background()
	db := dbtest.Open(t, "sqlite")
	var logs syncBuffer
	e := newEnvLog(t, db, hotline.Config{Secret: secret}, nil, slog.New(slog.NewTextHandler(&logs, nil)))
	e.register("GD-LOG", "反映西大街路灯不亮。")
	st := staff.NewService(staffstore.New(db), casestore.New(db, dbtest.Keys(t)))
	if _, err := st.AddUser(ctx, staff.NewUser{Username: "agent", Password: "agent-pass-1",
		Role: kernel.RoleHotlineAgent, RegionCode: "610902"}); err != nil {
		t.Fatal(err)
	}
	token, _, _, err := st.Login(ctx, "agent", "agent-pass-1")
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		token  string
		path   string
		status int
	}{
		{"", "13812345678", 401},
		{token, "13812345678", 200},
		{token, "%2B86%20138-1234-5678", 200},
		{token, "138abc", 400},
	} {
		req := httptest.NewRequest("GET", "/api/v1/channels/hotline/callers/"+tc.path, nil)
		if tc.token != "" {
			req.Header.Set("Authorization", "Bearer "+tc.token)
		}
		res, err := e.app.Test(req, -1)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(res.Body)
		if res.StatusCode != tc.status {
			t.Errorf("%s: %d %s", tc.path, res.StatusCode, b)
		}
		if tc.status == 200 && (!strings.Contains(string(b), `"caller":"138****5678"`) || !strings.Contains(string(b), `"open":1`)) {
			t.Errorf("%s: %s", tc.path, b)
		}
	}
	if l := logs.String(); strings.Contains(l, "12345678") || strings.Contains(l, "1234-5678") ||
		!strings.Contains(l, "/api/v1/channels/hotline/callers/138****5678") {
		t.Errorf("request log:\n%s", l)
	}
}
