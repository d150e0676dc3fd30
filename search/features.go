package search

import (
	"math"
	"time"

	"github.com/jiefen/jiefen/cases"
	"github.com/jiefen/jiefen/kernel"
)

// profile is an intake prepared for comparison.
type profile struct {
	subject, text, address grams
	// precomputed text comparison with the query (engines that compare
	// where the grams are): used when text holds no keys
	textShared, textTotal     float64
	textKnown                 bool
	name, nameKey             string
	idHash, phone, respondent string
	channel                   kernel.Channel
	at                        time.Time
}

// bare reports an intake whose text is its subject alone (no content).
func (p *profile) bare() bool {
	total := p.text.total
	if p.textKnown {
		total = p.textTotal
	}
	return p.subject.total > 0 && total <= p.subject.total*1.001
}

// grams are gram keys with their IDF weights; the query's also come as a
// set, against which candidates' grams are looked up in one pass.
type grams struct {
	keys  []uint64
	w     []float64
	set   map[uint64]float64 // query side only
	total float64
}

func (w *weigher) grams(s string, query bool) grams {
	keys := CachedGramKeys(s)
	g := grams{keys: keys, w: make([]float64, len(keys))}
	for i, k := range keys {
		g.w[i] = w.idf(k)
		g.total += g.w[i]
	}
	if query {
		g.set = make(map[uint64]float64, len(keys))
		for i, k := range keys {
			g.set[k] = g.w[i]
		}
	}
	return g
}

// profile prepares an intake; the query intake's grams also get sets. A
// candidate whose text was compared by the engine skips its text grams.
func (w *weigher) profile(subject, content, address string, query, compared bool) *profile {
	p := &profile{subject: w.grams(subject, query), address: w.grams(address, query)}
	if !compared {
		p.text = w.grams(subject+"\n"+content, query)
	}
	return p
}

// weigher turns document frequencies into IDF weights, caching them for
// one detection.
type weigher struct {
	stats GramStats
	a     float64 // log(N + priorDocs) + 0.1: the part of the IDF shared by all grams
	cache map[uint64]float64
}

func newWeigher(stats GramStats) *weigher {
	n := 0
	if stats != nil {
		n = stats.DocCount()
	}
	return &weigher{stats: stats, a: math.Log(float64(n)+priorDocs) + 0.1, cache: map[uint64]float64{}}
}

// priorDocs are pseudo-documents, holding none of the grams, added to the
// corpus when weighing: a young index (tens of intakes) would otherwise call
// every gram two intakes share "frequent" and weigh it down to nothing.
// Once the corpus holds many thousands they no longer matter.
const priorDocs = 1000

// lnTable[df] = log(df + 1): IDFs are computed for every gram of every
// candidate, and a table lookup is far cheaper than a logarithm.
var lnTable = func() []float64 {
	t := make([]float64, 1<<16)
	for i := range t {
		t[i] = math.Log(float64(i) + 1)
	}
	return t
}()

// idfDF is a smoothed inverse document frequency:
// log((N + priorDocs) / (df + 1)) + 0.1.
func (w *weigher) idfDF(df int) float64 {
	if df < len(lnTable) {
		return w.a - lnTable[df]
	}
	return w.a - math.Log(float64(df)+1)
}

func (w *weigher) idf(g uint64) float64 {
	if v, ok := w.cache[g]; ok {
		return v
	}
	df := 0
	if w.stats != nil {
		df = w.stats.DocFreq(g)
	}
	v := w.idfDF(df)
	w.cache[g] = v
	return v
}

// overlap is the IDF-weighted share of the smaller text found in the other:
// 1 when one contains the other (a hotline retelling inside the full post,
// a subject-only video intake inside its letter). The denominator is at
// least a tenth of the larger text's weight, so that two or three shared
// characters of a tiny text don't count as containment. It also returns
// the absolute shared weight. q is the query side (with its set).
func overlap(q, c grams) (ratio, shared float64) {
	if len(q.keys) == 0 || len(c.keys) == 0 {
		return 0, 0
	}
	for _, k := range c.keys {
		if x, ok := q.set[k]; ok {
			shared += x
		}
	}
	return overlapRatio(q.total, c.total, shared), shared
}

// overlapRatio is overlap's ratio from the three weights.
func overlapRatio(qTotal, cTotal, shared float64) float64 {
	den := math.Max(math.Min(qTotal, cTotal), 0.1*math.Max(qTotal, cTotal))
	if den == 0 || qTotal == 0 || cTotal == 0 {
		return 0
	}
	return math.Min(shared/den, 1)
}

