package embedded

import (
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"sync"
	"testing"
)

var sample = []string{
	"A市A2区东塘街道某小区物业乱收停车费",
	"K2区仁湾镇罗剑村委会的服务建议，村委会工作人员对中央政府的各项惠农政策的传达不到位",
	"建议A市增加出租车数量，高峰时段打不到车",
	"A7县跳马镇姚塘组的油茶树被人任意砍伐",
	"B市3区某工地夜间施工噪音扰民",
	"B市5区某工地夜间施工噪音扰民",
}

func TestSearchBasics(t *testing.T) {
	for _, mode := range []string{"fresh"} {
		ix := New(Options{MergeMin: 4})
		for i, s := range sample {
			ix.Upsert(uint64(i+1), s, Attrs{Region: uint64(i%2 + 1), Time: int64(i)})
		}
		for i, s := range sample {
			h := ix.Search(s, 3, Filter{})
			if len(h) == 0 || h[0].ID != uint64(i+1) {
				t.Fatalf("%v: doc %d: %v", mode, i+1, h)
			}
		}
		// near-duplicates are told apart by the district number
		h := ix.Search("来电人反映：B市5区有工地夜间施工，噪音扰民", 2, Filter{})
		if h[0].ID != 6 || h[1].ID != 5 {
			t.Fatalf("%v: %v", mode, h)
		}
		// filters
		h = ix.Search(sample[5], 6, Filter{RegionLo: 1, RegionHi: 1})
		for _, x := range h {
			if (x.ID-1)%2 != 0 {
				t.Fatalf("region filter: %v", h)
			}
		}
		h = ix.Search(sample[5], 6, Filter{To: 3, Exclude: []uint64{1}})
		for _, x := range h {
			if x.ID > 4 || x.ID == 1 {
				t.Fatalf("time filter: %v", h)
			}
		}
		// delete and replace
		ix.Delete(6)
		if h := ix.Search(sample[5], 1, Filter{}); h[0].ID != 5 {
			t.Fatalf("after delete: %v", h)
		}
		ix.Upsert(5, "完全不同的内容关于养老金发放", Attrs{})
		if h := ix.Search(sample[4], 1, Filter{}); len(h) > 0 && h[0].ID == 5 {
			t.Fatalf("after replace: %v", h)
		}
		if h := ix.Search("养老金发放", 1, Filter{}); h[0].ID != 5 {
			t.Fatalf("replaced text: %v", h)
		}
		ix.Merge()
		if h := ix.Search("养老金发放", 1, Filter{}); h[0].ID != 5 || ix.Len() != 5 {
			t.Fatalf("after merge: %v %d", h, ix.Len())
		}
	}
}

func randText(r *rand.Rand) string {
	const alpha = "市区县镇村街道小区物业噪音施工停车收费拆迁补偿学校医院公交地铁道路污染养老社保房屋漏水投诉建议反映问题ABC123"
	rs := []rune(alpha)
	n := 5 + r.IntN(60)
	b := make([]rune, n)
	for i := range b {
		b[i] = rs[r.IntN(len(rs))]
	}
	return string(b)
}

// With no pruning, scores must equal a brute-force weighted containment.
func TestExhaustiveMatchesBruteForce(t *testing.T) {
	for _, blk := range []uint32{1 << 16, 64, 7} {
		t.Run(fmt.Sprint(blk), func(t *testing.T) {
			old := accBlock
			accBlock = blk
			defer func() { accBlock = old }()
			testBruteForce(t)
		})
	}
}

func testBruteForce(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	ix := New(Options{MergeMin: 50})
	texts := map[uint64]string{}
	for i := 0; i < 400; i++ {
		id := uint64(r.IntN(300))
		if r.IntN(10) == 0 {
			ix.Delete(id)
			delete(texts, id)
			continue
		}
		s := randText(r)
		ix.Upsert(id, s, Attrs{})
		texts[id] = s
	}
	o := SearchOptions{Score: Containment}
	for qi := 0; qi < 50; qi++ {
		q := randText(r)
		hits := ix.SearchWith(q, 5, Filter{}, o)
		hr := ix.SearchWith(q, 5, Filter{}, SearchOptions{Score: Containment, Rerank: 50, MaxTerms: 3})
		qk := docGrams(q)
		best := 0.0
		for _, s := range texts {
			dk := docGrams(s)
			var sh, tot float64
			for _, k := range qk {
				t, ok := ix.dict[k]
				w := float64(ix.idf(0))
				if ok {
					w = float64(ix.idf(ix.df[t]))
				}
				tot += w
				for _, x := range dk {
					if x == k {
						sh += w
					}
				}
			}
			best = max(best, sh/tot)
		}
		if len(hits) == 0 || abs(float64(hits[0].Score)-best) > 1e-4 {
			t.Fatalf("q%d: top %v, brute %v", qi, hits, best)
		}
		if len(hr) == 0 || float64(hr[0].Score) > best+1e-4 {
			t.Fatalf("rerank q%d: %v vs %v", qi, hr, best)
		}
	}
}

