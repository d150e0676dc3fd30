package wechat

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/jiefen/jiefen/kernel"

	"github.com/riverqueue/river"

	"github.com/jiefen/jiefen/cases"
	"github.com/jiefen/jiefen/residents"
)

// NoteKind is the kind of the timeline events that record what became of
// a WeChat message.
const NoteKind = "wechat_notify"

// NoteActor is who writes those events.
const NoteActor = "微信消息推送"

// Trigger names what a timeline event means to a resident: a transition's
// target status — or resumed (suspended → in progress) and reopened
// (resolved or visited → in progress) — or else the event's kind, except
// that an assignment taken back is "unassigned".
// Templates are configured per trigger.
func Trigger(e *cases.Event) string {
	if e.Kind == cases.EventAssigned {
		if _, ok := e.Data["assignee_id"]; !ok {
			return "unassigned"
		}
	}
	if e.Kind != cases.EventTransition {
		return e.Kind
	}
	if e.ToStatus == cases.StatusInProgress {
		switch e.FromStatus {
		case cases.StatusSuspended:
			return "resumed"
		case cases.StatusResolved, cases.StatusVisited:
			return "reopened"
		}
	}
	return string(e.ToStatus)
}

// triggerLabels say in plain Chinese what happened.
var triggerLabels = map[string]string{
	"registered": "已登记", "intake_added": "收到补充反映", "accepted": "已受理", "rejected": "不予受理",
	"in_progress": "正在办理", "resumed": "恢复办理", "reopened": "重新办理", "suspended": "暂停办理",
	"resolved": "已办结", "visited": "已回访", "closed": "已结案", "merged": "合并办理",
	"evaluated": "已评价", "assigned": "已分派承办人", "needs_more_info": "需要补充材料",
	"video_reminder": "视频接访提醒", "mediation_reminder": "调解提醒",
}

// TriggerLabel is the plain Chinese name of a trigger.
func TriggerLabel(trigger string) string {
	if l, ok := triggerLabels[trigger]; ok {
		return l
	}
	return "有新进展"
}

// Enqueuer inserts jobs (jobs.Queue).
type Enqueuer interface {
	Insert(ctx context.Context, tx kernel.Tx, args river.JobArgs, opts *river.InsertOpts) error
}

// Notifier enqueues a subscribe message for each WeChat resident of a case
// when an event with a configured template happens, inside the event's
// transaction: the message is sent if and only if the change commits.
type Notifier struct {
	Templates   *Templates
	Store       *Store
	Queue       Enqueuer
	MaxAttempts int
}

var _ cases.Notifier = (*Notifier)(nil)

// CaseEvent implements cases.Notifier.
func (n *Notifier) CaseEvent(ctx context.Context, tx cases.Store, e *cases.Event) error {
	trigger := Trigger(e)
	tpl, ok := n.Templates.For(trigger)
	if !ok {
		return nil
	}
	recipients, err := n.Store.Recipients(ctx, tx.Tx(), e.CaseID)
	if err != nil || len(recipients) == 0 {
		return err
	}
	c, err := tx.CaseByID(ctx, e.CaseID)
	if err != nil {
		return err
	}
	vars := messageVars(c, e, trigger)
	for _, r := range recipients {
		args := NotifyArgs{CaseID: c.ID, CaseNo: c.No, EventID: e.ID, Trigger: trigger, Label: TriggerLabel(trigger),
			ResidentID: r.ResidentID, TemplateID: tpl.TemplateID, Page: n.Templates.PageFor(tpl, vars),
			State: n.Templates.State, Data: tpl.Render(vars)}
		if err := n.Queue.Insert(ctx, tx.Tx(), args, &river.InsertOpts{MaxAttempts: n.MaxAttempts}); err != nil {
			return fmt.Errorf("enqueue wechat message: %w", err)
		}
	}
	return nil
}