// Feature names, as stored in link reasons.
const (
	fID         = "id_number"      // +1 same, -1 different, 0 unknown
	fPhone      = "phone"          // +1 same, -1 different, 0 unknown
	fName       = "name"           // +1 same, -1 different, 0 unknown
	fHomophone  = "name_sound"     // 1 when names differ in writing but sound alike
	fSubject    = "subject_sim"    // IDF-weighted overlap of the subjects
	fText       = "text_sim"       // IDF-weighted overlap of subject + content
	fShared     = "shared_terms"   // absolute shared weight, scaled to 0..1
	fAddress    = "address_sim"    // overlap of the addresses, when both have one
	fPlaceDiff  = "address_diff"   // 1 when both name a place and the places differ
	fRespondent = "respondent"     // +1 same respondent named, -1 both named and different
	fGap        = "time_gap"       // log days between the intakes, scaled to 0..1
	fChannel    = "same_channel"   // 1 when both came through the same channel
	fMatters    = "person_matters" // the same person's distinct earlier matters, log-scaled to 0..1 (same-person pairs only)
)

// personMatters scales a count of distinct earlier matters to 0..1: 0 for
// none, 0.5 for 7, 1 for 50 or more.
func personMatters(n int) float64 {
	return math.Min(math.Log1p(float64(n))/math.Log1p(50), 1)
}

// features compares two profiles.
func features(a, b *profile) map[string]float64 {
	f := make(map[string]float64, 13)
	personInto(f, a, b.name, b.nameKey, b.idHash, b.phone)
	f[fSubject], _ = overlap(a.subject, b.subject)
	var shared float64
	if b.textKnown {
		f[fText], shared = overlapRatio(a.text.total, b.textTotal, b.textShared), b.textShared
	} else {
		f[fText], shared = overlap(a.text, b.text)
	}
	// An intake with a subject and no content (a video booking, a short
	// form) has only its subject to compare: against a long letter its
	// text overlap is held down by the letter's length, so the subjects'
	// overlap stands for both.
	if a.bare() || b.bare() {
		f[fText] = math.Max(f[fText], f[fSubject])
	}
	f[fShared] = math.Min(shared/60, 1)
	if len(a.address.keys) > 0 && len(b.address.keys) > 0 {
		f[fAddress], _ = overlap(a.address, b.address)
		if f[fAddress] < 0.34 {
			f[fPlaceDiff] = 1
		}
	}
	switch {
	case a.respondent == "" || b.respondent == "":
	case a.respondent == b.respondent:
		f[fRespondent] = 1
	default:
		f[fRespondent] = -1
	}
	days := math.Abs(a.at.Sub(b.at).Hours()) / 24
	f[fGap] = math.Min(math.Log1p(days)/math.Log1p(3650), 1)
	if a.channel == b.channel {
		f[fChannel] = 1
	}
	return f
}

// personFeatures are the person model's features alone, for intakes
// compared by who wrote them only.
func personFeatures(a *profile, name, nameKey, idHash, phone string) map[string]float64 {
	f := make(map[string]float64, 4)
	personInto(f, a, name, nameKey, idHash, phone)
	return f
}

func personInto(f map[string]float64, a *profile, name, nameKey, idHash, phone string) {
	f[fID] = keyMatch(a.idHash, idHash)
	f[fPhone] = keyMatch(a.phone, phone)
	switch {
	case a.name == "" || name == "":
	case a.name == name:
		f[fName] = 1
	case a.nameKey != "" && a.nameKey == nameKey:
		f[fHomophone] = 1
	default:
		f[fName] = -1
	}
}

func keyMatch(a, b string) float64 {
	switch {
	case a == "" || b == "":
		return 0
	case a == b:
		return 1
	}
	return -1
}

// Model is a logistic model over named features: P = σ(Bias + Σ w·x).
type Model struct {
	Bias    float64            `json:"bias"`
	Weights map[string]float64 `json:"weights"`
}

// Prob returns the model's probability and the explanation of it.
func (m Model) Prob(f map[string]float64) (float64, []cases.Feature) {
	z := m.Bias
	out := make([]cases.Feature, 0, len(m.Weights))
	for _, name := range featureOrder {
		w, ok := m.Weights[name]
		if !ok {
			continue
		}
		x := f[name]
		z += w * x
		if x != 0 {
			out = append(out, cases.Feature{Name: name, Value: round3(x), Weight: round3(w)})
		}
	}
	return 1 / (1 + math.Exp(-z)), out
}

// Evidence is the part of the model's log-odds that comes from the matter's
// own features: the subject and text, the place and the respondent — not
// who wrote it, when or through which channel.
func (m Model) Evidence(f map[string]float64) float64 {
	var z float64
	for _, name := range matterEvidence {
		z += m.Weights[name] * f[name]
	}
	return z
}

var matterEvidence = []string{fSubject, fText, fShared, fAddress, fPlaceDiff, fRespondent}

var featureOrder = []string{fID, fPhone, fName, fHomophone, fSubject, fText, fShared, fAddress, fPlaceDiff, fRespondent, fGap, fChannel, fMatters}

func round3(x float64) float64 { return math.Round(x*1000) / 1000 }
