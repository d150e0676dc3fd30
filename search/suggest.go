package search

import "github.com/jiefen/jiefen/cases"

// Suggestion says how staff should see a scored match with this detector's
// thresholds: suggest is false below the suggestion threshold (the same
// person's matter below Review, other people's below Grouping), so review
// lists show only what the detector itself would put before staff;
// samePerson is true when the match is the same person, the only case in
// which merging the two cases makes sense.
func (d *Detector) Suggestion(m cases.Match) (suggest, samePerson bool) {
	if m.Reasons == nil {
		return false, false
	}
	c, r := d.Config, m.Reasons
	// The explanation carries P(group) as SameMatter for other people.
	switch {
	case r.SamePerson >= c.SamePerson:
		return r.SameMatter >= c.Review, true
	case r.SamePerson < c.OtherPerson:
		return r.SameMatter >= c.Grouping, false
	default:
		return r.SameMatter >= c.Review, false
	}
}
