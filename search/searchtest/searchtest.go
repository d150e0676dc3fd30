// Package searchtest is the contract test suite every search engine must
// pass: the embedded engine always, Meilisearch when MEILI_URL is set.
package searchtest

import (
	"context"
	"testing"
	"time"

	"github.com/jiefen/jiefen/search"
)

// Open returns a fresh, empty index for one test.
type Open func(t *testing.T) search.Index

var base = time.Date(2025, 9, 1, 9, 0, 0, 0, time.UTC)

// Docs is a small corpus of real-looking intakes across two districts.
func Docs() []search.Doc {
	return []search.Doc{
		{ID: 1, CaseID: 101, Region: "610902001003", ReceivedAt: base, Status: "registered",
			Subject: "丽发新城附近修建搅拌站噪音灰尘污染", Content: "汉滨区丽发新城小区附近新建一座混凝土搅拌站，机器日夜轰鸣，扬尘漫天，严重影响居民休息和健康。"},
		{ID: 2, CaseID: 102, Region: "610902001004", ReceivedAt: base.Add(24 * time.Hour), Status: "in_progress",
			Subject: "伊景园滨河苑捆绑销售车位", Content: "伊景园滨河苑项目开发商强行捆绑销售车位，不买车位不给办理交房手续，请求有关部门查处。"},
		{ID: 3, CaseID: 103, Region: "610902002001", ReceivedAt: base.Add(48 * time.Hour), Status: "closed",
			Subject: "公司拖欠工资三个月", Content: "我在安康市华晟商贸有限公司做保洁员，公司已经拖欠三个月工资共计九千六百元，多次讨要无果。"},
		{ID: 4, CaseID: 104, Region: "610202001001", ReceivedAt: base.Add(72 * time.Hour), Status: "registered",
			Subject: "小区电梯长期故障无人维修", Content: "王益区某小区3号楼电梯坏了两个月，物业公司一直不修，老人上下楼非常困难。"},
		{ID: 5, CaseID: 105, Region: "610902001003", ReceivedAt: base.Add(96 * time.Hour), Status: "registered",
			Subject: "邻居装修噪音扰民", Content: "楼上邻居装修每天早上七点开始电钻施工，周末也不停，严重影响休息。"},
	}
}

// Run runs the contract suite.
func Run(t *testing.T, open Open) {
	ctx := context.Background()
	load := func(t *testing.T) search.Index {
		ix := open(t)
		if err := ix.Upsert(ctx, Docs()...); err != nil {
			t.Fatal(err)
		}
		return ix
	}
	ids := func(hits []search.Hit) []int64 {
		out := make([]int64, len(hits))
		for i, h := range hits {
			out[i] = h.ID
		}
		return out
	}
	search1 := func(t *testing.T, ix search.Index, q search.Query) []search.Hit {
		t.Helper()
		if q.Limit == 0 {
			q.Limit = 10
		}
		hits, err := ix.Search(ctx, q)
		if err != nil {
			t.Fatal(err)
		}
		return hits
	}

	t.Run("FindsRetelling", func(t *testing.T) {
		ix := load(t)
		// A call-taker's retelling: boilerplate first, then the matter.
		hits := search1(t, ix, search.Query{Text: "来电人反映：丽发新城小区旁边的搅拌站每天噪音很大，灰尘严重。"})
		if len(hits) == 0 || hits[0].ID != 1 || hits[0].CaseID != 101 {
			t.Fatalf("hits = %v, want intake 1 first", ids(hits))
		}
	})

	t.Run("FilterRegion", func(t *testing.T) {
		ix := load(t)
		hits := search1(t, ix, search.Query{Text: "小区电梯故障物业不修", Filter: search.Filter{RegionPrefix: "610902"}})
		for _, h := range hits {
			if h.ID == 4 {
				t.Fatalf("intake 4 (王益区) passed the 汉滨区 filter: %v", ids(hits))
			}
		}
		hits = search1(t, ix, search.Query{Text: "小区电梯故障物业不修", Filter: search.Filter{RegionPrefix: "6102"}})
		if len(hits) == 0 || hits[0].ID != 4 {
			t.Fatalf("铜川 filter: %v", ids(hits))
		}
	})

	t.Run("FilterTimeStatusCase", func(t *testing.T) {
		ix := load(t)
		q := "拖欠工资保洁员"
		if hits := search1(t, ix, search.Query{Text: q}); len(hits) == 0 || hits[0].ID != 3 {
			t.Fatalf("unfiltered: %v", ids(hits))
		}
		for name, f := range map[string]search.Filter{
			"from":    {From: base.Add(60 * time.Hour)},
			"to":      {To: base.Add(30 * time.Hour)},
			"status":  {Statuses: []string{"registered", "in_progress"}},
			"exclude": {ExcludeCase: 103},
		} {
			for _, h := range search1(t, ix, search.Query{Text: q, Filter: f}) {
				if h.ID == 3 {
					t.Errorf("%s: intake 3 passed the filter", name)
				}
			}
		}
		hits := search1(t, ix, search.Query{Text: q, Filter: search.Filter{Statuses: []string{"closed"}, From: base, To: base.Add(50 * time.Hour)}})
		if len(hits) == 0 || hits[0].ID != 3 {
			t.Errorf("matching filter: %v", ids(hits))
		}
	})

	t.Run("UpsertReplaces", func(t *testing.T) {
		ix := load(t)
		d := Docs()[4]
		d.Status, d.CaseID = "closed", 999
		d.Content = "楼上邻居装修噪音，现已协商解决。"
		if err := ix.Upsert(ctx, d); err != nil {
			t.Fatal(err)
		}
		hits := search1(t, ix, search.Query{Text: "邻居装修噪音", Filter: search.Filter{Statuses: []string{"closed"}}})
		if len(hits) == 0 || hits[0].ID != 5 || hits[0].CaseID != 999 {
			t.Fatalf("after upsert: %+v", hits)
		}
		if hits := search1(t, ix, search.Query{Text: "邻居装修噪音", Filter: search.Filter{Statuses: []string{"registered"}}}); len(hits) > 0 && hits[0].ID == 5 {
			t.Errorf("old status still indexed: %v", ids(hits))
		}
	})

	t.Run("Delete", func(t *testing.T) {
		ix := load(t)
		if err := ix.Delete(ctx, 2); err != nil {
			t.Fatal(err)
		}
		for _, h := range search1(t, ix, search.Query{Text: "伊景园滨河苑捆绑销售车位"}) {
			if h.ID == 2 {
				t.Fatal("deleted intake still found")
			}
		}
		if err := ix.Delete(ctx, 12345); err != nil {
			t.Errorf("deleting an unknown id: %v", err)
		}
	})

	t.Run("Limit", func(t *testing.T) {
		ix := load(t)
		if hits := search1(t, ix, search.Query{Text: "小区", Limit: 2}); len(hits) > 2 {
			t.Errorf("%d hits, limit 2", len(hits))
		}
	})

	t.Run("OddInput", func(t *testing.T) {
		ix := load(t)
		for _, q := range []string{"", "   ", "😀😀", "ＡＢＣ１２３", "「」，。！", "臺灣繁體字測試"} {
			if _, err := ix.Search(ctx, search.Query{Text: q, Limit: 5}); err != nil {
				t.Errorf("query %q: %v", q, err)
			}
		}
		if err := ix.Upsert(ctx, search.Doc{ID: 77, CaseID: 77, Region: "610902000000", ReceivedAt: base}); err != nil {
			t.Errorf("empty document: %v", err)
		}
	})
}
