package search

import (
	"context"
	"time"
)

// Doc is one intake as an index holds it.
type Doc struct {
	ID         int64 // intake id
	CaseID     int64
	Region     string // padded region code of the case
	ReceivedAt time.Time
	Status     string // the case's status
	Subject    string
	Content    string
}

// Filter restricts a query. The zero Filter matches everything.
type Filter struct {
	RegionPrefix string    // region code prefix ("6109" = 安康市)
	From, To     time.Time // ReceivedAt window; zero = unbounded
	Statuses     []string  // case statuses; empty = any
	ExcludeCase  int64     // leave this case's intakes out
}

// Query is a similarity query.
type Query struct {
	Text   string // the intake's subject and content (raw; engines normalise)
	Filter Filter
	Limit  int
}

// Hit is one result, best first.
type Hit struct {
	ID     int64
	CaseID int64
	Score  float64
}

// Index is the contract both engines satisfy (and the shared contract test
// suite checks): documents are upserted by id, and queries return the most
// similar documents that pass the filter.
type Index interface {
	Upsert(ctx context.Context, docs ...Doc) error
	Delete(ctx context.Context, ids ...int64) error
	Search(ctx context.Context, q Query) ([]Hit, error)
	Close() error
}

// GramStats gives bigram document frequencies, from which the detector
// weighs shared grams (IDF): frequent grams count little but still count.
type GramStats interface {
	DocFreq(key uint64) int // documents holding the gram (see GramKeys)
	DocCount() int
}

// TextOverlap is optionally offered by engines that keep each document's
// grams: the detector's text comparison computed where the grams are.
type TextOverlap interface {
	// TextOverlap returns, per document, the summed query weight qw of the
	// grams it shares with keys, its own total weight under w, and whether
	// it is indexed at all.
	TextOverlap(keys []uint64, qw []float64, ids []int64, w func(df uint32) float64) (shared, total []float64, found []bool)
}
