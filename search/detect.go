package search

import (
	"context"
	"log/slog"
	"sort"
	"strings"
	"time"

	"github.com/jiefen/jiefen/cases"
	"github.com/jiefen/jiefen/kernel"
)

// Config holds the detector's models and thresholds. The defaults were
// fitted and chosen on the development evaluation set (see DESIGN.md and
// `jiefen eval`); deployments may override them from a JSON file.
type Config struct {
	// Candidate retrieval.
	TextCandidates   int     `json:"text_candidates"`   // similar intakes asked of the index
	PersonCandidates int     `json:"person_candidates"` // newest intakes sharing a person key
	WindowDays       int     `json:"window_days"`       // how far back text candidates go
	RegionLevel      int     `json:"region_level"`      // text candidates share the region down to this level
	Person           Model   `json:"person"`            // P(same person)
	Matter           Model   `json:"matter"`            // P(same matter | same person)
	Group            Model   `json:"group"`             // P(same matter | different people)
	SamePerson       float64 `json:"same_person"`       // P(person) at or above: the same person
	OtherPerson      float64 `json:"other_person"`      // P(person) below: different people
	Merge            float64 `json:"merge"`             // P(matter) at or above: merge or repeat
	Review           float64 `json:"review"`            // P(matter) at or above: suggest to staff
	Grouping         float64 `json:"grouping"`          // P(group) at or above: group issue
	MaxReview        int     `json:"max_review"`        // suggestions per intake
	MinText          float64 `json:"min_text"`          // text overlap below which a candidate is not considered
	// MinEvidence is what the matter itself (subject, text, place,
	// respondent) must add to the matter model's log-odds before an
	// intake is merged or linked as a repeat automatically: the same person
	// raises the prior but never decides alone. Below it a likely match is
	// only suggested to staff.
	MinEvidence float64 `json:"min_evidence"`
}

// DefaultConfig is used when no configuration file is given. The models
// were fitted by `jiefen eval --fit` (logistic regression, L2 = 1) on the
// pairs the detector compares when the development set is imported. Two
// weights are set by hand because the data cannot teach them: the ID
// number's (6; a resident ID number is unique, but too few pairs carry one
// on both sides) and the respondent's (the development set names none;
// the same respondent supports the same matter, a different one speaks
// against a group issue). Merge is the natural 0.5 (more likely the same matter than not);
// grouping is lower (0.35) so that group issues surface early — a cluster
// only labels cases, it merges nothing.
var DefaultConfig = Config{
	TextCandidates:   20,
	PersonCandidates: 50,
	WindowDays:       3 * 365,
	RegionLevel:      kernel.LevelCity,
	Person: Model{Bias: -0.949, Weights: map[string]float64{
		fID: 6, fPhone: 2.374, fName: 6.579, fHomophone: 4.765,
	}},
	Matter: Model{Bias: -6.498, Weights: map[string]float64{
		fID: 0.175, fPhone: 0.35, fName: 4.63, fHomophone: 3.441, fSubject: 2.688, fText: 5.853, fShared: 1.471, fAddress: -0.66, fPlaceDiff: -0.102, fRespondent: 1, fGap: -0.85, fChannel: 0.018, fMatters: -1.6,
	}},
	Group: Model{Bias: -4.236, Weights: map[string]float64{
		fSubject: 6.442, fText: -2.247, fShared: 2.314, fAddress: 1.247, fPlaceDiff: -1.59, fRespondent: 1.5, fGap: -5.178, fChannel: -0.077,
	}},
	SamePerson:  0.5,
	OtherPerson: 0.5,
	Merge:       0.5,
	Review:      0.3,
	Grouping:    0.35,
	MaxReview:   3,
	MinText:     0.08,
	MinEvidence: 2.5,
}

// Detector implements cases.Detector over an index and the case store.
// SearchTimeout bounds the detector's wait for the text index; past it the
// intake is compared with the person-key candidates alone.
var SearchTimeout = 1500 * time.Millisecond

type Detector struct {
	Index  Index
	Stats  GramStats
	Config Config
	Log    *slog.Logger
	// Observe, if set, sees every compared pair's features: `jiefen eval
	// --fit` learns the models from them.
	Observe func(in *cases.Intake, c cases.Candidate, f map[string]float64)
}

