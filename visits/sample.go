package visits

import (
	"context"
	"math"
	"strings"
	"time"

	"github.com/jiefen/jiefen/calendar"
	"github.com/jiefen/jiefen/cases"
	"github.com/jiefen/jiefen/kernel"
	"github.com/jiefen/jiefen/staff"
)

// EventSampled is the timeline event of a case drawn for a spot-check
// visit (回访抽查); its data names the visitor.
const EventSampled = "visit_sampled"

// MaxSample bounds one draw.
const MaxSample = 500

// Sample is a resolved case drawn for an independent return visit
// (回访抽查) by a staff member other than its handler.
type Sample struct {
	CaseID      int64        `json:"-"`
	CaseNo      string       `json:"case_no"`
	Subject     string       `json:"subject"`
	RegionCode  string       `json:"region_code"`
	Status      cases.Status `json:"status"`
	StatusLabel string       `json:"status_label"`
	ResolvedAt  *time.Time   `json:"resolved_at"`
	// Handler is the case's handler (its assignee, or who resolved it),
	// whose work the visit checks.
	Handler    string    `json:"handler"`
	AssigneeID int64     `json:"-"`
	Assignee   string    `json:"assignee"` // the visitor's username
	AssignedBy int64     `json:"-"`
	Done       bool      `json:"done"`
	CreatedAt  time.Time `json:"created_at"`
}

// SampleQuery selects the cases a draw may take: resolved (first or again)
// in [From, To), now resolved or visited, in the subtree of Prefix, not
// drawn before, and neither handled, resolved nor visited by VisitorID.
type SampleQuery struct {
	Prefix    string
	From, To  time.Time
	VisitorID int64
}

// SampleFilter selects samples to list.
type SampleFilter struct {
	AssigneeID int64  // 0: anyone's
	Prefix     string // the cases' region prefix
	Done       *bool
	Limit      int
}

// SampleStore keeps the samples (visit_samples); a Store implements it.
type SampleStore interface {
	// Eligible counts the cases of q.
	Eligible(ctx context.Context, q SampleQuery) (int, error)
	// Draw picks n of the cases of q at random and records them as samples
	// for q.VisitorID, returning their ids.
	Draw(ctx context.Context, q SampleQuery, n int, by int64, at time.Time) ([]int64, error)
	// Samples lists samples, the newest first.
	Samples(ctx context.Context, f SampleFilter) ([]Sample, error)
	// OpenSample reports whether the case has a sample of visitor's not yet done.
	OpenSample(ctx context.Context, caseID, visitor int64) (bool, error)
	// FinishSample marks the case's sample done.
	FinishSample(ctx context.Context, caseID int64) error
}

// Users finds staff by username (staff.Service).
type Users interface {
	User(ctx context.Context, username string) (*staff.User, error)
}

// SampleRequest is a draw as the API receives it: the region (default:
// the caller's), the China dates of resolution (inclusive; default: the
// previous month), a percentage of the eligible cases or a count, and
// the visitor's username.
type SampleRequest struct {
	Region   string
	From, To string
	Percent  float64
	Count    int
	Assignee string
}

// Drawn is the result of a draw.
type Drawn struct {
	Eligible int      `json:"eligible"`
	Drawn    int      `json:"drawn"`
	Items    []Sample `json:"items"`
}

