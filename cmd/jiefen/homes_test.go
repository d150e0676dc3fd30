package main

import (
	"bytes"
	"io"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/jiefen/jiefen/cases"
	"github.com/jiefen/jiefen/web/browsertest"
)

// TestHomes: after login each role lands on its own home (/console/) with
// real content from the list API — the window clerk's registrations of
// today, the hotline agent's caller lookup and hotline work orders, the
// mediator's cases by clock, requests awaiting the resident, mediations and
// spot-check visits, the supervisor's overdue/soon-due/unassigned cases and
// 督办, the admin's users and units, the leader's dashboard; and the case
// list's 导出Excel button carries the list's filters. One server, one
// browser; screenshots go to $JIEFEN_SCREENSHOT_DIR or a temporary
// directory.
func TestHomes(t *testing.T) {
	if os.Getenv("JIEFEN_SCREENSHOT_DIR") == "" {
		dir, err := os.MkdirTemp("", "jiefen-homes-shots-")
		if err != nil {
			t.Fatal(err)
		}
		t.Setenv("JIEFEN_SCREENSHOT_DIR", dir)
		t.Logf("screenshots in %s", dir)
	}
	s, _ := startApp(t, "sqlite", io.Discard, nil)
	s.addUser("clerk", "window_clerk", "610902")
	s.addUser("agent", "hotline_agent", "610902")
	s.addUser("med", "mediator", "610902")
	s.addUser("super", "supervisor", "6109")
	s.addUser("leader", "leader", "6109")
	s.addUser("admin", "admin", "610902")
	clerk, agent, super := s.login("clerk"), s.login("agent"), s.login("super")
	med := s.login("med")

	register := func(token, channel, name, id, phone, subject string) string {
		t.Helper()
		body := walkIn()
		body["channel"] = channel
		body["person"] = map[string]any{"name": name, "id_number": id, "phone": phone}
		body["subject"], body["content"] = subject, subject+"，请求有关部门尽快处理。"
		delete(body, "respondent")
		r := s.do("POST", "/api/v1/intakes", token, body)
		if r.status != 201 || r.body["decision"] != "new" {
			t.Fatalf("register %s: %d %s", subject, r.status, r.raw)
		}
		return r.body["case_no"].(string)
	}
	move := func(token, no string, to ...string) {
		t.Helper()
		for _, st := range to {
			if r := s.do("POST", "/api/v1/cases/"+no+"/transitions", token, map[string]any{"to": st}); r.status != 200 {
				t.Fatalf("%s → %s: %d %s", no, st, r.status, r.raw)
			}
		}
	}
	window := register(clerk, "window", "李秀英", "610902198001010027", "13812345678", "邻居违建阻挡通道")
	hotline := register(agent, "hotline", "孙斌", "", "13700001111", "小区门口夜市油烟扰民")
	// A case for the mediator: assigned, taken up, awaiting the resident.
	forMed := register(clerk, "window", "赵大军", "", "13900001111", "楼上住户卫生间长期漏水")
	if r := s.do("POST", "/api/v1/cases/"+forMed+"/assignment", super, map[string]any{"assignee": "med"}); r.status != 200 {
		t.Fatalf("assign: %d %s", r.status, r.raw)
	}
	move(med, forMed, "accepted", "in_progress")
	if r := s.do("POST", "/api/v1/cases/"+forMed+"/info-requests", med, map[string]string{"request": "请补充漏水处的照片"}); r.status != 200 {
		t.Fatalf("info request: %d %s", r.status, r.raw)
	}
	// A case the clerk resolves, drawn for the mediator's spot check.
	resolved := register(clerk, "window", "钱桂兰", "", "13600002222", "物业费收费标准争议")
	move(clerk, resolved, "accepted", "in_progress", "resolved")
	today := dateInChina(t, s.do("GET", "/api/v1/cases/"+resolved, clerk, nil).body["resolved_at"].(string))
	if r := s.do("POST", "/api/v1/visits/samples", super, map[string]any{"region": "610902", "from": today,
		"to": today, "count": 1, "assignee": "med"}); r.status != 201 || r.body["drawn"] != float64(1) {
		t.Fatalf("sample: %d %s", r.status, r.raw)
	}
	// Another, that the supervisor draws from their home.
	resolved2 := register(clerk, "window", "周建国", "", "13500003333", "宅基地边界纠纷")
	move(clerk, resolved2, "accepted", "in_progress", "resolved")

	b := browsertest.Open(t, 1366, 768, 1, false)
	p := b.Page
	login := func(user, landing string) {
		t.Helper()
		p.Navigate(s.url + "/console/login")
		p.WaitFor(`!!document.querySelector('input[name=username]')`)
		p.TypeInto("input[name=username]", user)
		p.TypeInto("input[name=password]", "secret-"+user)
		p.Eval(`document.querySelector('form button[type=submit]').click()`)
		p.WaitFor(`location.pathname === ` + browsertest.JSString(landing) + ` && document.readyState === 'complete'`)
	}
	// section waits for a home section to be filled and returns its text.
	section := func(id string) string {
		t.Helper()
		sel := browsertest.JSString("#home-" + id)
		p.WaitFor(`(function(){var s=document.querySelector(` + sel + `); return s && (s.dataset.state === 'loaded' || s.dataset.state === 'error' || s.dataset.state === 'absent');})()`)
		if st := p.EvalString(`document.querySelector(` + sel + `).dataset.state`); st != "loaded" {
			t.Errorf("section %s: %s: %q", id, st, p.Text("#home-"+id))
		}
		return p.Text("#home-" + id)
	}
	count := func(id string) int { return p.EvalInt(`+document.querySelector('#home-` + id + `').dataset.count`) }

	t.Run("window_clerk", func(t *testing.T) {
		login("clerk", "/console/")
		got := section("today")
		for _, no := range []string{window, hotline, forMed, resolved, resolved2} {
			if !strings.Contains(got, no) {
				t.Errorf("today's registrations lack %s: %q", no, got)
			}
		}
		if count("today") != 5 {
			t.Errorf("today: %d", count("today"))
		}
		if href := p.EvalString(`document.getElementById('home-intake').getAttribute('href')`); href != "/console/intake?channel=window" {
			t.Errorf("registration link: %q", href)
		}
		if got := section("mine"); !strings.Contains(got, "没有案件") {
			t.Errorf("the clerk handles nothing: %q", got)
		}
		if nav := p.Text("header nav"); !strings.Contains(nav, "工作台") || !strings.Contains(nav, "案件列表") {
			t.Errorf("nav: %q", nav)
		}
		b.Shot("home-window-clerk")
		// The registration form is one click away.
		p.Eval(`document.getElementById('home-intake').click()`)
		p.WaitFor(`location.pathname === '/console/intake' && document.querySelector('select[name=channel]').value === 'window'`)
	})
	t.Run("hotline_agent", func(t *testing.T) {
		login("agent", "/console/")
		if got := section("today"); !strings.Contains(got, hotline) || strings.Contains(got, window) || count("today") != 1 {
			t.Errorf("today's hotline work orders: %q", got)
		}
		p.TypeInto(`#home-caller input[name=number]`, "13700001111")
		b.Shot("home-hotline-agent")
		p.Eval(`document.querySelector('#home-caller button[type=submit]').click()`)
		p.WaitFor(`location.pathname === '/console/caller' && location.search.indexOf('13700001111') > 0`)
	})
	t.Run("mediator", func(t *testing.T) {
		login("med", "/console/")
		if got := section("mine"); !strings.Contains(got, forMed) || !strings.Contains(got, "办理中") || count("mine") != 1 {
			t.Errorf("my cases: %q", got)
		}
		if got := section("awaiting"); !strings.Contains(got, forMed) || !strings.Contains(got, "待补充") {
			t.Errorf("awaiting the resident: %q", got)
		}
		if got := section("mediations"); !strings.Contains(got, "暂无承办的调解") {
			t.Errorf("mediations: %q", got)
		}
		if got := section("samples"); !strings.Contains(got, resolved) || !strings.Contains(got, "clerk") || count("samples") != 1 {
			t.Errorf("spot checks: %q", got)
		}
		b.Shot("home-mediator")
		// The spot check, recorded from the home: the case is visited,
		// the sample done.
		row := `#home-samples tr[data-case="` + resolved + `"]`
		p.Eval(`document.querySelector('` + row + ` button').click()`)
		p.WaitFor(`!document.querySelector('#home-samples form.visit-form').closest('tr').hidden`)
		p.Eval(`document.querySelector('#home-samples form.visit-form select[name=satisfaction]').value = '基本满意'`)
		p.Eval(`document.querySelector('#home-samples form.visit-form button[type=submit]').click()`)
		p.WaitFor(`document.getElementById('home').dataset.visited === '` + resolved + `:visited'`)
		if got := section("samples"); !strings.Contains(got, "没有待做的回访抽查") {
			t.Errorf("spot checks after the visit: %q", got)
		}
		r := s.do("GET", "/api/v1/cases/"+resolved+"/visits", med, nil)
		items, _ := r.body["items"].([]any)
		if r.status != 200 || len(items) != 1 || items[0].(map[string]any)["sample"] != true || items[0].(map[string]any)["satisfaction"] != "基本满意" {
			t.Errorf("the recorded spot check: %d %s", r.status, r.raw)
		}
	})
	t.Run("supervisor", func(t *testing.T) {
		login("super", "/console/")
		got := section("unassigned")
		for _, no := range []string{window, hotline} {
			if !strings.Contains(got, no) {
				t.Errorf("unassigned lacks %s: %q", no, got)
			}
		}
		if strings.Contains(got, forMed) || strings.Contains(got, resolved) || count("unassigned") != 2 {
			t.Errorf("unassigned: %q", got)
		}
		// Nothing is overdue or due within 3 days on the day of
		// registration; no case is supervised.
		for _, id := range []string{"overdue", "due-soon", "supervised"} {
			if got := section(id); !strings.Contains(got, "没有案件") {
				t.Errorf("%s: %q", id, got)
			}
		}
		// A spot-check sample drawn from the home: the one resolved case
		// not drawn yet.
		p.Eval(`(function(){var f=document.getElementById('sample-form'); f.elements.region.value='610902';
			f.elements.from.value=` + browsertest.JSString(today) + `; f.elements.to.value=` + browsertest.JSString(today) + `;
			f.elements.percent.value='100'; f.elements.assignee.value='med';
			f.querySelector('button[type=submit]').click();})()`)
		p.WaitFor(`document.getElementById('sample-form').dataset.drawn === '1'`)
		if got := p.Text("#sample-result"); !strings.Contains(got, "符合条件 1 件，抽取 1 件") || !strings.Contains(got, resolved2) {
			t.Errorf("draw: %q", got)
		}
		b.Shot("home-supervisor")
	})
	t.Run("admin", func(t *testing.T) {
		login("admin", "/console/")
		// The users of the admin's region (汉滨区): not the city's
		// supervisor and leader.
		if got := section("users"); !strings.Contains(got, "clerk") || !strings.Contains(got, "热线坐席") || count("users") != 4 {
			t.Errorf("users: %q", got)
		}
		if got := section("units"); !strings.Contains(got, "尚未登记机构") {
			t.Errorf("units: %q", got)
		}
	})
	t.Run("leader", func(t *testing.T) {
		login("leader", "/console/dashboard")
		p.WaitFor(`document.getElementById('module').dataset.loaded === '610900000000'`)
		if got := p.Text("#rank-rate"); !strings.Contains(got, "汉滨区") || !strings.Contains(got, "100.0%（办结2件）") {
			t.Errorf("resolution rate ranking: %q", got)
		}
		if got := p.Text("#rank-overdue"); !strings.Contains(got, "汉滨区") {
			t.Errorf("overdue ranking: %q", got)
		}
		b.Shot("home-leader-dashboard")
	})

	// 导出Excel on the filtered case list: the link carries the filters
	// and downloads them with the session.
	t.Run("export", func(t *testing.T) {
		login("clerk", "/console/")
		p.Navigate(s.url + "/console/cases?status=registered&channel=hotline")
		p.WaitFor(`!!document.getElementById('export-xlsx')`)
		href := p.EvalString(`document.getElementById('export-xlsx').getAttribute('href')`)
		if !strings.HasPrefix(href, "/api/v1/cases/export.xlsx?") || !strings.Contains(href, "status=registered") || !strings.Contains(href, "channel=hotline") {
			t.Fatalf("export link: %q", href)
		}
		p.Eval(`window.__x = null; fetch(document.getElementById('export-xlsx').href, {credentials: 'same-origin'}).then(function (r) {
			window.__x = r.status + ' ' + r.headers.get('Content-Type'); })`)
		p.WaitFor(`window.__x !== null`)
		if got := p.EvalString(`window.__x`); !strings.HasPrefix(got, "200 application/vnd.openxmlformats-officedocument.spreadsheetml.sheet") {
			t.Errorf("download with the session: %q", got)
		}
		req, _ := http.NewRequest("GET", s.url+href, nil)
		req.Header.Set("Authorization", "Bearer "+clerk)
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		raw, _ := io.ReadAll(res.Body)
		res.Body.Close()
		x, err := excelize.OpenReader(bytes.NewReader(raw))
		if err != nil {
			t.Fatalf("export: %d %v", res.StatusCode, err)
		}
		rows, _ := x.GetRows("案件清单")
		if len(rows) != 2 || rows[1][0] != hotline || rows[1][7] != "已登记" {
			t.Errorf("export rows: %q", rows)
		}
	})
}

// dateInChina is the China date of an RFC 3339 time.
func dateInChina(t *testing.T, iso string) string {
	t.Helper()
	tm, err := time.Parse(time.RFC3339, iso)
	if err != nil {
		t.Fatal(err)
	}
	return tm.In(cases.ChinaTime).Format(time.DateOnly)
}
