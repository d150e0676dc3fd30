// Package clocks keeps the deadlines (期限) of cases: every deadline is a
// clock — kind, start, due, unit of count, status, pauses, extensions and
// the legal source — computed on the calendar (calendar.Calendar: 民法典
// art. 203 roll-over, 调休). The periods live in one configuration table
// (Rules) that modules extend with Define and a province overrides with a
// JSON file (JIEFEN_CLOCKS). The case service starts, pauses, resumes and
// stops clocks through its cases.Clocks port in the transaction of the
// change; a sweep marks clocks that passed their due as missed, once.
package clocks
