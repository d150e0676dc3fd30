package search_test

import (
	"context"
	"errors"
	"sync/atomic"
	"testing"
	"time"

	"github.com/uptrace/bun"

	"github.com/jiefen/jiefen/calendar"
	"github.com/jiefen/jiefen/cases"
	"github.com/jiefen/jiefen/cases/casestore"
	"github.com/jiefen/jiefen/database"
	"github.com/jiefen/jiefen/database/dbtest"
	"github.com/jiefen/jiefen/kernel"
	"github.com/jiefen/jiefen/search"
	"github.com/jiefen/jiefen/search/embedded"
)

const village = "610902001003"

// flaky is an index that can be made to fail, standing in for an engine
// outage.
type flaky struct {
	search.Index
	down atomic.Bool
}

var errDown = errors.New("engine down")

func (f *flaky) Upsert(ctx context.Context, docs ...search.Doc) error {
	if f.down.Load() {
		return errDown
	}
	return f.Index.Upsert(ctx, docs...)
}

func (f *flaky) Search(ctx context.Context, q search.Query) ([]search.Hit, error) {
	if f.down.Load() {
		return nil, errDown
	}
	return f.Index.Search(ctx, q)
}

type env struct {
	svc    *cases.Service
	store  *casestore.Store
	syncer *search.Syncer
	index  *flaky
	clock  time.Time
}

func newEnv(t *testing.T, db *bun.DB) *env {
	t.Helper()
	store := casestore.New(db, dbtest.Keys(t))
	eng := embedded.NewMemory()
	idx := &flaky{Index: eng}
	e := &env{store: store, index: idx, clock: time.Date(2025, 3, 3, 9, 0, 0, 0, cases.ChinaTime)}
	e.syncer = &search.Syncer{Feed: store.NewFeed(""), Index: idx, Cursor: eng}
	e.svc = cases.NewService(database.Transactor{DB: db}, store, calendar.Default())
	e.svc.Now = func() time.Time { return e.clock }
	e.svc.Detector = &search.Detector{Index: idx, Stats: eng, Config: search.DefaultConfig}
	e.svc.Changed = func(ctx context.Context) { e.syncer.Sync(ctx) }
	return e
}

var system = kernel.SystemActor("测试")

func (e *env) register(t *testing.T, name, phone, channel, subject, content string) *cases.Registration {
	t.Helper()
	in := cases.Intake{Channel: kernel.Channel(channel), ReceivedAt: e.clock, RegionCode: village,
		Person: cases.Person{Name: name, Phone: phone}, Subject: subject, Content: content}
	reg, err := e.svc.Register(context.Background(), system, in)
	if err != nil {
		t.Fatal(err)
	}
	return reg
}

const (
	plantSubject = "丽发新城附近修建搅拌站噪音灰尘污染"
	plantContent = "汉滨区丽发新城小区附近新建一座混凝土搅拌站，机器日夜轰鸣，渣土车进进出出，扬尘漫天，严重影响居民休息和健康，请环保部门查处。"
)

