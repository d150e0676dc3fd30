package embedded

import (
	"math/rand/v2"
	"testing"
)

func (ix *Index) checkLists(t *testing.T, step int) {
	nb := len(ix.baseRef)
	// The chunks hold the lists and nothing else: a merge dropped every
	// chunk it replaced.
	listed := 0
	for term := 0; term < nb; term++ {
		listed += int(ix.baseLen[term])
	}
	if ix.baseBytes() != listed {
		t.Fatalf("step %d: chunks hold %d bytes, lists %d", step, ix.baseBytes(), listed)
	}
	for term := 0; term < nb; term++ {
		var prev uint32
		first := true
		var last uint32
		iterList(ix.baseList(term), func(d uint32) {
			if (!first && d <= prev) || int(d) >= len(ix.ext) {
				t.Fatalf("step %d term %d: bad doc %d after %d (n=%d)", step, term, d, prev, len(ix.ext))
			}
			prev, first, last = d, false, d
		})
		if ix.baseLast[term] != last {
			t.Fatalf("step %d term %d: baseLast %d, list ends at %d", step, term, ix.baseLast[term], last)
		}
	}
}

// Postings stay sorted and consistent through fast merges and compactions.
func TestListInvariants(t *testing.T) {
	ix := New(Options{MergeMin: 64})
	r := rand.New(rand.NewPCG(3, 4))
	for i := 0; i < 3000; i++ {
		id := uint64(100 + r.IntN(500))
		if i%7 == 0 {
			ix.Delete(id)
		} else {
			ix.Upsert(id, randText(r), Attrs{})
		}
		ix.checkLists(t, i)
	}
}
