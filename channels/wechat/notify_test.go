package wechat_test

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"
	"github.com/uptrace/bun"

	"github.com/jiefen/jiefen/cases"
	"github.com/jiefen/jiefen/channels/wechat"
	"github.com/jiefen/jiefen/database/dbtest"
	"github.com/jiefen/jiefen/kernel"
)

const templatesJSON = `{
  "miniprogram_state": "trial",
  "page": "pages/case/case?case_no={case_no}",
  "events": {
    "accepted": {"template_id": "tpl-accepted", "data": {"character_string1": "{case_no}", "thing2": "{subject}",
                 "phrase3": "{event}", "time4": "{time}", "date5": "{handle_due}"}},
    "resolved": {"template_id": "tpl-resolved", "page": "pages/evaluate/evaluate?no={case_no}",
                 "data": {"character_string1": "{case_no}", "phrase2": "{status}", "thing3": "请对办理结果进行评价"}},
    "needs_more_info": {"template_id": "tpl-more", "data": {"thing1": "{subject}"}}
  }
}`

type queued struct {
	args wechat.NotifyArgs
	inTx bool
	opts *river.InsertOpts
}

type fakeQueue struct {
	mu   sync.Mutex
	jobs []queued
}

func (q *fakeQueue) Insert(_ context.Context, tx kernel.Tx, args river.JobArgs, opts *river.InsertOpts) error {
	q.mu.Lock()
	defer q.mu.Unlock()
	q.jobs = append(q.jobs, queued{args: args.(wechat.NotifyArgs), inTx: tx != nil, opts: opts})
	return nil
}

func TestNotifier(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		ctx := context.Background()
		e := newEnv(t, db)
		tpls, err := wechat.ParseTemplates([]byte(templatesJSON))
		if err != nil {
			t.Fatal(err)
		}
		q := &fakeQueue{}
		e.cases.Notifier = &wechat.Notifier{Templates: tpls, Store: e.store, Queue: q, MaxAttempts: 5}
		alice := e.resident(t, "o-alice")
		reg := e.file(t, alice.ID, "小区门口的垃圾站长期无人清理，气味很大，影响居民生活")
		staffCase, err := e.cases.Register(ctx, kernel.SystemActor("窗口"), cases.Intake{Channel: kernel.ChannelWindow,
			Person: cases.Person{Name: "王五", Phone: "13900000000"}, Subject: "欠薪", Content: "工地欠薪两个月",
			RegionCode: "610902"})
		if err != nil {
			t.Fatal(err)
		}
		clerk := kernel.SystemActor("窗口")
		for _, no := range []string{reg.Case.No, staffCase.Case.No} {
			for _, to := range []cases.Status{cases.StatusAccepted, cases.StatusInProgress, cases.StatusResolved} {
				if _, err := e.cases.Transition(ctx, clerk, no, to, "内部备注：已电话联系"); err != nil {
					t.Fatal(err)
				}
			}
		}
		// A rolled-back change sends nothing: the insert rides on its
		// transaction.
		if len(q.jobs) != 2 {
			t.Fatalf("%d jobs, want accepted and resolved of the WeChat case: %+v", len(q.jobs), q.jobs)
		}
		acc, res := q.jobs[0], q.jobs[1]
		if !acc.inTx || acc.opts.MaxAttempts != 5 {
			t.Errorf("job not inserted in the event's transaction: %+v", acc)
		}
		a := acc.args
		if a.Trigger != "accepted" || a.TemplateID != "tpl-accepted" || a.ResidentID != alice.ID || a.CaseNo != reg.Case.No ||
			a.State != "trial" || a.Page != "pages/case/case?case_no="+reg.Case.No || a.Label != "已受理" {
			t.Errorf("accepted args %+v", a)
		}
		if a.Data["character_string1"] != reg.Case.No || a.Data["phrase3"] != "已受理" ||
			len([]rune(a.Data["thing2"])) != 20 || !strings.HasSuffix(a.Data["thing2"], "…") ||
			!strings.HasPrefix(a.Data["time4"], "2025-09-16 09:30") || len(a.Data["date5"]) != 10 {
			t.Errorf("accepted data %v", a.Data)
		}
		if strings.Contains(strings.Join(values(a.Data), ""), "内部备注") {
			t.Error("internal note in a message")
		}
		if r := res.args; r.Page != "pages/evaluate/evaluate?no="+reg.Case.No || r.Data["phrase2"] != "已办结" {
			t.Errorf("resolved args %+v", r)
		}
	})
}

