// Package mediation is the mediation track of a case (调解): the bodies that
// mediate (people's, administrative, court-invited and industry
// committees, which are units), mediator profiles with capacity and
// declared conflicts, routing a case's category to a flow and a kind of
// body, offers to mediators, sessions, the one outcome (agreement,
// failure, referral), the 调解协议书, judicial confirmation, performance
// follow-up and hand-offs between flows (诉调/访调/公调/检调).
//
// Every step writes the module's rows and the case's timeline event in one
// unit of work (cases.Service.WithTx); the case's own status machine stays
// as it is: opening a mediation puts the case in handling, an agreement or
// a referral resolves it, a failure gives it back to the handling queue.
package mediation

import (
	"context"
	"time"

	"github.com/jiefen/jiefen/calendar"
	"github.com/jiefen/jiefen/clocks"
	"github.com/jiefen/jiefen/documents"
	"github.com/jiefen/jiefen/kernel"
	"github.com/jiefen/jiefen/units"
)

// Flow is the kind of mediation.
type Flow string

const (
	FlowPeople         Flow = "people"         // 人民调解
	FlowAdministrative Flow = "administrative" // 行政调解
	FlowJudicial       Flow = "judicial"       // 司法调解（特邀调解/诉前调解）
	FlowIndustry       Flow = "industry"       // 行业性专业性调解
)

// Flows lists every flow.
var Flows = []Flow{FlowPeople, FlowAdministrative, FlowJudicial, FlowIndustry}

var flowLabels = map[Flow]string{FlowPeople: "人民调解", FlowAdministrative: "行政调解",
	FlowJudicial: "诉前调解/特邀调解", FlowIndustry: "行业性专业性调解"}

func (f Flow) Valid() bool   { _, ok := flowLabels[f]; return ok }
func (f Flow) Label() string { return flowLabels[f] }

// flowKinds: the kinds of unit that mediate in each flow.
var flowKinds = map[Flow][]units.Kind{
	FlowPeople:         {units.KindPeopleCommittee},
	FlowIndustry:       {units.KindIndustryCommittee},
	FlowAdministrative: {units.KindDepartment},
	FlowJudicial:       {units.KindCourt},
}

// FlowOf is the flow a unit mediates in, "" if it is no mediating body.
func FlowOf(k units.Kind) Flow {
	for f, ks := range flowKinds {
		for _, x := range ks {
			if x == k {
				return f
			}
		}
	}
	return ""
}

// Status is where a mediation stands.
type Status string

const (
	StatusOffered  Status = "offered"  // offered to a mediator, awaiting the answer
	StatusWaiting  Status = "waiting"  // no eligible mediator left in the body: staff choose again
	StatusActive   Status = "active"   // a mediator accepted: mediating
	StatusAgreed   Status = "agreed"   // ended in an agreement (调解协议)
	StatusFailed   Status = "failed"   // ended without agreement (调解不成)
	StatusReferred Status = "referred" // referred to litigation, arbitration, administration or petition
)

var statusLabels = map[Status]string{StatusOffered: "待接受", StatusWaiting: "待指派", StatusActive: "调解中",
	StatusAgreed: "已达成协议", StatusFailed: "调解不成", StatusReferred: "已转处"}

func (s Status) Label() string { return statusLabels[s] }

// Open reports whether the mediation has no outcome yet.
func (s Status) Open() bool { return s == StatusOffered || s == StatusWaiting || s == StatusActive }

// Offer statuses.
const (
	OfferPending   = "pending"
	OfferAccepted  = "accepted"
	OfferDeclined  = "declined"
	OfferExpired   = "expired" // unanswered for OfferWorkingDays
	OfferRecused   = "recused" // accepted, then a conflict was disclosed
	OfferWithdrawn = "withdrawn"
)

// OfferWorkingDays is how long an offer waits for an answer before it moves
// to the next mediator (《人民法院在线调解规则》第十二条: 3 working days).
const OfferWorkingDays = 3

