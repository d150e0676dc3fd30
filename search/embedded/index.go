// Package embedded is the default search engine: an in-process similarity
// index for short Chinese texts (petition/mediation intakes), persisted under
// the data directory. It indexes character n-grams (bigrams
// by default) of the normalised text in compact inverted lists and ranks
// documents by IDF-weighted overlap: shared weight / min(query weight,
// document weight), so that a retelling contained in a full post, or a
// subject-only intake contained in the query, both score 1.
//
// Layout:
//   - a dictionary gram-key → term id, and a live document frequency per term;
//   - per document: external id, attributes, weight, and its forward list
//     (sorted unique term ids, delta+varint coded) in a chunked byte arena;
//   - postings: an immutable "base" (all lists delta+varint coded in one byte
//     slice) plus a small per-term "tail" of plain []uint32 for documents added
//     since the last merge. Internal doc ids only grow, so appends keep lists
//     sorted. An upsert gets a new internal id and tombstones the old one;
//     Merge folds tails into the base (a memory copy), Compact also drops
//     tombstones and renumbers.
//
// Search: the query's unique grams are looked up and sorted by rarity; only
// the rarest ones (bounded by MaxTerms and PostingBudget) are scanned
// term-at-a-time, blocked by doc id so the float32 accumulator (65 536 docs)
// stays in L2. The best Rerank candidates are then rescored exactly with all
// query grams (including frequent ones such as A市 / 3区 that distinguish
// near-duplicates) through their forward lists.
//
// Concurrency: any number of concurrent Search calls; writes (Upsert, Delete,
// Merge, Compact, Snapshot) are serialised. Merges build the new base without
// blocking readers and swap it in under a short exclusive lock.
package embedded

import (
	"encoding/binary"
	"math"
	"slices"
	"sync"

	"github.com/jiefen/jiefen/search"
)

// Attrs are per-document attributes usable in filters.
type Attrs struct {
	Region uint64 // region code as a 15-digit number (see regionNumber)
	Time   int64  // unix seconds of receipt
	Case   uint64 // the case the intake belongs to
	Status uint8  // the case's status, as a small number
}

// attrsSize is the encoded size of Attrs in the WAL and snapshots.
const attrsSize = 8 + 8 + 8 + 1

func appendAttrs(b []byte, a Attrs) []byte {
	b = binary.LittleEndian.AppendUint64(b, a.Region)
	b = binary.LittleEndian.AppendUint64(b, uint64(a.Time))
	b = binary.LittleEndian.AppendUint64(b, a.Case)
	return append(b, a.Status)
}

func readAttrs(p []byte) Attrs {
	return Attrs{Region: binary.LittleEndian.Uint64(p), Time: int64(binary.LittleEndian.Uint64(p[8:])),
		Case: binary.LittleEndian.Uint64(p[16:]), Status: p[24]}
}

// Filter restricts results. The zero Filter matches every document.
type Filter struct {
	RegionLo, RegionHi uint64   // if RegionHi != 0: RegionLo <= Attrs.Region <= RegionHi
	From, To           int64    // if non-zero, From <= Attrs.Time (resp. Attrs.Time <= To)
	Statuses           uint32   // if non-zero, bit Attrs.Status must be set
	ExcludeCase        uint64   // if non-zero, leave out this case's documents
	Exclude            []uint64 // document ids to leave out (e.g. the query's own id)
}

func (f *Filter) empty() bool {
	return f.RegionHi == 0 && f.From == 0 && f.To == 0 && f.Statuses == 0 && f.ExcludeCase == 0 && len(f.Exclude) == 0
}

// Hit is one search result.
type Hit struct {
	ID    uint64
	Case  uint64  // Attrs.Case of the document
	Score float32 // ranking score (see Scoring); exact when reranked
}

// SearchOptions are the query-time knobs.
type SearchOptions struct {
	// MaxTerms bounds how many of the query's rarest grams are scanned for
	// candidate generation (0 = all).
	MaxTerms int
	// PostingBudget stops adding grams to candidate generation once the
	// summed document frequency would exceed it (0 = unlimited). At least one
	// gram is always scanned.
	PostingBudget int
	// Rerank rescoring: the best Rerank candidates (by the partial score) are
	// rescored with all query grams via their forward lists (0 = off).
	Rerank int
	// Score selects the ranking function; S = sum idf of shared grams,
	// Q = sum idf of the query's grams, D = sum idf of the document's grams.
	Score Scoring
	// K1, B (Containment only): length normalisation with binary term
	// frequency, as in BM25: S/Q * (K1+1)/(1+K1*(1-B+B*len/avglen)). B = 0 disables.
	K1, B float32
	// Floor (Overlap only): the denominator is at least Floor*Q, so tiny
	// documents sharing a few grams don't score high.
	Floor float32
}

// Scoring is a ranking function.
type Scoring uint8

const (
	// Overlap = S / max(min(Q, D), Floor*Q): 1 when either text contains the
	// other (hotline retelling ⊂ full post, subject-only video intake ⊂ query).
	Overlap Scoring = iota
	// Containment = S / Q (times an optional length factor).
	Containment
	// Dice = 2S / (Q + D).
	Dice
	// Cosine = S / sqrt(Q*D).
	Cosine
)

