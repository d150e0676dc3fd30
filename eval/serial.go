package eval

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"sort"
	"strings"
	"time"
)

// SerialPrefix starts the truth.person of every invented serial petitioner;
// SerialMain is the one with many matters (信访老户).
const (
	SerialPrefix = "SERIAL"
	SerialMain   = "SERIAL1"
)

// SerialOptions shape the serial-petitioner set.
type SerialOptions struct {
	Seed    uint64
	Main    int   // matters of the main resident (40)
	Others  []int // matters of each further resident (5–15)
	NoPhone float64
	Sound   float64 // share of hotline intakes with a homophone name
	Year    int     // the year the matters are spread over
}

// DefaultSerial is the set the issue asks for: one resident with 40
// unrelated matters and four with 5–15.
var DefaultSerial = SerialOptions{Seed: 1, Main: 40, Others: []int{5, 8, 12, 15}, NoPhone: 0.3, Sound: 0.25, Year: 2019}

// serialPeople are the invented residents; each name has a homophone that
// shares its pinyin key, as a call-taker might write it.
var serialPeople = []struct{ name, sound, id, phone string }{
	{"张伟", "章玮", "610902196503120000", "13900000001"},
	{"王秀英", "汪秀英", "610902197108230000", "13900000002"},
	{"李强", "李蔷", "610902198002140000", "13900000003"},
	{"刘芳", "柳芳", "610902197711050000", "13900000004"},
	{"陈静", "陈晶", "610902196909300000", "13900000005"},
}

// openings are how suggestions and complaints usually begin; serial
// petitioners' matters open alike, so the set prefers such matters.
var openings = []string{"请", "建议", "关于", "反映", "A市", "希望", "投诉", "咨询"}

// cityOpenings are the suggestions to the city that open the same way, as
// the real serial petitioner's did ("请A市加快……", "建议A市……"): the main
// resident's matters are taken from these first, the hardest case.
var cityOpenings = []string{"建议A市", "请A市", "关于A市", "希望A市", "请求A市", "反映A市", "请加快A市"}

// themes are what such suggestions are mostly about (roads, transport,
// building, schools): near in words, different in matter.
var themes = []string{"公交", "地铁", "道路", "建设", "交通", "学校", "小区", "改造", "修建"}