var _ cases.Detector = (*Detector)(nil)

// scored is one candidate intake with its evidence.
type scored struct {
	cand   cases.Candidate
	person float64
	matter float64
	group  float64
	// evidence is the matter model's log-odds from the matter's own
	// features (see MinEvidence).
	evidence float64
	reasons  *cases.Explanation
}

// Similar implements cases.Detector.
func (d *Detector) Similar(ctx context.Context, tx cases.Store, in *cases.Intake, scope string, now time.Time) ([]cases.Match, error) {
	all, err := d.score(ctx, tx, in, scope, now)
	if err != nil {
		return nil, err
	}
	out := make([]cases.Match, 0, len(all))
	for _, s := range bestPerCase(all, func(s scored) float64 { return max(s.person*s.matter, s.group) }) {
		kind := cases.LinkRelated
		if s.person >= d.Config.SamePerson {
			kind = cases.LinkDuplicate
			if !s.cand.CaseStatus.Open() {
				kind = cases.LinkRepeat
			}
		}
		out = append(out, d.match(s, kind, max(s.person*s.matter, s.group)))
	}
	return out, nil
}

// Detect implements cases.Detector.
func (d *Detector) Detect(ctx context.Context, tx cases.Store, in *cases.Intake, scope string, now time.Time) (*cases.Detection, error) {
	all, err := d.score(ctx, tx, in, scope, now)
	if err != nil {
		return nil, err
	}
	c := d.Config
	det := &cases.Detection{Decision: cases.DecisionNew}
	same := bestPerCase(all, func(s scored) float64 {
		if s.person >= c.SamePerson && s.matter >= c.Merge && s.evidence >= c.MinEvidence {
			return s.person * s.matter
		}
		return 0
	})
	if len(same) > 0 {
		best := same[0]
		// Prefer the open case: a duplicate joins the case still being
		// handled rather than repeating an older, closed one.
		for _, s := range same {
			if s.cand.CaseStatus.Open() {
				best = s
				break
			}
		}
		if best.cand.CaseStatus.Open() {
			det.Decision = cases.DecisionMerged
			m := d.match(best, cases.LinkDuplicate, best.person*best.matter)
			det.Target = &m
		} else {
			det.Decision = cases.DecisionRepeat
			m := d.match(best, cases.LinkRepeat, best.person*best.matter)
			det.Target = &m
		}
	}
	for _, s := range bestPerCase(all, func(s scored) float64 {
		if s.person < c.OtherPerson && s.group >= c.Grouping {
			return s.group
		}
		return 0
	}) {
		det.Group = append(det.Group, d.match(s, cases.LinkRelated, s.group))
	}
	if det.Decision == cases.DecisionNew && len(det.Group) > 0 {
		det.Decision = cases.DecisionGrouped
	}
	// Suggestions to staff: the same person's cases in the review band,
	// those the model favours without enough evidence from the matter, and
	// the cases that qualified beside the one chosen (an intake matching
	// two cases suggests they are one matter).
	for _, s := range bestPerCase(all, func(s scored) float64 {
		if s.person >= c.SamePerson && s.matter >= c.Review {
			return s.person * s.matter
		}
		return 0
	}) {
		if len(det.Review) == c.MaxReview {
			break
		}
		if det.Target != nil && s.cand.CaseID == det.Target.CaseID {
			continue
		}
		kind := cases.LinkDuplicate
		if !s.cand.CaseStatus.Open() {
			kind = cases.LinkRepeat
		}
		det.Review = append(det.Review, d.match(s, kind, s.person*s.matter))
	}
	return det, nil
}

func (d *Detector) match(s scored, kind cases.LinkKind, score float64) cases.Match {
	return cases.Match{CaseID: s.cand.CaseID, CaseNo: s.cand.CaseNo, IntakeID: s.cand.IntakeID, Kind: kind,
		Score: round3(score), Reasons: s.reasons}
}