func messageVars(c *cases.Case, e *cases.Event, trigger string) map[string]string {
	at := e.At.In(cases.ChinaTime)
	v := map[string]string{
		"case_no": c.No, "subject": c.Subject, "status": c.Status.Label(), "event": TriggerLabel(trigger),
		"time": at.Format("2006-01-02 15:04"), "date": at.Format("2006-01-02"), "region": c.RegionName,
		"category": cases.CategoryLabel(c.Category),
	}
	if c.HandleDue != nil {
		v["handle_due"] = c.HandleDue.In(cases.ChinaTime).Format("2006-01-02")
	}
	if r, ok := e.Data["request"].(string); ok && e.Kind == cases.EventNeedsMoreInfo {
		v["request"] = r // written for the resident, unlike staff notes
	}
	if e.Kind == videoReminder || e.Kind == mediationReminder {
		if t := dataTime(e.Data["starts_at"]); t != nil {
			v["session_time"] = t.In(cases.ChinaTime).Format("2006-01-02 15:04")
		}
		if l, ok := e.Data["leader"].(string); ok {
			v["leader"] = l
		}
		for _, k := range []string{"mediator", "place"} {
			if s, ok := e.Data[k].(string); ok && e.Kind == mediationReminder {
				v[k] = s
			}
		}
	}
	return v
}

// videoReminder is the kind of the video channel's reminder events
// (video.EventReminder; the channels do not import each other).
const videoReminder = "video_reminder"

// mediationReminder is the kind of the mediation module's session
// reminders (mediation.EventReminder), 24 h and 1 h before a session; its
// data carries starts_at, mediator and place.
const mediationReminder = "mediation_reminder"

// NotifyArgs is one subscribe message to one resident, rendered when the
// event happened.
type NotifyArgs struct {
	CaseID     int64             `json:"case_id"`
	CaseNo     string            `json:"case_no"`
	EventID    int64             `json:"event_id"`
	Trigger    string            `json:"trigger"`
	Label      string            `json:"label"`
	ResidentID int64             `json:"resident_id"`
	TemplateID string            `json:"template_id"`
	Page       string            `json:"page,omitempty"`
	State      string            `json:"state,omitempty"`
	Data       map[string]string `json:"data"`
}

// Kind implements river.JobArgs.
func (NotifyArgs) Kind() string { return "wechat_subscribe_message" }

// NotifyWorker sends the messages. WeChat's refusals (the user has not
// subscribed, the daily quota is used up, a bad template) are written on
// the case's timeline and not retried; outages and busy answers are
// retried with exponential backoff, a bounded number of times, and the
// timeline says so at the first failure and when it gives up.
type NotifyWorker struct {
	river.WorkerDefaults[NotifyArgs]
	Client    Client
	Residents residents.Store
	Store     *Store
	// Note writes on a case's timeline (cases.Service.Note with a system
	// actor).
	Note func(ctx context.Context, caseID int64, kind, note string, data map[string]any) error
	Log  *slog.Logger
	// RetryBase is the first retry's delay; it doubles up to an hour.
	RetryBase time.Duration
}

// NextRetry implements river.Worker: base·2^(attempt-1), at most an hour,
// with ±10% jitter so that an outage's backlog does not return at once.
func (w *NotifyWorker) NextRetry(job *river.Job[NotifyArgs]) time.Time {
	return time.Now().Add(Backoff(w.RetryBase, job.Attempt))
}

// Backoff is the delay before the retry after the given attempt.
func Backoff(base time.Duration, attempt int) time.Duration {
	if base <= 0 {
		base = 30 * time.Second
	}
	d := base
	for i := 1; i < attempt && d < time.Hour; i++ {
		d *= 2
	}
	d = min(d, time.Hour)
	return d + time.Duration((rand.Float64()*0.2-0.1)*float64(d))
}

// Timeout implements river.Worker.
func (w *NotifyWorker) Timeout(*river.Job[NotifyArgs]) time.Duration { return 30 * time.Second }

