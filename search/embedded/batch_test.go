package embedded

import (
	"math/rand/v2"
	"slices"
	"testing"
)

// A batch leaves the index exactly as upserting its documents one by one
// would: same term ids, frequencies, weights, postings — including a
// document twice in one batch and re-upserts whose grams did not change
// (attribute updates). After a reopen the log replays to the same state.
func TestUpsertBatchEqualsSequential(t *testing.T) {
	dir := t.TempDir()
	seq := New(Options{MergeMin: 256})
	bat, err := openIndex(dir, Options{MergeMin: 256})
	if err != nil {
		t.Fatal(err)
	}
	r := rand.New(rand.NewPCG(7, 8))
	texts := map[uint64]string{}
	for round := 0; round < 40; round++ {
		var batch []TextDoc
		for i := 0; i < 1+r.IntN(200); i++ {
			id := uint64(1 + r.IntN(600))
			text, ok := texts[id]
			if !ok || r.IntN(3) == 0 {
				text = randText(r)
			}
			texts[id] = text
			batch = append(batch, TextDoc{ID: id, Text: text, Attrs: Attrs{Region: uint64(r.IntN(5)), Time: int64(round), Status: uint8(r.IntN(3))}})
		}
		for _, d := range batch {
			if err := seq.Upsert(d.ID, d.Text, d.Attrs); err != nil {
				t.Fatal(err)
			}
		}
		if err := bat.UpsertBatch(batch); err != nil {
			t.Fatal(err)
		}
		bat.checkLists(t, round)
		sameIndex(t, seq, bat, round)
	}
	if err := bat.Close(); err != nil {
		t.Fatal(err)
	}
	again, err := openIndex(dir, Options{MergeMin: 256})
	if err != nil {
		t.Fatal(err)
	}
	defer again.Close()
	for id, text := range texts {
		want, got := seq.Search(text, 5, Filter{}), again.Search(text, 5, Filter{})
		if !slices.EqualFunc(want, got, func(a, b Hit) bool { return a.ID == b.ID }) {
			t.Fatalf("after reopen, doc %d: %v, sequential %v", id, got, want)
		}
	}
}

func sameIndex(t *testing.T, a, b *Index, step int) {
	t.Helper()
	switch {
	case a.nLive != b.nLive:
		t.Fatalf("step %d: live %d vs %d", step, a.nLive, b.nLive)
	case !slices.Equal(a.keys, b.keys):
		t.Fatalf("step %d: term ids differ", step)
	case !slices.Equal(a.df, b.df):
		t.Fatalf("step %d: document frequencies differ", step)
	case !slices.Equal(a.ext, b.ext) || !slices.Equal(a.attrs, b.attrs):
		t.Fatalf("step %d: documents differ", step)
	case !slices.Equal(a.dw, b.dw) || !slices.Equal(a.dlen, b.dlen):
		t.Fatalf("step %d: document weights differ", step)
	}
	for id, d := range a.byExt {
		if b.byExt[id] != d {
			t.Fatalf("step %d: doc %d at %d vs %d", step, id, d, b.byExt[id])
		}
	}
}
