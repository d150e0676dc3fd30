package cases

import (
	"time"

	"github.com/jiefen/jiefen/kernel"
)

// Case is one matter ("一案一码"): one case number from the first intake to the
// archive, owning one or more intakes.
type Case struct {
	ID          int64          `json:"-"`
	No          string         `json:"case_no"`
	Subject     string         `json:"subject"`
	Category    string         `json:"category"`
	RegionCode  string         `json:"region_code"`
	Address     string         `json:"address,omitempty"`
	Status      Status         `json:"status"`
	Channel     kernel.Channel `json:"channel"` // of the first intake
	AcceptDue   *time.Time     `json:"accept_due_at,omitempty"`
	HandleDue   *time.Time     `json:"handle_due_at,omitempty"`
	SuspendedAt *time.Time     `json:"suspended_at,omitempty"`
	ResolvedAt  *time.Time     `json:"resolved_at,omitempty"`
	ClosedAt    *time.Time     `json:"closed_at,omitempty"`
	CreatedAt   time.Time      `json:"created_at"`
	UpdatedAt   time.Time      `json:"updated_at"`
	CreatedBy   int64          `json:"-"`
	ClusterID   *int64         `json:"cluster_id,omitempty"`
	MergedInto  *int64         `json:"-"` // set when merged into another case by hand
	// AssigneeID is the staff member handling the case (承办人), nil while
	// nobody is; AssigneeName is their name when assigned.
	AssigneeID   *int64 `json:"-"`
	AssigneeName string `json:"-"`
	// InfoRequestedAt is set while staff wait for the resident to supply
	// more information (补充材料), and cleared when they do.
	InfoRequestedAt *time.Time `json:"-"`
	// Read-only conveniences filled by stores for display.
	RegionName    string `json:"-"`
	ApplicantName string `json:"-"`
	// Version increases with every update; stores use it to refuse writes
	// based on a stale read.
	Version int `json:"-"`

	// Loaded by Service.Get only.
	Parties []Party  `json:"-"`
	Intakes []Intake `json:"-"`
	Events  []Event  `json:"-"`
	Links   []Link   `json:"-"`
}

// DueAt returns the deadline of the clock now running on the case, if any.
func (c *Case) DueAt() *time.Time {
	switch c.Status {
	case StatusRegistered:
		return c.AcceptDue
	case StatusAccepted, StatusInProgress:
		return c.HandleDue
	}
	return nil
}

// Overdue reports whether the running clock has passed its deadline.
func (c *Case) Overdue(now time.Time) bool {
	due := c.DueAt()
	return due != nil && now.After(*due)
}

// Person identifies a resident. ID numbers and phones are personal data: the
// store keeps them encrypted and the web layer masks them.
type Person struct {
	Name     string `json:"name"`
	IDNumber string `json:"id_number,omitempty"`
	Phone    string `json:"phone,omitempty"`
}

// Respondent is the party a complaint is against: a person or an organisation.
type Respondent struct {
	Kind    PartyKind `json:"kind"`
	Name    string    `json:"name"`
	Phone   string    `json:"phone,omitempty"`
	Address string    `json:"address,omitempty"`
}

// Intake is one submission through one channel: immutable, kept forever with
// its raw payload.
type Intake struct {
	ID          int64          `json:"-"`
	Ref         string         `json:"ref"`
	CaseID      int64          `json:"-"`
	Channel     kernel.Channel `json:"channel"`
	ExternalRef string         `json:"external_ref,omitempty"`
	ReceivedAt  time.Time      `json:"received_at"`
	Person      Person         `json:"person"`
	Subject     string         `json:"subject"`
	Content     string         `json:"content"`
	Address     string         `json:"address,omitempty"`
	RegionCode  string         `json:"region_code"`
	Category    string         `json:"category"`
	Respondent  *Respondent    `json:"respondent,omitempty"`
	Raw         []byte         `json:"-"` // the channel's payload as received
	CreatedAt   time.Time      `json:"created_at"`
	CreatedBy   int64          `json:"-"`
	// NameKey is the person's name in toneless pinyin, so that homophone
	// spellings (张伟/章玮) meet.
	NameKey string `json:"-"`
	// ResidentID is the resident account that filed the intake itself
	// (WeChat, the resident web page); 0 when staff or a system did.
	ResidentID int64 `json:"-"`
	// VerifiedPhone is a phone number WeChat verified for that resident
	// account ("" if none): their intake may join a case with this phone.
	// Not stored.
	VerifiedPhone string `json:"-"`
	// Decision is what registration decided for this intake.
	Decision string `json:"decision,omitempty"`

	// SourceKey makes registration idempotent: a second Register with the same
	// key returns the first result. Channels derive it from their own
	// reference (hotline order number, import ref, Idempotency-Key header).
	SourceKey string `json:"-"`
	// SourceHash fingerprints the request, so a reused key with a different
	// body is a conflict rather than a silent replay.
	SourceHash string `json:"-"`
}

