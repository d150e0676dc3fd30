package video

import (
	"fmt"
	"net/url"
	"regexp"
	"strconv"
	"strings"

	"github.com/jiefen/jiefen/cases"
)

// LinkTemplate builds a booking's meeting link in the government's video
// system from a template such as
//
//	https://meet.example.gov.cn/room/{token}?name={case_no}
//
// Placeholders:
//
//	{booking}  booking id                {token}  random room token (32 hex digits)
//	{case_no}  case number               {slot}   slot id
//	{day}      reception day id          {leader} leader's user id
//	{date}     China date, 20251201      {start}  China start time, 0930
//
// Values are URL-escaped. {booking} and {case_no} are guessable; use
// {token} where the link alone admits people to the room.
type LinkTemplate struct{ raw string }

var placeholderRE = regexp.MustCompile(`\{[^{}]*\}`)

var placeholders = map[string]bool{
	"booking": true, "token": true, "case_no": true, "slot": true,
	"day": true, "leader": true, "date": true, "start": true,
}

// ParseLinkTemplate checks a template; an empty one is nil: bookings then
// have no link and staff send it by other means.
func ParseLinkTemplate(s string) (*LinkTemplate, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return nil, nil
	}
	for _, p := range placeholderRE.FindAllString(s, -1) {
		if !placeholders[p[1:len(p)-1]] {
			return nil, fmt.Errorf("unknown placeholder %s (known: {booking} {token} {case_no} {slot} {day} {leader} {date} {start})", p)
		}
	}
	t := &LinkTemplate{raw: s}
	sample := t.expand(map[string]string{"booking": "1", "token": "0123456789abcdef0123456789abcdef",
		"case_no": "6109022025120100001", "slot": "1", "day": "1", "leader": "1", "date": "20251201", "start": "0930"})
	u, err := url.Parse(sample)
	if err != nil {
		return nil, fmt.Errorf("not a URL: %w", err)
	}
	if (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return nil, fmt.Errorf("not an http(s) URL: %q", s)
	}
	return t, nil
}

func (t *LinkTemplate) expand(vals map[string]string) string {
	return placeholderRE.ReplaceAllStringFunc(t.raw, func(p string) string {
		return url.QueryEscape(vals[p[1:len(p)-1]])
	})
}

// Expand returns the link of a booking in a slot of a day ("" without a
// template).
func (t *LinkTemplate) Expand(b *Booking, d *Day, s *Slot) string {
	if t == nil {
		return ""
	}
	start := s.StartsAt.In(cases.ChinaTime)
	return t.expand(map[string]string{
		"booking": strconv.FormatInt(b.ID, 10), "token": b.RoomToken, "case_no": b.CaseNo,
		"slot": strconv.FormatInt(s.ID, 10), "day": strconv.FormatInt(d.ID, 10),
		"leader": strconv.FormatInt(d.LeaderID, 10), "date": start.Format("20060102"),
		"start": start.Format("1504"),
	})
}

// String returns the template.
func (t *LinkTemplate) String() string {
	if t == nil {
		return ""
	}
	return t.raw
}
