package search

import (
	"slices"
	"sync"
)

// Registering one intake asks for the grams of the same texts several
// times: the index query, the detector's profile of the intake, the index
// upsert, and later, while the case is young, its profile as a candidate of
// other intakes. The cache keeps the grams of recently seen texts; an
// importer also fills it ahead of registration, on another core.
//
// Two generations approximate LRU at the cost of two maps: when the young
// one is full the old one is dropped, and a hit in the old one is promoted.
type gramCache struct {
	mu         sync.Mutex
	young, old map[string][]uint64
	size       int // grams (8 bytes each; a text has about as many as characters) per generation
	held       int // grams in young
}

// gramCacheSize bounds each generation to 8 MB of grams: the texts of a
// few thousand intakes, and at most some 25 MB with the texts themselves.
const gramCacheSize = 1 << 20

var gramMemo = &gramCache{young: map[string][]uint64{}, size: gramCacheSize}

// CachedGramKeys returns GramKeys(s, nil) from the cache, computing and
// remembering it on a miss. The result is shared: callers must not modify
// it.
func CachedGramKeys(s string) []uint64 {
	return gramMemo.keys(s)
}

// PeekGramKeys returns the cached grams of s, or computes them without
// caching: for bulk indexing (a rebuild), whose texts are seen once.
func PeekGramKeys(s string) []uint64 {
	gramMemo.mu.Lock()
	k, ok := gramMemo.lookupLocked(s)
	gramMemo.mu.Unlock()
	if ok {
		return k
	}
	return GramKeys(s, nil)
}

// WarmGrams computes and caches the grams of texts about to be registered.
func WarmGrams(texts ...string) {
	for _, s := range texts {
		gramMemo.keys(s)
	}
}

func (c *gramCache) keys(s string) []uint64 {
	if s == "" {
		return nil
	}
	c.mu.Lock()
	if k, ok := c.lookupLocked(s); ok {
		c.putLocked(s, k) // promotes an old hit; a young one stays as it is
		c.mu.Unlock()
		return k
	}
	c.mu.Unlock()
	// Outside the lock: the expensive part. The clone drops the spare
	// capacity of the working slice (it held the grams before dedup).
	k := slices.Clone(GramKeys(s, nil))
	c.mu.Lock()
	c.putLocked(s, k)
	c.mu.Unlock()
	return k
}

func (c *gramCache) lookupLocked(s string) ([]uint64, bool) {
	if k, ok := c.young[s]; ok {
		return k, true
	}
	k, ok := c.old[s]
	return k, ok
}

func (c *gramCache) putLocked(s string, k []uint64) {
	if _, ok := c.young[s]; ok {
		return
	}
	if c.held+len(k)+1 > c.size {
		c.old, c.young, c.held = c.young, map[string][]uint64{}, 0
	}
	c.young[s] = k
	c.held += len(k) + 1 // +1: an empty text still takes an entry
}

// ResetGramCache empties the cache: benchmarks time each query from
// scratch, not from the grams an earlier run of it left behind.
func ResetGramCache() {
	gramMemo.mu.Lock()
	gramMemo.young, gramMemo.old, gramMemo.held = map[string][]uint64{}, nil, 0
	gramMemo.mu.Unlock()
}