// DefaultSearchOptions are the settings chosen in the prototype evaluation
// (1 M docs, one core: recall@10 0.984 full / 0.960 content-only, p99 < 4 ms).
var DefaultSearchOptions = SearchOptions{
	MaxTerms:      32,
	PostingBudget: 50_000,
	Rerank:        200,
	Score:         Overlap,
	Floor:         0.25,
}

// Options configure an Index.
type Options struct {
	// IDFPower: gram weight = idf^IDFPower (0 or 1: plain BM25-style idf).
	IDFPower float32
	Search   SearchOptions // defaults used by Search
	// Merge policy: merge tails into the base when tail postings exceed
	// max(MergeMin, min(MergeRatio*base postings, MergeMax)). Zero values
	// pick defaults. MergeMax bounds the tails' memory (a posting in a
	// tail costs 4 bytes plus the slack of growing slices, in the base
	// about 1.5): a rebuild merges more often — each merge is about a copy
	// of the base — but never holds half the postings in tails.
	MergeMin   int
	MergeRatio float64
	MergeMax   int
	// BulkGCPercent is the GOGC of the process while a bulk load (a
	// batch of UpsertBatch of 1 000 documents or more) runs; see bulkGC.
	// 0 picks the default (50: at 1 M documents the build peaks at 1.65 GB
	// instead of 2.0 GB for 1.5 s more; 25 saved no more memory and cost
	// 8 s); negative leaves the collector alone.
	BulkGCPercent int
	// SyncWAL fsyncs the write-ahead log after every write (persistent mode).
	SyncWAL bool
}

// Index is the in-memory engine. Create with New or Open.
type Index struct {
	wmu sync.Mutex   // serialises writers (Upsert, Delete, Merge, Snapshot)
	mu  sync.RWMutex // readers vs. the short mutation sections of writers

	opt Options

	// dictionary
	dict map[uint64]uint32 // gram key -> term id
	keys []uint64          // term id -> gram key
	df   []uint32          // live document frequency

	// postings
	// Base postings: term t's delta+varint list is baseList(t), in chunks
	// of about baseChunk bytes laid out in term order — a merge swaps
	// them in, and drops the old ones, a chunk at a time, instead of
	// holding two copies of the base.
	chunks    [][]byte
	baseRef   []uint64 // chunk index << refOffBits | offset in the chunk
	baseLen   []uint32 // bytes of term t's list (0: empty)
	baseLast  []uint32 // last doc id of term t's base list (0 if empty)
	baseCount int      // postings in base (including those of tombstoned docs)
	tail      [][]uint32
	tailCount int
	deadDocs  int // tombstoned doc slots (dropped by the next Compact)

	// documents (internal id = index)
	ext   []uint64
	attrs []Attrs
	dlen  []uint32  // number of unique grams
	dw    []float32 // sum of idf of the doc's grams (refreshed by Compact)
	dq    []uint8   // dw log-quantised: 1 MB at 1 M docs, stays in cache for the prefilter
	fwd   []uint64  // arena ref of the forward list
	arena arena
	live  []uint64 // bitset
	byExt map[uint64]uint32

	nLive  int
	sumLen float64

	pool sync.Pool

	// cursor is the change-feed position applied (see search.Cursor).
	cursor int64

	// Bounds of the attributes of every document slot: a filter that every
	// document passes is dropped before the search, so the common case (the
	// whole city, the last three years) costs nothing per candidate.
	regionMin, regionMax uint64
	timeMin, timeMax     int64
	bounded              bool
	// timeMax of each run of timeBlock document slots: intakes are indexed
	// roughly in the order they arrive, so a time window's start rules out
	// whole runs of old documents without looking at them one by one.
	blockTime []int64

	// persistence (nil when in-memory only)
	store *store
}

// New returns an empty in-memory index. A zero Options.Search means
// DefaultSearchOptions.
func New(opt Options) *Index {
	if opt.Search == (SearchOptions{}) {
		opt.Search = DefaultSearchOptions
	}
	if opt.MergeMin == 0 {
		opt.MergeMin = 1 << 21
	}
	if opt.MergeRatio == 0 {
		opt.MergeRatio = 0.5
	}
	if opt.MergeMax == 0 {
		opt.MergeMax = 1 << 24
	}
	if opt.BulkGCPercent == 0 {
		opt.BulkGCPercent = 50
	}
	return &Index{
		opt:   opt,
		dict:  make(map[uint64]uint32),
		byExt: make(map[uint64]uint32),
	}
}

// Len returns the number of live documents.
func (ix *Index) Len() int {
	ix.mu.RLock()
	defer ix.mu.RUnlock()
	return ix.nLive
}

// Options returns the index options.
func (ix *Index) Options() Options { return ix.opt }

func (ix *Index) isLive(d uint32) bool { return ix.live[d>>6]&(1<<(d&63)) != 0 }

// ---------------------------------------------------------------- writes

// docGrams returns the sorted unique gram keys of text: the same keys the
// detector weighs (search.GramKeys, boilerplate stripped), shared through
// the gram cache, so the result must not be modified. Queries fill the
// cache (registration then upserts the text it asked with); upserts only
// read it (search.PeekGramKeys), so that a rebuild does not flood it.
func docGrams(text string) []uint64 {
	return search.CachedGramKeys(text)
}

