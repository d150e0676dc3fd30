package cases

import (
	"context"
	"time"

	"github.com/jiefen/jiefen/kernel"
)

// Detector decides how a new intake relates to what is already registered:
// the same matter again (merge into the open case, or a repeat of a closed
// one), the same matter as other people's cases (a group issue), or new.
// It runs inside the registering transaction, on that transaction's store.
// Only cases whose region lies under scope (a region prefix, "" for all)
// are considered, so nobody learns of cases outside their region.
type Detector interface {
	Detect(ctx context.Context, tx Store, in *Intake, scope string, now time.Time) (*Detection, error)
	// Similar scores the candidates for an intake, best first, without
	// deciding anything: what staff review.
	Similar(ctx context.Context, tx Store, in *Intake, scope string, now time.Time) ([]Match, error)
	// Suggestion says, by the detector's own thresholds, whether staff
	// should see a scored match, and whether it is the same person (the
	// only case in which merging the two cases makes sense).
	Suggestion(m Match) (suggest, samePerson bool)
}

// Searcher finds cases by free text, for staff.
type Searcher interface {
	SearchCases(ctx context.Context, q, scope string, limit int) ([]int64, error)
}

// Decisions of Register.
const (
	DecisionNew     = "new"     // a new case
	DecisionMerged  = "merged"  // added to an open case of the same person and matter
	DecisionRepeat  = "repeat"  // a new case linked to the closed case it repeats
	DecisionGrouped = "grouped" // a new case joined to other people's cases on the same matter
)

// Detection is what the detector found.
type Detection struct {
	Decision string
	// Target is the case merged into or repeated.
	Target *Match
	// Group are other people's cases on the same matter.
	Group []Match
	// Review are uncertain candidates, suggested to staff as links.
	Review []Match
}

// Match is one related case with the evidence for it.
type Match struct {
	CaseID   int64        `json:"-"`
	CaseNo   string       `json:"case_no"`
	IntakeID int64        `json:"-"` // the case's intake most like the new one
	Kind     LinkKind     `json:"kind"`
	Score    float64      `json:"score"`
	Reasons  *Explanation `json:"reasons,omitempty"`
}

// Explanation says why two intakes were judged related: the probability
// that they are the same person and the same matter, and each feature with
// its value and weight (log-odds contribution = value × weight).
type Explanation struct {
	SamePerson float64   `json:"same_person"`
	SameMatter float64   `json:"same_matter"`
	Features   []Feature `json:"features"`
}

// Feature is one piece of evidence.
type Feature struct {
	Name   string  `json:"name"`
	Value  float64 `json:"value"`
	Weight float64 `json:"weight"`
}

// Candidate is an earlier intake as the detector compares it: no personal
// data in clear, only keyed hashes.
type Candidate struct {
	IntakeID   int64
	Ref        string
	CaseID     int64
	CaseNo     string
	CaseStatus Status
	ClusterID  *int64
	Channel    kernel.Channel
	ReceivedAt time.Time
	Name       string
	NameKey    string
	IDHash     string
	PhoneHash  string
	Subject    string
	Content    string
	Address    string
	RegionCode string
	Respondent string
}

// Cluster is a group issue: cases of different people about one matter.
type Cluster struct {
	ID        int64     `json:"id"`
	Title     string    `json:"title"`
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
}

// ClusterSummary is a cluster as leaders watch it.
type ClusterSummary struct {
	Cluster
	Cases     int       `json:"cases"`
	Persons   int       `json:"persons"`
	Open      int       `json:"open_cases"`
	Regions   []string  `json:"regions"`
	FirstSeen time.Time `json:"first_seen"`
	LastSeen  time.Time `json:"last_seen"`
	Last7Days int       `json:"new_last_7_days"`
	Prev7Days int       `json:"new_previous_7_days"`
}
