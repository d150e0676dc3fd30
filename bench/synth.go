package bench

import (
	"fmt"
	"math/rand/v2"
	"regexp"
	"slices"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/jiefen/jiefen/kernel"
)

// Synth generates padding intakes that read like the real ones without
// repeating any of the queried matters: each subject is spliced from two
// real subjects, each body is made of runs of 1–3 consecutive clauses from
// different real posts, at a length drawn from the real lengths, with place
// names, district codes and numbers swapped. Every padding intake comes
// from a fresh synthetic person (name, valid ID number, mobile number).
//
// Posts of queried matters are kept out of the clause pool: a first
// generator that drew from every post copied each target sentence into
// hundreds of padding intakes at 1 M, and recall then measured the padding,
// not the engine. A HardFrac share of padding intakes holds one run of 1–2
// clauses from such a post, as a hard negative.
//
// Record(i) depends only on the seed and i, so a smaller corpus is a prefix
// of a larger one.
type Synth struct {
	HardFrac    float64 // share of hard negatives (default 0.02)
	HotlineFrac float64 // share of hotline-style intakes (default 0.32, as in the DEV file)

	seed      uint64
	posts     []post // posts of matters never queried
	hard      []post // posts of queried matters
	wechatLen []int
	hotLen    []int
	cores     []string    // two-character cores of place names
	times     []time.Time // real received_at values, to draw from
	people    *People
}

type post struct {
	subject string
	clauses []string
}

var (
	clauseRe  = regexp.MustCompile(`[^。！？；，,.!?;\n]+[。！？；，,.!?;\n]*`)
	placeRe   = regexp.MustCompile(`(\p{Han}{2})(镇|乡|村|街道|社区|小区|路|大道|组|街|花园|公寓)`)
	codeRe    = regexp.MustCompile(`[A-Z][0-9]{0,2}(市|区|县)`) // what codeAt finds; the tests check they agree
	numRe     = regexp.MustCompile(`[0-9]+`)
	prefixRe  = regexp.MustCompile(`^(市民来电反映|来电人表示|市民来电称|群众来电反映|来电人反映|来电人称|来电反映|群众反映)[：:，,]?`)
	boilerTop = []string{"市民来电反映：", "来电人表示，", "市民来电称，", "群众来电反映：", "来电人反映：", "来电人称：", "来电反映：", "群众反映："}
)

// NewSynth builds a generator from the development intakes; queried names
// the matters whose posts must not be recombined (see QueriedMatters).
func NewSynth(all []DevIntake, queried map[string]bool, seed uint64) (*Synth, error) {
	s := &Synth{seed: seed, HardFrac: 0.02, HotlineFrac: 0.32, people: NewPeople(all)}
	coreSet := map[string]bool{}
	for i := range all {
		d := &all[i]
		c := prefixRe.ReplaceAllString(d.Content, "")
		p := post{subject: d.Subject, clauses: clauseRe.FindAllString(c, -1)}
		if queried[d.Truth.Matter] {
			s.hard = append(s.hard, p)
		} else {
			s.posts = append(s.posts, p)
		}
		n := utf8.RuneCountInString(c)
		switch d.Channel {
		case "wechat":
			s.wechatLen = append(s.wechatLen, n)
		case "hotline":
			s.hotLen = append(s.hotLen, n)
		}
		for _, m := range placeRe.FindAllStringSubmatch(d.Subject+"\n"+d.Content, -1) {
			coreSet[m[1]] = true
		}
		if !d.ReceivedAt.IsZero() {
			s.times = append(s.times, d.ReceivedAt)
		}
	}
	if len(s.posts) == 0 {
		return nil, fmt.Errorf("every matter is queried: no posts left to recombine")
	}
	if len(s.wechatLen) == 0 {
		s.wechatLen = []int{200}
	}
	if len(s.hotLen) == 0 {
		s.hotLen = []int{80}
	}
	if len(s.times) == 0 {
		s.times = []time.Time{time.Date(2019, 6, 1, 0, 0, 0, 0, time.UTC)}
	}
	for c := range coreSet {
		s.cores = append(s.cores, c)
	}
	slices.Sort(s.cores)
	if len(s.cores) == 0 {
		s.cores = []string{"新华", "和平", "幸福"}
	}
	return s, nil
}