// GenSerial reads a labelled file and writes it back with some of its
// matters handed to invented serial petitioners: each chosen matter keeps
// its own duplicates and repeats (their texts, channels and relative
// times), is moved to a random day of the year, and gets the resident's
// name, ID number and phone — sometimes no phone, on the hotline sometimes
// a homophone name. The rest of the file stays as it was, as background.
// Matters come from different original people and no group issue, so they
// are unrelated. The same seed gives the same file.
func GenSerial(r io.Reader, w io.Writer, o SerialOptions) error {
	var recs []map[string]any
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 1<<20), 16<<20)
	for sc.Scan() {
		line := bytes.TrimSpace(sc.Bytes())
		if len(line) == 0 {
			continue
		}
		var m map[string]any
		d := json.NewDecoder(bytes.NewReader(line))
		d.UseNumber()
		if err := d.Decode(&m); err != nil {
			return err
		}
		if _, ok := m["truth"].(map[string]any); !ok {
			return fmt.Errorf("record %v has no truth", m["ref"])
		}
		recs = append(recs, m)
	}
	if err := sc.Err(); err != nil {
		return err
	}
	truth := func(m map[string]any) map[string]any { return m["truth"].(map[string]any) }
	str := func(m map[string]any, k string) string { s, _ := m[k].(string); return s }

	// Eligible matters, in file order: no group issue.
	byMatter := map[string][]map[string]any{}
	var order []string
	for _, m := range recs {
		t := truth(m)
		k := str(t, "matter")
		if _, ok := byMatter[k]; !ok {
			order = append(order, k)
		}
		byMatter[k] = append(byMatter[k], m)
	}
	person := map[string]string{}
	var theme, city, opened, plain []string
	for _, k := range order {
		ms := byMatter[k]
		grouped := false
		for _, m := range ms {
			if str(truth(m), "group") != "" {
				grouped = true
			}
		}
		if grouped {
			continue
		}
		person[k] = str(truth(ms[0]), "person")
		subj := str(ms[0], "subject")
		isOpen, isCity := false, false
		for _, p := range openings {
			if strings.HasPrefix(subj, p) {
				isOpen = true
			}
		}
		for _, p := range cityOpenings {
			if strings.HasPrefix(subj, p) {
				isCity = true
			}
		}
		isTheme := false
		for _, t := range themes {
			if strings.Contains(subj, t) {
				isTheme = true
			}
		}
		if isCity && isTheme {
			theme = append(theme, k)
		} else if isCity {
			city = append(city, k)
		} else if isOpen {
			opened = append(opened, k)
		} else {
			plain = append(plain, k)
		}
	}
	rng := rand.New(rand.NewPCG(o.Seed, 0x5e71a1))
	rng.Shuffle(len(theme), func(i, j int) { theme[i], theme[j] = theme[j], theme[i] })
	rng.Shuffle(len(city), func(i, j int) { city[i], city[j] = city[j], city[i] })
	rng.Shuffle(len(opened), func(i, j int) { opened[i], opened[j] = opened[j], opened[i] })
	rng.Shuffle(len(plain), func(i, j int) { plain[i], plain[j] = plain[j], plain[i] })
	usedPerson := map[string]bool{}
	// take picks n matters of different original people from the pools in
	// turn: the main resident's from the city suggestions about roads,
	// transport and building first, then other city suggestions; the others' two
	// in three with a common opening.
	take := func(n int, main bool) []string {
		var out []string
		pools := []*[]string{&opened, &plain, &opened}
		if main {
			pools = []*[]string{&theme, &city, &opened, &plain}
		}
		var chosen []map[string]bool
		for _, pool := range pools {
			want := n - len(out)
			if !main && pool == &opened && len(out) == 0 {
				want = (2*n + 2) / 3
			}
			kept := (*pool)[:0]
			for _, k := range *pool {
				bg := bigrams(str(byMatter[k][0], "subject"))
				if want > 0 && !usedPerson[person[k]] && !alike(bg, chosen) {
					usedPerson[person[k]] = true
					chosen = append(chosen, bg)
					out = append(out, k)
					want--
					continue
				}
				kept = append(kept, k)
			}
			*pool = kept
		}
		return out
	}
	counts := append([]int{o.Main}, o.Others...)
	if len(counts) > len(serialPeople) {
		return fmt.Errorf("at most %d serial residents", len(serialPeople))
	}
	start := time.Date(o.Year, 1, 1, 8, 0, 0, 0, time.FixedZone("CST", 8*3600))
	for i, n := range counts {
		p := serialPeople[i]
		id := p.id[:17] + idCheck(p.id[:17])
		pid := fmt.Sprintf("%s%d", SerialPrefix, i+1)
		for _, k := range take(n, i == 0) {
			ms := byMatter[k]
			first := parseTime(str(ms[0], "received_at"))
			for _, m := range ms {
				if t := parseTime(str(m, "received_at")); t.Before(first) {
					first = t
				}
			}
			// The matter's first intake lands on a random working hour of
			// the year; its duplicates and repeats keep their distances.
			base := start.Add(time.Duration(rng.IntN(365*24*60)) * time.Minute)
			for _, m := range ms {
				at := base.Add(parseTime(str(m, "received_at")).Sub(first))
				m["received_at"] = at.Format(time.RFC3339)
				per := map[string]any{"name": p.name, "id_number": "", "phone": p.phone}
				ch := str(m, "channel")
				if ch == "window" || ch == "video" {
					per["id_number"] = id
				}
				if rng.Float64() < o.NoPhone {
					per["phone"] = ""
				}
				if ch == "hotline" {
					per["phone"] = p.phone // the caller's own number
					if rng.Float64() < o.Sound {
						per["name"] = p.sound
					}
				}
				m["person"] = per
				truth(m)["person"] = pid
			}
		}
	}
	sort.SliceStable(recs, func(i, j int) bool {
		return parseTime(str(recs[i], "received_at")).Before(parseTime(str(recs[j], "received_at")))
	})
	bw := bufio.NewWriter(w)
	enc := json.NewEncoder(bw)
	enc.SetEscapeHTML(false)
	for _, m := range recs {
		if err := enc.Encode(m); err != nil {
			return err
		}
	}
	return bw.Flush()
}