// bestPerCase keeps each case's best intake by key (zero keys are dropped),
// best first.
func bestPerCase(all []scored, key func(scored) float64) []scored {
	best := map[int64]int{}
	var out []scored
	for _, s := range all {
		k := key(s)
		if k <= 0 {
			continue
		}
		if i, ok := best[s.cand.CaseID]; ok {
			if k > key(out[i]) {
				out[i] = s
			}
			continue
		}
		best[s.cand.CaseID] = len(out)
		out = append(out, s)
	}
	sort.SliceStable(out, func(i, j int) bool { return key(out[i]) > key(out[j]) })
	return out
}

// score retrieves the candidates for an intake and scores each.
func (d *Detector) score(ctx context.Context, tx cases.Store, in *cases.Intake, scope string, now time.Time) ([]scored, error) {
	ids, byPerson, err := d.candidates(ctx, tx, in, scope)
	if err != nil {
		return nil, err
	}
	w := newWeigher(d.Stats)
	q := w.profile(in.Subject, in.Content, in.Address, true, false)
	idHash, phoneHash := tx.PersonHashes(in.Person)
	resp := ""
	if in.Respondent != nil {
		resp = in.Respondent.Name
	}
	q.name, q.nameKey, q.idHash, q.phone, q.respondent = in.Person.Name, in.NameKey, idHash, phoneHash, Normalize(resp)
	q.channel, q.at = in.Channel, in.ReceivedAt

	// Cheap first pass where the grams are: a candidate whose text shares
	// almost nothing with the intake cannot be the same matter whoever
	// wrote it, so it is not read from the database at all.
	// The person's intakes dropped here are still read (without their
	// text): they count the person's distinct earlier matters.
	type comparison struct{ shared, total float64 }
	compared := map[int64]comparison{}
	countOnly := map[int64]bool{}
	if src, ok := d.Index.(TextOverlap); ok && len(ids) > 0 {
		shared, total, found := src.TextOverlap(q.text.keys, q.text.w, ids, func(df uint32) float64 { return w.idfDF(int(df)) })
		kept := ids[:0]
		for i, id := range ids {
			if !found[i] {
				kept = append(kept, id) // not indexed (yet): judged on its stored text
				continue
			}
			if overlapRatio(q.text.total, total[i], shared[i]) >= d.Config.MinText {
				compared[id] = comparison{shared[i], total[i]}
				kept = append(kept, id)
			} else if byPerson[id] {
				countOnly[id] = true
				kept = append(kept, id)
			}
		}
		ids = kept
	}
	cands, err := tx.Candidates(ctx, ids, false)
	if err != nil {
		return nil, err
	}
	var missing []int64
	for _, c := range cands {
		if _, ok := compared[c.IntakeID]; !ok && !countOnly[c.IntakeID] {
			missing = append(missing, c.IntakeID)
		}
	}
	if len(missing) > 0 {
		full, err := tx.Candidates(ctx, missing, true)
		if err != nil {
			return nil, err
		}
		content := make(map[int64]string, len(full))
		for _, c := range full {
			content[c.IntakeID] = c.Content
		}
		for i := range cands {
			if s, ok := content[cands[i].IntakeID]; ok {
				cands[i].Content = s
			}
		}
	}

	type pair struct {
		c      cases.Candidate
		f      map[string]float64
		person float64
		pf     []cases.Feature
	}
	pairs := make([]pair, 0, len(cands))
	matters := map[int64]bool{}
	for _, c := range cands {
		if c.IntakeID == in.ID || (in.CaseID != 0 && c.CaseID == in.CaseID) || c.CaseStatus == cases.StatusMerged {
			continue
		}
		if !strings.HasPrefix(c.RegionCode, scope) {
			continue // outside the actor's region
		}
		if countOnly[c.IntakeID] {
			if p, _ := d.Config.Person.Prob(personFeatures(q, c.Name, c.NameKey, c.IDHash, c.PhoneHash)); p >= d.Config.SamePerson {
				matters[c.CaseID] = true
			}
			continue
		}
		cmp, ok := compared[c.IntakeID]
		p := w.profile(c.Subject, c.Content, c.Address, false, ok)
		p.textShared, p.textTotal, p.textKnown = cmp.shared, cmp.total, ok
		p.name, p.nameKey, p.idHash, p.phone, p.respondent = c.Name, c.NameKey, c.IDHash, c.PhoneHash, Normalize(c.Respondent)
		p.channel, p.at = c.Channel, c.ReceivedAt
		f := features(q, p)
		person, pf := d.Config.Person.Prob(f)
		if person >= d.Config.SamePerson {
			matters[c.CaseID] = true
		}
		pairs = append(pairs, pair{c, f, person, pf})
	}
	// The person's distinct earlier matters: the cases the same person
	// wrote among the candidates (the count-only ones included). A
	// resident with many matters (信访老户) makes "same person" weak
	// evidence of "same matter": the feature lowers the matter model's
	// prior for every pair of that person.
	pm := personMatters(len(matters))
	out := make([]scored, 0, len(pairs))
	for _, pr := range pairs {
		c, f := pr.c, pr.f
		if pr.person >= d.Config.SamePerson {
			f[fMatters] = pm
		}
		if d.Observe != nil {
			d.Observe(in, c, f)
		}
		matter, mf := d.Config.Matter.Prob(f)
		group, gf := d.Config.Group.Prob(f)
		// Explain with the matter model that applies to this pair.
		exp := &cases.Explanation{SamePerson: round3(pr.person), SameMatter: round3(matter), Features: append(pr.pf, mf...)}
		if pr.person < d.Config.OtherPerson {
			exp.SameMatter, exp.Features = round3(group), append(pr.pf, gf...)
		}
		out = append(out, scored{cand: c, person: pr.person, matter: matter, group: group,
			evidence: d.Config.Matter.Evidence(f), reasons: exp})
	}
	return out, nil
}

