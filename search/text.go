// Package search finds the earlier intakes a new one may repeat: the index
// contract with its two engines (embedded, Meilisearch), text normalisation,
// and the detector that scores and explains candidate pairs.
package search

import (
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Call-taker and letter formulas (来电人反映：, 市民来电称, 群众反映,
// 尊敬的领导您好). They say nothing about the matter; where few hotline
// texts are indexed their grams even look rare, and queries built from them
// defeat every engine (DESIGN.md).
var (
	boilerWho  = []string{"市民来电", "群众来电", "市民来访", "群众来访", "来电人", "来访人", "来信人", "信访人", "来电", "来访", "市民", "群众", "网民", "网友"}
	boilerVerb = []string{"反映", "称", "表示", "投诉", "咨询", "诉称", "求助", "说"}
	boilerMisc = []string{"尊敬的各位领导", "尊敬的领导", "尊敬的相关部门", "尊敬的书记", "尊敬的市长",
		"领导您好", "领导你好", "书记您好", "书记你好", "市长您好", "市长你好", "您好", "你好"}
	// boilerSet holds every formula, keyed by its first rune so that most
	// positions of a text are ruled out with one lookup.
	boilerSet = func() map[rune][]string {
		m := map[rune][]string{}
		add := func(p string) {
			r := []rune(p)[0]
			m[r] = append(m[r], p)
		}
		for _, w := range boilerWho {
			for _, v := range boilerVerb {
				add(w + v)
			}
		}
		for _, p := range boilerMisc {
			add(p)
		}
		for r, ps := range m { // longest first
			slices.SortFunc(ps, func(a, b string) int { return len(b) - len(a) })
			m[r] = ps
		}
		return m
	}()
)

// StripBoilerplate replaces those formulas, wherever they occur, and the
// colon or comma after them, with a space.
func StripBoilerplate(s string) string {
	var b []byte
	last := 0
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		ps, ok := boilerSet[r]
		if !ok {
			i += size
			continue
		}
		n := 0
		for _, p := range ps {
			if strings.HasPrefix(s[i:], p) {
				n = len(p)
				break
			}
		}
		if n == 0 {
			i += size
			continue
		}
		if b == nil {
			b = make([]byte, 0, len(s))
		}
		b = append(append(b, s[last:i]...), ' ')
		i += n
		if r, size := utf8.DecodeRuneInString(s[i:]); strings.ContainsRune("：:，,!！", r) {
			i += size
		}
		last = i
	}
	if b == nil {
		return s
	}
	return string(append(b, s[last:]...))
}

// normRune maps r to its canonical form: full-width ASCII to half-width,
// letters lower-cased. It returns -1 for separators (punctuation, symbols,
// white space, control characters and invalid bytes), which break grams.
func normRune(r rune) rune {
	if r >= 0xFF01 && r <= 0xFF5E { // full-width ASCII block
		r -= 0xFEE0
	}
	if r < 0x80 {
		switch {
		case r >= 'a' && r <= 'z', r >= '0' && r <= '9':
			return r
		case r >= 'A' && r <= 'Z':
			return r + ('a' - 'A')
		}
		return -1
	}
	if r != unicode.ReplacementChar && (unicode.IsLetter(r) || unicode.IsDigit(r)) {
		return unicode.ToLower(r)
	}
	return -1
}

// Normalize strips boilerplate and folds text as the grams see it, with
// each run of separators collapsed to one space.
func Normalize(s string) string {
	s = StripBoilerplate(s)
	out := make([]rune, 0, len(s)/2)
	sep := true
	for _, r := range s {
		n := normRune(r)
		if n < 0 {
			if !sep {
				out = append(out, ' ')
				sep = true
			}
			continue
		}
		out = append(out, n)
		sep = false
	}
	if len(out) > 0 && out[len(out)-1] == ' ' {
		out = out[:len(out)-1]
	}
	return string(out)
}

// A gram key packs up to two runes (21 bits each) and the gram length (top
// two bits), so building keys allocates no strings.
func key1(a rune) uint64    { return 1<<62 | uint64(a) }
func key2(a, b rune) uint64 { return 2<<62 | uint64(a)<<21 | uint64(b) }

// GramString renders a gram key, for explanations and debugging.
func GramString(k uint64) string {
	if k>>62 == 1 {
		return string(rune(k & 0x1FFFFF))
	}
	return string([]rune{rune(k >> 21 & 0x1FFFFF), rune(k & 0x1FFFFF)})
}

// GramKeys appends to dst the sorted, unique character bigrams of s after
// boilerplate is stripped. Grams never span a separator; a one-character
// segment is kept as a unigram. Frequent grams are kept: weighing them is
// the reader's job (IDF), dropping them loses the district and number grams
// that tell near-duplicates apart.
func GramKeys(s string, dst []uint64) []uint64 {
	start := len(dst)
	var prev rune = -1
	seg := 0
	for _, r := range StripBoilerplate(s) {
		n := normRune(r)
		if n < 0 {
			if seg == 1 {
				dst = append(dst, key1(prev))
			}
			prev, seg = -1, 0
			continue
		}
		if prev >= 0 {
			dst = append(dst, key2(prev, n))
		}
		prev = n
		seg++
	}
	if seg == 1 {
		dst = append(dst, key1(prev))
	}
	return append(dst[:start], sortUniq(dst[start:])...)
}

// sortUniq sorts keys and removes duplicates in place.
func sortUniq(a []uint64) []uint64 {
	if len(a) < 2 {
		return a
	}
	slices.Sort(a)
	j := 1
	for i := 1; i < len(a); i++ {
		if a[i] != a[j-1] {
			a[j] = a[i]
			j++
		}
	}
	return a[:j]
}
