package bench

import (
	"context"
	"testing"
	"time"

	"github.com/uptrace/bun"

	"github.com/jiefen/jiefen/cases"
	"github.com/jiefen/jiefen/cases/casestore"
	"github.com/jiefen/jiefen/database/dbtest"
	"github.com/jiefen/jiefen/search"
)

func TestLoader(t *testing.T) {
	dbtest.Each(t, testLoader)
}

func testLoader(t *testing.T, db *bun.DB) {
	ctx := context.Background()
	keys := dbtest.Keys(t)
	all := fixture(t)
	l, err := NewLoader(ctx, db, keys, "610902")
	if err != nil {
		t.Fatal(err)
	}
	l.CloseBefore = time.Date(2019, 5, 1, 0, 0, 0, 0, time.UTC)
	l.Rows = 3 // several INSERTs per table
	recs := make([]Record, len(all))
	for i := range all {
		recs[i] = all[i].Record()
	}
	cids, iids, err := l.Load(ctx, recs[:5])
	if err != nil {
		t.Fatal(err)
	}
	c2, i2, err := l.Load(ctx, recs[5:])
	if err != nil {
		t.Fatal(err)
	}
	cids, iids = append(cids, c2...), append(iids, i2...)
	if len(cids) != 8 || cids[7] != 8 || iids[7] != 8 {
		t.Fatalf("case ids %v intake ids %v", cids, iids)
	}

	// The case store reads what the loader wrote.
	store := casestore.New(db, keys)
	in, err := store.IntakeByRef(ctx, "T2-1")
	if err != nil {
		t.Fatal(err)
	}
	if in.Person.IDNumber != "610902198503120012" || in.Person.Phone != "13483955034" || in.CaseID != cids[2] ||
		in.NameKey != "liugang" || in.RegionCode != "610902000000" || in.Content != all[2].Content {
		t.Errorf("intake %+v", in)
	}
	ids, err := store.IntakesByPerson(ctx, cases.Person{Phone: "13483955034"}, "", 10)
	if err != nil || len(ids) != 2 {
		t.Errorf("by phone: %v %v", ids, err)
	}
	ids, err = store.IntakesByPerson(ctx, cases.Person{IDNumber: "610921199001018827"}, "", 10)
	if err != nil || len(ids) != 1 || ids[0] != iids[6] {
		t.Errorf("by ID number: %v %v", ids, err)
	}
	cands, err := store.Candidates(ctx, []int64{iids[0], iids[6]}, true)
	if err != nil || len(cands) != 2 {
		t.Fatalf("candidates %+v %v", cands, err)
	}
	for _, c := range cands {
		switch c.IntakeID {
		case iids[0]: // March: closed by CloseBefore
			if c.CaseStatus != cases.StatusClosed || c.Content == "" || c.PhoneHash == "" {
				t.Errorf("candidate %+v", c)
			}
		case iids[6]: // July: open
			if c.CaseStatus != cases.StatusRegistered || c.Subject != "和平街道路灯长期不亮" {
				t.Errorf("candidate %+v", c)
			}
		}
	}
	c, err := store.CaseByID(ctx, cids[0])
	if err != nil {
		t.Fatal(err)
	}
	if c.No != "61090220190301"+"00001" || c.Subject != all[0].Subject {
		t.Errorf("case %+v", c)
	}
	docs, err := store.NewFeed("").AllDocs(ctx, search.Doc{}, 100)
	if err != nil || len(docs) != 8 {
		t.Fatalf("feed: %d docs, %v", len(docs), err)
	}
	// Numbering continues where the loader left off, for registration too.
	seq, err := store.NextCaseSeq(ctx, "610902", "20190301")
	if err != nil || seq != 2 {
		t.Errorf("next case number of the day = %d, %v", seq, err)
	}
	l2, err := NewLoader(ctx, db, keys, "610902000000")
	if err != nil {
		t.Fatal(err)
	}
	more := recs[0]
	more.Ref = "again"
	c3, _, err := l2.Load(ctx, []Record{more})
	if err != nil || c3[0] != 9 {
		t.Fatalf("second loader: %v %v", c3, err)
	}
	if c, err := store.CaseByID(ctx, c3[0]); err != nil || c.No != "6109022019030100003" {
		t.Errorf("case %+v %v", c, err)
	}
	if _, err := NewLoader(ctx, db, keys, "61x"); err == nil {
		t.Error("bad region accepted")
	}
}
