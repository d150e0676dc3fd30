package petition

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/jiefen/jiefen/calendar"
	"github.com/jiefen/jiefen/cases"
	"github.com/jiefen/jiefen/kernel"
)

// Backlog is the definition of 积案 (the case list's backlog=true):
// Overdue — an open case with a clock missed or running past its due and
// not ended; Repeats — a matter petitioned this many times or more (its
// confirmed repeat links + 1; 0: not counted). Configuration:
// JIEFEN_PETITION_BACKLOG.
type Backlog struct {
	Overdue bool
	Repeats int
}

// BacklogOpen lists, as SQL, the case statuses in which an overdue clock
// makes a case 积案 (the list filter and the overview figure share it).
const BacklogOpen = "('registered', 'accepted', 'in_progress', 'suspended')"

// DefaultBacklog: unresolved past its statutory time, or petitioned ≥ 3
// times on one matter.
var DefaultBacklog = Backlog{Overdue: true, Repeats: 3}

// ParseBacklog reads "overdue,repeats=3" (either part may be left out;
// "" is the default, "none" neither).
func ParseBacklog(v string) (Backlog, error) {
	v = strings.TrimSpace(v)
	if v == "" {
		return DefaultBacklog, nil
	}
	var b Backlog
	if v == "none" {
		return b, nil
	}
	for _, part := range strings.Split(v, ",") {
		part = strings.TrimSpace(part)
		switch {
		case part == "overdue":
			b.Overdue = true
		case strings.HasPrefix(part, "repeats="):
			n, err := strconv.Atoi(strings.TrimPrefix(part, "repeats="))
			if err != nil || n < 2 {
				return b, fmt.Errorf("积案定义 %q：repeats 应为不小于2的整数", part)
			}
			b.Repeats = n
		default:
			return b, fmt.Errorf("积案定义 %q：应为 overdue、repeats=N 或 none", part)
		}
	}
	return b, nil
}

// Campaign is a 专项行动 (e.g. 百日攻坚): cases tagged with a target date.
type Campaign struct {
	ID         int64     `json:"id"`
	Name       string    `json:"name"`
	RegionCode string    `json:"region_code"`
	StartsOn   string    `json:"starts_on"`
	EndsOn     string    `json:"ends_on"`
	Note       string    `json:"note"`
	CreatedBy  string    `json:"created_by"`
	CreatedAt  time.Time `json:"created_at"`
	UpdatedAt  time.Time `json:"updated_at"`
}

// CampaignCase is a case tagged in a campaign.
type CampaignCase struct {
	CampaignID int64        `json:"-"`
	CaseID     int64        `json:"-"`
	CaseNo     string       `json:"case_no"`
	Subject    string       `json:"subject"`
	RegionCode string       `json:"region_code"`
	Status     cases.Status `json:"case_status"`
	TargetOn   string       `json:"target_on"`
	AddedAt    time.Time    `json:"added_at"`
	Done       bool         `json:"done"`
	Overdue    bool         `json:"overdue"`
}

// Progress of a campaign.
type Progress struct {
	Total   int `json:"total"`
	Done    int `json:"done"`
	Open    int `json:"open"`
	Overdue int `json:"overdue"`
	// Percent is done / total, rounded down (0 with no cases).
	Percent int `json:"percent"`
}

// CampaignView is a campaign with its progress (and, for one, its cases).
type CampaignView struct {
	Campaign
	Progress Progress       `json:"progress"`
	Cases    []CampaignCase `json:"cases,omitempty"`
}

// CampaignStore keeps campaigns. Missing rows are ENotFound; AddCase of a
// case already tagged is EConflict.
type CampaignStore interface {
	WithTx(tx kernel.Tx) CampaignStore
	CreateCampaign(ctx context.Context, c *Campaign) error
	UpdateCampaign(ctx context.Context, c *Campaign) error
	DeleteCampaign(ctx context.Context, id int64) error
	Campaign(ctx context.Context, id int64) (*Campaign, error)
	Campaigns(ctx context.Context) ([]*Campaign, error)
	AddCase(ctx context.Context, cc *CampaignCase) error
	RemoveCase(ctx context.Context, campaignID, caseID int64) (bool, error)
	CampaignCases(ctx context.Context, campaignID int64) ([]CampaignCase, error)
}

// NewCampaign is a campaign as staff enter it.
type NewCampaign struct {
	Name     string
	StartsOn string
	EndsOn   string
	Note     string
}

func (n NewCampaign) check() (NewCampaign, error) {
	var err error
	if n.Name, err = text("name", n.Name, true, 100); err != nil {
		return n, err
	}
	if n.Note, err = text("note", n.Note, false, 2000); err != nil {
		return n, err
	}
	from, err := parseDay("starts_on", n.StartsOn)
	if err != nil {
		return n, err
	}
	to, err := parseDay("ends_on", n.EndsOn)
	if err != nil {
		return n, err
	}
	if to.Before(from) {
		return n, kernel.FieldError("ends_on", "结束日期不能早于开始日期")
	}
	n.StartsOn, n.EndsOn = from.String(), to.String()
	return n, nil
}