// Upsert inserts or replaces document id.
func (ix *Index) Upsert(id uint64, text string, a Attrs) error {
	keys := search.PeekGramKeys(text)
	ix.wmu.Lock()
	defer ix.wmu.Unlock()
	if ix.sameTerms(id, keys) {
		// Only the attributes changed: intake texts never do, their case's
		// status does. No tombstone, no postings.
		if ix.store != nil {
			if err := ix.store.logAttrs(id, a, ix.opt.SyncWAL); err != nil {
				return err
			}
		}
		ix.setAttrsLocked(id, a)
		return nil
	}
	if ix.store != nil {
		if err := ix.store.logUpsert(id, a, keys, ix.opt.SyncWAL); err != nil {
			return err
		}
	}
	ix.upsertKeys(id, a, keys)
	ix.maybeMerge()
	return nil
}

// sameTerms reports whether document id exists with exactly these grams.
// wmu held.
func (ix *Index) sameTerms(id uint64, keys []uint64) bool {
	ix.mu.RLock()
	defer ix.mu.RUnlock()
	d, ok := ix.byExt[id]
	if !ok || int(ix.dlen[d]) != len(keys) {
		return false
	}
	terms := decodeList(ix.arena.get(ix.fwd[d]), nil)
	ks := make([]uint64, len(terms))
	for i, t := range terms {
		ks[i] = ix.keys[t]
	}
	slices.Sort(ks)
	return slices.Equal(ks, keys)
}

// setAttrsLocked replaces a document's attributes. wmu held.
func (ix *Index) setAttrsLocked(id uint64, a Attrs) {
	ix.mu.Lock()
	if d, ok := ix.byExt[id]; ok {
		ix.attrs[d] = a
		ix.widen(a)
		ix.noteTime(d, a.Time)
	}
	ix.mu.Unlock()
}

// Cursor returns the change-feed position recorded with SetCursor.
func (ix *Index) Cursor() int64 {
	ix.mu.RLock()
	defer ix.mu.RUnlock()
	return ix.cursor
}

// SetCursor records the change-feed position the index has applied. It is
// logged after the documents it covers, so after a crash the index never
// claims more than it holds.
func (ix *Index) SetCursor(seq int64) error {
	ix.wmu.Lock()
	defer ix.wmu.Unlock()
	if ix.store != nil {
		if err := ix.store.logCursor(seq, ix.opt.SyncWAL); err != nil {
			return err
		}
	}
	ix.mu.Lock()
	ix.cursor = seq
	ix.mu.Unlock()
	return nil
}

// Overlap weighs, for each document, the grams it shares with a query and
// all its grams, each gram weighted by w(its document frequency) and the
// query's by qw: the detector's text comparison, done on the forward lists
// without copying them. found[i] is false for a document not indexed.
func (ix *Index) Overlap(keys []uint64, qw []float64, ids []uint64, w func(df uint32) float64) (shared, total []float64, found []bool) {
	shared, total, found = make([]float64, len(ids)), make([]float64, len(ids)), make([]bool, len(ids))
	sc, _ := ix.pool.Get().(*scratch)
	if sc == nil {
		sc = &scratch{}
	}
	defer ix.pool.Put(sc)
	ix.mu.RLock()
	defer ix.mu.RUnlock()
	if len(sc.qw) < len(ix.keys) {
		n := len(ix.keys) + len(ix.keys)/8
		sc.qw = make([]float32, n)
		sc.qbits = make([]uint64, n/64+1)
	}
	terms := make([]uint32, 0, len(keys))
	for i, k := range keys {
		if t, ok := ix.dict[k]; ok {
			sc.qw[t] = float32(qw[i])
			sc.qbits[t>>6] |= 1 << (t & 63)
			terms = append(terms, t)
		}
	}
	for i, id := range ids {
		d, ok := ix.byExt[id]
		if !ok {
			continue
		}
		found[i] = true
		b := ix.arena.get(ix.fwd[d])
		n, j := uv(b, 0)
		var t uint32
		for ; n > 0; n-- {
			x, k := uv(b, j)
			j = k
			t += uint32(x)
			total[i] += w(ix.df[t])
			if sc.qbits[t>>6]&(1<<(t&63)) != 0 {
				shared[i] += float64(sc.qw[t])
			}
		}
	}
	for _, t := range terms { // leave the scratch clean for the next user
		sc.qw[t] = 0
		sc.qbits[t>>6] = 0
	}
	return shared, total, found
}

// DocFreq returns how many live documents hold the gram.
func (ix *Index) DocFreq(key uint64) int {
	ix.mu.RLock()
	defer ix.mu.RUnlock()
	if t, ok := ix.dict[key]; ok {
		return int(ix.df[t])
	}
	return 0
}

// Delete removes document id (no-op if absent).
func (ix *Index) Delete(id uint64) error {
	ix.wmu.Lock()
	defer ix.wmu.Unlock()
	if _, ok := ix.byExt[id]; !ok {
		return nil
	}
	if ix.store != nil {
		if err := ix.store.logDelete(id, ix.opt.SyncWAL); err != nil {
			return err
		}
	}
	ix.mu.Lock()
	ix.deleteLocked(id)
	ix.mu.Unlock()
	return nil
}

