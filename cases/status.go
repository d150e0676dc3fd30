package cases

// Status is where a case stands in its life cycle.
type Status string

const (
	StatusRegistered Status = "registered"  // 已登记: waiting for the accept decision
	StatusAccepted   Status = "accepted"    // 已受理
	StatusRejected   Status = "rejected"    // 不予受理 (reason required)
	StatusInProgress Status = "in_progress" // 办理中
	StatusSuspended  Status = "suspended"   // 中止: handling clock paused
	StatusResolved   Status = "resolved"    // 已办结: reply, agreement or referral
	StatusVisited    Status = "visited"     // 已回访
	StatusClosed     Status = "closed"      // 已结案
	// StatusMerged marks a case whose intakes were merged into another by
	// hand; only undoing the merge leaves it.
	StatusMerged Status = "merged" // 已并案
)

// Statuses lists every status in life-cycle order.
var Statuses = []Status{StatusRegistered, StatusAccepted, StatusRejected, StatusInProgress,
	StatusSuspended, StatusResolved, StatusVisited, StatusClosed, StatusMerged}

var statusLabels = map[Status]string{
	StatusRegistered: "已登记",
	StatusAccepted:   "已受理",
	StatusRejected:   "不予受理",
	StatusInProgress: "办理中",
	StatusSuspended:  "中止",
	StatusResolved:   "已办结",
	StatusVisited:    "已回访",
	StatusClosed:     "已结案",
	StatusMerged:     "已并案",
}

// transitions is the status machine. A resolved or visited case may be
// reopened (回访不满意, 重新办理), which needs a note like a rejection does.
var transitions = map[Status][]Status{
	StatusRegistered: {StatusAccepted, StatusRejected},
	StatusAccepted:   {StatusInProgress},
	StatusInProgress: {StatusResolved, StatusSuspended},
	StatusSuspended:  {StatusInProgress},
	StatusResolved:   {StatusVisited, StatusInProgress},
	StatusVisited:    {StatusClosed, StatusInProgress},
}

// Valid reports whether s is a known status.
func (s Status) Valid() bool { _, ok := statusLabels[s]; return ok }

// Label is the Chinese name of the status.
func (s Status) Label() string { return statusLabels[s] }

// CanTransition reports whether the machine allows s → to.
func (s Status) CanTransition(to Status) bool {
	for _, t := range transitions[s] {
		if t == to {
			return true
		}
	}
	return false
}

// Next lists the statuses reachable from s.
func (s Status) Next() []Status { return transitions[s] }

// NoteRequired reports whether moving s → to needs a written reason.
func (s Status) NoteRequired(to Status) bool {
	return to == StatusRejected || to == StatusSuspended ||
		(to == StatusInProgress && (s == StatusResolved || s == StatusVisited))
}

// Open reports whether the matter is still being handled, i.e. a new intake
// about it is a duplicate rather than a repeat.
func (s Status) Open() bool {
	switch s {
	case StatusRegistered, StatusAccepted, StatusInProgress, StatusSuspended:
		return true
	}
	return false
}

// Terminal reports whether no clock runs on the case any more.
func (s Status) Terminal() bool { return !s.Open() }