// PartyRole is a party's part in the matter.
type PartyRole string

const (
	RoleApplicant      PartyRole = "applicant"      // 申请人/信访人
	RoleRespondent     PartyRole = "respondent"     // 被申请人/被反映人
	RoleRepresentative PartyRole = "representative" // 代理人/代表
)

// PartyKind says whether a party is a natural person or an organisation.
type PartyKind string

const (
	KindPerson       PartyKind = "person"
	KindOrganisation PartyKind = "organisation"
)

// Party is a person or organisation involved in a case.
type Party struct {
	ID       int64     `json:"id"`
	CaseID   int64     `json:"-"`
	IntakeID int64     `json:"-"`
	Role     PartyRole `json:"role"`
	Kind     PartyKind `json:"kind"`
	Name     string    `json:"name"`
	IDNumber string    `json:"id_number,omitempty"`
	Phone    string    `json:"phone,omitempty"`
	Address  string    `json:"address,omitempty"`
}

// Event is one entry of a case's timeline: who did what, when.
type Event struct {
	ID         int64          `json:"id"`
	CaseID     int64          `json:"-"`
	At         time.Time      `json:"at"`
	ActorID    int64          `json:"actor_id,omitempty"`
	ActorName  string         `json:"actor"`
	Kind       string         `json:"kind"`
	FromStatus Status         `json:"from,omitempty"`
	ToStatus   Status         `json:"to,omitempty"`
	Note       string         `json:"note,omitempty"`
	Data       map[string]any `json:"data,omitempty"`
}

// Event kinds.
const (
	EventRegistered  = "registered"   // a case was opened by its first intake
	EventIntakeAdded = "intake_added" // a further intake joined the case
	EventTransition  = "transition"
	EventPIIRevealed = "pii_revealed" // someone read unmasked personal data
	EventLinked      = "linked"       // a link to another case was made or changed
	EventGrouped     = "grouped"      // the case joined a group issue
	EventMerged      = "merged"       // another case was merged into this one, or this one into another
	EventSplit       = "split"        // an intake was split out into a case of its own
	EventUndone      = "undone"       // an earlier merge or split was reversed
	EventEvaluated   = "evaluated"    // the resident evaluated the handling
	EventAssigned    = "assigned"     // the case was given to a handler (or taken back)
	// EventNeedsMoreInfo asks the resident for more information; the
	// request (data "request") is written for the resident to read.
	EventNeedsMoreInfo = "needs_more_info"
	// EventGroupWarning is a group early warning (群体性事件预警): the
	// case's cluster reached a threshold of people in its county
	// (groupwarn).
	EventGroupWarning = "group_warning"
)

// Link statuses.
const (
	LinkSuggested = "suggested" // the detector is unsure: staff confirm or reject
	LinkConfirmed = "confirmed"
	LinkRejected  = "rejected"
)

// LinkKind says how two cases relate.
type LinkKind string

const (
	LinkDuplicate LinkKind = "duplicate" // the same matter registered twice
	LinkRepeat    LinkKind = "repeat"    // raised again after it was handled (重复信访)
	LinkRelated   LinkKind = "related"   // same group issue or otherwise related
)

// Link joins two cases, with the detector's reasons.
type Link struct {
	ID          int64    `json:"id"`
	CaseID      int64    `json:"-"`
	OtherCaseID int64    `json:"-"`
	OtherCaseNo string   `json:"case_no"`
	Kind        LinkKind `json:"kind"`
	// Direction is "out" when this case made the link (a repeat points to
	// the case it repeats) and "in" when the other case did.
	Direction string       `json:"direction,omitempty"`
	Status    string       `json:"status"` // suggested | confirmed | rejected
	Score     float64      `json:"score"`
	Reasons   *Explanation `json:"reasons,omitempty"`
	CreatedAt time.Time    `json:"created_at"`
	CreatedBy int64        `json:"-"`
}
