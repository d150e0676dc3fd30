// Package calendar is the Chinese working-day calendar used to compute legal
// deadlines (期限) for mediation cases.
//
// # Days
//
// Every date has one of four kinds:
//
//   - working: an ordinary Monday–Friday working day;
//   - rest: an ordinary Saturday or Sunday (休息日);
//   - holiday: a day off of a legal holiday period (法定节假日), including the
//     weekend days the State Council folds into it;
//   - adjusted_working: a Saturday or Sunday that is a working day because of
//     调休 (the State Council swaps it for a day inside a holiday period).
//
// Holidays and 调休 days come from github.com/6tail/lunar-go/HolidayUtil,
// which carries the State Council's yearly notices (2002 through 2026 in
// v1.4.6). The yearly notice is published only in the autumn before the year,
// so the library is always behind at some point; an override file (see
// [ParseOverrides]) fills in or corrects dates without waiting for a library
// release. For a year with no data at all only weekends are days off: use
// [Calendar.Covers] to warn about deadlines that run into such a year.
//
// # Periods
//
// Periods are counted the way 民法典 arts. 201–203 and 民事诉讼法 art. 85
// describe, in whole days in China time (UTC+8, no daylight saving):
//
//   - The start day is not counted; the period starts the next day (民法典
//     art. 201). Ten days from Monday 2025-03-03 is due on Thursday
//     2025-03-13, not 03-12.
//   - calendar_days: the due day is start + n. If it is not a working day
//     (a rest day or a holiday) the period ends on the first working day
//     after it (民法典 art. 203: 以法定休假日结束的次日为期间的最后一日; weekends
//     count as 法定休假日 here). An adjusted working Saturday or Sunday is a
//     working day, so a period that ends on one is not extended.
//   - working_days: the due day is the n-th working day after start, where
//     working days are the working and adjusted_working days; rest days and
//     holidays are skipped. Administrative procedures use this (e.g. "五个
//     工作日内").
//   - n = 0, either unit, means "today": the start day itself if it is a
//     working day, else the next working day. This keeps the invariant that
//     a due day is always a working day.
//   - n must be between 0 and [MaxPeriod]; periods counted in months or
//     years are not handled here.
//
// A period ends at 24:00 of its last day (民法典 art. 203 para. 2);
// [Calendar.DueAt] returns that day's last millisecond. To decide whether
// something is overdue compare dates: DateOf(now).After(due).
//
// A [Calendar] is immutable after [New] and safe for concurrent use; it
// builds a per-year table of day kinds lazily, on first use of that year.
package calendar
