package hotline

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/riverqueue/river"

	"github.com/jiefen/jiefen/cases"
	"github.com/jiefen/jiefen/kernel"
)

// Results the platform is told of.
const (
	ResultResolved = "resolved" // 办结: the case was resolved, with the reply
	ResultReturned = "returned" // 退单: the order was sent back, with the reason
)

var resultLabels = map[string]string{ResultResolved: "办结", ResultReturned: "退单"}

// Timeline event kinds of the channel.
const (
	EventReturned = "hotline_returned" // staff sent an order back to the platform
	EventCallback = "hotline_callback" // one attempt to post a result, and its outcome
)

// CallbackArgs is a result waiting in the job queue to be posted.
type CallbackArgs struct {
	OrderNo string `json:"order_no"`
	CaseID  int64  `json:"case_id"` // when enqueued; the order's intake is followed if it moved
	Result  string `json:"result"`
	// Text is the reply (resolved) or the reason (returned).
	Text      string    `json:"text,omitempty"`
	Handler   string    `json:"handler,omitempty"`
	HandledAt time.Time `json:"handled_at"`
	EventID   int64     `json:"event_id"` // the timeline event that caused it
}

// Kind implements river.JobArgs.
func (CallbackArgs) Kind() string { return "hotline_callback" }

// Callback is the JSON body posted to the platform, signed like its orders.
type Callback struct {
	// CallbackID is the same on every retry of one result, so that the
	// platform can drop duplicates.
	CallbackID  string    `json:"callback_id"`
	OrderNo     string    `json:"order_no"`
	CaseNo      string    `json:"case_no"`
	Result      string    `json:"result"`       // resolved | returned
	ResultLabel string    `json:"result_label"` // 办结 | 退单
	Reply       string    `json:"reply,omitempty"`
	Reason      string    `json:"reason,omitempty"`
	CaseStatus  string    `json:"case_status"`
	Handler     string    `json:"handler,omitempty"`
	HandledAt   time.Time `json:"handled_at"`
	Attempt     int       `json:"attempt"`
}

// notifier enqueues callbacks in the transaction of the event that
// causes them: a resolved case with orders from the platform, an order
// sent back.
type notifier struct{ ch *Channel }

// Notifier returns the channel's notifier, or nil when callbacks are off.
func (ch *Channel) Notifier() cases.Notifier {
	if !ch.CallbacksEnabled() {
		return nil
	}
	return notifier{ch}
}

// CaseEvent implements cases.Notifier.
func (n notifier) CaseEvent(ctx context.Context, tx cases.Store, e *cases.Event) error {
	switch {
	case e.Kind == cases.EventTransition && e.ToStatus == cases.StatusResolved:
		c, err := tx.CaseByID(ctx, e.CaseID)
		if err != nil {
			return err
		}
		if err := tx.LoadDetails(ctx, c); err != nil {
			return err
		}
		returned := returnedOrders(c.Events)
		for _, order := range orders(c.Intakes) {
			if returned[order] {
				continue // sent back before: no longer the platform's order with us
			}
			if err := n.enqueue(ctx, tx, e, order, ResultResolved); err != nil {
				return err
			}
		}
	case e.Kind == EventReturned:
		order, _ := e.Data["order_no"].(string)
		if order == "" {
			return fmt.Errorf("hotline: return event %d names no order", e.ID)
		}
		return n.enqueue(ctx, tx, e, order, ResultReturned)
	}
	return nil
}

func (n notifier) enqueue(ctx context.Context, tx cases.Store, e *cases.Event, order, result string) error {
	args := CallbackArgs{OrderNo: order, CaseID: e.CaseID, Result: result, Text: e.Note, Handler: e.ActorName,
		HandledAt: e.At, EventID: e.ID}
	return n.ch.Queue.Insert(ctx, tx.Tx(), args, &river.InsertOpts{MaxAttempts: n.ch.Config.MaxAttempts})
}

// orders lists the platform's order numbers among a case's intakes.
func orders(intakes []cases.Intake) []string {
	var out []string
	for _, in := range intakes {
		if in.Channel == kernel.ChannelHotline && strings.HasPrefix(in.SourceKey, SourceKeyPrefix) {
			out = append(out, strings.TrimPrefix(in.SourceKey, SourceKeyPrefix))
		}
	}
	return out
}

// returnedOrders are the orders a timeline shows as sent back.
func returnedOrders(events []cases.Event) map[string]bool {
	out := map[string]bool{}
	for _, e := range events {
		if e.Kind == EventReturned {
			if o, ok := e.Data["order_no"].(string); ok {
				out[o] = true
			}
		}
	}
	return out
}

// CallbackWorker posts results to the platform. River retries a failed
// post with the channel's backoff until MaxAttempts; every attempt's
// outcome is noted on the case's timeline.
type CallbackWorker struct {
	river.WorkerDefaults[CallbackArgs]
	ch *Channel
}

// Worker returns the callback worker, to be added to the job queue even
// when callbacks are off (so that callbacks queued earlier wait and are
// noted rather than failing as an unknown kind of job).
func (ch *Channel) Worker() *CallbackWorker { return &CallbackWorker{ch: ch} }