func values(m map[string]string) []string {
	var out []string
	for _, v := range m {
		out = append(out, v)
	}
	return out
}

type scriptedClient struct {
	mu   sync.Mutex
	errs []error
	sent []wechat.Message
}

func (c *scriptedClient) Code2Session(context.Context, string) (wechat.Session, error) {
	return wechat.Session{}, errors.New("unused")
}
func (c *scriptedClient) GetPhoneNumber(context.Context, string) (string, error) {
	return "", errors.New("unused")
}
func (c *scriptedClient) SendSubscribe(_ context.Context, m wechat.Message) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	var err error
	if len(c.errs) > 0 {
		err, c.errs = c.errs[0], c.errs[1:]
	}
	if err == nil {
		c.sent = append(c.sent, m)
	}
	return err
}

type note struct {
	caseID int64
	text   string
	data   map[string]any
}

func TestNotifyWorker(t *testing.T) {
	db := dbtest.Open(t, "sqlite")
	ctx := context.Background()
	e := newEnv(t, db)
	alice, dev := e.resident(t, "o-alice"), e.resident(t, wechat.DevOpenIDPrefix+"x")
	client := &scriptedClient{}
	var notes []note
	w := &wechat.NotifyWorker{Client: client, Residents: e.residents.Store, Store: e.store,
		Log: slog.New(slog.NewTextHandler(io.Discard, nil)), RetryBase: time.Second,
		Note: func(_ context.Context, caseID int64, kind, text string, data map[string]any) error {
			if kind != wechat.NoteKind {
				t.Errorf("note kind %q", kind)
			}
			notes = append(notes, note{caseID, text, data})
			return nil
		}}
	job := func(attempt, max int, residentID int64) *river.Job[wechat.NotifyArgs] {
		return &river.Job[wechat.NotifyArgs]{JobRow: &rivertype.JobRow{Attempt: attempt, MaxAttempts: max},
			Args: wechat.NotifyArgs{CaseID: 7, CaseNo: "6109022025091600001", Trigger: "accepted", Label: "已受理",
				ResidentID: residentID, TemplateID: "tpl", Data: map[string]string{"thing1": "x"}}}
	}
	cancelled := func(err error) bool {
		var ce *river.JobCancelError
		return errors.As(err, &ce)
	}
	last := func() note { return notes[len(notes)-1] }

	t.Run("Sent", func(t *testing.T) {
		if err := w.Work(ctx, job(1, 3, alice.ID)); err != nil {
			t.Fatal(err)
		}
		if len(client.sent) != 1 || client.sent[0].ToUser != "o-alice" || last().data["status"] != "sent" ||
			last().text != "已通过微信订阅消息告知群众：已受理" || last().caseID != 7 {
			t.Errorf("sent %+v, notes %+v", client.sent, notes)
		}
	})
	t.Run("NotSubscribed", func(t *testing.T) {
		client.errs = []error{&wechat.APIError{API: "subscribe.send", Code: wechat.CodeNotSubscribed, Msg: "user refuse to accept the msg"}}
		err := w.Work(ctx, job(1, 3, alice.ID))
		if !cancelled(err) || !strings.Contains(last().text, "43101") || last().data["status"] != "failed" {
			t.Errorf("43101: %v %+v", err, last())
		}
	})
	t.Run("Quota", func(t *testing.T) {
		client.errs = []error{&wechat.APIError{Code: wechat.CodeDailyQuota}}
		if err := w.Work(ctx, job(1, 3, alice.ID)); !cancelled(err) || !strings.Contains(last().text, "45009") {
			t.Errorf("quota: %v %+v", err, last())
		}
	})
	t.Run("Outage", func(t *testing.T) {
		n := len(notes)
		client.errs = []error{&wechat.TransportError{API: "subscribe.send", Msg: "503"},
			&wechat.APIError{Code: wechat.CodeBusy}, &wechat.TransportError{Msg: "503"}}
		if err := w.Work(ctx, job(1, 3, alice.ID)); err == nil || cancelled(err) {
			t.Fatalf("attempt 1 should be retried: %v", err)
		}
		if len(notes) != n+1 || last().data["status"] != "retrying" || !strings.Contains(last().text, "将自动重试") {
			t.Errorf("first failure note: %+v", notes[n:])
		}
		if err := w.Work(ctx, job(2, 3, alice.ID)); err == nil || cancelled(err) {
			t.Fatalf("attempt 2 should be retried: %v", err)
		}
		if len(notes) != n+1 {
			t.Errorf("a note for every retry: %+v", notes[n:])
		}
		if err := w.Work(ctx, job(3, 3, alice.ID)); !cancelled(err) {
			t.Fatalf("the last attempt gives up: %v", err)
		}
		if last().data["status"] != "abandoned" || !strings.Contains(last().text, "已停止重试") {
			t.Errorf("give-up note %+v", last())
		}
	})
	t.Run("RecoveredAfterRetry", func(t *testing.T) {
		if err := w.Work(ctx, job(2, 3, alice.ID)); err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(last().text, "第2次尝试") {
			t.Errorf("note %+v", last())
		}
	})
	t.Run("Rejected", func(t *testing.T) {
		if err := e.store.SetSubscription(ctx, "o-alice", "tpl", "reject", time.Now()); err != nil {
			t.Fatal(err)
		}
		sent := len(client.sent)
		if err := w.Work(ctx, job(1, 3, alice.ID)); !cancelled(err) || len(client.sent) != sent || last().data["status"] != "skipped" {
			t.Errorf("rejected template: %v %+v", err, last())
		}
	})
	t.Run("DevAccount", func(t *testing.T) {
		n := len(notes)
		if err := w.Work(ctx, job(1, 3, dev.ID)); !cancelled(err) || len(notes) != n {
			t.Errorf("dev account: %v", err)
		}
	})
}