// upsertKeys applies an upsert given sorted unique gram keys. wmu held.
func (ix *Index) upsertKeys(id uint64, a Attrs, keys []uint64) {
	terms := make([]uint32, len(keys))
	ix.mu.Lock()
	defer ix.mu.Unlock()
	for i, k := range keys {
		t, ok := ix.dict[k]
		if !ok {
			t = uint32(len(ix.keys))
			ix.dict[k] = t
			ix.keys = append(ix.keys, k)
			ix.df = append(ix.df, 0)
			ix.tail = append(ix.tail, nil)
		}
		terms[i] = t
	}
	slices.Sort(terms)
	ix.addLocked(id, a, terms)
}

// addLocked replaces document id by one of the sorted terms. mu held.
func (ix *Index) addLocked(id uint64, a Attrs, terms []uint32) {
	ix.deleteLocked(id)
	ix.appendDoc(id, a, terms, encodeList(nil, terms))
	d := len(ix.ext) - 1
	for _, t := range terms {
		ix.df[t]++
		ix.tail[t] = append(ix.tail[t], uint32(d))
	}
	var w float32
	for _, t := range terms {
		w += ix.idf(ix.df[t])
	}
	ix.dw[d] = w
	ix.dq[d] = quantW(w)
	ix.tailCount += len(terms)
}

// appendDoc appends the per-document arrays (postings are the caller's job).
// widen extends the attribute bounds to a. mu held.
func (ix *Index) widen(a Attrs) {
	if !ix.bounded {
		ix.regionMin, ix.regionMax, ix.timeMin, ix.timeMax, ix.bounded = a.Region, a.Region, a.Time, a.Time, true
		return
	}
	ix.regionMin, ix.regionMax = min(ix.regionMin, a.Region), max(ix.regionMax, a.Region)
	ix.timeMin, ix.timeMax = min(ix.timeMin, a.Time), max(ix.timeMax, a.Time)
}

// timeBlock is the number of document slots per blockTime entry.
const timeBlock = 4096

// noteTime raises the time bound of d's run of slots. mu held.
func (ix *Index) noteTime(d uint32, t int64) {
	b := int(d / timeBlock)
	for len(ix.blockTime) <= b {
		ix.blockTime = append(ix.blockTime, math.MinInt64)
	}
	ix.blockTime[b] = max(ix.blockTime[b], t)
}

func (ix *Index) appendDoc(id uint64, a Attrs, terms []uint32, enc []byte) uint32 {
	ix.widen(a)
	ix.noteTime(uint32(len(ix.ext)), a.Time)
	d := uint32(len(ix.ext))
	ix.ext = append(ix.ext, id)
	ix.attrs = append(ix.attrs, a)
	ix.dlen = append(ix.dlen, uint32(len(terms)))
	ix.dw = append(ix.dw, 0)
	ix.dq = append(ix.dq, 0)
	ix.fwd = append(ix.fwd, ix.arena.add(enc))
	if int(d>>6) >= len(ix.live) {
		ix.live = append(ix.live, 0)
	}
	ix.live[d>>6] |= 1 << (d & 63)
	ix.byExt[id] = d
	ix.nLive++
	ix.sumLen += float64(len(terms))
	return d
}

func (ix *Index) deleteLocked(id uint64) {
	d, ok := ix.byExt[id]
	if !ok {
		return
	}
	delete(ix.byExt, id)
	ix.live[d>>6] &^= 1 << (d & 63)
	ix.nLive--
	ix.sumLen -= float64(ix.dlen[d])
	terms := decodeList(ix.arena.get(ix.fwd[d]), nil)
	for _, t := range terms {
		ix.df[t]--
	}
	ix.deadDocs++
}

// ---------------------------------------------------------------- merge

func (ix *Index) maybeMerge() {
	th := min(int(ix.opt.MergeRatio*float64(ix.baseCount)), ix.opt.MergeMax)
	if th < ix.opt.MergeMin {
		th = ix.opt.MergeMin
	}
	switch {
	case ix.deadDocs > 1024 && ix.deadDocs*4 > ix.nLive:
		ix.compact()
	case ix.tailCount > th:
		ix.merge()
	}
}

// Merge folds the tails into the base: each term's base list is copied as
// is and its tail appended (cheap: about a memory copy of the postings).
// Tombstoned documents stay in the base until Compact. Readers are only
// blocked for the final swap; writers wait.
func (ix *Index) Merge() {
	ix.wmu.Lock()
	defer ix.wmu.Unlock()
	ix.merge()
}

// Compact is a full merge: it also drops tombstoned documents, renumbers
// the live ones densely (internal ids are never exposed) and refreshes
// document weights with the current IDF. It re-encodes every posting (about
// 10 s at 1 M docs on one core); it runs by itself when tombstones exceed a
// quarter of the live documents.
func (ix *Index) Compact() {
	ix.wmu.Lock()
	defer ix.wmu.Unlock()
	ix.compact()
}

