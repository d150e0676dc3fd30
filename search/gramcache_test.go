package search

import (
	"fmt"
	"slices"
	"testing"
)

func TestGramCache(t *testing.T) {
	texts := make([]string, 10)
	for i := range texts {
		texts[i] = fmt.Sprintf("第%d号楼漏水，物业不予维修", i)
	}
	// Room for four of these texts per generation.
	per := len(GramKeys(texts[0], nil)) + 1
	c := &gramCache{young: map[string][]uint64{}, size: 4 * per}
	for _, s := range texts {
		if got, want := c.keys(s), GramKeys(s, nil); !slices.Equal(got, want) {
			t.Fatalf("keys(%q) = %v, want %v", s, got, want)
		}
	}
	// Ten texts through generations of four: at most 8 are held, the first
	// ones are gone.
	if n := len(c.young) + len(c.old); n > 8 {
		t.Fatalf("cache holds %d texts, want at most 8", n)
	}
	if _, ok := c.young[texts[0]]; ok {
		t.Fatalf("oldest text still cached")
	}
	// A hit in the old generation is promoted to the young one.
	var old string
	for s := range c.old {
		old = s
		break
	}
	if old == "" {
		t.Fatal("no old generation")
	}
	c.keys(old)
	if _, ok := c.young[old]; !ok {
		t.Fatalf("old hit %q not promoted", old)
	}
	// The same text returns the same shared slice (no recomputation).
	a, b := c.keys(old), c.keys(old)
	if &a[0] != &b[0] {
		t.Fatal("cached keys recomputed")
	}
	if c.keys("") != nil {
		t.Fatal("empty text has grams")
	}
}

func TestPeekGramKeysDoesNotFill(t *testing.T) {
	ResetGramCache()
	s := "渣土车夜间施工噪音扰民"
	if got, want := PeekGramKeys(s), GramKeys(s, nil); !slices.Equal(got, want) {
		t.Fatalf("PeekGramKeys = %v, want %v", got, want)
	}
	if _, ok := gramMemo.young[s]; ok {
		t.Fatal("PeekGramKeys filled the cache")
	}
	a := CachedGramKeys(s)
	if b := PeekGramKeys(s); &a[0] != &b[0] {
		t.Fatal("PeekGramKeys missed a cached text")
	}
	ResetGramCache()
}