// Clock kinds of the module, with their legal sources. A province
// overrides the days with JIEFEN_CLOCKS.
//
// Sources and how sure the article numbers are (checked from memory and
// secondary copies of the texts, not the official gazette; a wrong
// number is worse than none, so unsure ones stay out of Source):
//   - People's mediation: the 人民调解法 sets no time limit (第二十六条 is
//     about ending a mediation that failed, not its length). The month is
//     《人民调解工作若干规定》(司法部令第75号, 2002) 第三十三条 "人民调解委员会
//     调解纠纷，一般在一个月内调结" (a secondary copy of the text numbers it
//     33; it is often quoted as 34). Provinces' regulations may differ.
//   - Court (诉前委派/特邀) mediation, 30 days: 《最高人民法院关于人民法院特邀
//     调解的规定》(法释〔2016〕14号) 第二十条 (30 days; longer with the parties'
//     agreement) — not re-read here against the official text.
//   - Labour, 15 days: 《劳动争议调解仲裁法》第十四条 (sure).
//   - Medical, 30 working days: 《医疗纠纷预防和处理条例》(国务院令第701号)
//     — believed 第三十八条 (also: time for expert assessment does not count;
//     extended when the committee and both sides agree); not verified, so
//     Source gives the rule without the number.
//   - Traffic, 10 days: 《道路交通事故处理程序规定》(公安部令第146号) sets 10
//     days for mediation by the traffic police (公安机关交通管理部门调解); the
//     article number (about 第八十八条 of the 2017 text; 第六十四条 in the
//     2008 text) is not verified, and a 道路交通事故纠纷人民调解委员会 applies
//     it by analogy. Working days follow that rule's counting of 日 as
//     working days, itself not verified: a province may set calendar days.
//   - Consumer, 45 working days: 《市场监督管理投诉举报处理暂行办法》(总局令
//     第20号, 2019) for complaints mediated by market regulation; article
//     number not verified.
//   - Judicial confirmation, 30 days from the agreement taking effect:
//     《人民调解法》第三十三条 (sure) and 《民事诉讼法》(2023年修正) 第二百零五条
//     (第二百零一条 in the 2021 text).
//
// extendVia is where a mediation clock is extended: with the parties'
// agreement, which the core's clock route does not ask for.
const extendVia = "调解延期（POST /api/v1/mediations/{id}/extensions，须当事人同意）"

var (
	ClockPeople = clocks.Define(clocks.Rule{Kind: "mediation", ExtendVia: extendVia, Label: "人民调解期限", Days: 30,
		Unit: calendar.CalendarDays, Source: "《人民调解工作若干规定》第三十三条（一般在一个月内调结，可按省规定配置）"})
	ClockCourt = clocks.Define(clocks.Rule{Kind: "court_mediation", ExtendVia: extendVia, Label: "诉前调解期限", Days: 30,
		Unit: calendar.CalendarDays, Source: "《最高人民法院关于人民法院特邀调解的规定》第二十条（委派调解30日，经当事人同意可延长）"})
	ClockLabour = clocks.Define(clocks.Rule{Kind: "labour_mediation", ExtendVia: extendVia, Label: "劳动争议调解期限", Days: 15,
		Unit: calendar.CalendarDays, Source: "《劳动争议调解仲裁法》第十四条"})
	ClockMedical = clocks.Define(clocks.Rule{Kind: "medical_mediation", ExtendVia: extendVia, Label: "医疗纠纷调解期限", Days: 30,
		Unit: calendar.WorkingDays, Source: "《医疗纠纷预防和处理条例》（自受理之日起30个工作日内完成调解，鉴定时间不计入）"})
	ClockTraffic = clocks.Define(clocks.Rule{Kind: "traffic_mediation", ExtendVia: extendVia, Label: "交通事故调解期限", Days: 10,
		Unit: calendar.WorkingDays, Source: "《道路交通事故处理程序规定》（交通管理部门调解期限为十日，参照适用）"})
	ClockConsumer = clocks.Define(clocks.Rule{Kind: "consumer_mediation", ExtendVia: extendVia, Label: "消费纠纷调解期限", Days: 45,
		Unit: calendar.WorkingDays, Source: "《市场监督管理投诉举报处理暂行办法》（45个工作日内终结调解）"})
	ClockConfirmation = clocks.Define(clocks.Rule{Kind: "judicial_confirmation", Label: "司法确认申请期限", Days: 30,
		Unit: calendar.CalendarDays, Source: "《人民调解法》第三十三条，《民事诉讼法》第二百零五条"})
)

// ClockFor is the clock kind that times a mediation in flow by body u.
func ClockFor(flow Flow, u *units.Unit) clocks.Kind {
	switch {
	case flow == FlowJudicial:
		return ClockCourt
	case u != nil && u.Specialty == units.SpecialtyLabour:
		return ClockLabour
	case u != nil && u.Specialty == units.SpecialtyMedical:
		return ClockMedical
	case u != nil && u.Specialty == units.SpecialtyTraffic:
		return ClockTraffic
	case u != nil && u.Specialty == units.SpecialtyConsumer:
		return ClockConsumer
	}
	return ClockPeople
}

// KindAgreement is the 调解协议书 document.
var KindAgreement = documents.Define("mediation_agreement", "人民调解协议书")

