package calendar

import (
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/6tail/lunar-go/HolidayUtil"
)

// DayKind classifies a date; see the package documentation.
type DayKind string

const (
	KindWorking         DayKind = "working"          // Monday–Friday working day
	KindRest            DayKind = "rest"             // ordinary weekend day off
	KindHoliday         DayKind = "holiday"          // legal holiday day off
	KindAdjustedWorking DayKind = "adjusted_working" // 调休: weekend day worked
)

// Working reports whether days of kind k are working days.
func (k DayKind) Working() bool { return k == KindWorking || k == KindAdjustedWorking }

// Day is one date of the calendar.
type Day struct {
	Date Date    `json:"date"`
	Kind DayKind `json:"kind"`
	// Name is the holiday, e.g. "国庆中秋" or "春节". For an adjusted working
	// day it is the holiday the day was swapped for. Empty for ordinary days.
	Name    string `json:"name,omitempty"`
	Working bool   `json:"working"`
}

// Unit is the unit of a period.
type Unit string

const (
	CalendarDays Unit = "calendar_days" // 日: every day counts, end rolls to a working day
	WorkingDays  Unit = "working_days"  // 工作日: only working days count
)

// Valid reports whether u is a known unit.
func (u Unit) Valid() bool { return u == CalendarDays || u == WorkingDays }

const (
	// MaxPeriod is the longest period Deadline accepts, in days of either
	// unit: ten years, far beyond any statutory day-counted period, so that a
	// typo cannot make a request loop through millennia.
	MaxPeriod = 3650
	// MaxRange is the most days Days returns at once: three years.
	MaxRange = 3 * 366
)

// ErrInvalid is wrapped by every error caused by bad arguments (invalid
// date, negative or too long period, unknown unit, bad range), so HTTP
// handlers can answer 400 with errors.Is(err, ErrInvalid).
var ErrInvalid = errors.New("calendar: invalid argument")

// Calendar answers what kind of day a date is and computes deadlines.
// Create one with [New] or use [Default]. It is safe for concurrent use.
type Calendar struct {
	overrides map[int][]Override // by year; read-only after New
	years     sync.Map           // int -> *yearTable, built lazily
	// live holds the overrides set at run time (SetYear), applied after
	// overrides; mu orders a rebuild against a replacement of them.
	mu   sync.RWMutex
	live map[int][]Override
}

var defaultCalendar = new(Calendar)

// Default returns the shared calendar built from the lunar-go data alone.
func Default() *Calendar { return defaultCalendar }

// Option configures New.
type Option func(*config) error

type config struct {
	overrides map[Date]Override
}

// New returns a calendar from the lunar-go data and the overrides of opts.
// When several options set the same date the last one wins.
func New(opts ...Option) (*Calendar, error) {
	cfg := config{overrides: make(map[Date]Override)}
	for _, opt := range opts {
		if err := opt(&cfg); err != nil {
			return nil, err
		}
	}
	c := &Calendar{overrides: make(map[int][]Override)}
	for d, o := range cfg.overrides {
		c.overrides[d.Year] = append(c.overrides[d.Year], o)
	}
	return c, nil
}

// Day returns the kind of day d is. An invalid d is normalized as by
// [Date.AddDays].
func (c *Calendar) Day(d Date) Day {
	if !d.IsValid() {
		d = d.AddDays(0)
	}
	cur := c.at(d)
	return cur.day()
}

// IsWorking reports whether d is a working day: a working or adjusted
// working day.
func (c *Calendar) IsWorking(d Date) bool { return c.Day(d).Working }

// NextWorkingDay returns the first working day after d (not d itself).
func (c *Calendar) NextWorkingDay(d Date) Date {
	if !d.IsValid() {
		d = d.AddDays(0)
	}
	cur := c.at(d)
	cur.next()
	for !cur.working() {
		cur.next()
	}
	return cur.date()
}

// Covers reports whether the calendar has holiday data, from the library or
// the overrides, for year. For a year it does not cover only weekends are
// days off, so deadlines that fall in it may come out too early.
func (c *Calendar) Covers(year int) bool { return c.table(year).days != nil }

// Days returns every day from from through to, inclusive. The range may
// span at most MaxRange days.
func (c *Calendar) Days(from, to Date) ([]Day, error) {
	if err := checkDate("from", from); err != nil {
		return nil, err
	}
	if err := checkDate("to", to); err != nil {
		return nil, err
	}
	if to.Before(from) {
		return nil, fmt.Errorf("%w: range end %s is before its start %s", ErrInvalid, to, from)
	}
	n := to.Sub(from) + 1
	if n > MaxRange {
		return nil, fmt.Errorf("%w: range %s..%s has %d days, more than %d", ErrInvalid, from, to, n, MaxRange)
	}
	days := make([]Day, n)
	cur := c.at(from)
	for i := range days {
		days[i] = cur.day()
		cur.next()
	}
	return days, nil
}