func TestBackoff(t *testing.T) {
	for _, tc := range []struct {
		attempt int
		want    time.Duration
	}{{1, 30 * time.Second}, {2, time.Minute}, {4, 4 * time.Minute}, {12, time.Hour}, {40, time.Hour}} {
		got := wechat.Backoff(30*time.Second, tc.attempt)
		if got < tc.want*9/10 || got > tc.want*11/10 {
			t.Errorf("attempt %d: %v, want about %v", tc.attempt, got, tc.want)
		}
	}
}

func TestTemplates(t *testing.T) {
	for name, raw := range map[string]string{
		"UnknownPlaceholder": `{"events": {"accepted": {"template_id": "t", "data": {"thing1": "{secret}"}}}}`,
		"InternalKind":       `{"events": {"pii_revealed": {"template_id": "t", "data": {"thing1": "x"}}}}`,
		"NoTemplateID":       `{"events": {"accepted": {"data": {"thing1": "x"}}}}`,
		"BadField":           `{"events": {"accepted": {"template_id": "t", "data": {"Thing": "x"}}}}`,
		"BadState":           `{"miniprogram_state": "prod", "events": {}}`,
		"UnknownKey":         `{"evnets": {}}`,
	} {
		if _, err := wechat.ParseTemplates([]byte(raw)); err == nil {
			t.Errorf("%s accepted", name)
		}
	}
	tpls, err := wechat.ParseTemplates([]byte(templatesJSON))
	if err != nil {
		t.Fatal(err)
	}
	if ids := tpls.IDs(); strings.Join(ids, ",") != "tpl-accepted,tpl-more,tpl-resolved" {
		t.Errorf("ids %v", ids)
	}
	if _, ok := tpls.For(wechat.NoteKind); ok {
		t.Error("notes must never trigger messages")
	}
	for _, tc := range []struct {
		e    cases.Event
		want string
	}{
		{cases.Event{Kind: cases.EventTransition, FromStatus: cases.StatusRegistered, ToStatus: cases.StatusAccepted}, "accepted"},
		{cases.Event{Kind: cases.EventTransition, FromStatus: cases.StatusSuspended, ToStatus: cases.StatusInProgress}, "resumed"},
		{cases.Event{Kind: cases.EventTransition, FromStatus: cases.StatusResolved, ToStatus: cases.StatusInProgress}, "reopened"},
		{cases.Event{Kind: cases.EventTransition, FromStatus: cases.StatusAccepted, ToStatus: cases.StatusInProgress}, "in_progress"},
		{cases.Event{Kind: "needs_more_info"}, "needs_more_info"},
	} {
		if got := wechat.Trigger(&tc.e); got != tc.want {
			t.Errorf("%+v: %q, want %q", tc.e, got, tc.want)
		}
	}
}