func (ix *Index) merge() { // wmu held
	if ix.tailCount == 0 {
		return
	}
	if ix.opt.BulkGCPercent > 0 {
		defer bulkGC(ix.opt.BulkGCPercent)()
	}
	T := len(ix.keys)
	nb := len(ix.baseRef)
	if nb < T {
		ix.mu.Lock()
		ix.baseRef = append(ix.baseRef, make([]uint64, T-nb)...)
		ix.baseLen = append(ix.baseLen, make([]uint32, T-nb)...)
		ix.baseLast = append(ix.baseLast, make([]uint32, T-nb)...)
		ix.mu.Unlock()
	}
	// An old chunk is dropped once every term whose list it holds moved.
	nold := len(ix.chunks)
	lastUse := make([]int, nold)
	for i := range lastUse {
		lastUse[i] = -1
	}
	for t := 0; t < nb; t++ {
		if ix.baseLen[t] > 0 {
			lastUse[ix.baseRef[t]>>refOffBits] = t
		}
	}
	count := ix.baseCount
	var (
		cur           []byte
		from, dropped int
		offs          []uint64
		lens, lasts   []uint32
	)
	// flush swaps in the lists of terms from..to-1 (base and tail at once,
	// so readers see each term whole) and drops the old chunks done with.
	flush := func(to int) {
		cur = trim(cur)
		ix.mu.Lock()
		c := uint64(len(ix.chunks))
		ix.chunks = append(ix.chunks, cur)
		for i, t := 0, from; t < to; i, t = i+1, t+1 {
			ix.baseRef[t], ix.baseLen[t], ix.baseLast[t] = c<<refOffBits|offs[i], lens[i], lasts[i]
			ix.tail[t] = nil
		}
		for dropped < nold && lastUse[dropped] < to {
			ix.chunks[dropped] = nil
			dropped++
		}
		ix.mu.Unlock()
		cur, from = nil, to
		offs, lens, lasts = offs[:0], lens[:0], lasts[:0]
	}
	for t := 0; t < T; t++ {
		if cur == nil {
			cur = make([]byte, 0, baseChunk+baseChunk/8)
		}
		off := len(cur)
		cur = append(cur, ix.baseList(t)...)
		prev := ix.baseLast[t]
		for _, d := range ix.tail[t] {
			if ix.isLive(d) {
				cur = appendUv(cur, uint64(d-prev))
				prev = d
				count++
			}
		}
		offs, lens, lasts = append(offs, uint64(off)), append(lens, uint32(len(cur)-off)), append(lasts, prev)
		if len(cur) >= baseChunk {
			flush(t + 1)
		}
	}
	if from < T {
		flush(T)
	}
	ix.mu.Lock()
	ix.dropEmptyChunks()
	ix.baseCount = count
	ix.tailCount = 0
	ix.mu.Unlock()
}

// baseChunk is the size chunks of the base are cut at (a list is never
// split: a chunk ends after the list that passes it). A variable so that
// tests cut tiny chunks.
var baseChunk = 4 << 20

// refOffBits is the width of the offset in a baseRef.
const refOffBits = 40

// baseList returns term t's base postings.
func (ix *Index) baseList(t int) []byte {
	if t >= len(ix.baseRef) || ix.baseLen[t] == 0 {
		return nil
	}
	r := ix.baseRef[t]
	off := r & (1<<refOffBits - 1)
	return ix.chunks[r>>refOffBits][off : off+uint64(ix.baseLen[t])]
}

// baseBytes is the size of the base postings.
func (ix *Index) baseBytes() int {
	n := 0
	for _, c := range ix.chunks {
		n += len(c)
	}
	return n
}

// dropEmptyChunks removes the chunks a merge dropped from the list and
// renumbers the references. mu held.
func (ix *Index) dropEmptyChunks() {
	remap := make([]uint64, len(ix.chunks))
	kept := make([][]byte, 0, len(ix.chunks))
	for i, c := range ix.chunks {
		if c != nil {
			remap[i] = uint64(len(kept))
			kept = append(kept, c)
		}
	}
	for t, r := range ix.baseRef {
		if ix.baseLen[t] > 0 {
			ix.baseRef[t] = remap[r>>refOffBits]<<refOffBits | r&(1<<refOffBits-1)
		}
	}
	ix.chunks = kept
}

// listWriter lays lists out in chunks, in order.
type listWriter struct {
	chunks [][]byte
	cur    []byte
}

// begin returns the reference of the list about to be appended to cur.
func (w *listWriter) begin() uint64 {
	if w.cur == nil || len(w.cur) >= baseChunk {
		if w.cur != nil {
			w.chunks = append(w.chunks, trim(w.cur))
		}
		w.cur = make([]byte, 0, baseChunk+baseChunk/8)
	}
	return uint64(len(w.chunks))<<refOffBits | uint64(len(w.cur))
}

func (w *listWriter) done() [][]byte {
	if w.cur != nil {
		w.chunks = append(w.chunks, trim(w.cur))
	}
	return w.chunks
}

// trim returns b in an array of its length when growing it left more
// than an eighth unused (a long list that overflowed the chunk).
func trim(b []byte) []byte {
	if cap(b)-len(b) <= len(b)/8 {
		return b
	}
	return append([]byte(nil), b...)
}

