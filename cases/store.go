package cases

import (
	"context"
	"time"

	"github.com/jiefen/jiefen/kernel"
)

// Store is the storage the case service needs. Implementations map missing
// rows to ENotFound and unique-key clashes to EConflict.
type Store interface {
	// WithTx returns the store bound to a unit of work: its writes commit
	// with the transaction's other writes or not at all.
	WithTx(tx kernel.Tx) Store
	// Tx returns the unit of work the store is bound to (nil for none), for
	// what must join it: jobs, other modules' stores.
	Tx() kernel.Tx

	Region(ctx context.Context, code string) (*kernel.Region, error)
	ChildRegions(ctx context.Context, code string) ([]kernel.Region, error)
	// SubtreeRegions lists the regions under a prefix down to maxLevel.
	SubtreeRegions(ctx context.Context, prefix string, maxLevel int) ([]kernel.Region, error)
	CreateRegion(ctx context.Context, r *kernel.Region) error

	// NextCaseSeq returns the next number in the per-county, per-day sequence
	// of case numbers; it is safe under concurrent callers on one database.
	NextCaseSeq(ctx context.Context, county, day string) (int, error)
	CreateCase(ctx context.Context, c *Case) error
	// UpdateCase saves the mutable fields of c if nobody changed it since it
	// was read (EConflict otherwise).
	UpdateCase(ctx context.Context, c *Case) error
	// CaseByNo finds a case by number within a region prefix scope ("" for
	// all); a case outside the scope is ENotFound.
	CaseByNo(ctx context.Context, no, scope string) (*Case, error)
	CaseByID(ctx context.Context, id int64) (*Case, error)
	// LoadDetails fills the case's parties, intakes, events and links.
	LoadDetails(ctx context.Context, c *Case) error
	ListCases(ctx context.Context, f CaseFilter) ([]*Case, error)

	CreateIntake(ctx context.Context, in *Intake) error
	IntakeBySourceKey(ctx context.Context, key string) (*Intake, error)
	CreateParty(ctx context.Context, p *Party) error
	CreateEvent(ctx context.Context, e *Event) error

	// Detection and review.

	// IntakesByPerson returns the newest intakes (at most limit) whose ID
	// number or phone equals the person's, via the keyed hashes, and the
	// newest few (a quarter of limit) with the same name key.
	IntakesByPerson(ctx context.Context, p Person, nameKey string, limit int) ([]int64, error)
	// Candidates loads intakes for comparison, with their cases' state;
	// the content only if asked (engines that keep grams spare reading it).
	Candidates(ctx context.Context, intakeIDs []int64, withContent bool) ([]Candidate, error)
	// PersonHashes returns the keyed hashes of a person's ID number and phone.
	PersonHashes(p Person) (idHash, phoneHash string)
	IntakeByRef(ctx context.Context, ref string) (*Intake, error)
	// MoveIntake moves an intake and its parties to another case.
	MoveIntake(ctx context.Context, intakeID, toCaseID int64) error
	CreateLink(ctx context.Context, l *Link) error
	LinkByID(ctx context.Context, id int64) (*Link, error)
	UpdateLinkStatus(ctx context.Context, id int64, status string) error
	CreateCluster(ctx context.Context, c *Cluster) error
	// SetCluster puts cases in a cluster (nil takes them out).
	SetCluster(ctx context.Context, clusterID *int64, caseIDs ...int64) error
	// MergeClusters moves every case of the others into keep.
	MergeClusters(ctx context.Context, keep int64, others []int64) error
	Clusters(ctx context.Context, scope string, now time.Time) ([]ClusterSummary, error)
	ClusterCases(ctx context.Context, clusterID int64, scope string) ([]*Case, error)
	// MarkChanged records that cases must be reindexed (search change feed).
	MarkChanged(ctx context.Context, caseIDs ...int64) error
}

// CaseFilter selects cases for lists. Scope is always applied.
type CaseFilter struct {
	Scope    string // region prefix of the actor
	Region   string // region prefix asked for (inside Scope)
	Statuses []Status
	Channel  kernel.Channel // cases with at least one intake from this channel
	Category string
	Overdue  *bool
	// DueWithin selects cases with a running clock due by the end of the
	// DueWithin-th day from Now's (China) date, not yet passed.
	DueWithin   *int
	Now         time.Time // reference time for Overdue
	CreatedFrom *time.Time
	CreatedTo   *time.Time
	Q           string // substring of case number, subject or address
	AssigneeID  int64  // cases given to this staff member
	Unassigned  bool   // cases nobody has been given
	// AwaitingInfo selects cases waiting for the resident to supply more.
	AwaitingInfo bool
	BeforeID     int64 // cursor: only cases with a smaller id
	Limit        int
	// Conds are the filters modules add (petition stage, backlog …).
	Conds []Cond
}

// Cond is a condition a module adds to case lists: SQL on the cases row,
// aliased case_row (e.g. "EXISTS (SELECT 1 FROM petitions p WHERE
// p.case_id = case_row.id AND p.stage = ?)"), with its arguments.
type Cond struct {
	SQL  string
	Args []any
}

// ErrStale is the conflict of an update to a case that someone changed
// since it was read (optimistic locking). Staff's edits answer it (409:
// refresh and try again); registration runs again instead, since an intake
// is the resident's words, not an edit of the case.
var ErrStale = &kernel.Error{Code: kernel.EConflict, Message: "案件已被他人修改，请刷新后重试"}