// bigrams are a subject's character pairs after its opening.
func bigrams(subj string) map[string]bool {
	for _, p := range append(cityOpenings, openings...) {
		if strings.HasPrefix(subj, p) {
			subj = subj[len(p):]
			break
		}
	}
	rs := []rune(subj)
	out := map[string]bool{}
	for i := 0; i+1 < len(rs); i++ {
		out[string(rs[i:i+2])] = true
	}
	return out
}

// alike says whether a subject says much the same as one already chosen:
// different people raising one thing (two posts about bus 808) would be one
// matter if one resident raised both, so the truth would be wrong.
func alike(a map[string]bool, chosen []map[string]bool) bool {
	for _, b := range chosen {
		n := 0
		for g := range a {
			if b[g] {
				n++
			}
		}
		if m := min(len(a), len(b)); m > 0 && float64(n) >= 0.4*float64(m) {
			return true
		}
	}
	return false
}

func parseTime(s string) time.Time {
	t, _ := time.Parse(time.RFC3339, s)
	return t
}

// idCheck is the GB 11643 check character of an ID number's first 17 digits.
func idCheck(s string) string {
	w := []int{7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2}
	sum := 0
	for i := range 17 {
		sum += int(s[i]-'0') * w[i]
	}
	return string("10X98765432"[sum%11])
}

// SerialResult is how the detector did on one set of serial petitioners.
type SerialResult struct {
	People, Intakes, Matters int
	Apart                    int // matters whose intakes share no case with another of the person's matters
	TruePairs, PredPairs     int
	Right                    int
	Precision, Recall, F1    float64
}

// ScoreSerial scores the pairs within each selected person's intakes only,
// and counts the matters kept apart from that person's other matters.
func ScoreSerial(truth []Truth, pred []Case, sel func(person string) bool) SerialResult {
	comp := components(pred)
	var r SerialResult
	people := map[string]bool{}
	matters := map[string]map[string]bool{} // matter → components holding it
	compMatters := map[string]map[string]bool{}
	predSize, trueSize, cell := map[string]int{}, map[string]int{}, map[[2]string]int{}
	for _, t := range truth {
		if !sel(t.Person) {
			continue
		}
		r.Intakes++
		people[t.Person] = true
		c := comp(t.Ref)
		if matters[t.Matter] == nil {
			matters[t.Matter] = map[string]bool{}
		}
		matters[t.Matter][c] = true
		if compMatters[c] == nil {
			compMatters[c] = map[string]bool{}
		}
		compMatters[c][t.Matter] = true
		predSize[c]++
		trueSize[t.Matter]++
		cell[[2]string{c, t.Matter}]++
	}
	r.People, r.Matters = len(people), len(matters)
	for _, cs := range matters {
		apart := true
		for c := range cs {
			if len(compMatters[c]) > 1 {
				apart = false
			}
		}
		if apart {
			r.Apart++
		}
	}
	for _, n := range predSize {
		r.PredPairs += c2(n)
	}
	for _, n := range trueSize {
		r.TruePairs += c2(n)
	}
	for _, n := range cell {
		r.Right += c2(n)
	}
	r.Precision, r.Recall, r.F1 = prf(r.Right, r.PredPairs, r.TruePairs)
	return r
}

// Report writes one line for the set.
func (r SerialResult) Report(w io.Writer, name string) {
	share := 0.0
	if r.Matters > 0 {
		share = float64(r.Apart) / float64(r.Matters)
	}
	fmt.Fprintf(w, "%s: %d people, %d intakes, %d matters, kept apart %d (%.1f%%), pairs truth %d predicted %d correct %d, precision %.4f recall %.4f F1 %.4f\n",
		name, r.People, r.Intakes, r.Matters, r.Apart, 100*share, r.TruePairs, r.PredPairs, r.Right, r.Precision, r.Recall, r.F1)
}