func TestDecisions(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		ctx := context.Background()
		e := newEnv(t, db)
		first := e.register(t, "孙斌", "13812345678", "wechat", plantSubject, plantContent)
		if first.Decision != cases.DecisionNew {
			t.Fatalf("first intake: %s", first.Decision)
		}

		// The same person calls the hotline two days later: one case.
		e.clock = e.clock.Add(48 * time.Hour)
		dup := e.register(t, "孙斌", "13812345678", "hotline", plantSubject,
			"来电人反映：丽发新城小区附近的搅拌站机器日夜轰鸣，扬尘漫天，严重影响休息。")
		if dup.Decision != cases.DecisionMerged || dup.Case.No != first.Case.No {
			t.Fatalf("duplicate: %s into %s, want merged into %s", dup.Decision, dup.Case.No, first.Case.No)
		}
		r := dup.Related[0].Reasons
		if r == nil || r.SamePerson < 0.9 || r.SameMatter < 0.5 || len(r.Features) == 0 {
			t.Errorf("merge reasons %+v", r)
		}

		// A homophone-miswritten name on the hotline, no phone: still the same.
		e.clock = e.clock.Add(24 * time.Hour)
		homo := e.register(t, "孙彬", "", "hotline", plantSubject, "来电人反映：丽发新城附近搅拌站噪音灰尘污染问题。")
		if homo.Decision != cases.DecisionMerged || homo.Case.No != first.Case.No {
			t.Errorf("homophone name: %s into %s", homo.Decision, homo.Case.No)
		}

		// A neighbour complains about the same plant: a group issue, not a merge.
		nb := e.register(t, "龚俊斌", "13998765432", "wechat", "丽发新城附近搅拌站严重影响睡眠",
			"我已经好久没睡过安稳觉了，丽发新城小区附近建了一座搅拌站，每天尘土飞扬，噪音严重，晚上睡不着。")
		if nb.Decision != cases.DecisionGrouped || nb.Case.No == first.Case.No || nb.Case.ClusterID == nil {
			t.Fatalf("neighbour: %s case %s cluster %v", nb.Decision, nb.Case.No, nb.Case.ClusterID)
		}
		cl, err := e.svc.Clusters(ctx, system)
		if err != nil || len(cl) != 1 || cl[0].Cases != 2 || cl[0].Persons != 2 {
			t.Fatalf("clusters %+v, %v", cl, err)
		}

		// The same person, another matter: a new case.
		other := e.register(t, "孙斌", "13812345678", "wechat", "小区电梯长期故障无人维修",
			"我住的小区3号楼电梯坏了两个月，物业公司一直不修，老人上下楼非常困难。")
		if other.Decision != cases.DecisionNew || other.Case.No == first.Case.No {
			t.Fatalf("other matter: %s %s", other.Decision, other.Case.No)
		}

		// The first case is handled and closed; three months later he
		// petitions again: a new case linked as a repeat.
		for _, to := range []cases.Status{cases.StatusAccepted, cases.StatusInProgress, cases.StatusResolved,
			cases.StatusVisited, cases.StatusClosed} {
			if _, err := e.svc.Transition(ctx, system, first.Case.No, to, "办理"); err != nil {
				t.Fatal(err)
			}
		}
		e.clock = e.clock.Add(90 * 24 * time.Hour)
		rep := e.register(t, "孙斌", "13812345678", "window", "再次反映丽发新城搅拌站噪音灰尘问题",
			"丽发新城小区附近的搅拌站整改后又恢复夜间生产，噪音和扬尘问题依旧，请求彻底解决。")
		if rep.Decision != cases.DecisionRepeat || rep.Case.No == first.Case.No {
			t.Fatalf("repeat: %s %s", rep.Decision, rep.Case.No)
		}
		got, err := e.svc.Get(ctx, system, rep.Case.No)
		if err != nil {
			t.Fatal(err)
		}
		if len(got.Links) != 1 || got.Links[0].OtherCaseNo != first.Case.No || got.Links[0].Kind != cases.LinkRepeat ||
			got.Links[0].Status != cases.LinkConfirmed || got.Links[0].Reasons == nil {
			t.Fatalf("repeat links %+v", got.Links)
		}
		old, _ := e.svc.Get(ctx, system, first.Case.No)
		if len(old.Links) != 1 || old.Links[0].OtherCaseNo != rep.Case.No || old.Links[0].Direction != "in" {
			t.Errorf("old case sees %+v", old.Links)
		}

		// Similar lists the related cases with reasons.
		sim, err := e.svc.Similar(ctx, system, rep.Case.No)
		if err != nil || len(sim) == 0 || sim[0].CaseNo != first.Case.No || sim[0].Reasons == nil {
			t.Errorf("similar %+v, %v", sim, err)
		}
	})
}

