package statsweb_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/xuri/excelize/v2"

	"github.com/jiefen/jiefen/calendar"
	"github.com/jiefen/jiefen/cases"
	"github.com/jiefen/jiefen/channels"
	"github.com/jiefen/jiefen/channels/video/videotest"
	"github.com/jiefen/jiefen/clocks"
	"github.com/jiefen/jiefen/clocks/clockstore"
	"github.com/jiefen/jiefen/database"
	"github.com/jiefen/jiefen/database/dbtest"
	"github.com/jiefen/jiefen/kernel"
	"github.com/jiefen/jiefen/stats"
	"github.com/jiefen/jiefen/stats/statstore"
	"github.com/jiefen/jiefen/stats/statsweb"
	"github.com/jiefen/jiefen/web"
)

func day(d, h int) time.Time { return time.Date(2025, 11, d, h, 0, 0, 0, calendar.China) }

// TestOverview checks every figure of the overview against a hand-counted
// fixture, on both databases, then the same figures rebuilt from the
// timeline, and the monthly report read back.
func TestOverview(t *testing.T) {
	for _, d := range dbtest.Dialects() {
		t.Run(d, func(t *testing.T) { overview(t, videotest.New(t, d)) })
	}
}

func overview(t *testing.T, e *videotest.Env) {
	ctx := context.Background()
	st := statstore.New(e.DB)
	svc := stats.NewService(st, e.Cases.Calendar)
	svc.Now = e.Now
	cl := clocks.NewService(e.Cases, clockstore.New(e.DB), nil)
	cl.Now = e.Now
	e.Cases.Clocks = cl
	e.Cases.Notifier = channels.Fanout{svc.Notifier()}
	sup := e.Actor("supervisor")

	reg := func(at time.Time, region, category string, ch kernel.Channel, name, phone string) *cases.Case {
		t.Helper()
		e.Set(at)
		in := *videotest.Walkin(name, phone, name+"反映"+category+"问题"+at.Format("0102150405"))
		in.RegionCode, in.Category, in.Channel = region, category, ch
		r, err := e.Cases.Register(ctx, sup, in)
		if err != nil {
			t.Fatal(err)
		}
		return r.Case
	}
	move := func(at time.Time, c *cases.Case, note string, to ...cases.Status) {
		t.Helper()
		e.Set(at)
		for _, s := range to {
			if _, err := e.Cases.Transition(ctx, sup, c.No, s, note); err != nil {
				t.Fatal(err)
			}
		}
	}
	const laocheng, xincheng, hanyin = "610902001003", "610902002001", "610921100001"
	// October (outside the range): received, resolved in November.
	a := reg(time.Date(2025, 10, 20, 9, 0, 0, 0, calendar.China), laocheng, "neighbourhood", kernel.ChannelWindow, "甲", "13800000001")
	move(day(3, 9), a, "", cases.StatusAccepted, cases.StatusInProgress, cases.StatusResolved) // resolved 3 Nov (14 days)
	move(day(4, 9), a, "", cases.StatusVisited)                                                // visited since: still counts
	// November: five received.
	b := reg(day(5, 9), laocheng, "neighbourhood", kernel.ChannelHotline, "乙", "13800000002")
	c := reg(day(6, 9), xincheng, "labour", kernel.ChannelHotline, "丙", "13800000003")
	d := reg(day(6, 11), hanyin, "labour", kernel.ChannelWeChat, "丁", "13800000004") // another county
	f := reg(day(10, 9), xincheng, "neighbourhood", kernel.ChannelWindow, "戊", "13800000005")
	g := reg(day(12, 9), laocheng, "homestead", kernel.ChannelWindow, "己", "13800000006")
	move(day(7, 9), b, "", cases.StatusAccepted, cases.StatusInProgress, cases.StatusResolved)  // resolved 7 Nov (2 days)
	move(day(8, 9), b, "回访不满意，重新办理", cases.StatusInProgress)                                    // reopened: no success
	move(day(7, 10), c, "", cases.StatusAccepted, cases.StatusInProgress, cases.StatusResolved) // resolved 7 Nov (1 day)
	move(day(9, 9), d, "", cases.StatusAccepted, cases.StatusInProgress, cases.StatusResolved)  // other county
	move(day(11, 9), f, "不属于受理范围", cases.StatusRejected)                                        // rejected
	_ = g                                                                                       // registered 12 Nov: accept clock due 27 Nov
	// December (outside): resolved on 1 Dec.
	move(time.Date(2025, 12, 1, 9, 0, 0, 0, calendar.China), c, "", cases.StatusVisited)

	// Residents' evaluations: one satisfied, one dissatisfied (a), in range.
	e.Set(day(20, 9))
	for caseNo, rating := range map[string]string{c.No: "satisfied", a.No: "dissatisfied"} {
		if err := e.Cases.Note(ctx, kernel.SystemActor("测试"), caseID(t, e, caseNo), cases.EventEvaluated, "", map[string]any{"rating": rating}); err != nil {
			t.Fatal(err)
		}
	}
	// A return visit with 基本满意 (the visits module's event).
	if err := e.Cases.Note(ctx, kernel.SystemActor("测试"), b.ID, stats.EventReturnVisit, "", map[string]any{"reached": true, "satisfaction": "基本满意"}); err != nil {
		t.Fatal(err)
	}

	e.Set(time.Date(2025, 12, 1, 10, 0, 0, 0, calendar.China))
	app := web.New(web.Deps{Cases: e.Cases, Staff: e.Staff, Now: e.Now, Log: slog.New(slog.NewTextHandler(io.Discard, nil)),
		Mounts: []web.Mount{statsweb.Mount(svc, e.Cases)}})
	login := func(name string) string {
		tok, _, _, err := e.Staff.Login(ctx, name, videotest.Password)
		if err != nil {
			t.Fatal(err)
		}
		return tok
	}
	hb, other, leader := login("hbleader"), login("other"), login("leader")

	get := func(tok, path string) (int, []byte) {
		req := httptest.NewRequest("GET", path, nil)
		req.Header.Set("Authorization", "Bearer "+tok)
		res, err := app.Test(req, -1)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		body, _ := io.ReadAll(res.Body)
		return res.StatusCode, body
	}
	var o stats.Overview
	check := func(label string) {
		t.Helper()
		status, body := get(hb, "/api/v1/stats/overview?region=610902&from=2025-11-01&to=2025-11-30")
		if status != 200 {
			t.Fatalf("%s: %d %s", label, status, body)
		}
		o = stats.Overview{}
		json.Unmarshal(body, &o)
		// 汉滨区 in November: received b, c, f, g (4); accepted a, b, c; resolved
		// a (3 Nov), b, c (first resolutions); success a, c (b reopened);
		// rejected f; visited a; closed none.
		if o.Region.Code != "610902000000" || o.Region.Name != "汉滨区" || o.Received != 4 || o.Accepted != 3 ||
			o.Resolved != 3 || o.Closed != 0 || o.Rejected != 1 || o.Success != 2 || o.Visited != 1 {
			t.Errorf("%s: totals received %d accepted %d resolved %d closed %d rejected %d success %d visited %d", label, o.Received, o.Accepted, o.Resolved, o.Closed, o.Rejected, o.Success, o.Visited)
		}
		if o.ResolutionRate != 0.6667 || o.AvgResolveDays != 5.7 { // (14+2+1)/3
			t.Errorf("%s: rate %v, avg days %v", label, o.ResolutionRate, o.AvgResolveDays)
		}
		// Now (1 Dec 10:00): g's accept clock (due 27 Nov) is overdue; b is in
		// progress with its handling clock due in January.
		if o.Overdue != 1 || o.Backlog != 0 || o.DueSoon != 0 {
			t.Errorf("%s: overdue %d backlog %d due soon %d", label, o.Overdue, o.Backlog, o.DueSoon)
		}
		if s := o.Satisfaction; s.Count != 3 || s.Satisfied != 0.3333 || s.Basically != 0.3333 || s.Unsatisfied != 0.3333 {
			t.Errorf("%s: satisfaction %+v", label, s)
		}
		fig := map[string]stats.RegionFigures{}
		for _, r := range o.ByRegion {
			fig[r.Code] = r
		}
		if len(o.ByRegion) < 10 || fig["610902001000"].Name != "老城街道" ||
			fig["610902001000"].Received != 2 || fig["610902001000"].Resolved != 2 || fig["610902001000"].Overdue != 1 ||
			fig["610902002000"].Received != 2 || fig["610902002000"].Resolved != 1 || fig["610902002000"].Overdue != 0 {
			t.Errorf("%s: by region %+v", label, o.ByRegion[:3])
		}
		// The 通报 rankings of the towns with cases: 新城街道 (c resolved and
		// satisfied; f rejected) before 老城街道 (a resolved; b resolved and
		// reopened; g overdue; a 不满意, b 基本满意) in all three.
		rk := func(list []stats.Ranked) string {
			s := ""
			for _, x := range list {
				s += fmt.Sprintf("%d %s %v/%d; ", x.Rank, x.Name, x.Value, x.Base)
			}
			return s
		}
		if got := rk(o.Rankings.ResolutionRate); got != "1 新城街道 1/1; 2 老城街道 0.5/2; " {
			t.Errorf("%s: resolution rate ranking %s", label, got)
		}
		if got := rk(o.Rankings.Overdue); got != "1 新城街道 0/2; 2 老城街道 1/2; " {
			t.Errorf("%s: overdue ranking %s", label, got)
		}
		if got := rk(o.Rankings.Satisfaction); got != "1 新城街道 1/1; 2 老城街道 0.5/2; " {
			t.Errorf("%s: satisfaction ranking %s", label, got)
		}
		ch := map[string]int{}
		for _, x := range o.ByChannel {
			ch[x.Channel] = x.Received
		}
		cat := map[string]int{}
		for _, x := range o.ByCategory {
			cat[x.Category] = x.Received
		}
		if len(ch) != 2 || ch["hotline"] != 2 || ch["window"] != 2 || len(cat) != 3 || cat["neighbourhood"] != 2 || cat["labour"] != 1 || cat["homestead"] != 1 {
			t.Errorf("%s: channels %v categories %v", label, ch, cat)
		}
		tr := map[string]stats.TrendPoint{}
		for _, p := range o.Trend {
			tr[p.Date] = p
		}
		if len(o.Trend) != 30 || o.TrendUnit != "day" || tr["2025-11-06"].Received != 1 || tr["2025-11-07"].Resolved != 2 || tr["2025-11-03"].Resolved != 1 {
			t.Errorf("%s: trend %+v", label, o.Trend)
		}
	}
	check("maintained")

	// The counters rebuilt from the timeline are the same.
	if err := st.Rebuild(ctx); err != nil {
		t.Fatal(err)
	}
	check("rebuilt")

	// Servers starting together on a database without counters: one
	// counts the timeline, the others find it done (not twice the figures).
	for _, table := range []string{"stat_days", "stat_dims", "stat_months", "stat_dim_months"} {
		if _, err := e.DB.ExecContext(ctx, "DELETE FROM "+table); err != nil {
			t.Fatal(err)
		}
	}
	var wg sync.WaitGroup
	rebuilt := make([]bool, 3)
	errs := make([]error, 3)
	for i := range rebuilt {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = (database.Transactor{DB: e.DB}).InTx(ctx, func(ctx context.Context, tx kernel.Tx) error {
				var err error
				rebuilt[i], err = st.RebuildIfEmpty(ctx, tx)
				return err
			})
		}()
	}
	wg.Wait()
	n := 0
	for i, ok := range rebuilt {
		if errs[i] != nil {
			t.Fatal(errs[i])
		}
		if ok {
			n++
		}
	}
	if n != 1 {
		t.Errorf("%d servers rebuilt the counters, want 1", n)
	}
	check("rebuilt at start by one of three servers")

	// The city sees both counties; defaults: the caller's region, this month.
	status, body := get(leader, "/api/v1/stats/overview?from=2025-11-01&to=2025-11-30")
	var city stats.Overview
	json.Unmarshal(body, &city)
	if status != 200 || city.Region.Code != "610900000000" || city.Received != 5 || city.Resolved != 4 {
		t.Errorf("city: %d %+v", status, city)
	}
	status, body = get(hb, "/api/v1/stats/overview")
	json.Unmarshal(body, &city)
	if status != 200 || city.From != "2025-12-01" || city.To != "2025-12-01" || city.Visited != 1 {
		t.Errorf("defaults: %d %s", status, body)
	}
	// Outside the caller's region: not found. Bad input: field errors.
	if status, body := get(other, "/api/v1/stats/overview?region=610902"); status != 404 {
		t.Errorf("other county: %d %s", status, body)
	}
	if status, body := get(hb, "/api/v1/stats/overview?from=2025-13-01&region=61x"); status != 400 || !bytes.Contains(body, []byte("行政区划代码")) {
		t.Errorf("bad input: %d %s", status, body)
	}
	if status, body := get(hb, "/api/v1/stats/overview?from=2025-11-30&to=2025-11-01"); status != 400 || !bytes.Contains(body, []byte("结束日期")) {
		t.Errorf("reversed range: %d %s", status, body)
	}

	// The monthly report, read back.
	status, body = get(hb, "/api/v1/stats/monthly.xlsx?region=610902&month=2025-11")
	if status != 200 {
		t.Fatalf("monthly: %d %s", status, body)
	}
	x, err := excelize.OpenReader(bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	want := []string{statsweb.SheetSummary, statsweb.SheetRegions, statsweb.SheetCategory, statsweb.SheetChannel, statsweb.SheetOverdue, statsweb.SheetClusters}
	if got := x.GetSheetList(); len(got) != len(want) || got[0] != want[0] || got[4] != want[4] {
		t.Errorf("sheets %v", got)
	}
	cell := func(sheet, ref string) string { v, _ := x.GetCellValue(sheet, ref); return v }
	if cell(statsweb.SheetSummary, "A5") != "收件数" || cell(statsweb.SheetSummary, "B5") != "4" || cell(statsweb.SheetSummary, "A10") != "化解成功率" {
		t.Errorf("summary: %s=%s", cell(statsweb.SheetSummary, "A5"), cell(statsweb.SheetSummary, "B5"))
	}
	if cell(statsweb.SheetRegions, "C1") != "地区" || cell(statsweb.SheetRegions, "G2") == "" {
		t.Errorf("regions: %q %q", cell(statsweb.SheetRegions, "C1"), cell(statsweb.SheetRegions, "G2"))
	}
	// The 通报 ranking: 新城街道 first in all three, 老城街道 second, the
	// towns without cases after them, unranked.
	for ref, want := range map[string]string{"A1": "化解成功率排名", "K1": "超期排名", "L1": "满意率排名",
		"A2": "1", "C2": "新城街道", "K2": "1", "L2": "1", "A3": "2", "C3": "老城街道", "H3": "1", "K3": "2", "L3": "2", "A4": "", "K4": ""} {
		if got := cell(statsweb.SheetRegions, ref); got != want {
			t.Errorf("regions sheet %s = %q, want %q", ref, got, want)
		}
	}
	if cell(statsweb.SheetOverdue, "A2") != g.No || cell(statsweb.SheetOverdue, "A3") != "" {
		t.Errorf("overdue sheet: %q", cell(statsweb.SheetOverdue, "A2"))
	}
	if p, _ := x.GetPanes(statsweb.SheetRegions); !p.Freeze || p.YSplit != 1 {
		t.Errorf("header row not frozen: %+v", p)
	}
	if ex, err := st.Exports(ctx, 5); err != nil || len(ex) != 1 || ex[0].Kind != "monthly" || ex[0].Rows != 1 {
		t.Errorf("audit: %+v %v", ex, err)
	}
	_ = fiber.StatusOK
}

func caseID(t *testing.T, e *videotest.Env, no string) int64 {
	t.Helper()
	c, err := e.Cases.Get(context.Background(), kernel.SystemActor("测试"), no)
	if err != nil {
		t.Fatal(err)
	}
	return c.ID
}
