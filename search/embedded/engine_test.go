package embedded

import (
	"context"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/jiefen/jiefen/search"
	"github.com/jiefen/jiefen/search/searchtest"
)

func TestContract(t *testing.T) {
	searchtest.Run(t, func(t *testing.T) search.Index {
		e, err := Open(t.TempDir())
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { e.Close() })
		return e
	})
}

func TestContractMemory(t *testing.T) {
	searchtest.Run(t, func(t *testing.T) search.Index { return NewMemory() })
}

// The cursor and the documents survive a restart; attribute-only updates
// (a case's status) are logged too.
func TestPersistCursorAndAttrs(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	e, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	if !e.Rebuilt {
		t.Error("a fresh directory must ask for a rebuild")
	}
	docs := searchtest.Docs()
	if err := e.Upsert(ctx, docs...); err != nil {
		t.Fatal(err)
	}
	d := docs[2]
	d.Status = "in_progress"
	if err := e.Upsert(ctx, d); err != nil {
		t.Fatal(err)
	}
	if err := e.SaveCursor(ctx, 42); err != nil {
		t.Fatal(err)
	}
	// Crash: no snapshot, only the log (and the kernel drops a dead
	// process's directory lock).
	if err := e.ix.Close(); err != nil {
		t.Fatal(err)
	}
	e.unlock()
	for round := 0; round < 2; round++ {
		e, err = Open(dir)
		if err != nil {
			t.Fatal(err)
		}
		if e.Rebuilt {
			t.Errorf("round %d: reopened index asks for a rebuild", round)
		}
		if cur, _ := e.LoadCursor(ctx); cur != 42 {
			t.Errorf("round %d: cursor %d", round, cur)
		}
		hits, _ := e.Search(ctx, search.Query{Text: "拖欠工资", Limit: 3, Filter: search.Filter{Statuses: []string{"in_progress"}}})
		if len(hits) == 0 || hits[0].ID != 3 || hits[0].CaseID != 103 {
			t.Errorf("round %d: hits %+v", round, hits)
		}
		if e.DocCount() != len(docs) || e.DocFreq(search.GramKeys("拖欠", nil)[0]) != 1 {
			t.Errorf("round %d: %d docs", round, e.DocCount())
		}
		// Close snapshots: the second round loads the snapshot.
		if err := e.Close(); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := os.Stat(filepath.Join(dir, snapName)); err != nil {
		t.Errorf("no snapshot after Close: %v", err)
	}
}

func TestCorruptSnapshotRebuilds(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, snapName), []byte("JFXIDX01garbage"), 0o644); err != nil {
		t.Fatal(err)
	}
	e, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	if !e.Rebuilt || e.DocCount() != 0 {
		t.Errorf("corrupt snapshot: rebuilt=%v docs=%d", e.Rebuilt, e.DocCount())
	}
}

func TestRegionRange(t *testing.T) {
	lo, hi := regionRange("6109")
	for code, in := range map[string]bool{"610902001003": true, "610900000000": true, "610902001003001": true, "610202000000": false, "611000000000": false} {
		n := regionNumber(code)
		if got := n >= lo && n <= hi; got != in {
			t.Errorf("%s in 6109: %v", code, got)
		}
	}
}

// A time window skips whole runs of old documents; what it returns must be
// what a check of every document would return.
func TestTimeWindowSkipsOldRuns(t *testing.T) {
	ctx := context.Background()
	e := NewMemory()
	base := time.Date(2015, 1, 1, 0, 0, 0, 0, time.UTC)
	var docs []search.Doc
	for i := 1; i <= 3*timeBlock; i++ {
		docs = append(docs, search.Doc{ID: int64(i), CaseID: int64(i), Region: "610902001003",
			ReceivedAt: base.Add(time.Duration(i) * time.Hour), Subject: "小区噪音扰民", Content: "编号" + strconv.Itoa(i%97)})
	}
	if err := e.Upsert(ctx, docs...); err != nil {
		t.Fatal(err)
	}
	from := base.Add(time.Duration(2*timeBlock+10) * time.Hour)
	hits, err := e.Search(ctx, search.Query{Text: "小区噪音扰民 编号5", Limit: 20, Filter: search.Filter{From: from}})
	if err != nil || len(hits) == 0 {
		t.Fatalf("hits %v, %v", hits, err)
	}
	for _, h := range hits {
		if h.ID <= int64(2*timeBlock+10) {
			t.Errorf("hit %d is older than the window", h.ID)
		}
	}
	if !e.ix.before(0, timeBlock, from.Unix()) || e.ix.before(2*timeBlock, 3*timeBlock, from.Unix()) {
		t.Error("block bounds wrong")
	}
}