// maxSnoozes bounds how often a platform's Retry-After postpones a
// callback without counting it as an attempt.
const maxSnoozes = 5

// Timeout implements river.Worker.
func (w *CallbackWorker) Timeout(*river.Job[CallbackArgs]) time.Duration { return time.Minute }

// NextRetry implements river.Worker: the channel's backoff.
func (w *CallbackWorker) NextRetry(job *river.Job[CallbackArgs]) time.Time {
	return time.Now().Add(w.ch.Config.backoff(job.Attempt))
}

// Work implements river.Worker.
func (w *CallbackWorker) Work(ctx context.Context, job *river.Job[CallbackArgs]) error {
	ch, a := w.ch, job.Args
	store := ch.Reader
	caseID := a.CaseID
	// Merges and splits move intakes between cases: report on the case
	// that holds the order now.
	if in, err := store.IntakeBySourceKey(ctx, SourceKey(a.OrderNo)); err == nil {
		caseID = in.CaseID
	} else if kernel.ErrorCode(err) != kernel.ENotFound {
		return err
	}
	c, err := store.CaseByID(ctx, caseID)
	if kernel.ErrorCode(err) == kernel.ENotFound {
		return river.JobCancel(fmt.Errorf("hotline callback for order %s: case %d is gone", a.OrderNo, caseID))
	} else if err != nil {
		return err
	}
	label := resultLabels[a.Result]
	data := map[string]any{"order_no": a.OrderNo, "result": a.Result, "attempt": job.Attempt,
		"max_attempts": job.MaxAttempts}

	if why := interrupted(job); why != "" {
		// The last attempt left no outcome: its server died (River's
		// rescuer took the job back) or it ran out of time. Say so before
		// trying again, so the timeline explains the delay.
		d := map[string]any{"order_no": a.OrderNo, "result": a.Result, "attempt": job.Attempt,
			"max_attempts": job.MaxAttempts, "outcome": "delayed", "error": why}
		w.note(ctx, c, fmt.Sprintf("推送延迟，正在重试（callback delayed, retrying）：工单%s的%s结果第%d次推送%s，现进行第%d次推送",
			a.OrderNo, label, job.Attempt-1, interruptedText[why], job.Attempt), d)
	}
	if !ch.CallbacksEnabled() {
		data["outcome"], data["error"] = "not_configured", "not_configured"
		return w.failed(ctx, job, c, data, "服务器未配置热线平台回调地址或密钥", errors.New("hotline callbacks not configured"))
	}
	cb := Callback{CallbackID: fmt.Sprintf("%d-%s", a.EventID, a.OrderNo), OrderNo: a.OrderNo, CaseNo: c.No,
		Result: a.Result, ResultLabel: label, CaseStatus: string(c.Status), Handler: a.Handler,
		HandledAt: a.HandledAt.In(cases.ChinaTime), Attempt: job.Attempt}
	if a.Result == ResultReturned {
		cb.Reason = a.Text
	} else {
		cb.Reply = a.Text
	}
	body, err := json.Marshal(cb)
	if err != nil {
		return err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, ch.Config.CallbackURL, bytes.NewReader(body))
	if err != nil {
		// A malformed URL does not heal by waiting, but an operator may fix
		// the configuration while the job waits: retry like an outage.
		data["outcome"], data["error"] = "failed", "bad_url"
		return w.failed(ctx, job, c, data, "热线平台回调地址无效", err)
	}
	now := ch.now()
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set(HeaderTimestamp, strconv.FormatInt(now.Unix(), 10))
	req.Header.Set(HeaderSignature, Sign(ch.Config.Secret, now, body))
	req.Header.Set("X-Jiefen-Callback-Id", cb.CallbackID)
	res, err := ch.Config.HTTPClient.Do(req)
	if err != nil {
		if ctx.Err() != nil {
			return ctx.Err() // shutting down or timed out: River tries again
		}
		ch.Log.Warn("hotline callback failed", "order_no", a.OrderNo, "case_no", c.No, "attempt", job.Attempt, "err", err)
		data["outcome"], data["error"] = "failed", "network"
		return w.failed(ctx, job, c, data, "无法连接热线平台（网络错误或超时）", err)
	}
	io.Copy(io.Discard, io.LimitReader(res.Body, 64<<10))
	res.Body.Close()
	data["http_status"] = res.StatusCode
	if res.StatusCode >= 200 && res.StatusCode < 300 {
		data["outcome"] = "delivered"
		note := fmt.Sprintf("已向12345热线平台推送工单%s的%s结果（第%d次尝试成功）", a.OrderNo, label, job.Attempt)
		if err := ch.Cases.Note(ctx, kernel.SystemActor(CallbackActor), c.ID, EventCallback, note, data); err != nil {
			// Delivered: posting again would make the platform visit twice.
			ch.Log.Error("hotline callback delivered but not noted", "order_no", a.OrderNo, "case_no", c.No, "err", err)
		}
		return nil
	}
	if d, ok := retryAfter(res); ok && snoozes(job) < maxSnoozes {
		data["outcome"], data["retry_after_seconds"] = "postponed", int(d.Seconds())
		note := fmt.Sprintf("12345热线平台暂时无法接收工单%s的%s结果（HTTP %d），按平台要求%s后重试（不计入尝试次数）",
			a.OrderNo, label, res.StatusCode, humanDuration(d))
		w.note(ctx, c, note, data)
		return river.JobSnooze(d)
	}
	data["outcome"], data["error"] = "failed", "http_status"
	return w.failed(ctx, job, c, data, fmt.Sprintf("热线平台返回HTTP %d", res.StatusCode),
		fmt.Errorf("hotline callback: HTTP %d", res.StatusCode))
}