// Record returns padding intake i.
func (s *Synth) Record(i int) Record {
	r := rand.New(rand.NewPCG(s.seed, uint64(i)))
	hard := len(s.hard) > 0 && r.Float64() < s.HardFrac
	subj := s.subject(r)
	// The channel mix of the DEV intakes: wechat .47, hotline .32, window
	// .16, video .05 (hotline adjustable, the others keep their ratio).
	x := r.Float64()
	var channel, content string
	switch {
	case x < 0.47:
		channel = "wechat"
		content = s.body(r, s.wechatLen[r.IntN(len(s.wechatLen))], hard)
	case x < 0.47+s.HotlineFrac:
		channel = "hotline"
		content = boilerTop[r.IntN(len(boilerTop))] + s.body(r, s.hotLen[r.IntN(len(s.hotLen))], hard)
	case x < 0.47+s.HotlineFrac+(1-0.47-s.HotlineFrac)*0.16/0.21:
		channel = "window"
		content = truncRunes(s.body(r, s.wechatLen[r.IntN(len(s.wechatLen))], hard), 200)
	default:
		channel = "video"
	}
	// Received around a real intake's time (±15 days), so that the
	// detector's time window sees the padding as dense as the real data.
	at := s.times[r.IntN(len(s.times))].Add(time.Duration(r.Int64N(int64(30*24*time.Hour))) - 15*24*time.Hour)
	addr := ""
	if m := firstAt(subj+"\n"+content, placeAt); m != "" && r.Float64() < 0.9 {
		addr = m
	}
	return Record{
		Ref: fmt.Sprintf("S%08d", i), Channel: channel, ReceivedAt: at.UTC(),
		Person: s.people.New(r, channel), Subject: subj, Content: content, Address: addr,
	}
}

func (s *Synth) subject(r *rand.Rand) string {
	a := []rune(s.posts[r.IntN(len(s.posts))].subject)
	b := []rune(s.posts[r.IntN(len(s.posts))].subject)
	ca := len(a) * (40 + r.IntN(21)) / 100
	cb := len(b) * (40 + r.IntN(21)) / 100
	return s.swap(r, string(a[:ca])+string(b[cb:]))
}

// body concatenates runs of 1–3 consecutive clauses from distinct posts
// until the target length is reached.
func (s *Synth) body(r *rand.Rand, target int, hard bool) string {
	target = max(target, 10)
	var b strings.Builder
	n := 0
	hardAt := -1
	if hard {
		hardAt = r.IntN(3)
	}
	for k, empty := 0, 0; (n < target || k <= hardAt) && empty < 1000; k++ {
		p := s.posts[r.IntN(len(s.posts))]
		run := 1 + r.IntN(3)
		if k == hardAt {
			p = s.hard[r.IntN(len(s.hard))]
			run = 1 + r.IntN(2)
		}
		if len(p.clauses) == 0 {
			empty++
			continue
		}
		st := r.IntN(len(p.clauses))
		for j := st; j < st+run && j < len(p.clauses); j++ {
			b.WriteString(p.clauses[j])
			n += utf8.RuneCountInString(p.clauses[j])
		}
	}
	return s.swap(r, b.String())
}

// swap replaces most place-name cores, half the district codes and most
// numbers, so that recombined clauses do not keep their original places.
// It scans by hand what placeRe, codeRe and numRe match: the regular
// expressions made generating a million intakes take minutes.
func (s *Synth) swap(r *rand.Rand, t string) string {
	t = replaceAt(t, placeAt, func(m string) string {
		if r.Float64() < 0.2 {
			return m
		}
		_, n1 := utf8.DecodeRuneInString(m)
		_, n2 := utf8.DecodeRuneInString(m[n1:])
		return s.cores[r.IntN(len(s.cores))] + m[n1+n2:]
	})
	t = replaceAt(t, codeAt, func(m string) string {
		if r.Float64() < 0.5 {
			return m
		}
		suf := m[len(m)-len("市"):]
		code := string(rune('A' + r.IntN(14)))
		if suf != "市" {
			code += string(rune('1' + r.IntN(9)))
		}
		return code + suf
	})
	return replaceAt(t, numAt, func(m string) string {
		if r.Float64() < 0.3 {
			return m
		}
		b := []byte(m)
		for i := range b {
			b[i] = byte('0' + r.IntN(10))
		}
		return string(b)
	})
}

var placeSuffixes = []string{"镇", "乡", "村", "街道", "社区", "小区", "路", "大道", "组", "街", "花园", "公寓"}

// placeAt returns the length of the place name (placeRe: two Han
// characters and a suffix, the first suffix that fits) at the start of s,
// or 0.
func placeAt(s string) int {
	r1, n1 := utf8.DecodeRuneInString(s)
	if r1 < 0x2E80 || !unicode.Is(unicode.Han, r1) {
		return 0
	}
	r2, n2 := utf8.DecodeRuneInString(s[n1:])
	if r2 < 0x2E80 || !unicode.Is(unicode.Han, r2) {
		return 0
	}
	rest := s[n1+n2:]
	for _, suf := range placeSuffixes {
		if strings.HasPrefix(rest, suf) {
			return n1 + n2 + len(suf)
		}
	}
	return 0
}

