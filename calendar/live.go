package calendar

import "fmt"

// SetYear replaces the run-time overrides of one year — the holiday notice
// an administrator entered before lunar-go ships it — and applies them at
// once: deadlines computed afterwards see them, no restart needed. They
// apply after the overrides given to New. An empty list removes them.
// Every override must lie in year and have a known kind.
func (c *Calendar) SetYear(year int, list []Override) error {
	checked := make([]Override, 0, len(list))
	for _, o := range list {
		if !o.Date.IsValid() || o.Date.Year != year {
			return fmt.Errorf("%w: override date %s is not a date of %d", ErrInvalid, o.Date, year)
		}
		k, err := OverrideKind(string(o.Kind), o.Date)
		if err != nil {
			return err
		}
		o.Kind = k
		checked = append(checked, o)
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.live == nil {
		c.live = make(map[int][]Override)
	}
	if len(checked) == 0 {
		delete(c.live, year)
	} else {
		c.live[year] = checked
	}
	c.years.Delete(year)
	return nil
}

// OverrideKind maps the kind of an override as written in a file or a
// request — holiday, rest or workday (working, adjusted_working) — to the
// kind the calendar reports for date d.
func OverrideKind(kind string, d Date) (DayKind, error) {
	switch kind {
	case "holiday":
		return KindHoliday, nil
	case "rest":
		return KindRest, nil
	case "workday", string(KindWorking), string(KindAdjustedWorking):
		return workingKind(d.Weekday()), nil
	}
	return "", fmt.Errorf("%w: unknown override kind %q (want holiday, rest or workday)", ErrInvalid, kind)
}

// CoversRange reports whether the calendar has holiday data for every year
// from the year of from through the year of to.
func (c *Calendar) CoversRange(from, to Date) bool {
	for y := from.Year; y <= to.Year; y++ {
		if !c.Covers(y) {
			return false
		}
	}
	return true
}

// WorkingDaysBetween counts the working days d with from <= d < to (0 when
// to is not after from).
func (c *Calendar) WorkingDaysBetween(from, to Date) int {
	if !from.IsValid() || !to.IsValid() || !from.Before(to) {
		return 0
	}
	n := 0
	cur := c.at(from)
	for i, days := 0, to.Sub(from); i < days; i++ {
		if cur.working() {
			n++
		}
		cur.next()
	}
	return n
}