// failed notes a failed attempt, or that the worker gives up after the
// last, and returns err for River to retry or discard the job.
func (w *CallbackWorker) failed(ctx context.Context, job *river.Job[CallbackArgs], c *cases.Case, data map[string]any, why string, err error) error {
	a := job.Args
	label := resultLabels[a.Result]
	var note string
	if job.Attempt >= job.MaxAttempts {
		data["outcome"] = "gave_up"
		note = fmt.Sprintf("向12345热线平台推送工单%s的%s结果失败：%s。已尝试%d次，停止推送，请与热线平台人工核对",
			a.OrderNo, label, why, job.Attempt)
	} else {
		d := w.ch.Config.backoff(job.Attempt)
		data["next_retry_at"] = time.Now().Add(d).In(cases.ChinaTime).Format(time.RFC3339)
		note = fmt.Sprintf("向12345热线平台推送工单%s的%s结果失败（第%d/%d次）：%s，%s后重试",
			a.OrderNo, label, job.Attempt, job.MaxAttempts, why, humanDuration(d))
	}
	w.note(ctx, c, note, data)
	return &notedError{err}
}

// notedError is a failed attempt whose outcome is on the timeline; River
// records its text, which is how the next attempt tells it from an
// interrupted one (interrupted).
type notedError struct{ err error }

const notedPrefix = "noted: "

func (e *notedError) Error() string { return notedPrefix + e.err.Error() }
func (e *notedError) Unwrap() error { return e.err }

func (w *CallbackWorker) note(ctx context.Context, c *cases.Case, note string, data map[string]any) {
	if err := w.ch.Cases.Note(ctx, kernel.SystemActor(CallbackActor), c.ID, EventCallback, note, data); err != nil {
		w.ch.Log.Error("hotline callback outcome not noted", "case_no", c.No, "err", err)
	}
}

// interruptedText says in Chinese how an attempt was interrupted.
var interruptedText = map[string]string{
	"rescued": "因服务器中断未完成",
	"timeout": "超时未完成",
	"stopped": "因服务器停止未完成",
	"error":   "未完成",
}

// interrupted says how the previous attempt of a retried job ended when it
// left no outcome on the timeline ("" when it did): River records each
// failed attempt's error, and those Work noted carry notedPrefix; the
// rescuer's (the server died mid-attempt), a timeout, a shutdown or a
// database error do not.
func interrupted(job *river.Job[CallbackArgs]) string {
	if job.Attempt < 2 || len(job.Errors) == 0 {
		return ""
	}
	last := job.Errors[len(job.Errors)-1].Error
	switch {
	case strings.HasPrefix(last, notedPrefix):
		return ""
	case strings.Contains(last, "Stuck job rescued"):
		return "rescued"
	case strings.Contains(last, context.DeadlineExceeded.Error()), strings.Contains(strings.ToLower(last), "timeout"):
		return "timeout"
	case strings.Contains(last, context.Canceled.Error()):
		return "stopped"
	}
	return "error"
}

// retryAfter reads a 429 or 503 answer's Retry-After in seconds (at most
// an hour).
func retryAfter(res *http.Response) (time.Duration, bool) {
	if res.StatusCode != http.StatusTooManyRequests && res.StatusCode != http.StatusServiceUnavailable {
		return 0, false
	}
	n, err := strconv.Atoi(strings.TrimSpace(res.Header.Get("Retry-After")))
	if err != nil || n < 0 {
		return 0, false
	}
	return min(time.Duration(n)*time.Second, time.Hour), true
}

// snoozes is how often River has snoozed the job so far.
func snoozes(job *river.Job[CallbackArgs]) int {
	var m struct {
		Snoozes int `json:"snoozes"`
	}
	json.Unmarshal(job.Metadata, &m)
	return m.Snoozes
}

// humanDuration writes a delay in Chinese: 30秒, 2分钟, 1小时.
func humanDuration(d time.Duration) string {
	switch {
	case d < time.Second:
		return fmt.Sprintf("%d毫秒", d.Milliseconds())
	case d < time.Minute:
		return fmt.Sprintf("%d秒", int(d.Seconds()))
	case d < time.Hour:
		return fmt.Sprintf("%d分钟", int(d.Minutes()))
	}
	return fmt.Sprintf("%.1f小时", d.Hours())
}