// Timeline event kinds on the case.
const (
	EventOpened       = "mediation_opened"
	EventOffered      = "mediation_offered"
	EventDeclined     = "mediation_declined"
	EventExpired      = "mediation_offer_expired"
	EventAccepted     = "mediation_accepted"
	EventRecused      = "mediation_recused"
	EventWaiting      = "mediation_waiting"
	EventSession      = "mediation_session"
	EventMinutes      = "mediation_minutes"
	EventReminder     = "mediation_reminder"
	EventOutcome      = "mediation_outcome"
	EventConfirmation = "judicial_confirmation"
	EventRuling       = "judicial_ruling"
	EventPerformance  = "mediation_performance"
	EventHandoff      = "handoff"
	EventHandoffBack  = "handoff_result"
	EventProfile      = "mediator_profile"
	// A party asked for another mediator; a party refused mediation.
	EventChangeRequested = "mediation_change_requested"
	EventRefused         = "mediation_refused"
)

// Relation is a person a mediator declared they must not mediate for: the
// name, and keyed hashes of the ID number and phone (never the values).
type Relation struct {
	Name      string `json:"name"`
	IDHash    string `json:"id_hash,omitempty"`
	PhoneHash string `json:"phone_hash,omitempty"`
	Note      string `json:"note,omitempty"`
}

// Profile is a mediator's profile on a staff account of role mediator.
type Profile struct {
	UserID        int64      `json:"-"`
	Username      string     `json:"username"`
	Name          string     `json:"name"`
	RegionCode    string     `json:"region_code"`
	UnitIDs       []int64    `json:"unit_ids"`
	Specialties   []string   `json:"specialties"`
	Capacity      int        `json:"capacity"`
	AvailableFrom string     `json:"available_from,omitempty"` // YYYY-MM-DD
	AvailableTo   string     `json:"available_to,omitempty"`
	Relations     []Relation `json:"relations"`
	UpdatedAt     time.Time  `json:"updated_at"`
	// Filled when listed: active mediations.
	Load     int  `json:"load"`
	Disabled bool `json:"disabled,omitempty"`
}

// Available reports whether the profile is available on day (YYYY-MM-DD).
func (p *Profile) Available(day string) bool {
	return (p.AvailableFrom == "" || p.AvailableFrom <= day) && (p.AvailableTo == "" || day <= p.AvailableTo)
}

// HasSpecialty reports whether the mediator lists the category.
func (p *Profile) HasSpecialty(category string) bool {
	for _, s := range p.Specialties {
		if s == category {
			return true
		}
	}
	return false
}

// Offer is a mediation offered to one mediator.
type Offer struct {
	ID          int64      `json:"id"`
	MediationID int64      `json:"-"`
	MediatorID  int64      `json:"-"`
	Mediator    string     `json:"mediator"` // username
	Name        string     `json:"mediator_name"`
	Status      string     `json:"status"`
	Reason      string     `json:"reason,omitempty"`
	OfferedAt   time.Time  `json:"offered_at"`
	DueAt       time.Time  `json:"due_at"`
	AnsweredAt  *time.Time `json:"answered_at,omitempty"`
}

// Participant is a person at a session.
type Participant struct {
	Name string `json:"name"`
	Role string `json:"role"` // applicant | respondent | representative | other
}

// Session is a mediation meeting.
type Session struct {
	ID           int64         `json:"id"`
	MediationID  int64         `json:"-"`
	Kind         string        `json:"kind"` // in_person | video
	StartsAt     time.Time     `json:"starts_at"`
	Place        string        `json:"place,omitempty"`
	Link         string        `json:"link,omitempty"`
	Participants []Participant `json:"participants"`
	Minutes      string        `json:"minutes,omitempty"`
	CreatedBy    string        `json:"created_by"`
	CreatedAt    time.Time     `json:"created_at"`
}

// Term is one obligation of an agreement, with its performance.
type Term struct {
	ID          int64      `json:"id"`
	MediationID int64      `json:"-"`
	Seq         int        `json:"seq"`
	Party       string     `json:"party"`
	Obligation  string     `json:"obligation"`
	Due         string     `json:"due"`                   // YYYY-MM-DD
	Performance string     `json:"performance,omitempty"` // performed | partly | not_performed
	PerfNote    string     `json:"performance_note,omitempty"`
	RecordedAt  *time.Time `json:"recorded_at,omitempty"`
	RecordedBy  string     `json:"recorded_by,omitempty"`
}

// Performance values.
var performances = map[string]string{"performed": "已履行", "partly": "部分履行", "not_performed": "未履行"}

