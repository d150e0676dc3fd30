package main

import (
	"bytes"
	"io"
	"net/http"
	"os"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"github.com/jiefen/jiefen/web/browsertest"
)

// TestStatsDashboard, end to end on the wired app: a clerk registers and
// resolves two cases and records a return visit; the overview counts them;
// the case list exports to Excel (masked, audited); a leader lands on the
// dashboard, its charts are drawn, a click drills down to the county, and
// the page is photographed at 1366×768 (JIEFEN_SCREENSHOT_DIR).
func TestStatsDashboard(t *testing.T) {
	s, _ := startApp(t, "sqlite", io.Discard, nil)
	s.addUser("leader", "leader", "6109")
	s.addUser("clerk", "window_clerk", "610902")
	clerk := s.login("clerk")
	var nos []string
	for i := 0; i < 2; i++ {
		body := walkIn()
		if i == 1 {
			body["person"] = map[string]any{"name": "赵大军", "phone": "13900001111"}
			body["subject"], body["content"] = "楼上住户卫生间漏水", "楼上住户卫生间长期漏水，天花板发霉，物业不予处理。"
			body["category"] = "property_management"
		}
		r := s.do("POST", "/api/v1/intakes", clerk, body)
		if r.status != 201 {
			t.Fatalf("register: %d %s", r.status, r.raw)
		}
		no := r.body["case_no"].(string)
		nos = append(nos, no)
		for _, to := range []string{"accepted", "in_progress", "resolved"} {
			if r := s.do("POST", "/api/v1/cases/"+no+"/transitions", clerk, map[string]any{"to": to}); r.status != 200 {
				t.Fatalf("%s: %d %s", to, r.status, r.raw)
			}
		}
	}
	if r := s.do("POST", "/api/v1/cases/"+nos[0]+"/visits", clerk, map[string]any{"method": "phone", "reached": true, "satisfaction": "满意"}); r.status != 201 || r.body["status"] != "visited" {
		t.Fatalf("visit: %d %s", r.status, r.raw)
	}
	r := s.do("GET", "/api/v1/stats/overview", clerk, nil)
	if r.status != 200 || r.body["received"] != float64(2) || r.body["resolved"] != float64(2) || r.body["resolution_rate"] != float64(1) {
		t.Fatalf("overview: %d %s", r.status, r.raw)
	}
	if sat := r.body["satisfaction"].(map[string]any); sat["satisfied"] != float64(1) {
		t.Errorf("satisfaction: %v", sat)
	}

	// The export of the filtered list, read back.
	req, _ := http.NewRequest("GET", s.url+"/api/v1/cases/export.xlsx?status=resolved", nil)
	req.Header.Set("Authorization", "Bearer "+clerk)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	raw, _ := io.ReadAll(res.Body)
	res.Body.Close()
	x, err := excelize.OpenReader(bytes.NewReader(raw))
	if err != nil {
		t.Fatalf("export: %d %v %s", res.StatusCode, err, raw[:min(len(raw), 200)])
	}
	rows, _ := x.GetRows("案件清单")
	if len(rows) != 2 || rows[0][0] != "案件编号" || rows[1][0] != nos[1] || rows[1][7] != "已办结" || strings.Count(rows[1][6], "*") == 0 {
		t.Errorf("export rows: %q", rows)
	}

	b := browsertest.Open(t, 1366, 768, 1, false)
	p := b.Page
	p.Navigate(s.url + "/console/login")
	p.WaitFor(`!!document.querySelector('input[name=username]')`)
	p.TypeInto("input[name=username]", "leader")
	p.TypeInto("input[name=password]", "secret-leader")
	p.Eval(`document.querySelector('form button[type=submit]').click()`)
	p.WaitFor(`location.pathname === '/console/dashboard'`)
	p.WaitFor(`document.getElementById('module').dataset.loaded === '610900000000' && document.querySelectorAll('.dash-chart canvas').length === 4`)
	if got := p.Text("#tile-received"); !strings.Contains(got, "2") {
		t.Errorf("received tile: %q", got)
	}
	// 积案 and 督办 as the petition track counts them (its overview figure).
	if got := p.EvalString(`document.getElementById('tile-backlog').title`); got != "积案：超过办理期限仍未办结，或同一事项信访3次及以上" ||
		p.EvalInt(`document.querySelectorAll('#tile-supervised').length`) != 1 {
		t.Errorf("backlog tile %q, supervised tiles %d", got, p.EvalInt(`document.querySelectorAll('#tile-supervised').length`))
	}
	if got := p.Text("main"); !strings.Contains(got, "化解成功率 = ") {
		t.Errorf("the definition is not shown: %q", got)
	}
	if os.Getenv("JIEFEN_SCREENSHOT_DIR") != "" {
		b.Shot("dashboard-city-1366x768")
	}
	p.Eval(`document.querySelector('#dash-regions a.drill[data-code="610902000000"]').click()`)
	p.WaitFor(`document.getElementById('module').dataset.loaded === '610902000000'`)
	if got := p.Text("#dash-regions"); !strings.Contains(got, "老城街道") {
		t.Errorf("drill-down to the county: %q", got)
	}
	b.Shot("dashboard-county-1366x768")
}
