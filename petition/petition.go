// Package petition is the petition track (信访) of a case under 《信访工作条例》
// (2022): classification, transfer and objection, acceptance, handling
// with one extension, the reply as a 处理意见书, 复查 and 复核 with their
// clocks, 不再受理 of a matter already through 复核, the level rules (越级,
// art. 19) and group petitions' representatives.
//
// The stages live in the module's own table on the same case (one case
// number from first intake to archive); the case's status machine stays as
// it is and the steps move it through cases.Service in the same unit of
// work (acceptance → accepted, which starts the handling clock; the reply →
// resolved). Every step is a timeline event; every deadline a clock.
package petition

import (
	"context"
	"time"

	"github.com/jiefen/jiefen/calendar"
	"github.com/jiefen/jiefen/clocks"
	"github.com/jiefen/jiefen/documents"
	"github.com/jiefen/jiefen/kernel"
)

// Class is the kind of a petition (arts. 29–31).
type Class string

const (
	ClassSuggestion   Class = "建议意见" // art. 29
	ClassDenunciation Class = "检举控告" // art. 30
	ClassClaim        Class = "申诉求决" // art. 31
)

// Valid reports whether c is one of the three classes.
func (c Class) Valid() bool {
	return c == ClassSuggestion || c == ClassDenunciation || c == ClassClaim
}

// Stage is where a petition stands.
type Stage string

const (
	StageRegistered      Stage = "registered"        // on the track, not yet classified
	StageClassified      Stage = "classified"        // classified by the petition office
	StageRouted          Stage = "routed"            // 诉访分离: sent to litigation, arbitration, review …
	StageTransferred     Stage = "transferred"       // 转送/交办 to the responsible unit
	StageObjected        Stage = "objected"          // the receiving unit objected: back with the sender
	StageAccepted        Stage = "accepted"          // accepted by the responsible unit (handling runs)
	StageDeclined        Stage = "declined"          // not accepted by the responsible unit
	StageReplied         Stage = "replied"           // 处理意见书 issued
	StageReviewApplied   Stage = "review_applied"    // 复查 applied for
	StageReviewDecided   Stage = "review_decided"    // 复查 decided
	StageReReviewApplied Stage = "re_review_applied" // 复核 applied for
	StageReReviewDecided Stage = "re_review_decided" // 复核 decided: final (art. 36)
	StageNotAccepted     Stage = "not_accepted"      // 不再受理: repeat of a matter through 复核
	StageTerminated      Stage = "terminated"        // 终结 (after 复核, or withdrawn)
)

// Stages lists every stage, in order.
var Stages = []Stage{StageRegistered, StageClassified, StageRouted, StageTransferred, StageObjected,
	StageAccepted, StageDeclined, StageReplied, StageReviewApplied, StageReviewDecided,
	StageReReviewApplied, StageReReviewDecided, StageNotAccepted, StageTerminated}

// Valid reports whether s is a known stage.
func (s Stage) Valid() bool {
	for _, x := range Stages {
		if x == s {
			return true
		}
	}
	return false
}

// The clocks of the track, with their articles. The handling clock
// (clocks.Handling, 60 calendar days, art. 34) is the case core's: it starts
// when the case becomes accepted.
var (
	Notify = clocks.Define(clocks.Rule{Kind: "notify", Label: "受理告知期限", Days: 15,
		Unit: calendar.CalendarDays, Source: "《信访工作条例》第二十二条、第二十三条"})
	ReviewApply = clocks.Define(clocks.Rule{Kind: "review_apply", Label: "复查申请期限", Days: 30,
		Unit: calendar.CalendarDays, Source: "《信访工作条例》第三十五条"})
	ReviewDecide = clocks.Define(clocks.Rule{Kind: "review_decide", Label: "复查办理期限", Days: 30,
		Unit: calendar.CalendarDays, Source: "《信访工作条例》第三十五条"})
	ReReviewApply = clocks.Define(clocks.Rule{Kind: "re_review_apply", Label: "复核申请期限", Days: 30,
		Unit: calendar.CalendarDays, Source: "《信访工作条例》第三十六条"})
	ReReviewDecide = clocks.Define(clocks.Rule{Kind: "re_review_decide", Label: "复核办理期限", Days: 30,
		Unit: calendar.CalendarDays, Source: "《信访工作条例》第三十六条"})
)