// Outcome kinds, failure reasons and referral targets.
const (
	OutcomeAgreement = "agreement"
	OutcomeFailure   = "failure"
	OutcomeReferral  = "referral"
)

// FailureReasons is the fixed list of reasons a mediation fails.
var FailureReasons = map[string]string{
	"withdrawn": "当事人撤回申请", "unreachable": "当事人无法联系", "one_side_refuses": "一方拒绝调解",
	"too_far_apart": "双方分歧过大", "time_limit": "调解期限届满", "refused_to_sign": "拒绝签署协议", "other": "其他",
}

// ReferralTargets are where a mediation may refer a matter.
var ReferralTargets = map[string]string{
	"litigation": "诉讼", "arbitration": "仲裁", "administrative": "行政处理", "petition": "信访",
}

// Outcome is how a mediation ended.
type Outcome struct {
	Kind string `json:"kind"`
	// Agreement (人民调解法 art. 29).
	Form   string `json:"form,omitempty"` // written | oral
	Facts  string `json:"facts,omitempty"`
	Issues string `json:"issues,omitempty"`
	Method string `json:"method,omitempty"` // how the obligations are performed
	// Failure.
	Reason string `json:"reason,omitempty"`
	// Party is who refused mediation (a failure recorded by Refuse).
	Party string `json:"party,omitempty"`
	// Referral.
	Target string    `json:"target,omitempty"`
	Note   string    `json:"note,omitempty"`
	At     time.Time `json:"at"`
}

// Confirmation is the judicial confirmation of an agreement (司法确认).
type Confirmation struct {
	CourtUnitID int64      `json:"court_unit_id"`
	CourtName   string     `json:"court_name"`
	AppliedOn   string     `json:"applied_on"`
	Result      string     `json:"result,omitempty"` // valid | rejected
	RuledOn     string     `json:"ruled_on,omitempty"`
	RulingNo    string     `json:"ruling_no,omitempty"`
	RecordedAt  time.Time  `json:"recorded_at"`
	RuledAt     *time.Time `json:"ruled_at,omitempty"`
}

// Mediation is one mediation of a case.
type Mediation struct {
	ID           int64         `json:"id"`
	CaseID       int64         `json:"-"`
	CaseNo       string        `json:"case_no"`
	RegionCode   string        `json:"-"`
	UnitID       int64         `json:"unit_id"`
	UnitName     string        `json:"unit_name"`
	Flow         Flow          `json:"flow"`
	Status       Status        `json:"status"`
	MediatorID   *int64        `json:"-"`
	Mediator     string        `json:"mediator,omitempty"`
	MediatorName string        `json:"mediator_name,omitempty"`
	Note         string        `json:"note,omitempty"`
	ClockKind    clocks.Kind   `json:"clock_kind"`
	OpenedBy     string        `json:"opened_by"`
	OpenedAt     time.Time     `json:"opened_at"`
	AcceptedAt   *time.Time    `json:"accepted_at,omitempty"`
	EndedAt      *time.Time    `json:"ended_at,omitempty"`
	Outcome      *Outcome      `json:"outcome,omitempty"`
	Confirmation *Confirmation `json:"confirmation,omitempty"`
	// AgreementDocID is the case document holding this mediation's 调解协议书.
	AgreementDocID *int64 `json:"agreement_document_id,omitempty"`

	// Loaded with the mediation.
	Offers   []Offer   `json:"offers"`
	Sessions []Session `json:"sessions"`
	Terms    []Term    `json:"terms"`
	// Changes are the parties' requests for another mediator (one each).
	Changes []MediatorChange `json:"mediator_changes"`
}

// MediatorChange is a party's request for another mediator (人民调解法
// 第二十三条第一项: a party may choose or accept the mediator); each party
// may ask once per mediation.
type MediatorChange struct {
	ID           int64     `json:"id"`
	MediationID  int64     `json:"-"`
	Party        string    `json:"party"`
	Reason       string    `json:"reason"`
	FromMediator string    `json:"from_mediator"` // username of the mediator replaced
	FromName     string    `json:"from_mediator_name"`
	RequestedBy  string    `json:"requested_by"` // the staff member who recorded it
	At           time.Time `json:"at"`
}

// PendingOffer returns the offer awaiting an answer, nil if none.
func (m *Mediation) PendingOffer() *Offer {
	for i := range m.Offers {
		if m.Offers[i].Status == OfferPending {
			return &m.Offers[i]
		}
	}
	return nil
}