func TestReviewSplitMergeUndo(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		ctx := context.Background()
		e := newEnv(t, db)
		a := e.register(t, "李秀英", "13812345678", "window", "邻居违建阻挡通道", "隔壁王某在巷道加盖彩钢棚，堵住了出行通道，多次协商无果。")
		e.clock = e.clock.Add(time.Hour)
		b := e.register(t, "李秀英", "13812345678", "hotline", "邻居违建阻挡通道", "来电人反映：隔壁王某加盖彩钢棚堵住通道。")
		if b.Case.No != a.Case.No {
			t.Fatalf("expected a merge, got %s", b.Decision)
		}
		// Staff split the hotline intake out: a wrong merge undone.
		split, err := e.svc.Split(ctx, system, a.Case.No, b.Intake.Ref, "经核实为不同事项")
		if err != nil {
			t.Fatal(err)
		}
		ca, _ := e.svc.Get(ctx, system, a.Case.No)
		cs, _ := e.svc.Get(ctx, system, split.No)
		if len(ca.Intakes) != 1 || len(cs.Intakes) != 1 || cs.Intakes[0].Ref != b.Intake.Ref || cs.Parties[0].Phone != "13812345678" {
			t.Fatalf("after split: %d and %d intakes", len(ca.Intakes), len(cs.Intakes))
		}
		// ...and undo the split: back in one case, nothing lost.
		splitEv := ca.Events[len(ca.Events)-1]
		if splitEv.Kind != cases.EventSplit {
			t.Fatalf("last event %s", splitEv.Kind)
		}
		if _, err := e.svc.Undo(ctx, system, a.Case.No, splitEv.ID, "拆错了"); err != nil {
			t.Fatal(err)
		}
		ca, _ = e.svc.Get(ctx, system, a.Case.No)
		cs, _ = e.svc.Get(ctx, system, split.No)
		if len(ca.Intakes) != 2 || cs.Status != cases.StatusMerged {
			t.Fatalf("after undo: %d intakes, split case %s", len(ca.Intakes), cs.Status)
		}
		if _, err := e.svc.Undo(ctx, system, a.Case.No, splitEv.ID, ""); kernel.ErrorCode(err) != kernel.EConflict {
			t.Errorf("second undo: %v", err)
		}

		// Merge two cases by hand, then undo it.
		c := e.register(t, "赵六", "13700001111", "wechat", "小区停车收费不合理", "物业公司擅自提高停车费，每月从200元涨到350元。")
		if _, err := e.svc.Merge(ctx, system, a.Case.No, c.Case.No, "同一小区"); err != nil {
			t.Fatal(err)
		}
		ca, _ = e.svc.Get(ctx, system, a.Case.No)
		cc, _ := e.svc.Get(ctx, system, c.Case.No)
		if len(ca.Intakes) != 3 || cc.Status != cases.StatusMerged {
			t.Fatalf("after merge: %d intakes, %s", len(ca.Intakes), cc.Status)
		}
		mergeEv := ca.Events[len(ca.Events)-1]
		if _, err := e.svc.Undo(ctx, system, a.Case.No, mergeEv.ID, ""); err != nil {
			t.Fatal(err)
		}
		cc, _ = e.svc.Get(ctx, system, c.Case.No)
		if len(cc.Intakes) != 1 || cc.Status != cases.StatusRegistered {
			t.Fatalf("after undoing the merge: %d intakes, %s", len(cc.Intakes), cc.Status)
		}
		if _, err := e.svc.Merge(ctx, system, a.Case.No, a.Case.No, ""); kernel.ErrorCode(err) != kernel.EInvalid {
			t.Errorf("self merge: %v", err)
		}
	})
}

