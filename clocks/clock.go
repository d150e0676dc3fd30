package clocks

import (
	"strings"
	"time"
	"unicode/utf8"

	"github.com/jiefen/jiefen/calendar"
	"github.com/jiefen/jiefen/kernel"
)

// Kind names what a clock times.
type Kind string

// Status is where a clock stands.
type Status string

const (
	Running   Status = "running"
	Paused    Status = "paused"
	Met       Status = "met"       // stopped on time
	Missed    Status = "missed"    // passed its due while running; stays so when the work ends
	Cancelled Status = "cancelled" // the work it timed will not be done (case closed otherwise)
)

// Pause is a period during which a clock stood still (中止). To is nil while
// it lasts.
type Pause struct {
	From   time.Time  `json:"from"`
	To     *time.Time `json:"to,omitempty"`
	Reason string     `json:"reason"`
}

// Extension lengthens a clock (延长办理期限), approved by someone.
type Extension struct {
	Days       int           `json:"days"`
	Unit       calendar.Unit `json:"unit"`
	Reason     string        `json:"reason"`
	ApprovedBy string        `json:"approved_by"`
	At         time.Time     `json:"at"`
}

// Clock is one deadline of a case.
type Clock struct {
	ID     int64
	CaseID int64
	Kind   Kind
	// Days and Unit are the period of the rule when the clock started: a
	// later change of the rule does not move running clocks.
	Days       int
	Unit       calendar.Unit
	Source     string
	Start      time.Time
	Due        time.Time // end of the last day, China time
	Status     Status
	Pauses     []Pause
	Extensions []Extension
	// MissedAt is when the sweep found it past due; EndedAt when the work
	// it timed ended (nil while it runs, is paused, or is missed and open).
	MissedAt  *time.Time
	EndedAt   *time.Time
	UpdatedAt time.Time
}

// Start returns a running clock of rule r from at.
func Start(cal *calendar.Calendar, r Rule, caseID int64, at time.Time) (*Clock, error) {
	k := &Clock{CaseID: caseID, Kind: r.Kind, Days: r.Days, Unit: r.Unit, Source: r.Source,
		Start: at.UTC(), Status: Running, UpdatedAt: at.UTC()}
	return k, k.recompute(cal)
}

// Open reports whether the clock still counts or awaits an end: running,
// paused, or missed and not yet ended.
func (k *Clock) Open() bool {
	return k.EndedAt == nil && (k.Status == Running || k.Status == Paused || k.Status == Missed)
}

// Pause stops the clock from at. A clock that is not running (already
// missed, met, paused) is left as it is: false.
func (k *Clock) Pause(at time.Time, reason string) bool {
	if k.Status != Running {
		return false
	}
	k.Pauses = append(k.Pauses, Pause{From: at.UTC(), Reason: strings.TrimSpace(reason)})
	k.Status = Paused
	k.UpdatedAt = at.UTC()
	return true
}

// openPause returns the pause that lasts, if any.
func (k *Clock) openPause() *Pause {
	if n := len(k.Pauses); n > 0 && k.Pauses[n-1].To == nil {
		return &k.Pauses[n-1]
	}
	return nil
}

// Resume restarts a paused clock at at and moves its due by the days it
// stood still, counted in its own unit on the calendar. It returns those
// days.
func (k *Clock) Resume(cal *calendar.Calendar, at time.Time) (int, error) {
	p := k.openPause()
	if k.Status != Paused || p == nil {
		return 0, kernel.Errorf(kernel.EInvalid, "该期限未处于中止状态，不能恢复计算")
	}
	if at.Before(p.From) {
		return 0, kernel.Errorf(kernel.EInvalid, "恢复时间不能早于中止时间")
	}
	to := at.UTC()
	p.To = &to
	k.Status = Running
	k.UpdatedAt = to
	return k.pausedDays(cal, *p), k.recompute(cal)
}

// Extend lengthens the clock by days of unit, with a reason and who
// approved it. Only a running or paused clock can be extended.
func (k *Clock) Extend(cal *calendar.Calendar, days int, unit calendar.Unit, reason, approvedBy string, at time.Time) error {
	reason = strings.TrimSpace(reason)
	fields := map[string]string{}
	if days < 1 || days > calendar.MaxPeriod {
		fields["days"] = "延长天数应为1至3650之间的整数"
	}
	if !unit.Valid() {
		fields["unit"] = "应为 calendar_days 或 working_days"
	}
	if reason == "" {
		fields["reason"] = "延长期限必须说明理由"
	} else if utf8.RuneCountInString(reason) > 500 {
		fields["reason"] = "长度不能超过500个字符"
	}
	if strings.TrimSpace(approvedBy) == "" {
		fields["approved_by"] = "必须写明批准人"
	}
	if len(fields) > 0 {
		return &kernel.Error{Code: kernel.EInvalid, Message: "提交的数据有误", Fields: fields}
	}
	if k.Status != Running && k.Status != Paused {
		return kernel.Errorf(kernel.EInvalid, "只有正在计算或中止的期限可以延长")
	}
	k.Extensions = append(k.Extensions, Extension{Days: days, Unit: unit, Reason: reason,
		ApprovedBy: strings.TrimSpace(approvedBy), At: at.UTC()})
	k.UpdatedAt = at.UTC()
	return k.recompute(cal)
}