// Handoff is a case sent between flows and units (对接).
type Handoff struct {
	ID        int64      `json:"id"`
	CaseID    int64      `json:"-"`
	CaseNo    string     `json:"case_no"`
	Kind      string     `json:"kind"`      // 诉调 | 访调 | 公调 | 检调
	Direction string     `json:"direction"` // in | out
	UnitID    int64      `json:"unit_id"`
	UnitName  string     `json:"unit_name"`
	Reason    string     `json:"reason"`
	Status    string     `json:"status"` // sent | returned
	Result    string     `json:"result,omitempty"`
	SentBy    string     `json:"sent_by"`
	CreatedAt time.Time  `json:"created_at"`
	ResultAt  *time.Time `json:"result_at,omitempty"`
	ResultBy  string     `json:"result_by,omitempty"`
}

// HandoffKinds are the bridges between flows.
var HandoffKinds = map[string]string{"诉调": "诉调对接（法院）", "访调": "访调对接（信访）", "公调": "公调对接（公安）", "检调": "检调对接（检察院）"}

// Store is the storage of the module. Missing rows are ENotFound.
type Store interface {
	WithTx(tx kernel.Tx) Store

	Profile(ctx context.Context, userID int64) (*Profile, error)
	SaveProfile(ctx context.Context, p *Profile) error
	// ProfilesOfUnit lists the profiles of mediators sitting on a unit,
	// with their load (active mediations) and whether the account is
	// disabled.
	ProfilesOfUnit(ctx context.Context, unitID int64) ([]*Profile, error)
	// Load counts a mediator's open mediations (offered to or accepted by them).
	Load(ctx context.Context, userID int64) (int, error)
	// LockedLoad takes the mediator's row lock until the transaction ends
	// and then counts their load, so two offers at once cannot both pass
	// the capacity (SQLite has one writer: there the count alone does).
	LockedLoad(ctx context.Context, userID int64) (int, error)

	CreateMediation(ctx context.Context, m *Mediation) error
	// UpdateMediation writes the mutable fields of m.
	UpdateMediation(ctx context.Context, m *Mediation) error
	// Mediation returns a mediation with its offers, sessions and terms.
	Mediation(ctx context.Context, id int64) (*Mediation, error)
	// CaseMediations lists a case's mediations, newest first, loaded.
	CaseMediations(ctx context.Context, caseID int64) ([]*Mediation, error)
	// MediatorMediations lists the mediations a mediator has accepted, open first.
	MediatorMediations(ctx context.Context, userID int64) ([]*Mediation, error)

	CreateOffer(ctx context.Context, o *Offer) error
	// AnswerOffer moves offer id from pending to status, in one
	// conditional update: false if it was no longer pending.
	AnswerOffer(ctx context.Context, id int64, status, reason string, at time.Time) (bool, error)
	// SetOfferStatus sets an answered offer's status (an accepted offer recused).
	SetOfferStatus(ctx context.Context, id int64, status, reason string) error
	// PendingOffers lists the pending offers of a mediator.
	PendingOffers(ctx context.Context, userID int64) ([]Offer, error)
	// ExpiredOffers lists pending offers whose due passed before now.
	ExpiredOffers(ctx context.Context, now time.Time, limit int) ([]Offer, error)

	CreateSession(ctx context.Context, s *Session) error
	UpdateSession(ctx context.Context, s *Session) error
	Session(ctx context.Context, id int64) (*Session, error)
	// MediatorSessions lists the sessions of a mediator's mediations in [from, to).
	MediatorSessions(ctx context.Context, userID int64, from, to time.Time) ([]SessionItem, error)

	CreateTerm(ctx context.Context, t *Term) error
	UpdateTerm(ctx context.Context, t *Term) error
	// OverdueTerms lists terms due before day and not performed, of
	// mediations in the region prefix.
	OverdueTerms(ctx context.Context, prefix, day string) ([]TermItem, error)

	// CreateMediatorChange records a party's request for another
	// mediator; a second one of the same party and mediation is EConflict.
	CreateMediatorChange(ctx context.Context, c *MediatorChange) error

	CreateHandoff(ctx context.Context, h *Handoff) error
	UpdateHandoff(ctx context.Context, h *Handoff) error
	Handoff(ctx context.Context, id int64) (*Handoff, error)
	CaseHandoffs(ctx context.Context, caseID int64) ([]Handoff, error)
}

// SessionItem is a session in a mediator's week.
type SessionItem struct {
	Session
	MediationID int64  `json:"mediation_id"`
	CaseNo      string `json:"case_no"`
}

// TermItem is an obligation in the overdue list.
type TermItem struct {
	Term
	MediationID int64  `json:"mediation_id"`
	CaseNo      string `json:"case_no"`
	Mediator    string `json:"mediator_name"`
}