// codeAt is placeAt for district codes (codeRe: A市, A7县, B12区).
func codeAt(s string) int {
	if s == "" || s[0] < 'A' || s[0] > 'Z' {
		return 0
	}
	d := 1
	for d < len(s) && d <= 3 && s[d] >= '0' && s[d] <= '9' {
		d++
	}
	if d > 3 {
		return 0 // three digits: codeRe matches none of the shorter prefixes either
	}
	for _, suf := range []string{"市", "区", "县"} {
		if strings.HasPrefix(s[d:], suf) {
			return d + len(suf)
		}
	}
	return 0
}

// numAt is placeAt for runs of ASCII digits (numRe).
func numAt(s string) int {
	n := 0
	for n < len(s) && s[n] >= '0' && s[n] <= '9' {
		n++
	}
	return n
}

// replaceAt replaces, left to right, each non-overlapping match that at
// (the length of a match at the start of its argument, or 0) finds with
// what fn returns for it.
func replaceAt(s string, at func(string) int, fn func(string) string) string {
	var b strings.Builder
	last := 0
	for i := 0; i < len(s); {
		if n := at(s[i:]); n > 0 {
			if last == 0 && b.Len() == 0 {
				b.Grow(len(s) + 16)
			}
			b.WriteString(s[last:i])
			b.WriteString(fn(s[i : i+n]))
			i += n
			last = i
			continue
		}
		_, size := utf8.DecodeRuneInString(s[i:])
		i += size
	}
	if last == 0 {
		return s
	}
	b.WriteString(s[last:])
	return b.String()
}

// firstAt returns the first match of at in s, or "".
func firstAt(s string, at func(string) int) string {
	for i := 0; i < len(s); {
		if n := at(s[i:]); n > 0 {
			return s[i : i+n]
		}
		_, size := utf8.DecodeRuneInString(s[i:])
		i += size
	}
	return ""
}

func truncRunes(s string, n int) string {
	i := 0
	for j := range s {
		if i == n {
			return s[:j]
		}
		i++
	}
	return s
}

// People makes fresh synthetic persons: names recombined from the
// development file's surnames and given-name characters, valid 18-digit
// resident ID numbers (county prefixes as in the file, a real birth date,
// the GB 11643 check character) and mobile numbers.
type People struct {
	surnames []string // with repetition: drawn as often as they occur
	given    []string // given-name characters, with repetition
	counties []string // six-digit prefixes of ID numbers
}

// NewPeople learns name parts and ID prefixes from the development intakes.
func NewPeople(all []DevIntake) *People {
	p := &People{}
	seen := map[string]bool{}
	for i := range all {
		per := all[i].Person
		if id := per.IDNumber; len(id) == 18 && !seen[id[:6]] {
			seen[id[:6]] = true
			p.counties = append(p.counties, id[:6])
		}
		rs := []rune(per.Name)
		if len(rs) < 2 || len(rs) > 4 {
			continue
		}
		p.surnames = append(p.surnames, string(rs[0]))
		for _, c := range rs[1:] {
			p.given = append(p.given, string(c))
		}
	}
	slices.Sort(p.counties)
	if len(p.surnames) == 0 {
		p.surnames = []string{"王", "李", "张", "刘", "陈", "杨"}
		p.given = []string{"伟", "芳", "娜", "敏", "静", "强", "磊", "军", "洋", "勇"}
	}
	if len(p.counties) == 0 {
		p.counties = []string{"610902", "610921", "610922", "610923", "610924", "610925", "610926", "610927", "610928", "610929"}
	}
	return p
}

// New returns a person as the channel records one: hotline callers leave a
// phone number; WeChat users a phone most of the time; the window and
// video channels see the ID card.
func (p *People) New(r *rand.Rand, channel string) Person {
	name := p.surnames[r.IntN(len(p.surnames))] + p.given[r.IntN(len(p.given))]
	if r.Float64() < 0.6 {
		name += p.given[r.IntN(len(p.given))]
	}
	per := Person{Name: name}
	switch channel {
	case "hotline":
		per.Phone = Mobile(r)
	case "wechat":
		if r.Float64() < 0.7 {
			per.Phone = Mobile(r)
		}
	case "window":
		per.Phone = Mobile(r)
		if r.Float64() < 0.88 {
			per.IDNumber = IDNumber(r, p.counties[r.IntN(len(p.counties))])
		}
	default:
		per.Phone = Mobile(r)
		per.IDNumber = IDNumber(r, p.counties[r.IntN(len(p.counties))])
	}
	return per
}

// IDNumber returns a valid resident ID number in the county (six digits),
// born between 1940 and 2004.
func IDNumber(r *rand.Rand, county string) string {
	birth := time.Date(1940, 1, 1, 0, 0, 0, 0, time.UTC).AddDate(0, 0, r.IntN(65*365))
	first := fmt.Sprintf("%s%s%03d", county, birth.Format("20060102"), r.IntN(1000))
	return first + string(kernel.IDCheckChar(first))
}

// Mobile returns a mainland mobile number.
func Mobile(r *rand.Rand) string {
	return fmt.Sprintf("1%d%09d", 3+r.IntN(7), r.IntN(1_000_000_000))
}