func (ix *Index) compact() { // wmu held: no concurrent mutation, readers may run
	if ix.opt.BulkGCPercent > 0 {
		defer bulkGC(ix.opt.BulkGCPercent)() // a new base beside the old
	}
	T := len(ix.keys)
	// Compact the doc id space: live docs get dense new ids (order kept, so
	// lists stay sorted).
	nd := len(ix.ext)
	newID := make([]uint32, nd)
	var n uint32
	for d := 0; d < nd; d++ {
		if ix.isLive(uint32(d)) {
			newID[d] = n
			n++
		} else {
			newID[d] = ^uint32(0)
		}
	}
	// encode, and recompute document weights with current IDF
	var lw listWriter
	newRef := make([]uint64, T)
	newLen := make([]uint32, T)
	newDW := make([]float32, n)
	newLast := make([]uint32, T)
	count := 0
	for t := 0; t < T; t++ {
		var prev uint32
		w := ix.idf(ix.df[t])
		ref := lw.begin()
		start := len(lw.cur)
		visit := func(d uint32) {
			if d = newID[d]; d == ^uint32(0) {
				return
			}
			newDW[d] += w
			lw.cur = appendUv(lw.cur, uint64(d-prev))
			prev = d
			count++
		}
		iterList(ix.baseList(t), visit)
		for _, d := range ix.tail[t] {
			visit(d)
		}
		newRef[t], newLen[t], newLast[t] = ref, uint32(len(lw.cur)-start), prev
	}
	chunks := lw.done()
	// per-document arrays
	ext := make([]uint64, 0, n)
	attrs := make([]Attrs, 0, n)
	dlen := make([]uint32, 0, n)
	fwd := make([]uint64, 0, n)
	byExt := make(map[uint64]uint32, n)
	var ar arena
	compactArena := ix.arena.size() > 2*ix.liveFwdBytes()
	for d := 0; d < nd; d++ {
		if newID[d] == ^uint32(0) {
			continue
		}
		ext = append(ext, ix.ext[d])
		attrs = append(attrs, ix.attrs[d])
		dlen = append(dlen, ix.dlen[d])
		ref := ix.fwd[d]
		if compactArena {
			b := ix.arena.get(ref)
			ref = ar.add(b[:listLen(b)])
		}
		fwd = append(fwd, ref)
		byExt[ix.ext[d]] = newID[d]
	}
	live := make([]uint64, (n+63)/64)
	for d := uint32(0); d < n; d++ {
		live[d>>6] |= 1 << (d & 63)
	}
	newDQ := make([]uint8, n)
	for d, w := range newDW {
		newDQ[d] = quantW(w)
	}
	blockTime := make([]int64, 0, len(attrs)/timeBlock+1)
	for d, a := range attrs {
		b := d / timeBlock
		if b == len(blockTime) {
			blockTime = append(blockTime, math.MinInt64)
		}
		blockTime[b] = max(blockTime[b], a.Time)
	}
	ix.mu.Lock()
	ix.blockTime = blockTime
	ix.chunks, ix.baseRef, ix.baseLen, ix.baseLast, ix.baseCount = chunks, newRef, newLen, newLast, count
	ix.ext, ix.attrs, ix.dlen, ix.dw, ix.dq, ix.fwd, ix.live, ix.byExt = ext, attrs, dlen, newDW, newDQ, fwd, live, byExt
	if compactArena {
		ix.arena = ar
	}
	ix.deadDocs = 0
	ix.tail = make([][]uint32, T)
	ix.tailCount = 0
	ix.mu.Unlock()
}

// liveFwdBytes estimates the arena bytes used by live documents.
func (ix *Index) liveFwdBytes() int {
	if len(ix.ext) == 0 {
		return 0
	}
	return int(float64(ix.arena.size()) * float64(ix.nLive) / float64(len(ix.ext)))
}

// ---------------------------------------------------------------- search

type qterm struct {
	t  uint32
	df uint32
	w  float32
}

// Log-quantised document weights: dqTable[q] = 1.04^q.
var dqTable = func() (t [256]float32) {
	for i := range t {
		t[i] = float32(math.Pow(1.04, float64(i)))
	}
	return
}()

func quantW(w float32) uint8 {
	if w <= 1 {
		return 0
	}
	q := math.Round(math.Log(float64(w)) / math.Log(1.04))
	return uint8(min(q, 255))
}

// accBlock is the number of documents per accumulation block.
var accBlock uint32 = 1 << 16 // var so tests can shrink it

// cursor is a position in one query term's postings (base list, then tail).
type cursor struct {
	b    []byte
	i    int    // next byte in b
	d    uint32 // last decoded doc id (0 before the first)
	w    float32
	tail []uint32
	ti   int
}

type scratch struct {
	cur     []cursor
	acc     []float32
	touched []uint32
	q       []qterm
	heap    []cand
	qw      []float32 // dense term -> query weight (zero outside a search)
	qbits   []uint64  // bitset of query terms (small: stays in cache)
}

type cand struct {
	s float32
	d uint32
}

func (ix *Index) idfPower() float32 {
	if ix.opt.IDFPower == 0 {
		return 1
	}
	return ix.opt.IDFPower
}

func (ix *Index) idf(df uint32) float32 {
	n := float64(ix.nLive)
	w := math.Log(1 + (n-float64(df)+0.5)/(float64(df)+0.5))
	switch ix.opt.IDFPower {
	case 0, 1:
	case 2:
		w *= w
	default:
		w = math.Pow(w, float64(ix.opt.IDFPower))
	}
	return float32(w)
}

// Search returns the k best documents for query with the index's default
// SearchOptions.
func (ix *Index) Search(query string, k int, f Filter) []Hit {
	return ix.SearchWith(query, k, f, ix.opt.Search)
}

