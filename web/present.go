package web

import (
	"time"

	"github.com/jiefen/jiefen/cases"
	"github.com/jiefen/jiefen/kernel"
	"github.com/jiefen/jiefen/pii"
)

// JSON shapes of the API. Times are shown in China time; ID numbers and
// phones are always masked here (the reveal endpoint is the one exception).

func china(t *time.Time) *time.Time {
	if t == nil {
		return nil
	}
	c := t.In(cases.ChinaTime)
	return &c
}

type caseJSON struct {
	CaseNo        string         `json:"case_no"`
	Status        cases.Status   `json:"status"`
	StatusLabel   string         `json:"status_label"`
	Subject       string         `json:"subject"`
	Category      string         `json:"category"`
	CategoryLabel string         `json:"category_label"`
	RegionCode    string         `json:"region_code"`
	RegionName    string         `json:"region_name"`
	Address       string         `json:"address,omitempty"`
	Channel       kernel.Channel `json:"channel"`
	Applicant     string         `json:"applicant,omitempty"`
	CreatedAt     *time.Time     `json:"created_at"`
	UpdatedAt     *time.Time     `json:"updated_at"`
	AcceptDueAt   *time.Time     `json:"accept_due_at,omitempty"`
	HandleDueAt   *time.Time     `json:"handle_due_at,omitempty"`
	DueAt         *time.Time     `json:"due_at"`
	Overdue       bool           `json:"overdue"`
	ResolvedAt    *time.Time     `json:"resolved_at,omitempty"`
	ClosedAt      *time.Time     `json:"closed_at,omitempty"`
	ClusterID     *int64         `json:"cluster_id,omitempty"`
	Assignee      *assigneeJSON  `json:"assignee"`
	// InfoRequestedAt is set while the resident is asked for more.
	InfoRequestedAt *time.Time `json:"info_requested_at,omitempty"`
}

type assigneeJSON struct {
	ID   int64  `json:"id"`
	Name string `json:"name"`
}

func presentCase(c *cases.Case, now time.Time) caseJSON {
	var assignee *assigneeJSON
	if c.AssigneeID != nil {
		assignee = &assigneeJSON{ID: *c.AssigneeID, Name: c.AssigneeName}
	}
	return caseJSON{
		Assignee: assignee, InfoRequestedAt: china(c.InfoRequestedAt),
		CaseNo: c.No, Status: c.Status, StatusLabel: c.Status.Label(), Subject: c.Subject,
		Category: c.Category, CategoryLabel: cases.CategoryLabel(c.Category),
		RegionCode: c.RegionCode, RegionName: c.RegionName, Address: c.Address, Channel: c.Channel,
		Applicant: c.ApplicantName, CreatedAt: china(&c.CreatedAt), UpdatedAt: china(&c.UpdatedAt),
		AcceptDueAt: china(c.AcceptDue), HandleDueAt: china(c.HandleDue), DueAt: china(c.DueAt()),
		Overdue: c.Overdue(now), ResolvedAt: china(c.ResolvedAt), ClosedAt: china(c.ClosedAt),
		ClusterID: c.ClusterID,
	}
}

type caseDetailJSON struct {
	caseJSON
	// InfoRequest is the open request for more information, if any.
	InfoRequest *infoRequestJSON `json:"info_request,omitempty"`
	Next        []cases.Status   `json:"next_statuses"`
	Parties     []partyJSON      `json:"parties"`
	Intakes     []intakeJSON     `json:"intakes"`
	Links       []cases.Link     `json:"links"`
	Events      []eventJSON      `json:"events"`
}

type infoRequestJSON struct {
	Request string     `json:"request"`
	At      *time.Time `json:"at"`
}

func presentInfoRequest(c *cases.Case) *infoRequestJSON {
	r, at, ok := c.InfoRequest()
	if !ok {
		return nil
	}
	return &infoRequestJSON{Request: r, At: china(&at)}
}

