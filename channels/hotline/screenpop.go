package hotline

import (
	"context"
	"sort"
	"time"

	"github.com/jiefen/jiefen/cases"
	"github.com/jiefen/jiefen/kernel"
	"github.com/jiefen/jiefen/pii"
)

// Screen pop limits: it answers while the phone rings.
const (
	popIntakes     = 50 // newest intakes looked at for the caller's number
	popCases       = 20 // cases shown
	popSuggestions = 5
	popMinScore    = 0.15 // weaker suggestions are noise to an agent on a call
)

// ScreenPop is what an agent sees when a number calls: the caller's cases
// in the agent's region, open first, and the detector's suggestions of
// what the call may be about. Personal data is masked.
type ScreenPop struct {
	Caller      string       `json:"caller"` // masked number
	Open        int          `json:"open"`   // open cases among Cases
	Cases       []CallerCase `json:"cases"`
	Suggestions []Suggestion `json:"suggestions"`
}

// CallerCase is one of the caller's cases.
type CallerCase struct {
	CaseNo        string         `json:"case_no"`
	Status        cases.Status   `json:"status"`
	StatusLabel   string         `json:"status_label"`
	Open          bool           `json:"open"`
	Subject       string         `json:"subject"`
	Category      string         `json:"category"`
	CategoryLabel string         `json:"category_label"`
	RegionCode    string         `json:"region_code"`
	RegionName    string         `json:"region_name"`
	Channel       kernel.Channel `json:"channel"`
	Applicant     string         `json:"applicant,omitempty"`
	CreatedAt     time.Time      `json:"created_at"`
	DueAt         *time.Time     `json:"due_at"`
	Overdue       bool           `json:"overdue"`
	// Contacts counts the intakes from this number on the case; LastContactAt
	// is the newest.
	Contacts      int       `json:"contacts"`
	LastContactAt time.Time `json:"last_contact_at"`
}

// Suggestion is a case the detector relates to the call.
type Suggestion struct {
	CaseNo      string             `json:"case_no"`
	Kind        cases.LinkKind     `json:"kind"`
	Score       float64            `json:"score"`
	Own         bool               `json:"own"` // one of the caller's cases
	Subject     string             `json:"subject"`
	Status      cases.Status       `json:"status"`
	StatusLabel string             `json:"status_label"`
	RegionName  string             `json:"region_name"`
	Reasons     *cases.Explanation `json:"reasons,omitempty"`
}

// ScreenPop looks up a calling number. q is what the agent typed about the
// call so far (optional); without it, suggestions are based on the
// caller's newest intake. regionCode optionally places the call.
func (ch *Channel) ScreenPop(ctx context.Context, actor kernel.Actor, number, q, regionCode string) (*ScreenPop, error) {
	phone := pii.CanonicalPhone(number)
	if phone == "" {
		return nil, kernel.FieldError("number", "来电号码不能为空")
	}
	if regionCode != "" {
		code, ok := kernel.NormalizeRegionCode(regionCode)
		if !ok {
			return nil, kernel.FieldError("region_code", "行政区划代码格式错误")
		}
		if !actor.Sees(code) {
			return nil, kernel.FieldError("region_code", "该地区不在您的管辖范围内")
		}
		regionCode = code
	}
	store := ch.Reader
	now := ch.Cases.Now()
	pop := &ScreenPop{Caller: pii.MaskPhone(phone), Cases: []CallerCase{}, Suggestions: []Suggestion{}}

	// The caller's intakes by the keyed hash of the number: one indexed
	// look-up, newest first.
	ids, err := store.IntakesByPerson(ctx, cases.Person{Phone: phone}, "", popIntakes)
	if err != nil {
		return nil, err
	}
	cands, err := store.Candidates(ctx, ids, false)
	if err != nil {
		return nil, err
	}
	type agg struct {
		id       int64
		open     bool
		contacts int
		last     time.Time
	}
	byCase := map[int64]*agg{}
	var latest *cases.Candidate
	for i, cd := range cands {
		if !actor.Sees(cd.RegionCode) || cd.CaseStatus == cases.StatusMerged {
			continue
		}
		a := byCase[cd.CaseID]
		if a == nil {
			a = &agg{id: cd.CaseID, open: cd.CaseStatus.Open()}
			byCase[cd.CaseID] = a
		}
		a.contacts++
		if cd.ReceivedAt.After(a.last) {
			a.last = cd.ReceivedAt
		}
		if latest == nil || cd.ReceivedAt.After(latest.ReceivedAt) {
			latest = &cands[i]
		}
	}
	list := make([]*agg, 0, len(byCase))
	for _, a := range byCase {
		list = append(list, a)
	}
	sort.Slice(list, func(i, j int) bool {
		if list[i].open != list[j].open {
			return list[i].open
		}
		return list[i].last.After(list[j].last)
	})
	if len(list) > popCases {
		list = list[:popCases]
	}
	for _, a := range list {
		c, err := store.CaseByID(ctx, a.id)
		if err != nil {
			return nil, err
		}
		cc := CallerCase{CaseNo: c.No, Status: c.Status, StatusLabel: c.Status.Label(), Open: c.Status.Open(),
			Subject: c.Subject, Category: c.Category, CategoryLabel: cases.CategoryLabel(c.Category),
			RegionCode: c.RegionCode, RegionName: c.RegionName, Channel: c.Channel, Applicant: c.ApplicantName,
			CreatedAt: c.CreatedAt.In(cases.ChinaTime), Overdue: c.Overdue(now),
			Contacts: a.contacts, LastContactAt: a.last.In(cases.ChinaTime)}
		if due := c.DueAt(); due != nil {
			d := due.In(cases.ChinaTime)
			cc.DueAt = &d
		}
		if cc.Open {
			pop.Open++
		}
		pop.Cases = append(pop.Cases, cc)
	}
	if ch.Detector == nil {
		return pop, nil
	}
	// What the call may be about: the detector's candidates for an intake
	// from this number about what the agent typed, or else about the
	// caller's newest matter.
	in := &cases.Intake{Channel: kernel.ChannelHotline, Person: cases.Person{Phone: phone}, Subject: q, Content: q,
		RegionCode: regionCode, ReceivedAt: now.UTC()}
	if latest != nil {
		in.NameKey = latest.NameKey
		if in.RegionCode == "" {
			in.RegionCode = latest.RegionCode
		}
		if q == "" {
			full, err := store.Candidates(ctx, []int64{latest.IntakeID}, true)
			if err != nil {
				return nil, err
			}
			if len(full) == 1 {
				in.Subject, in.Content = full[0].Subject, full[0].Content
			}
		}
	}
	if in.Subject == "" && in.Content == "" {
		return pop, nil // a first-time caller and nothing typed yet
	}
	if in.RegionCode == "" {
		in.RegionCode = actor.RegionCode
	}
	matches, err := ch.Detector.Similar(ctx, store, in, actor.Scope(), now.UTC())
	if err != nil {
		return nil, err
	}
	for _, m := range matches {
		if len(pop.Suggestions) == popSuggestions || m.Score < popMinScore {
			break // best first
		}
		c, err := store.CaseByID(ctx, m.CaseID)
		if err != nil {
			return nil, err
		}
		if !actor.Sees(c.RegionCode) {
			continue
		}
		_, own := byCase[m.CaseID]
		pop.Suggestions = append(pop.Suggestions, Suggestion{CaseNo: c.No, Kind: m.Kind, Score: m.Score, Own: own,
			Subject: c.Subject, Status: c.Status, StatusLabel: c.Status.Label(), RegionName: c.RegionName,
			Reasons: m.Reasons})
	}
	return pop, nil
}