// campaignSees reports whether the actor sees campaign c: one of their
// region's subtree or of a region above theirs.
func campaignSees(actor kernel.Actor, c *Campaign) bool {
	return actor.System || kernel.InRegion(c.RegionCode, actor.RegionCode) || kernel.InRegion(actor.RegionCode, c.RegionCode)
}

// campaignManages: supervisors, leaders and admins of the campaign's region
// or above (the assign permission). A campaign the actor does not see
// (another region's) is ENotFound, as on reading it: a 403 would tell that
// it exists.
func campaignManages(actor kernel.Actor, c *Campaign) error {
	if !campaignSees(actor, c) {
		return errNoCampaign
	}
	if err := actor.Require(kernel.PermAssign); err != nil {
		return err
	}
	if !actor.System && !kernel.InRegion(c.RegionCode, actor.RegionCode) {
		return kernel.Errorf(kernel.EForbidden, "只有该专项行动所在地区或上级的工作人员可以修改")
	}
	return nil
}

var errNoCampaign = kernel.Errorf(kernel.ENotFound, "专项行动不存在")

// CreateCampaign starts a 专项行动 in the actor's region.
func (s *Service) CreateCampaign(ctx context.Context, actor kernel.Actor, n NewCampaign) (*CampaignView, error) {
	if err := actor.Require(kernel.PermAssign); err != nil {
		return nil, err
	}
	n, err := n.check()
	if err != nil {
		return nil, err
	}
	now := s.Now().UTC()
	c := &Campaign{Name: n.Name, RegionCode: actor.RegionCode, StartsOn: n.StartsOn, EndsOn: n.EndsOn, Note: n.Note,
		CreatedBy: actor.Name, CreatedAt: now, UpdatedAt: now}
	if err := s.Campaigns.CreateCampaign(ctx, c); err != nil {
		return nil, err
	}
	return &CampaignView{Campaign: *c}, nil
}

// UpdateCampaign changes a campaign's name, dates and note.
func (s *Service) UpdateCampaign(ctx context.Context, actor kernel.Actor, id int64, n NewCampaign) (*CampaignView, error) {
	n, err := n.check()
	if err != nil {
		return nil, err
	}
	err = s.Tx.InTx(ctx, func(ctx context.Context, tx kernel.Tx) error {
		st := s.Campaigns.WithTx(tx)
		c, err := st.Campaign(ctx, id)
		if err != nil {
			return err
		}
		if err := campaignManages(actor, c); err != nil {
			return err
		}
		c.Name, c.StartsOn, c.EndsOn, c.Note, c.UpdatedAt = n.Name, n.StartsOn, n.EndsOn, n.Note, s.Now().UTC()
		return st.UpdateCampaign(ctx, c)
	})
	if err != nil {
		return nil, err
	}
	return s.CampaignByID(ctx, actor, id)
}

// DeleteCampaign removes a campaign and its tags; each tagged case gets
// an untagging event on its timeline (beside its tagging event), in the
// same unit of work.
func (s *Service) DeleteCampaign(ctx context.Context, actor kernel.Actor, id int64) error {
	return s.Tx.InTx(ctx, func(ctx context.Context, tx kernel.Tx) error {
		st := s.Campaigns.WithTx(tx)
		c, err := st.Campaign(ctx, id)
		if err != nil {
			return err
		}
		if err := campaignManages(actor, c); err != nil {
			return err
		}
		ccs, err := st.CampaignCases(ctx, id)
		if err != nil {
			return err
		}
		if err := st.DeleteCampaign(ctx, id); err != nil {
			return err
		}
		cs := s.Cases.WithTx(tx)
		now := s.Now().UTC()
		for _, cc := range ccs {
			if err := cs.RecordEvent(ctx, cs.Store, &cases.Event{CaseID: cc.CaseID, At: now, ActorID: actor.UserID,
				ActorName: actor.Name, Kind: EventCampaignUntagged, Note: fmt.Sprintf("专项行动“%s”已撤销，移出", c.Name),
				Data: map[string]any{"campaign_id": c.ID, "campaign": c.Name, "deleted": true}}); err != nil {
				return err
			}
		}
		return nil
	})
}

// progress adds the done and overdue marks of the cases and counts them:
// done is a case no longer open (resolved, visited, closed, rejected,
// merged); overdue an open one past its target date.
func progress(list []CampaignCase, today calendar.Date) Progress {
	var p Progress
	for i := range list {
		cc := &list[i]
		p.Total++
		cc.Done = !cc.Status.Open()
		if cc.Done {
			p.Done++
			continue
		}
		p.Open++
		if d, err := calendar.ParseDate(cc.TargetOn); err == nil && d.Before(today) {
			cc.Overdue = true
			p.Overdue++
		}
	}
	if p.Total > 0 {
		p.Percent = p.Done * 100 / p.Total
	}
	return p
}