func TestSuggestionConfirmReject(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		ctx := context.Background()
		e := newEnv(t, db)
		cfg := search.DefaultConfig
		cfg.Merge, cfg.Review = 1.1, 0.01 // nothing merges: the same person is a suggestion
		e.svc.Detector.(*search.Detector).Config = cfg
		a := e.register(t, "王芳", "13800001111", "window", "工地夜间施工噪音扰民", "小区旁边工地每天夜里施工到凌晨，噪音扰民。")
		b := e.register(t, "王芳", "13800001111", "hotline", "工地夜间施工噪音", "来电人反映：工地夜间施工到凌晨，噪音很大。")
		if b.Case.No == a.Case.No || len(b.Related) == 0 {
			t.Fatalf("want a new case with a suggestion, got %s %+v", b.Decision, b.Related)
		}
		got, _ := e.svc.Get(ctx, system, b.Case.No)
		if len(got.Links) != 1 || got.Links[0].Status != cases.LinkSuggested {
			t.Fatalf("links %+v", got.Links)
		}
		id := got.Links[0].ID
		if _, err := e.svc.SetLinkStatus(ctx, system, b.Case.No, id, cases.LinkConfirmed, "确认同一事项"); err != nil {
			t.Fatal(err)
		}
		got, _ = e.svc.Get(ctx, system, a.Case.No)
		if got.Links[0].Status != cases.LinkConfirmed {
			t.Fatalf("confirmed link seen from the other case: %+v", got.Links[0])
		}
		ev := got.Events[len(got.Events)-1]
		if _, err := e.svc.Undo(ctx, system, a.Case.No, ev.ID, ""); err != nil {
			t.Fatal(err)
		}
		got, _ = e.svc.Get(ctx, system, a.Case.No)
		if got.Links[0].Status != cases.LinkSuggested {
			t.Errorf("after undo: %s", got.Links[0].Status)
		}
		if _, err := e.svc.SetLinkStatus(ctx, system, b.Case.No, id, "maybe", ""); kernel.ErrorCode(err) != kernel.EInvalid {
			t.Errorf("bad status: %v", err)
		}
	})
}

// With the engine down, registration still succeeds (person keys still find
// the duplicate) and the index catches up from the change feed afterwards.
func TestIndexOutage(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		ctx := context.Background()
		e := newEnv(t, db)
		e.index.down.Store(true)
		a := e.register(t, "孙斌", "13812345678", "wechat", plantSubject, plantContent)
		b := e.register(t, "孙斌", "13812345678", "hotline", plantSubject, "来电人反映：丽发新城搅拌站扬尘噪音严重。")
		if b.Decision != cases.DecisionMerged || b.Case.No != a.Case.No {
			t.Errorf("during the outage: %s", b.Decision)
		}
		hits, _ := e.index.Index.Search(ctx, search.Query{Text: plantSubject, Limit: 5})
		if len(hits) != 0 {
			t.Fatalf("index got documents while down: %v", hits)
		}
		e.index.down.Store(false)
		n, err := e.syncer.Sync(ctx)
		if err != nil || n == 0 {
			t.Fatalf("catch up: %d, %v", n, err)
		}
		hits, _ = e.index.Search(ctx, search.Query{Text: plantSubject, Limit: 5})
		if len(hits) != 2 || hits[0].CaseID != a.Case.ID {
			t.Errorf("after catching up: %+v", hits)
		}
		// A rebuild from scratch gives the same.
		eng := embedded.NewMemory()
		rb := &search.Syncer{Feed: e.store.NewFeed(""), Index: eng, Cursor: eng}
		if n, err := rb.Rebuild(ctx, nil); err != nil || n != 2 {
			t.Errorf("rebuild: %d, %v", n, err)
		}
	})
}

// Odd text never breaks detection.
func TestOddInput(t *testing.T) {
	db := dbtest.Open(t, "sqlite")
	e := newEnv(t, db)
	long := ""
	for i := 0; i < 2000; i++ {
		long += "噪音扰民，"
	}
	for _, s := range []string{"😀😀😀", "ＡＢＣ１２３号楼漏水", "臺灣繁體字測試：鄰居噪音", long, "。。。", "a"} {
		subject := []rune(s)
		if len(subject) > cases.MaxSubject {
			subject = subject[:cases.MaxSubject]
		}
		e.register(t, "测试", "13800000000", "web", string(subject), s)
	}
}