// Stop ends the clock at at: met if it ends by its due, missed if later
// (whether or not a sweep marked it). cancel stops it as cancelled whatever
// it was.
func (k *Clock) Stop(at time.Time, cancel bool) {
	if !k.Open() {
		return
	}
	if p := k.openPause(); p != nil {
		to := at.UTC()
		p.To = &to
	}
	switch {
	case cancel:
		k.Status = Cancelled
	case k.Status == Missed || (k.Status == Running && at.After(k.Due)):
		k.Status = Missed
	default:
		k.Status = Met
	}
	end := at.UTC()
	k.EndedAt = &end
	k.UpdatedAt = end
}

// Reopen restarts a clock whose work is taken up again (回访不满意,
// 重新办理): it counts on toward the same due, missed if that has passed.
func (k *Clock) Reopen(at time.Time) {
	if k.EndedAt == nil || k.Status == Cancelled {
		return
	}
	k.EndedAt = nil
	if k.Status == Met {
		k.Status = Running
	}
	k.UpdatedAt = at.UTC()
}

// pausedDays counts the days of pause p in the clock's unit: the days from
// the day it began up to, not including, the day it ended — calendar days,
// or the working days among them.
func (k *Clock) pausedDays(cal *calendar.Calendar, p Pause) int {
	if p.To == nil {
		return 0
	}
	from, to := calendar.DateOf(p.From), calendar.DateOf(*p.To)
	if k.Unit == calendar.WorkingDays {
		return cal.WorkingDaysBetween(from, to)
	}
	return max(0, to.Sub(from))
}

// PausedDays is the total of the clock's ended pauses in its unit.
func (k *Clock) PausedDays(cal *calendar.Calendar) int {
	n := 0
	for _, p := range k.Pauses {
		n += k.pausedDays(cal, p)
	}
	return n
}

// recompute derives the due from the start: the period, the paused days
// and the extensions in the clock's own unit counted as one period (60 + 30
// = 90 days from acceptance, 《信访工作条例》第三十四条), its last day rolled
// to a working day once (民法典 art. 203); extensions in the other unit
// then count from that day, each rolled again. Computing from the start
// rather than shifting the old due keeps a rolled-over last day from
// lengthening the period twice.
func (k *Clock) recompute(cal *calendar.Calendar) error {
	days := k.Days + k.PausedDays(cal)
	var other []Extension
	for _, e := range k.Extensions {
		if e.Unit == k.Unit {
			days += e.Days
		} else {
			other = append(other, e)
		}
	}
	due, err := cal.Deadline(calendar.DateOf(k.Start), min(days, calendar.MaxPeriod), k.Unit)
	if err != nil {
		return err
	}
	for _, e := range other {
		if due, err = cal.Deadline(due, e.Days, e.Unit); err != nil {
			return err
		}
	}
	k.Due = due.EndOfDay()
	return nil
}

// DaysLeft is the number of days, in the clock's unit, from today (or from
// the day a lasting pause began) to the due day: 0 on the due day itself,
// negative when past it (days overdue).
func (k *Clock) DaysLeft(cal *calendar.Calendar, now time.Time) int {
	ref := calendar.DateOf(now)
	if p := k.openPause(); p != nil {
		ref = calendar.DateOf(p.From)
	} else if k.EndedAt != nil {
		ref = calendar.DateOf(*k.EndedAt)
	}
	due := calendar.DateOf(k.Due)
	if k.Unit != calendar.WorkingDays {
		return due.Sub(ref)
	}
	if !due.Before(ref) {
		return cal.WorkingDaysBetween(ref.AddDays(1), due.AddDays(1))
	}
	return -cal.WorkingDaysBetween(due.AddDays(1), ref.AddDays(1))
}

// CalendarCovered reports whether the calendar has the holidays of every
// year from the start to the due: if not, the due may be too early.
func (k *Clock) CalendarCovered(cal *calendar.Calendar) bool {
	return cal.CoversRange(calendar.DateOf(k.Start), calendar.DateOf(k.Due))
}