// SearchWith is Search with explicit options.
func (ix *Index) SearchWith(query string, k int, f Filter, o SearchOptions) []Hit {
	if k <= 0 {
		return nil
	}
	sc, _ := ix.pool.Get().(*scratch)
	if sc == nil {
		sc = &scratch{}
	}
	defer ix.pool.Put(sc)
	keys := docGrams(query)

	ix.mu.RLock()
	defer ix.mu.RUnlock()
	if ix.nLive == 0 {
		return nil
	}
	// look up query terms
	q := sc.q[:0]
	var qTotal float32
	for _, key := range keys {
		t, ok := ix.dict[key]
		if !ok || ix.df[t] == 0 {
			qTotal += ix.idf(0)
			continue
		}
		w := ix.idf(ix.df[t])
		qTotal += w
		q = append(q, qterm{t: t, df: ix.df[t], w: w})
	}
	sc.q = q
	if len(q) == 0 {
		return nil
	}
	slices.SortFunc(q, func(a, b qterm) int {
		if a.df != b.df {
			return int(a.df) - int(b.df)
		}
		return int(a.t) - int(b.t)
	})
	nsel := len(q)
	if o.MaxTerms > 0 && nsel > o.MaxTerms {
		nsel = o.MaxTerms
	}
	if o.PostingBudget > 0 {
		sum := 0
		for i := 0; i < nsel; i++ {
			sum += int(q[i].df)
			if i > 0 && sum > o.PostingBudget {
				nsel = i
				break
			}
		}
	}

	// candidate scoring: score(S, d) and an upper bound ub(S) that needs no
	// per-document data (lets most touched documents be skipped cheaply)
	m := k
	if o.Rerank > m {
		m = o.Rerank
	}
	avg := float32(ix.sumLen / float64(ix.nLive))
	floor := o.Floor * qTotal
	score := func(s float32, d uint32) float32 {
		switch o.Score {
		case Containment:
			if o.B == 0 {
				return s / qTotal
			}
			l := float32(ix.dlen[d]) / avg
			return s / qTotal * (o.K1 + 1) / (1 + o.K1*(1-o.B+o.B*l))
		case Dice:
			return 2 * s / (qTotal + ix.dw[d])
		case Cosine:
			return s / float32(math.Sqrt(float64(qTotal*ix.dw[d])))
		default:
			return s / max(min(qTotal, ix.dw[d]), floor)
		}
	}
	// prelim: score for candidate selection; Overlap uses the quantised
	// document weight (cache-resident) instead of dw
	prelim := score
	if o.Score == Overlap {
		prelim = func(s float32, d uint32) float32 {
			return s / max(min(qTotal, dqTable[ix.dq[d]]), floor)
		}
	}
	var ubMul float32 // ub(S) = S*ubMul (Overlap, Containment)
	switch o.Score {
	case Containment:
		ubMul = 1 / qTotal
		if o.B != 0 {
			ubMul *= (o.K1 + 1) / (1 + o.K1*(1-o.B))
		}
	case Overlap:
		if floor > 0 {
			ubMul = 1 / floor
		}
	}
	ub := func(s float32) float32 {
		switch {
		case ubMul > 0:
			return s * ubMul
		case o.Score == Dice:
			return 2 * s / (qTotal + s)
		case o.Score == Cosine:
			return float32(math.Sqrt(float64(s / qTotal)))
		}
		return float32(math.Inf(1))
	}

	// Term-at-a-time accumulation over the selected (rarest) terms, blocked
	// by document id: the accumulator covers one block of docs (fits in L2),
	// every term's list is decoded up to the block end, then the block's
	// touched docs are scored. Same work as plain TAAT, far fewer cache and
	// TLB misses, and a 256 KiB accumulator per concurrent query.
	if len(sc.acc) < int(accBlock) {
		sc.acc = make([]float32, accBlock)
	}
	acc := sc.acc
	cur := sc.cur[:0]
	for _, qt := range q[:nsel] {
		cur = append(cur, cursor{w: qt.w, tail: ix.tail[qt.t], b: ix.baseList(int(qt.t))})
	}
	sc.cur = cur
	h := sc.heap[:0]
	if ix.bounded {
		if f.RegionHi != 0 && f.RegionLo <= ix.regionMin && ix.regionMax <= f.RegionHi {
			f.RegionLo, f.RegionHi = 0, 0
		}
		if f.From != 0 && f.From <= ix.timeMin {
			f.From = 0
		}
		if f.To != 0 && f.To >= ix.timeMax {
			f.To = 0
		}
	}
	useFilter := !f.empty()
	nd := uint32(len(ix.ext))
	for lo := uint32(0); lo < nd; lo += accBlock {
		hi := lo + accBlock
		touched := sc.touched[:0]
		skip := f.From != 0 && ix.before(lo, hi, f.From)
		for ci := range cur {
			c := &cur[ci]
			w := c.w
			b, i, d := c.b, c.i, c.d
			for i < len(b) {
				// decode the next gap; stop (without consuming it) at the block end
				x := uint32(b[i])
				j := i + 1
				if x >= 0x80 {
					x &= 0x7F
					for s := 7; ; s += 7 {
						cc := uint32(b[j])
						j++
						x |= (cc & 0x7F) << s
						if cc < 0x80 {
							break
						}
					}
				}
				if d+x >= hi {
					break
				}
				i = j
				d += x
				if skip {
					continue // the whole block is older than the window
				}
				k := d - lo
				if acc[k] == 0 {
					touched = append(touched, k)
				}
				acc[k] += w
			}
			c.i, c.d = i, d
			for c.ti < len(c.tail) && c.tail[c.ti] < hi {
				if skip {
					c.ti++
					continue
				}
				k := c.tail[c.ti] - lo
				if acc[k] == 0 {
					touched = append(touched, k)
				}
				acc[k] += w
				c.ti++
			}
		}
		sc.touched = touched
		// score the block's touched docs
		for _, k := range touched {
			s := acc[k]
			acc[k] = 0
			if len(h) == m && ub(s) < h[0].s {
				continue
			}
			d := lo + k
			if !ix.isLive(d) || (useFilter && !ix.pass(d, &f)) {
				continue
			}
			s = prelim(s, d)
			if len(h) < m {
				h = heapPush(h, cand{s, d})
			} else if s > h[0].s || (s == h[0].s && d > h[0].d) {
				h[0] = cand{s, d}
				heapDown(h, 0)
			}
		}
	}

	// exact rescoring with all query grams: decode each candidate's forward
	// list and sum the weights of query terms via a dense term-weight table
	if o.Rerank > 0 && len(h) > 0 {
		if len(sc.qw) < len(ix.keys) {
			n := len(ix.keys) + len(ix.keys)/8
			sc.qw = make([]float32, n)
			sc.qbits = make([]uint64, n/64+1)
		}
		qw, qb := sc.qw, sc.qbits
		for _, qt := range q {
			qw[qt.t] = qt.w
			qb[qt.t>>6] |= 1 << (qt.t & 63)
		}
		for i := range h {
			d := h[i].d
			h[i].s = score(sumWeights(ix.arena.get(ix.fwd[d]), qw, qb), d)
		}
		for _, qt := range q {
			qw[qt.t] = 0
			qb[qt.t>>6] = 0
		}
	}
	slices.SortFunc(h, func(a, b cand) int {
		if a.s != b.s {
			if a.s > b.s {
				return -1
			}
			return 1
		}
		return int(b.d) - int(a.d) // newer first on ties
	})
	if len(h) > k {
		h = h[:k]
	}
	sc.heap = h
	hits := make([]Hit, len(h))
	for i, c := range h {
		hits[i] = Hit{ID: ix.ext[c.d], Case: ix.attrs[c.d].Case, Score: c.s}
	}
	return hits
}

