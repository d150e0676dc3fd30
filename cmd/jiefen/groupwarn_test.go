package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"sync"
	"testing"

	"github.com/jiefen/jiefen/cases"
	"github.com/jiefen/jiefen/database/dbtest"
)

// TestGroupWarning runs the group early warning (群体性事件预警) on both
// databases: one matter (a cluster) with people in two counties and one
// case out of the window; the fifth different person within 30 days in one
// county records one warning at 5 with the growth per week — however many
// sweeps run, at once or again — and a timeline event on the newest case
// there; the tenth records the one at 10; the other county, with fewer, has
// none; the API shows a region only its own counties' warnings.
func TestGroupWarning(t *testing.T) {
	t.Parallel() // no environment, no timing: runs beside the other parallel tests
	for _, dialect := range dbtest.Dialects() {
		t.Run(dialect, func(t *testing.T) { groupWarning(t, dialect) })
	}
}

func groupWarning(t *testing.T, dialect string) {
	clock := &testClock{t: chinaDay("2027-01-20")}
	s, app := startApp(t, dialect, io.Discard, func(ctx context.Context, a *App) { a.Cases.Now = clock.Now })
	s.addUser("clerk", "window_clerk", "6109")
	s.addUser("hanbin", "supervisor", "610902")
	s.addUser("hanyin", "leader", "610921")
	s.addUser("city", "leader", "6109")
	s.addUser("street", "mediator", "610902001")
	clerk := s.login("clerk")
	ctx := context.Background()

	cl := &cases.Cluster{Title: "搅拌站噪声扰民", CreatedAt: clock.Now(), UpdatedAt: clock.Now()}
	if err := app.Store.CreateCluster(ctx, cl); err != nil {
		t.Fatal(err)
	}
	names := []string{"张伟", "王芳", "李娜", "刘洋", "陈静", "杨帆", "赵磊", "黄敏", "周杰", "吴霞",
		"徐强", "孙丽", "马超", "朱红", "胡斌", "郭琳", "何勇", "高翔", "林峰", "罗娟"}
	topics := []string{"夜间施工噪声", "路灯损坏", "下水道堵塞", "垃圾清运不及时", "小区停车位", "物业费上涨",
		"电梯故障", "楼道堆物", "绿化带被占", "广场舞扰民", "供暖不热", "自来水浑浊", "违规养犬", "外墙脱落",
		"消防通道堵塞", "公交站牌缺失", "学校门口拥堵", "菜市场污水", "工地扬尘", "快递柜收费"}
	n := 0
	register := func(region string) string {
		t.Helper()
		n++
		r := s.do("POST", "/api/v1/intakes", clerk, map[string]any{
			"channel": "window",
			"person":  map[string]any{"name": names[n-1], "phone": fmt.Sprintf("139%08d", 1000+n*7919)},
			"subject": topics[n-1], "content": topics[n-1] + fmt.Sprintf("的问题已持续%d天，希望尽快解决。", n+3),
			"region_code": region, "category": "neighbourhood",
		})
		if r.status != 201 || r.body["decision"] != "new" {
			t.Fatalf("register: %d %s", r.status, r.raw)
		}
		no := r.body["case_no"].(string)
		c, err := app.Store.CaseByNo(ctx, no, "")
		if err != nil {
			t.Fatal(err)
		}
		if err := app.Store.SetCluster(ctx, &cl.ID, c.ID); err != nil {
			t.Fatal(err)
		}
		return no
	}
	const hanbin, hanyin = "610902001003", "610921100001"
	sweep := func() int {
		t.Helper()
		got, err := app.GroupWarn.Sweep(ctx)
		if err != nil {
			t.Fatal(err)
		}
		return got
	}
	warnings := func(user string) []map[string]any {
		t.Helper()
		r := s.do("GET", "/api/v1/clusters/warnings", s.login(user), nil)
		if r.status != 200 {
			t.Fatalf("warnings: %d %s", r.status, r.raw)
		}
		items, _ := r.body["items"].([]any)
		out := make([]map[string]any, len(items))
		for i, it := range items {
			out[i] = it.(map[string]any)
		}
		return out
	}

	register(hanbin) // 2027-01-20: out of the 30-day window by 03-15
	clock.Set(chinaDay("2027-03-01"))
	for _, d := range []string{"03-01", "03-05", "03-10", "03-14"} {
		clock.Set(chinaDay("2027-" + d))
		register(hanbin)
		register(hanyin)
	}
	if got := sweep(); got != 0 {
		t.Fatalf("4 people in the window per county (8 in all, one more out of it): %d warnings", got)
	}

	clock.Set(chinaDay("2027-03-15"))
	fifth := register(hanbin)
	var wg sync.WaitGroup
	counts := make([]int, 3)
	errs := make([]error, 3)
	for i := range counts {
		wg.Add(1)
		go func(i int) { defer wg.Done(); counts[i], errs[i] = app.GroupWarn.Sweep(ctx) }(i)
	}
	wg.Wait()
	if errs[0] != nil || errs[1] != nil || errs[2] != nil || counts[0]+counts[1]+counts[2] != 1 {
		t.Fatalf("three sweeps at once: %v %v", counts, errs)
	}
	if got := sweep(); got != 0 {
		t.Fatalf("a later sweep recorded %d again", got)
	}
	w := warnings("hanbin")
	// 5 people since 03-01 09:30, two weeks ago: 2.5 a week.
	if len(w) != 1 || w[0]["cluster_id"] != float64(cl.ID) || w[0]["county"] != "610902000000" || w[0]["county_name"] != "汉滨区" ||
		w[0]["threshold"] != 5.0 || w[0]["persons"] != 5.0 || w[0]["per_week"] != 2.5 || !strings.HasPrefix(w[0]["at"].(string), "2027-03-15T09:30:00") {
		t.Fatalf("汉滨区's warnings: %v", w)
	}
	r := s.do("GET", "/api/v1/cases/"+fifth, clerk, nil)
	if strings.Count(r.raw, `"kind":"group_warning"`) != 1 || !strings.Contains(r.raw, "已有5人反映") {
		t.Errorf("the newest case's timeline: %s", r.raw)
	}
	if w := warnings("hanyin"); len(w) != 0 {
		t.Errorf("汉阴县 (4 people) sees %v", w)
	}
	if w := warnings("city"); len(w) != 1 {
		t.Errorf("the city sees %v", w)
	}
	if w := warnings("street"); len(w) != 1 {
		t.Errorf("a street in 汉滨区 sees %v", w)
	}

	for i := 16; i <= 20; i++ {
		clock.Set(chinaDay(fmt.Sprintf("2027-03-%d", i)))
		register(hanbin)
	}
	if got := sweep(); got != 1 {
		t.Fatalf("the tenth person: %d warnings", got)
	}
	sweep()
	w = warnings("hanbin")
	if len(w) != 2 || w[0]["threshold"] != 10.0 || w[0]["persons"] != 10.0 || w[1]["threshold"] != 5.0 {
		t.Fatalf("after the tenth: %v", w)
	}
	if w := warnings("hanyin"); len(w) != 0 {
		t.Errorf("汉阴县 sees %v", w)
	}
	// The 群体性事项 page lists them for the region.
	page := consolePage(t, s, "hanbin", "/console/clusters")
	if !strings.Contains(page, "群体性事件预警") || !strings.Contains(page, fmt.Sprintf(`href="/console/clusters/%d"`, cl.ID)) ||
		!strings.Contains(page, "达到 10 人预警线") {
		t.Errorf("console: %s", page)
	}
	if page := consolePage(t, s, "hanyin", "/console/clusters"); strings.Contains(page, "达到 10 人预警线") {
		t.Errorf("汉阴县's console shows 汉滨区's warning")
	}
}