// candidates unions the intakes sharing a person key (from the database, so
// an index outage or lag cannot hide them) with the index's most similar
// texts in the region and time window.
func (d *Detector) candidates(ctx context.Context, tx cases.Store, in *cases.Intake, scope string) (ids []int64, byPerson map[int64]bool, err error) {
	if d.Index == nil {
		ids, err = tx.IntakesByPerson(ctx, in.Person, in.NameKey, d.Config.PersonCandidates)
		return ids, nil, err
	}
	prefix := kernel.RegionPrefix(in.RegionCode)
	if lv := d.Config.RegionLevel; lv > 0 && kernel.RegionLevel(in.RegionCode) > lv {
		prefix = prefix[:levelLen(lv)]
	}
	if scope != "" && len(scope) > len(prefix) {
		prefix = scope
	}
	q := Query{Text: in.Subject + "\n" + in.Content, Limit: d.Config.TextCandidates,
		Filter: Filter{RegionPrefix: prefix, ExcludeCase: in.CaseID}}
	if d.Config.WindowDays > 0 {
		q.Filter.From = in.ReceivedAt.AddDate(0, 0, -d.Config.WindowDays)
	}
	// The index and the database are asked at once: on two cores the
	// slower of the two sets the latency, not their sum.
	type result struct {
		hits []Hit
		err  error
	}
	text := make(chan result, 1)
	sctx, cancel := context.WithTimeout(ctx, SearchTimeout)
	defer cancel()
	go func() {
		hits, err := d.Index.Search(sctx, q)
		text <- result{hits, err}
	}()
	ids, err = tx.IntakesByPerson(ctx, in.Person, in.NameKey, d.Config.PersonCandidates)
	if err != nil {
		return nil, nil, err
	}
	byPerson = make(map[int64]bool, len(ids))
	for _, id := range ids {
		byPerson[id] = true
	}
	var r result
	select {
	case r = <-text:
	case <-sctx.Done():
		// A hung engine (a network partition) must not hold registration,
		// which holds a database transaction: go on without it.
		r.err = sctx.Err()
	}
	hits := r.hits
	if r.err != nil {
		// Text candidates are lost for this intake only; person keys still
		// work. Registration must not fail because the index is down.
		if d.Log != nil {
			d.Log.Warn("search index unavailable for detection", "err", r.err)
		}
		return ids, byPerson, nil
	}
	seen := make(map[int64]bool, len(ids)+len(hits))
	for _, id := range ids {
		seen[id] = true
	}
	for _, h := range hits {
		if !seen[h.ID] {
			seen[h.ID] = true
			ids = append(ids, h.ID)
		}
	}
	return ids, byPerson, nil
}

func levelLen(level int) int {
	return [...]int{0, 2, 4, 6, 9, 12, 15}[level]
}