// before reports whether every document slot in [lo, hi) was received
// before t. mu held.
func (ix *Index) before(lo, hi uint32, t int64) bool {
	for b := lo / timeBlock; b <= (hi-1)/timeBlock; b++ {
		if int(b) >= len(ix.blockTime) {
			break
		}
		if ix.blockTime[b] >= t {
			return false
		}
	}
	return true
}

func (ix *Index) pass(d uint32, f *Filter) bool {
	a := &ix.attrs[d]
	if f.From != 0 && a.Time < f.From {
		return false
	}
	if f.To != 0 && a.Time > f.To {
		return false
	}
	if f.RegionHi != 0 && (a.Region < f.RegionLo || a.Region > f.RegionHi) {
		return false
	}
	if f.Statuses != 0 && f.Statuses&(1<<a.Status) == 0 {
		return false
	}
	if f.ExcludeCase != 0 && a.Case == f.ExcludeCase {
		return false
	}
	if len(f.Exclude) > 0 && slices.Contains(f.Exclude, ix.ext[d]) {
		return false
	}
	return true
}

// sumWeights decodes a length-prefixed forward list and sums qw over it.
func sumWeights(b []byte, qw []float32, qb []uint64) float32 {
	n, i := uv(b, 0)
	var t uint32
	var s float32
	for ; n > 0; n-- {
		x := uint32(b[i])
		i++
		if x >= 0x80 {
			x &= 0x7F
			for sh := 7; ; sh += 7 {
				c := uint32(b[i])
				i++
				x |= (c & 0x7F) << sh
				if c < 0x80 {
					break
				}
			}
		}
		t += x
		if qb[t>>6]&(1<<(t&63)) != 0 {
			s += qw[t]
		}
	}
	return s
}

// min-heap on (s, d)
func less(a, b cand) bool { return a.s < b.s || (a.s == b.s && a.d < b.d) }

func heapPush(h []cand, c cand) []cand {
	h = append(h, c)
	i := len(h) - 1
	for i > 0 {
		p := (i - 1) / 2
		if !less(h[i], h[p]) {
			break
		}
		h[i], h[p] = h[p], h[i]
		i = p
	}
	return h
}

func heapDown(h []cand, i int) {
	n := len(h)
	for {
		l := 2*i + 1
		if l >= n {
			return
		}
		m := l
		if r := l + 1; r < n && less(h[r], h[l]) {
			m = r
		}
		if !less(h[m], h[i]) {
			return
		}
		h[i], h[m] = h[m], h[i]
		i = m
	}
}

// ---------------------------------------------------------------- stats

// Stats describes the index size.
type Stats struct {
	Docs, LiveDocs, Terms      int
	BasePostings, TailPostings int
	BaseBytes, ForwardBytes    int
}

// Stats returns size figures.
func (ix *Index) Stats() Stats {
	ix.mu.RLock()
	defer ix.mu.RUnlock()
	return Stats{
		Docs: len(ix.ext), LiveDocs: ix.nLive, Terms: len(ix.keys),
		BasePostings: ix.baseCount, TailPostings: ix.tailCount,
		BaseBytes: ix.baseBytes(), ForwardBytes: ix.arena.size(),
	}
}