// Campaigns lists the campaigns the actor sees, with their progress.
func (s *Service) ListCampaigns(ctx context.Context, actor kernel.Actor) ([]CampaignView, error) {
	list, err := s.Campaigns.Campaigns(ctx)
	if err != nil {
		return nil, err
	}
	today := calendar.DateOf(s.Now())
	out := []CampaignView{}
	for _, c := range list {
		if !campaignSees(actor, c) {
			continue
		}
		ccs, err := s.Campaigns.CampaignCases(ctx, c.ID)
		if err != nil {
			return nil, err
		}
		out = append(out, CampaignView{Campaign: *c, Progress: progress(visible(actor, ccs), today)})
	}
	return out, nil
}

// visible keeps the campaign's cases in the actor's region.
func visible(actor kernel.Actor, list []CampaignCase) []CampaignCase {
	out := list[:0:0]
	for _, cc := range list {
		if actor.System || kernel.InRegion(cc.RegionCode, actor.RegionCode) {
			out = append(out, cc)
		}
	}
	return out
}

// CampaignByID answers a campaign with its progress and cases (those in
// the actor's region).
func (s *Service) CampaignByID(ctx context.Context, actor kernel.Actor, id int64) (*CampaignView, error) {
	c, err := s.Campaigns.Campaign(ctx, id)
	if err != nil {
		return nil, err
	}
	if !campaignSees(actor, c) {
		return nil, errNoCampaign
	}
	ccs, err := s.Campaigns.CampaignCases(ctx, c.ID)
	if err != nil {
		return nil, err
	}
	ccs = visible(actor, ccs)
	v := &CampaignView{Campaign: *c, Progress: progress(ccs, calendar.DateOf(s.Now())), Cases: ccs}
	if v.Cases == nil {
		v.Cases = []CampaignCase{}
	}
	return v, nil
}

// TagCase puts case no into the campaign with a target date (default: the
// campaign's end), with an event on its timeline.
func (s *Service) TagCase(ctx context.Context, actor kernel.Actor, id int64, no, targetOn string) (*CampaignView, error) {
	err := s.Tx.InTx(ctx, func(ctx context.Context, tx kernel.Tx) error {
		st := s.Campaigns.WithTx(tx)
		c, err := st.Campaign(ctx, id)
		if err != nil {
			return err
		}
		if err := campaignManages(actor, c); err != nil {
			return err
		}
		if strings.TrimSpace(targetOn) == "" {
			targetOn = c.EndsOn
		}
		target, err := parseDay("target_on", targetOn)
		if err != nil {
			return err
		}
		cs := s.Cases.WithTx(tx)
		kc, err := cs.Store.CaseByNo(ctx, no, actor.Scope())
		if err != nil {
			return err
		}
		if !kernel.InRegion(kc.RegionCode, c.RegionCode) {
			return kernel.FieldError("case_no", "案件不在该专项行动的地区内")
		}
		now := s.Now().UTC()
		if err := st.AddCase(ctx, &CampaignCase{CampaignID: c.ID, CaseID: kc.ID, TargetOn: target.String(), AddedAt: now}); err != nil {
			return err
		}
		return cs.RecordEvent(ctx, cs.Store, &cases.Event{CaseID: kc.ID, At: now, ActorID: actor.UserID, ActorName: actor.Name,
			Kind: EventCampaignTagged, Note: fmt.Sprintf("列入专项行动“%s”，化解期限%s", c.Name, target),
			Data: map[string]any{"campaign_id": c.ID, "campaign": c.Name, "target_on": target.String()}})
	})
	if err != nil {
		return nil, err
	}
	return s.CampaignByID(ctx, actor, id)
}

// UntagCase takes case no out of the campaign.
func (s *Service) UntagCase(ctx context.Context, actor kernel.Actor, id int64, no string) (*CampaignView, error) {
	err := s.Tx.InTx(ctx, func(ctx context.Context, tx kernel.Tx) error {
		st := s.Campaigns.WithTx(tx)
		c, err := st.Campaign(ctx, id)
		if err != nil {
			return err
		}
		if err := campaignManages(actor, c); err != nil {
			return err
		}
		cs := s.Cases.WithTx(tx)
		kc, err := cs.Store.CaseByNo(ctx, no, actor.Scope())
		if err != nil {
			return err
		}
		ok, err := st.RemoveCase(ctx, c.ID, kc.ID)
		if err != nil {
			return err
		}
		if !ok {
			return kernel.Errorf(kernel.ENotFound, "该案件不在专项行动中")
		}
		return cs.RecordEvent(ctx, cs.Store, &cases.Event{CaseID: kc.ID, At: s.Now().UTC(), ActorID: actor.UserID,
			ActorName: actor.Name, Kind: EventCampaignUntagged, Note: fmt.Sprintf("移出专项行动“%s”", c.Name),
			Data: map[string]any{"campaign_id": c.ID}})
	})
	if err != nil {
		return nil, err
	}
	return s.CampaignByID(ctx, actor, id)
}