// TestGroupWarningConfig: a bad JIEFEN_GROUP_WARN refuses to start.
func TestGroupWarningConfig(t *testing.T) {
	for _, bad := range []string{"5", "1,30d", "5,0d", "五,30d", "5,30w"} {
		t.Setenv("JIEFEN_GROUP_WARN", bad)
		cfg := Config{DataDir: t.TempDir(), Addr: "127.0.0.1:0"}
		app, err := OpenApp(context.Background(), cfg, slog.New(slog.NewTextHandler(io.Discard, nil)))
		if err == nil {
			app.Close()
			t.Errorf("JIEFEN_GROUP_WARN=%q was accepted", bad)
			continue
		}
		if !strings.Contains(err.Error(), "JIEFEN_GROUP_WARN") || !strings.Contains(err.Error(), "群体性事件预警配置") {
			t.Errorf("%q: error %q", bad, err)
		}
	}
	t.Setenv("JIEFEN_GROUP_WARN", "3,7d")
	cfg := Config{DataDir: t.TempDir(), Addr: "127.0.0.1:0"}
	app, err := OpenApp(context.Background(), cfg, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	defer app.Close()
	if c := app.GroupWarn.Config; c.Persons != 3 || c.Days != 7 {
		t.Errorf("config %v", c)
	}
}

// consolePage reads a console page as user, with the session cookie.
func consolePage(t *testing.T, s *testServer, user, path string) string {
	t.Helper()
	r := s.do("GET", path, "", nil, "Cookie", "jiefen_token="+s.login(user))
	if r.status != 200 {
		t.Fatalf("%s: %d %s", path, r.status, r.raw)
	}
	return r.raw
}