func abs(x float64) float64 {
	if x < 0 {
		return -x
	}
	return x
}

func TestPersistence(t *testing.T) {
	dir := t.TempDir()
	ix, err := openIndex(dir, Options{MergeMin: 8})
	if err != nil {
		t.Fatal(err)
	}
	for i, s := range sample {
		ix.Upsert(uint64(i+1), s, Attrs{Region: uint64(i), Time: int64(100 + i)})
	}
	if err := ix.Snapshot(""); err != nil {
		t.Fatal(err)
	}
	// after the snapshot: WAL only
	ix.Upsert(100, "养老金发放不及时", Attrs{Region: 9, Time: 7})
	ix.Delete(2)
	ix.Upsert(3, "出租车司机拒载", Attrs{})
	ix.Close()
	// a torn record at the end of the WAL must be ignored
	f, _ := os.OpenFile(filepath.Join(dir, walName), os.O_APPEND|os.O_WRONLY, 0)
	f.Write([]byte{42, 0, 0, 0, 1, 2, 3})
	f.Close()

	check := func(ix *Index) {
		t.Helper()
		if ix.Len() != 6 {
			t.Fatalf("len %d", ix.Len())
		}
		if h := ix.Search("养老金发放", 1, Filter{}); h[0].ID != 100 {
			t.Fatalf("%v", h)
		}
		if h := ix.Search(sample[1], 1, Filter{}); len(h) > 0 && h[0].ID == 2 {
			t.Fatalf("deleted doc found: %v", h)
		}
		if h := ix.Search("出租车司机拒载", 1, Filter{}); h[0].ID != 3 {
			t.Fatalf("%v", h)
		}
		if h := ix.Search(sample[4], 1, Filter{RegionLo: 4, RegionHi: 4}); h[0].ID != 5 {
			t.Fatalf("%v", h)
		}
	}
	ix2, err := openIndex(dir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	check(ix2)
	ix2.Upsert(200, "新的一条", Attrs{})
	if err := ix2.Snapshot(""); err != nil {
		t.Fatal(err)
	}
	ix2.Close()
	ix3, err := openIndex(dir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if ix3.Len() != 7 {
		t.Fatalf("len %d", ix3.Len())
	}
	ix3.Delete(200)
	check(ix3)
	ix3.Close()
	if _, err := openIndex(dir, Options{IDFPower: 2}); err != ErrIncompatible {
		t.Fatalf("want ErrIncompatible, got %v", err)
	}
	if _, err := openIndex(dir, Options{IDFPower: 2}); err != ErrIncompatible {
		t.Fatalf("want ErrIncompatible, got %v", err)
	}
}

func TestConcurrentReadersOneWriter(t *testing.T) {
	ix := New(Options{MergeMin: 64})
	for i, s := range sample {
		ix.Upsert(uint64(i+1), s, Attrs{})
	}
	var wg sync.WaitGroup
	stop := make(chan struct{})
	for g := 0; g < 4; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				select {
				case <-stop:
					return
				default:
				}
				if h := ix.Search(sample[3], 1, Filter{}); len(h) == 0 || h[0].ID != 4 {
					panic(fmt.Sprint(h))
				}
			}
		}()
	}
	r := rand.New(rand.NewPCG(3, 4))
	for i := 0; i < 3000; i++ {
		id := uint64(100 + r.IntN(500))
		if i%7 == 0 {
			ix.Delete(id)
		} else {
			ix.Upsert(id, randText(r), Attrs{})
		}
	}
	close(stop)
	wg.Wait()
}
