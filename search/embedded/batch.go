package embedded

import (
	"encoding/binary"
	"hash/crc32"
	"runtime"
	"runtime/debug"
	"slices"
	"sync"

	"github.com/jiefen/jiefen/search"
)

// TextDoc is a document of a bulk upsert.
type TextDoc struct {
	ID    uint64
	Text  string
	Attrs Attrs
}

// noTerm marks a gram the dictionary did not hold when a batch was read.
const noTerm = ^uint32(0)

// UpsertBatch is Upsert of many documents (a rebuild, an import), with the
// same result as upserting them one by one in order. The work that only
// reads — grams, dictionary lookups, sorting — runs on every core; what
// changes the index runs on one, and the log gets one write per batch.
// Readers are blocked only for each document's short mutation, as with
// Upsert.
func (ix *Index) UpsertBatch(docs []TextDoc) error {
	if len(docs) == 0 {
		return nil
	}
	ix.wmu.Lock()
	defer ix.wmu.Unlock()
	if len(docs) >= bulkGCMin && ix.opt.BulkGCPercent > 0 {
		defer bulkGC(ix.opt.BulkGCPercent)()
	}
	keys := make([][]uint64, len(docs))
	terms := make([][]uint32, len(docs))
	sorted := make([]bool, len(docs))
	// Only writers change the dictionary, and this one holds wmu: reading
	// it from several goroutines without mu is safe.
	parallel(len(docs), func(i int) {
		k := search.PeekGramKeys(docs[i].Text)
		keys[i] = k
		t := make([]uint32, len(k))
		known := true
		for j, key := range k {
			id, ok := ix.dict[key]
			if !ok {
				id, known = noTerm, false
			}
			t[j] = id
		}
		if known {
			slices.Sort(t)
		}
		terms[i], sorted[i] = t, known
	})
	attrsOnly := make([]bool, len(docs))
	last := make(map[uint64]int, len(docs))
	for i := range docs {
		// Same grams as the stored document: only its attributes change. A
		// document twice in the batch is compared, the second time, with
		// what the first leaves: its grams.
		if j, ok := last[docs[i].ID]; ok {
			attrsOnly[i] = slices.Equal(keys[i], keys[j])
		} else {
			attrsOnly[i] = ix.sameTermsUnlocked(docs[i].ID, keys[i])
		}
		last[docs[i].ID] = i
	}
	if ix.store != nil {
		if err := ix.store.logBatch(docs, keys, attrsOnly, ix.opt.SyncWAL); err != nil {
			return err
		}
	}
	for i := range docs {
		if attrsOnly[i] {
			ix.setAttrsLocked(docs[i].ID, docs[i].Attrs)
			continue
		}
		ix.insertTerms(docs[i].ID, docs[i].Attrs, keys[i], terms[i], sorted[i])
		ix.maybeMerge()
	}
	return nil
}

// sameTermsUnlocked is sameTerms for a writer holding wmu (nothing else
// changes the documents meanwhile).
func (ix *Index) sameTermsUnlocked(id uint64, keys []uint64) bool {
	d, ok := ix.byExt[id]
	if !ok || int(ix.dlen[d]) != len(keys) {
		return false
	}
	return ix.sameTerms(id, keys)
}

// insertTerms is upsertKeys with the term ids looked up already: noTerm
// ones are resolved (a gram new to the dictionary, perhaps added by an
// earlier document of the batch) and the list sorted unless it is.
func (ix *Index) insertTerms(id uint64, a Attrs, keys []uint64, terms []uint32, sorted bool) {
	ix.mu.Lock()
	defer ix.mu.Unlock()
	if !sorted {
		for i, t := range terms {
			if t != noTerm {
				continue
			}
			k := keys[i]
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
	}
	ix.addLocked(id, a, terms)
}

// bulkGCMin is the batch size from which a batch is a bulk load.
const bulkGCMin = 1000

var bulkGCState struct {
	sync.Mutex
	n    int // bulk loads running
	prev int // the GC percent before the first of them
}

// bulkGC lowers the garbage collector's target (GOGC) to percent while a
// bulk load runs and returns the function that restores it. A bulk load
// produces garbage at a high rate (tails growing, batches decoded) over a
// live heap that reaches most of the final index, so with GOGC=100 the heap
// swings to twice the index (a 1 M-document rebuild peaked at 2.0 GB for
// an 0.75 GB index; 1.65 GB at 50); collecting more often costs little,
// as the index is mostly pointer-free arrays. It is process-wide: other work of the process
// collects more often meanwhile too. A lower setting (GOGC, or an earlier
// bulk load) is kept; GOGC=off is kept.
func bulkGC(percent int) (restore func()) {
	s := &bulkGCState
	s.Lock()
	defer s.Unlock()
	if s.n == 0 {
		s.prev = debug.SetGCPercent(percent)
		if s.prev >= 0 && s.prev < percent || s.prev < 0 {
			debug.SetGCPercent(s.prev)
		}
	}
	s.n++
	return func() {
		s.Lock()
		defer s.Unlock()
		if s.n--; s.n == 0 {
			debug.SetGCPercent(s.prev)
		}
	}
}

// parallel runs fn(0..n-1) on GOMAXPROCS goroutines.
func parallel(n int, fn func(i int)) {
	workers := min(runtime.GOMAXPROCS(0), n)
	if workers <= 1 {
		for i := 0; i < n; i++ {
			fn(i)
		}
		return
	}
	var wg sync.WaitGroup
	chunk := max(1, n/(workers*8))
	next := make(chan int, workers)
	go func() {
		for i := 0; i < n; i += chunk {
			next <- i
		}
		close(next)
	}()
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for lo := range next {
				for i := lo; i < min(lo+chunk, n); i++ {
					fn(i)
				}
			}
		}()
	}
	wg.Wait()
}

// logBatch writes the records of a batch (upserts, or attribute changes
// where the grams are unchanged) with one write.
func (s *store) logBatch(docs []TextDoc, keys [][]uint64, attrsOnly []bool, sync bool) error {
	b := s.buf[:0]
	for i, d := range docs {
		start := len(b)
		b = append(b, make([]byte, 8)...)
		if attrsOnly[i] {
			b = append(b, opAttrs)
			b = binary.LittleEndian.AppendUint64(b, d.ID)
			b = appendAttrs(b, d.Attrs)
		} else {
			b = append(b, opUpsert)
			b = binary.LittleEndian.AppendUint64(b, d.ID)
			b = appendAttrs(b, d.Attrs)
			b = appendUv(b, uint64(len(keys[i])))
			var prev uint64
			for _, k := range keys[i] {
				b = appendUv(b, k-prev)
				prev = k
			}
		}
		p := b[start+8:]
		binary.LittleEndian.PutUint32(b[start:], uint32(len(p)))
		binary.LittleEndian.PutUint32(b[start+4:], crc32.Checksum(p, castagnoli))
	}
	s.buf = b
	if _, err := s.wal.Write(b); err != nil {
		return err
	}
	if sync {
		return s.wal.Sync()
	}
	return nil
}