type partyJSON struct {
	ID       int64           `json:"id"`
	Role     cases.PartyRole `json:"role"`
	Kind     cases.PartyKind `json:"kind"`
	Name     string          `json:"name"`
	IDNumber string          `json:"id_number,omitempty"`
	Phone    string          `json:"phone,omitempty"`
	Address  string          `json:"address,omitempty"`
}

func presentParty(p cases.Party, reveal bool) partyJSON {
	out := partyJSON{ID: p.ID, Role: p.Role, Kind: p.Kind, Name: p.Name, IDNumber: p.IDNumber,
		Phone: p.Phone, Address: p.Address}
	if !reveal {
		out.IDNumber, out.Phone = pii.MaskID(p.IDNumber), pii.MaskPhone(p.Phone)
	}
	return out
}

type intakeJSON struct {
	Ref          string            `json:"ref"`
	Decision     string            `json:"decision"`
	Channel      kernel.Channel    `json:"channel"`
	ChannelLabel string            `json:"channel_label"`
	ExternalRef  string            `json:"external_ref,omitempty"`
	ReceivedAt   *time.Time        `json:"received_at"`
	Person       cases.Person      `json:"person"`
	Subject      string            `json:"subject"`
	Content      string            `json:"content"`
	Address      string            `json:"address,omitempty"`
	RegionCode   string            `json:"region_code"`
	Category     string            `json:"category"`
	Respondent   *cases.Respondent `json:"respondent,omitempty"`
}

func presentIntake(in cases.Intake) intakeJSON {
	if r := in.Respondent; r != nil {
		masked := *r
		masked.Phone = pii.MaskPhone(r.Phone)
		in.Respondent = &masked
	}
	return intakeJSON{
		Ref: in.Ref, Decision: in.Decision, Channel: in.Channel, ChannelLabel: in.Channel.Label(), ExternalRef: in.ExternalRef,
		ReceivedAt: china(&in.ReceivedAt),
		Person: cases.Person{Name: in.Person.Name, IDNumber: pii.MaskID(in.Person.IDNumber),
			Phone: pii.MaskPhone(in.Person.Phone)},
		Subject: in.Subject, Content: in.Content, Address: in.Address, RegionCode: in.RegionCode,
		Category: in.Category, Respondent: in.Respondent,
	}
}

type eventJSON struct {
	ID    int64          `json:"id"`
	At    *time.Time     `json:"at"`
	Actor string         `json:"actor"`
	Kind  string         `json:"kind"`
	From  cases.Status   `json:"from,omitempty"`
	To    cases.Status   `json:"to,omitempty"`
	Note  string         `json:"note,omitempty"`
	Data  map[string]any `json:"data,omitempty"`
}

func presentCaseDetail(c *cases.Case, now time.Time) caseDetailJSON {
	d := caseDetailJSON{caseJSON: presentCase(c, now), Next: c.Status.Next(),
		Parties: make([]partyJSON, len(c.Parties)), Intakes: make([]intakeJSON, len(c.Intakes)),
		Links: c.Links, Events: make([]eventJSON, len(c.Events)), InfoRequest: presentInfoRequest(c)}
	if d.Next == nil {
		d.Next = []cases.Status{}
	}
	if d.Links == nil {
		d.Links = []cases.Link{}
	}
	for i := range d.Links {
		d.Links[i].CreatedAt = d.Links[i].CreatedAt.In(cases.ChinaTime)
	}
	for i, p := range c.Parties {
		d.Parties[i] = presentParty(p, false)
	}
	for i, in := range c.Intakes {
		d.Intakes[i] = presentIntake(in)
	}
	for i, e := range c.Events {
		d.Events[i] = eventJSON{ID: e.ID, At: china(&e.At), Actor: e.ActorName, Kind: e.Kind,
			From: e.FromStatus, To: e.ToStatus, Note: e.Note, Data: e.Data}
	}
	return d
}