// Deadline returns the last day of a period of n units that starts after
// start (the start day itself is not counted). See the package
// documentation for the rules. The result is always a working day.
func (c *Calendar) Deadline(start Date, n int, unit Unit) (Date, error) {
	if err := checkDate("start", start); err != nil {
		return Date{}, err
	}
	if n < 0 {
		return Date{}, fmt.Errorf("%w: period %d is negative", ErrInvalid, n)
	}
	if n > MaxPeriod {
		return Date{}, fmt.Errorf("%w: period %d is longer than %d", ErrInvalid, n, MaxPeriod)
	}
	var cur cursor
	switch unit {
	case CalendarDays:
		cur = c.at(start.AddDays(n))
	case WorkingDays:
		cur = c.at(start)
		for i := 0; i < n; {
			cur.next()
			if cur.working() {
				i++
			}
		}
	default:
		return Date{}, fmt.Errorf("%w: unknown unit %q (want %q or %q)", ErrInvalid, unit, CalendarDays, WorkingDays)
	}
	// Roll a last day that is not a working day forward (民法典 art. 203).
	// This terminates: after the last year with data every Monday works.
	for !cur.working() {
		cur.next()
	}
	due := cur.date()
	if !due.IsValid() {
		return Date{}, fmt.Errorf("%w: deadline after year 9999", ErrInvalid)
	}
	return due, nil
}

// DueAt is Deadline for an instant: it returns the end (23:59:59.999 China
// time, see [Date.EndOfDay]) of the last day of a period of n units that
// starts after the China date of start.
func (c *Calendar) DueAt(start time.Time, n int, unit Unit) (time.Time, error) {
	due, err := c.Deadline(DateOf(start), n, unit)
	if err != nil {
		return time.Time{}, err
	}
	return due.EndOfDay(), nil
}

func checkDate(what string, d Date) error {
	if !d.IsValid() {
		return fmt.Errorf("%w: %s date %s is not a valid date", ErrInvalid, what, d)
	}
	return nil
}

// yearTable holds the kind of every day of one year.
type yearTable struct {
	year int
	n    int // days in the year
	jan1 time.Weekday
	days []dayInfo // by 0-based day of year; nil when the year has no data
}

type dayInfo struct {
	kind DayKind
	name string
}

func (t *yearTable) weekday(yday int) time.Weekday {
	return time.Weekday((int(t.jan1) + yday) % 7)
}

func (t *yearTable) info(yday int) dayInfo {
	if t.days != nil {
		return t.days[yday]
	}
	return dayInfo{kind: plainKind(t.weekday(yday))}
}

func isWeekend(w time.Weekday) bool { return w == time.Saturday || w == time.Sunday }

// plainKind is the kind of a day no holiday notice mentions.
func plainKind(w time.Weekday) DayKind {
	if isWeekend(w) {
		return KindRest
	}
	return KindWorking
}

// workingKind is the kind of a day a notice or override makes a working
// day: only a weekend day worked is "adjusted".
func workingKind(w time.Weekday) DayKind {
	if isWeekend(w) {
		return KindAdjustedWorking
	}
	return KindWorking
}

// table returns the day kinds of year y, building them on first use.
// Concurrent first uses may build the table twice; LoadOrStore keeps one.
func (c *Calendar) table(y int) *yearTable {
	if v, ok := c.years.Load(y); ok {
		return v.(*yearTable)
	}
	if y < 1 || y > 9999 {
		return c.build(y) // do not let normalized junk dates grow the cache
	}
	// Build and store under the read lock, so that SetYear cannot drop the
	// table between the two and leave one built from replaced overrides.
	c.mu.RLock()
	defer c.mu.RUnlock()
	v, _ := c.years.LoadOrStore(y, c.build(y))
	return v.(*yearTable)
}

func (c *Calendar) build(y int) *yearTable {
	t := &yearTable{year: y, n: daysInYear(y), jan1: Date{y, time.January, 1}.Weekday()}
	var hs []*HolidayUtil.Holiday
	if y >= 1 && y <= 9999 {
		// One search of the library's data string for the whole year rather
		// than one per day: GetHolidayByYmd scans the string on every call.
		for e := HolidayUtil.GetHolidaysByYear(y).Front(); e != nil; e = e.Next() {
			hs = append(hs, e.Value.(*HolidayUtil.Holiday))
		}
	}
	ovs := append(c.overrides[y][:len(c.overrides[y]):len(c.overrides[y])], c.live[y]...)
	if len(hs) == 0 && len(ovs) == 0 {
		return t
	}
	t.days = make([]dayInfo, t.n)
	for i := range t.days {
		t.days[i].kind = plainKind(t.weekday(i))
	}
	for _, h := range hs {
		d, err := ParseDate(h.GetDay())
		if err != nil || d.Year != y {
			continue // not in the bundled data; skip rather than fail
		}
		k := KindHoliday
		if h.IsWork() {
			k = workingKind(d.Weekday())
		}
		t.days[d.yday()] = dayInfo{kind: k, name: h.GetName()}
	}
	for _, o := range ovs {
		t.days[o.Date.yday()] = dayInfo{kind: o.Kind, name: o.Name}
	}
	return t
}

// cursor walks the calendar one day at a time without a map lookup per day.
type cursor struct {
	c    *Calendar
	t    *yearTable
	yday int
}

func (c *Calendar) at(d Date) cursor {
	return cursor{c: c, t: c.table(d.Year), yday: d.yday()}
}

func (cur *cursor) next() {
	cur.yday++
	if cur.yday == cur.t.n {
		cur.t = cur.c.table(cur.t.year + 1)
		cur.yday = 0
	}
}

func (cur *cursor) working() bool { return cur.t.info(cur.yday).kind.Working() }

func (cur *cursor) date() Date { return dateOfYday(cur.t.year, cur.yday) }

func (cur *cursor) day() Day {
	i := cur.t.info(cur.yday)
	return Day{Date: cur.date(), Kind: i.kind, Name: i.name, Working: i.kind.Working()}
}