func TestConfigFromEnv(t *testing.T) {
	env := func(m map[string]string) func(string) string { return func(k string) string { return m[k] } }
	c, err := wechat.ConfigFromEnv(env(map[string]string{"WECHAT_APPID": "a", "WECHAT_SECRET": "s",
		"WECHAT_TEMPLATES": templatesJSON, "WECHAT_DEFAULT_REGION": "610902", "JIEFEN_DEV_LOGIN": "1",
		"WECHAT_NOTIFY_BACKOFF": "2s"}))
	if err != nil || !c.Enabled() || !c.DevLogin || c.DefaultRegion != "610902000000" || c.RetryBase != 2*time.Second ||
		c.Templates == nil || c.MaxAttempts != 8 {
		t.Errorf("%+v %v", c, err)
	}
	for name, m := range map[string]map[string]string{
		"AppIDOnly":    {"WECHAT_APPID": "a"},
		"BadBase":      {"WECHAT_API_BASE": "api.weixin.qq.com"},
		"BadRegion":    {"WECHAT_DEFAULT_REGION": "61x"},
		"MissingFile":  {"WECHAT_TEMPLATES": "/nonexistent/templates.json"},
		"BadBackoff":   {"WECHAT_NOTIFY_BACKOFF": "soon"},
		"OASecretOnly": {"WECHAT_OA_SECRET": "s"},
		"BadOAuthBase": {"WECHAT_OAUTH_BASE": "open.weixin.qq.com"},
		"BadPublicURL": {"JIEFEN_PUBLIC_URL": "jiefen.example.gov.cn"},
	} {
		if _, err := wechat.ConfigFromEnv(env(m)); err == nil {
			t.Errorf("%s accepted", name)
		}
	}
	c, err = wechat.ConfigFromEnv(env(map[string]string{"WECHAT_OA_APPID": "oa", "WECHAT_OA_SECRET": "s",
		"JIEFEN_PUBLIC_URL": "https://jiefen.example.gov.cn/"}))
	if err != nil || !c.OAuthEnabled() || c.Enabled() || c.PublicURL != "https://jiefen.example.gov.cn" {
		t.Errorf("official account only: %+v %v", c, err)
	}
	if c, err := wechat.ConfigFromEnv(env(nil)); err != nil || c.Enabled() || c.OAuthEnabled() || c.DevLogin {
		t.Errorf("empty env: %+v %v", c, err)
	}
}