// Work implements river.Worker.
func (w *NotifyWorker) Work(ctx context.Context, job *river.Job[NotifyArgs]) error {
	a := job.Args
	data := map[string]any{"trigger": a.Trigger, "template_id": a.TemplateID, "resident_id": a.ResidentID,
		"event_id": a.EventID, "attempt": job.Attempt}
	r, err := w.Residents.ResidentByID(ctx, a.ResidentID)
	if kernel.ErrorCode(err) == kernel.ENotFound {
		return river.JobCancel(err)
	} else if err != nil {
		return err
	}
	if r.OpenID == "" || strings.HasPrefix(r.OpenID, DevOpenIDPrefix) {
		return river.JobCancel(fmt.Errorf("resident %d has no WeChat identity", r.ID))
	}
	if strings.HasPrefix(r.OpenID, OAOpenIDPrefix) {
		// Signed in on the web pages only: subscribe messages go to
		// mini-program users. Staff see that the resident was not told.
		data["status"] = "skipped"
		w.note(ctx, a.CaseID, "群众仅通过公众号网页登录，未使用小程序，本条通知（"+a.Label+"）无法通过微信订阅消息发送", data)
		return river.JobCancel(fmt.Errorf("resident %d has no mini-program openid", r.ID))
	}
	if st, err := w.Store.Subscription(ctx, r.OpenID, a.TemplateID); err != nil {
		return err
	} else if st == "reject" || st == "ban" {
		data["status"] = "skipped"
		w.note(ctx, a.CaseID, "群众已拒绝接收此类微信消息，本条通知（"+a.Label+"）未发送", data)
		return river.JobCancel(fmt.Errorf("user rejected template %s", a.TemplateID))
	}
	err = w.Client.SendSubscribe(ctx, Message{ToUser: r.OpenID, TemplateID: a.TemplateID, Page: a.Page,
		State: a.State, Data: a.Data})
	if err == nil {
		data["status"] = "sent"
		msg := "已通过微信订阅消息告知群众：" + a.Label
		if job.Attempt > 1 {
			msg += fmt.Sprintf("（第%d次尝试）", job.Attempt)
		}
		w.note(ctx, a.CaseID, msg, data)
		return nil
	}
	code, isAPI := ErrorCode(err)
	if isAPI {
		data["errcode"] = code
	}
	log := w.Log.With("case_no", a.CaseNo, "trigger", a.Trigger, "attempt", job.Attempt, "err", Redact(err.Error()))
	if isAPI && !transientCode(code) {
		log.Warn("wechat message refused")
		data["status"] = "failed"
		w.note(ctx, a.CaseID, refusal(err)+"，本条通知（"+a.Label+"）未发送", data)
		return river.JobCancel(err)
	}
	reason := transientReason(err)
	if job.Attempt >= job.MaxAttempts {
		log.Error("wechat message abandoned")
		data["status"] = "abandoned"
		w.note(ctx, a.CaseID, fmt.Sprintf("微信消息推送连续%d次失败（%s），已停止重试，本条通知（%s）未发送",
			job.Attempt, reason, a.Label), data)
		return river.JobCancel(err)
	}
	log.Warn("wechat message failed; will retry")
	if job.Attempt == 1 {
		data["status"] = "retrying"
		w.note(ctx, a.CaseID, "微信消息推送暂时失败（"+reason+"），将自动重试", data)
	}
	return err
}

// note writes on the timeline; a failure is logged, not retried (the
// message itself must not be sent twice for it).
func (w *NotifyWorker) note(ctx context.Context, caseID int64, note string, data map[string]any) {
	if err := w.Note(ctx, caseID, NoteKind, note, data); err != nil {
		w.Log.Error("wechat: timeline note failed", "case_id", caseID, "err", err)
	}
}

// transientCode reports whether WeChat's error code is worth retrying.
func transientCode(code int64) bool {
	switch code {
	case CodeBusy, CodeInvalidToken, CodeTokenExpired, CodeTokenMismatch, CodeFrequencyLimit:
		return true
	}
	return false
}

func transientReason(err error) string {
	code, ok := ErrorCode(err)
	switch {
	case !ok:
		return "网络或微信服务故障"
	case code == CodeBusy:
		return "微信系统繁忙"
	case code == CodeFrequencyLimit:
		return "微信接口调用过于频繁"
	default:
		return "微信接口凭证失效"
	}
}

// refusal says in Chinese why WeChat refused a message.
func refusal(err error) string {
	var ae *APIError
	if !errors.As(err, &ae) {
		return "微信消息推送失败"
	}
	switch ae.Code {
	case CodeNotSubscribed:
		return "群众未订阅此类微信消息或订阅次数已用完（43101）"
	case CodeDailyQuota:
		return "微信接口今日调用次数已达上限（45009）"
	case CodeInvalidOpenID:
		return "群众的微信身份无效（40003）"
	case CodeInvalidTemplate:
		return "订阅消息模板ID无效（40037），请管理员检查 WECHAT_TEMPLATES"
	case CodeTemplateArgument:
		return "订阅消息内容不符合模板要求（47003），请管理员检查 WECHAT_TEMPLATES"
	case CodeInvalidPage:
		return "订阅消息跳转页面无效（41030），请管理员检查 WECHAT_TEMPLATES"
	}
	msg := ae.Msg
	if utf8.RuneCountInString(msg) > 80 {
		msg = string([]rune(msg)[:80]) + "…"
	}
	return fmt.Sprintf("微信拒绝发送（错误码%d：%s）", ae.Code, msg)
}
