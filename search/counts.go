package search

import (
	"context"
	"sync"
)

// Counts keeps bigram document frequencies for engines that do not expose
// their own (Meilisearch). Intake texts never change, so each intake is
// counted once, the first time it is seen.
type Counts struct {
	mu   sync.RWMutex
	df   map[uint64]uint32
	seen map[int64]struct{}
}

// NewCounts returns empty counts.
func NewCounts() *Counts {
	return &Counts{df: map[uint64]uint32{}, seen: map[int64]struct{}{}}
}

var _ GramStats = (*Counts)(nil)

// Add counts the documents not seen before.
func (c *Counts) Add(docs ...Doc) {
	var buf []uint64
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, d := range docs {
		if _, ok := c.seen[d.ID]; ok {
			continue
		}
		c.seen[d.ID] = struct{}{}
		buf = GramKeys(d.Subject+"\n"+d.Content, buf[:0])
		for _, k := range buf {
			c.df[k]++
		}
	}
}

// DocFreq implements GramStats.
func (c *Counts) DocFreq(key uint64) int {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return int(c.df[key])
}

// DocCount implements GramStats.
func (c *Counts) DocCount() int {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return len(c.seen)
}

// Load counts every intake in the feed (at start-up).
func (c *Counts) Load(ctx context.Context, feed Feed) error {
	var after Doc
	for {
		docs, err := feed.AllDocs(ctx, after, 5000)
		if err != nil || len(docs) == 0 {
			return err
		}
		c.Add(docs...)
		after = docs[len(docs)-1]
	}
}

// Counted wraps an index so that what it stores is also counted.
type Counted struct {
	Index
	Counts *Counts
}

// Upsert implements Index.
func (c Counted) Upsert(ctx context.Context, docs ...Doc) error {
	if err := c.Index.Upsert(ctx, docs...); err != nil {
		return err
	}
	c.Counts.Add(docs...)
	return nil
}