// DrawSample draws a sample of the resolved cases of a region for an
// independent visit by req.Assignee: supervisors and leaders (who may
// assign cases) draw; the visitor must be staff who may move statuses and
// whose region covers the cases, and never the handler of a case drawn
// (nor who resolved or already visited it). One unit of work: the samples
// and a visit_sampled event on each case's timeline.
func (s *Service) DrawSample(ctx context.Context, actor kernel.Actor, req SampleRequest) (*Drawn, error) {
	if err := actor.Require(kernel.PermAssign); err != nil {
		return nil, err
	}
	fields := map[string]string{}
	code := actor.RegionCode
	if r := strings.TrimSpace(req.Region); r != "" {
		c, ok := kernel.NormalizeRegionCode(r)
		if !ok {
			fields["region"] = "行政区划代码格式错误，应为2、4、6、9或12位数字"
		}
		code = c
	}
	now := s.Now().In(calendar.China)
	y, m, _ := now.Date()
	from := time.Date(y, m-1, 1, 0, 0, 0, 0, calendar.China)
	to := time.Date(y, m, 1, 0, 0, 0, 0, calendar.China) // exclusive
	if req.From != "" {
		t, err := time.ParseInLocation(time.DateOnly, req.From, calendar.China)
		if err != nil {
			fields["from"] = "日期格式错误，应为2025-12-01"
		}
		from = t
	}
	if req.To != "" {
		t, err := time.ParseInLocation(time.DateOnly, req.To, calendar.China)
		if err != nil {
			fields["to"] = "日期格式错误，应为2025-12-31"
		}
		to = t.AddDate(0, 0, 1)
	}
	if fields["from"] == "" && fields["to"] == "" && !to.After(from) {
		fields["to"] = "结束日期不能早于开始日期"
	}
	switch {
	case req.Percent != 0 && req.Count != 0:
		fields["count"] = "抽查比例（percent）和抽查件数（count）只能填写一项"
	case req.Percent == 0 && req.Count == 0:
		fields["percent"] = "请填写抽查比例（percent，1–100）或抽查件数（count）"
	case req.Percent < 0 || req.Percent > 100 || math.IsNaN(req.Percent):
		fields["percent"] = "抽查比例应在0至100之间"
	case req.Count < 0 || req.Count > MaxSample:
		fields["count"] = "抽查件数应在1至500之间"
	}
	name := strings.TrimSpace(req.Assignee)
	if name == "" {
		fields["assignee"] = "请指定回访人员（用户名）"
	}
	if len(fields) > 0 {
		return nil, &kernel.Error{Code: kernel.EInvalid, Message: "提交的数据有误", Fields: fields}
	}
	if code == "" {
		code = "610000000000"
	}
	if !actor.Sees(code) {
		return nil, kernel.Errorf(kernel.ENotFound, "地区不存在或不在您的管辖范围内")
	}
	if s.Users == nil {
		return nil, kernel.Errorf(kernel.EInternal, "回访抽查未配置用户查询")
	}
	u, err := s.Users.User(ctx, name)
	if kernel.ErrorCode(err) == kernel.ENotFound {
		return nil, kernel.FieldError("assignee", "没有这个用户")
	} else if err != nil {
		return nil, err
	}
	if u.Disabled || !u.Role.Can(kernel.PermTransition) {
		return nil, kernel.FieldError("assignee", "该用户不能回访（已停用或无办理权限）")
	}
	// The cases must lie in both the region asked for and the visitor's.
	prefix, vp := kernel.RegionPrefix(code), kernel.RegionPrefix(u.RegionCode)
	switch {
	case strings.HasPrefix(prefix, vp):
	case strings.HasPrefix(vp, prefix):
		prefix = vp
	default:
		return nil, kernel.FieldError("assignee", "该用户的管辖区域不包含所选地区，不能回访这些案件")
	}
	q := SampleQuery{Prefix: prefix, From: from.UTC(), To: to.UTC(), VisitorID: u.ID}
	out := &Drawn{Items: []Sample{}}
	err = s.Cases.Tx.InTx(ctx, func(ctx context.Context, tx kernel.Tx) error {
		st, ok := s.Store.WithTx(tx).(SampleStore)
		if !ok {
			return kernel.Errorf(kernel.EInternal, "回访抽查不受此存储支持")
		}
		n, err := st.Eligible(ctx, q)
		if err != nil {
			return err
		}
		out.Eligible = n
		want := req.Count
		if req.Percent > 0 {
			want = int(math.Ceil(float64(n) * req.Percent / 100))
		}
		want = min(want, n, MaxSample)
		if want == 0 {
			return nil
		}
		at := s.Now().UTC()
		ids, err := st.Draw(ctx, q, want, actor.UserID, at)
		if err != nil {
			return err
		}
		out.Drawn = len(ids)
		cs := s.Cases.WithTx(tx)
		visitor := u.DisplayName
		if visitor == "" {
			visitor = u.Username
		}
		for _, id := range ids {
			if err := cs.Note(ctx, actor, id, EventSampled, "回访抽查：交由 "+visitor+" 独立回访",
				map[string]any{"assignee": u.Username, "assignee_id": u.ID, "sample": true}); err != nil {
				return err
			}
		}
		out.Items, err = st.Samples(ctx, SampleFilter{AssigneeID: u.ID, Prefix: prefix, Limit: MaxSample, Done: new(bool)})
		if err != nil {
			return err
		}
		drawn := map[int64]bool{}
		for _, id := range ids {
			drawn[id] = true
		}
		items := out.Items[:0]
		for _, it := range out.Items {
			if drawn[it.CaseID] {
				items = append(items, it)
			}
		}
		out.Items = items
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// Samples lists spot-check visits: the caller's own (assignee "" or
// "me"), or — for those who may assign cases — another user's or
// everyone's ("all") in the caller's region; done filters by whether the
// visit was made.
func (s *Service) Samples(ctx context.Context, actor kernel.Actor, assignee string, done *bool) ([]Sample, error) {
	f := SampleFilter{Prefix: actor.Scope(), Done: done, Limit: MaxSample}
	switch assignee = strings.TrimSpace(assignee); assignee {
	case "", "me":
		f.AssigneeID = actor.UserID
	default:
		if err := actor.Require(kernel.PermAssign); err != nil {
			return nil, err
		}
		if assignee != "all" {
			if s.Users == nil {
				return nil, kernel.FieldError("assignee", "没有这个用户")
			}
			u, err := s.Users.User(ctx, assignee)
			if kernel.ErrorCode(err) == kernel.ENotFound {
				return nil, kernel.FieldError("assignee", "没有这个用户")
			} else if err != nil {
				return nil, err
			}
			f.AssigneeID = u.ID
		}
	}
	st, ok := s.Store.(SampleStore)
	if !ok {
		return nil, kernel.Errorf(kernel.EInternal, "回访抽查不受此存储支持")
	}
	return st.Samples(ctx, f)
}
