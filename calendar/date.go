package calendar

import (
	"fmt"
	"time"
)

// China is China Standard Time, UTC+8. A fixed zone rather than
// time.LoadLocation("Asia/Shanghai") so the package needs no tzdata; China
// has had no daylight saving time since 1991.
var China = time.FixedZone("CST", 8*3600)

// Date is a calendar date without a time of day or zone, like
// cloud.google.com/go/civil.Date. Legal periods are counted in whole days, so
// deadlines are Dates; convert instants with [DateOf].
//
// The zero Date means "no date". Dates marshal to JSON and text as
// "YYYY-MM-DD" (the zero Date as "").
type Date struct {
	Year  int
	Month time.Month
	Day   int
}

const dateLayout = "2006-01-02"

// ParseDate parses a "YYYY-MM-DD" date, rejecting dates that do not exist
// such as 2025-02-29.
func ParseDate(s string) (Date, error) {
	t, err := time.Parse(dateLayout, s)
	if err != nil {
		return Date{}, fmt.Errorf("calendar: invalid date %q (want YYYY-MM-DD)", s)
	}
	d := dateOfTime(t)
	if !d.IsValid() {
		return Date{}, fmt.Errorf("calendar: date %q out of range", s)
	}
	return d, nil
}

// DateOf returns the date in China of the instant t, whatever t's location:
// 2025-09-30T20:00:00Z is 2025-10-01 in China.
func DateOf(t time.Time) Date {
	return dateOfTime(t.In(China))
}

// Today returns the current date in China.
func Today() Date { return DateOf(time.Now()) }

func dateOfTime(t time.Time) Date {
	y, m, d := t.Date()
	return Date{y, m, d}
}

// utc is the date at midnight UTC, used for arithmetic: UTC days are all
// exactly 24 hours long, and time.Date normalizes out-of-range fields.
func (d Date) utc() time.Time {
	return time.Date(d.Year, d.Month, d.Day, 0, 0, 0, 0, time.UTC)
}

// String returns the date as "YYYY-MM-DD".
func (d Date) String() string {
	return fmt.Sprintf("%04d-%02d-%02d", d.Year, int(d.Month), d.Day)
}

// IsZero reports whether d is the zero Date.
func (d Date) IsZero() bool { return d == Date{} }

// IsValid reports whether d is a real date between years 1 and 9999.
func (d Date) IsValid() bool {
	return d.Year >= 1 && d.Year <= 9999 &&
		d.Month >= time.January && d.Month <= time.December &&
		d.Day >= 1 && d.Day <= daysIn(d.Month, d.Year)
}

// AddDays returns the date n days after d (before it if n is negative).
// Invalid dates are normalized first, the way time.Date does: 2025-02-30 is
// 2025-03-02.
func (d Date) AddDays(n int) Date {
	return dateOfTime(d.utc().AddDate(0, 0, n))
}

// Sub returns the number of days from e to d: positive if d is after e.
func (d Date) Sub(e Date) int {
	// Unix seconds, not Time.Sub: a Duration overflows after 292 years.
	return int((d.utc().Unix() - e.utc().Unix()) / 86400)
}

// Compare returns -1, 0 or +1 as d is before, equal to or after e.
func (d Date) Compare(e Date) int {
	switch {
	case d.Year != e.Year:
		return cmpInt(d.Year, e.Year)
	case d.Month != e.Month:
		return cmpInt(int(d.Month), int(e.Month))
	default:
		return cmpInt(d.Day, e.Day)
	}
}

func cmpInt(a, b int) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// Before reports whether d is before e.
func (d Date) Before(e Date) bool { return d.Compare(e) < 0 }

// After reports whether d is after e.
func (d Date) After(e Date) bool { return d.Compare(e) > 0 }

// Weekday returns the day of the week of d.
func (d Date) Weekday() time.Weekday { return d.utc().Weekday() }

// StartOfDay returns 00:00 of d in China time.
func (d Date) StartOfDay() time.Time {
	return time.Date(d.Year, d.Month, d.Day, 0, 0, 0, 0, China)
}

// EndOfDay returns the last millisecond of d in China time, 23:59:59.999.
// Milliseconds rather than nanoseconds so that the instant survives
// JavaScript and database round trips without rounding up into the next
// day.
func (d Date) EndOfDay() time.Time {
	return time.Date(d.Year, d.Month, d.Day, 23, 59, 59, int(999*time.Millisecond), China)
}

// MarshalText implements encoding.TextMarshaler (and so JSON): "YYYY-MM-DD",
// or "" for the zero Date.
func (d Date) MarshalText() ([]byte, error) {
	if d.IsZero() {
		return []byte{}, nil
	}
	if !d.IsValid() {
		return nil, fmt.Errorf("calendar: cannot marshal invalid date %s", d)
	}
	return []byte(d.String()), nil
}

// UnmarshalText implements encoding.TextUnmarshaler (and so JSON). It
// accepts "YYYY-MM-DD", or "" for the zero Date.
func (d *Date) UnmarshalText(b []byte) error {
	if len(b) == 0 {
		*d = Date{}
		return nil
	}
	v, err := ParseDate(string(b))
	if err != nil {
		return err
	}
	*d = v
	return nil
}

func isLeap(y int) bool { return y%4 == 0 && (y%100 != 0 || y%400 == 0) }

func daysIn(m time.Month, y int) int {
	switch m {
	case time.February:
		if isLeap(y) {
			return 29
		}
		return 28
	case time.April, time.June, time.September, time.November:
		return 30
	}
	return 31
}

func daysInYear(y int) int {
	if isLeap(y) {
		return 366
	}
	return 365
}

// daysBefore[m-1] is the number of days before month m in a common year.
var daysBefore = [12]int{0, 31, 59, 90, 120, 151, 181, 212, 243, 273, 304, 334}

// yday returns the 0-based day of the year of a valid date.
func (d Date) yday() int {
	n := daysBefore[d.Month-1] + d.Day - 1
	if d.Month > time.February && isLeap(d.Year) {
		n++
	}
	return n
}

// dateOfYday is the inverse of Date.yday.
func dateOfYday(year, yday int) Date {
	m := time.January
	for m < time.December && yday >= daysIn(m, year) {
		yday -= daysIn(m, year)
		m++
	}
	return Date{year, m, yday + 1}
}