// KindReply is the 处理意见书 (art. 32); KindReviewDecision and
// KindReReviewDecision are the 复查意见书 (art. 35) and 复核意见书 (art. 36).
var (
	KindReply            = documents.Define("reply_opinion", "信访事项处理意见书")
	KindReviewDecision   = documents.Define("review_opinion", "信访事项复查意见书")
	KindReReviewDecision = documents.Define("re_review_opinion", "信访事项复核意见书")
)

// Fixed numbers of the regulation.
const (
	// ObjectWorkingDays: a unit that is not responsible objects within 5
	// working days of the transfer (art. 23).
	ObjectWorkingDays = 5
	// MaxExtensionDays: handling may be extended once by up to 30 days (art. 34).
	MaxExtensionDays = 30
	// MaxRepresentatives: a group petition chooses at most 5 representatives (art. 20).
	MaxRepresentatives = 5
	// DefaultGroupThreshold: people on one matter from which a petition is a
	// group petition (集体访); configuration.
	DefaultGroupThreshold = 5
	// SameMatter is the detector's probability of the same matter from which
	// a later intake repeats an earlier one (its Merge threshold).
	SameMatter = 0.5
)

// Review levels.
const (
	LevelReview   = "review"    // 复查 (art. 35)
	LevelReReview = "re_review" // 复核 (art. 36)
)

// Reply results (art. 32).
var replyResults = map[string]string{"support": "予以支持", "explain": "解释说明", "not_support": "不予支持"}

// Review results.
var reviewResults = map[string]string{"uphold": "维持原处理意见", "revise": "变更原处理意见"}

// Legal procedures a 申诉求决 matter may belong to (诉访分离, arts. 28/31).
var legalRoutes = map[string]bool{"诉讼": true, "仲裁": true, "行政复议": true, "其他法定途径": true}

// Timeline event kinds of the track.
const (
	EventClassified     = "petition_classified"
	EventRouted         = "petition_routed"
	EventTransferred    = "petition_transferred"
	EventObjected       = "petition_objected"
	EventAccepted       = "petition_accepted"
	EventDeclined       = "petition_declined"
	EventExtended       = "petition_extended"
	EventReplied        = "petition_replied"
	EventReviewApplied  = "petition_review_applied"
	EventReviewDecided  = "petition_review_decided"
	EventHearingStarted = "petition_hearing_started"
	EventHearingEnded   = "petition_hearing_ended"
	EventNotAccepted    = "petition_not_accepted"
	EventYueji          = "petition_yueji"
	EventAcceptedBelow  = "petition_accepted_below"
	EventRepresentative = "petition_representative_added"
)

// Petition is the track's row of a case.
type Petition struct {
	CaseID        int64
	Stage         Stage
	Class         Class
	LegalRoute    string
	UnitID        *int64 // the responsible unit (receiving the transfer)
	FromUnitID    *int64 // the unit that sent it
	TransferKind  string // 转送 | 交办
	TransferredAt *time.Time
	AcceptedAt    *time.Time
	Extended      bool
	ReplyResult   string
	RepliedAt     *time.Time
	ReviewLevel   string
	ReviewResult  string
	// DecidedUnitID is the unit that decided last (the reply's, then the
	// review's): the next review goes one level above it.
	DecidedUnitID *int64
	DecidedAt     *time.Time
	Hearing       bool
	Yueji         bool
	EarlierCaseID *int64 // 不再受理: the case through 复核 this one repeats
	LowerCaseID   *int64 // art. 19: the case accepted at a lower level
	TerminatedAt  *time.Time
	Version       int
	CreatedAt     time.Time
	UpdatedAt     time.Time
}

// Store keeps petitions. Get of a case without one is ENotFound; Update
// of a row changed since it was read is cases.ErrStale.
type Store interface {
	WithTx(tx kernel.Tx) Store
	Get(ctx context.Context, caseID int64) (*Petition, error)
	Create(ctx context.Context, p *Petition) error
	Update(ctx context.Context, p *Petition) error
	// ByPerson lists the cases in one of stages with an intake of the
	// person's ID-number or phone hash, in every region: those through 复核
	// first and all of them, then the others, newest first, at most limit.
	ByPerson(ctx context.Context, idHash, phoneHash string, stages []Stage, limit int) ([]int64, error)
}

func ptr[T any](v T) *T { return &v }
