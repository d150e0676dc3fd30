package main

import (
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"strings"
	"testing"
)

// TestConsole walks the staff console as a window clerk would: log in,
// register a visitor, find the case, accept it.
func TestConsole(t *testing.T) {
	s := startServer(t, "sqlite")
	s.addUser("clerk", "window_clerk", "610902")
	jar, _ := cookiejar.New(nil)
	client := &http.Client{Jar: jar}
	get := func(path string) (int, string) {
		t.Helper()
		res, err := client.Get(s.url + path)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		return res.StatusCode, string(b)
	}
	post := func(path string, form url.Values) (int, string, string) {
		t.Helper()
		req, _ := http.NewRequest("POST", s.url+path, strings.NewReader(form.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("Origin", s.url)
		res, err := client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		return res.StatusCode, string(b), res.Request.URL.Path
	}

	if code, body := get("/console/"); code != 200 || !strings.Contains(body, "工作人员登录") {
		t.Fatalf("unauthenticated console: %d", code)
	}
	if code, body, _ := post("/console/login", url.Values{"username": {"clerk"}, "password": {"wrong-one"}}); code != 401 || !strings.Contains(body, "用户名或密码错误") {
		t.Fatalf("bad login: %d", code)
	}
	// The clerk lands on their home (工作台: today's registrations and the
	// registration form); the case list is /console/cases.
	if code, body, path := post("/console/login", url.Values{"username": {"clerk"}, "password": {"secret-clerk"}}); code != 200 || path != "/console/" ||
		!strings.Contains(body, "今日登记") || !strings.Contains(body, `href="/console/intake?channel=window"`) {
		t.Fatalf("login: %d %s %s", code, path, body)
	}
	if code, body := get("/console/cases"); code != 200 || !strings.Contains(body, "<h1>案件列表</h1>") {
		t.Fatalf("case list: %d %s", code, body)
	}
	code, body := get("/console/intake")
	if code != 200 || !strings.Contains(body, "西大街社区居委会") {
		t.Fatalf("intake form: %d", code)
	}
	form := url.Values{
		"channel": {"window"}, "category": {"neighbourhood"}, "person.name": {"李秀英"},
		"person.id_number": {"610902198001010028"}, "person.phone": {"13812345678"},
		"subject": {"邻居违建阻挡通道"}, "content": {"隔壁加盖彩钢棚，堵住了出行通道。"},
		"region_code": {"610902001003"}, "respondent": {"王某"}, "idempotency_key": {"form-test-1"},
	}
	code, body, _ = post("/console/intake", form)
	if code != 400 || !strings.Contains(body, "身份证号码校验位错误") || !strings.Contains(body, "邻居违建阻挡通道") {
		t.Fatalf("invalid intake should re-show the form with the error: %d", code)
	}
	form.Set("person.id_number", "610902198001010027")
	code, body, path := post("/console/intake", form)
	if code != 200 || !strings.HasPrefix(path, "/console/cases/610902") || !strings.Contains(body, "已登记，案件编号") {
		t.Fatalf("register: %d %s", code, path)
	}
	if strings.Contains(body, "13812345678") || !strings.Contains(body, "138****5678") {
		t.Error("case page must mask the phone")
	}
	// Submitting the same form twice (a double click) makes one case.
	_, _, again := post("/console/intake", form)
	if again != path {
		t.Errorf("resubmit went to %s, want %s", again, path)
	}
	no := strings.TrimPrefix(path, "/console/cases/")
	code, body, _ = post("/console/cases/"+no+"/transition", url.Values{"to": {"rejected"}})
	if code != 400 || !strings.Contains(body, "必须填写理由") {
		t.Errorf("reject without reason: %d", code)
	}
	code, body, _ = post("/console/cases/"+no+"/transition", url.Values{"to": {"accepted"}, "note": {"符合受理条件"}})
	if code != 200 || !strings.Contains(body, "状态已更新为“已受理”") || !strings.Contains(body, "符合受理条件") {
		t.Errorf("accept: %d", code)
	}
	if code, body := get("/console/cases?q=" + url.QueryEscape("违建")); code != 200 || !strings.Contains(body, ">"+no+"</a>") {
		t.Errorf("search list: %d", code)
	}
	// The clerk claims the case and asks the resident for more.
	if _, body := get("/console/cases/" + no); !strings.Contains(body, "认领本案") || strings.Contains(body, "分派承办人") {
		t.Error("a clerk's case page offers claiming, not assigning")
	}
	code, body, _ = post("/console/cases/"+no+"/assign", url.Values{"claim": {"1"}})
	if code != 200 || !strings.Contains(body, "已认领本案") || !strings.Contains(body, "承办人 <strong>clerk</strong>") {
		t.Errorf("claim: %d", code)
	}
	code, body, _ = post("/console/cases/"+no+"/info-request", url.Values{"request": {"请补充彩钢棚照片"}})
	if code != 200 || !strings.Contains(body, "已要求群众补充材料") || !strings.Contains(body, "请补充彩钢棚照片") {
		t.Errorf("info request: %d", code)
	}
	if code, body := get("/console/cases?assignee=me&awaiting_info=true"); code != 200 || !strings.Contains(body, ">"+no+"</a>") || !strings.Contains(body, "待补充") {
		t.Errorf("my cases awaiting information: %d", code)
	}
	if code, body := get("/console/cases?assignee=none"); code != 200 || strings.Contains(body, ">"+no+"</a>") {
		t.Errorf("unassigned list shows the claimed case: %d", code)
	}
	if code, body := get("/console/cases/6109022099010100001"); code != 404 || !strings.Contains(body, "案件不存在") {
		t.Errorf("missing case: %d", code)
	}
	// A cross-site form post is refused.
	req, _ := http.NewRequest("POST", s.url+"/console/logout", nil)
	req.Header.Set("Origin", "https://evil.example")
	if res, err := client.Do(req); err != nil || res.StatusCode != 403 {
		t.Errorf("cross-site post: %v %v", res.StatusCode, err)
	}
	if code, _, path := post("/console/logout", nil); code != 200 || path != "/console/login" {
		t.Errorf("logout: %d %s", code, path)
	}
	// A supervisor hands the case to a mediator, chosen from a list.
	s.addUser("boss", "supervisor", "6109")
	s.addUser("med", "mediator", "610902")
	s.addUser("tc", "mediator", "6102") // 铜川市: cannot handle a case of 汉滨区
	post("/console/login", url.Values{"username": {"boss"}, "password": {"secret-boss"}})
	_, body = get("/console/cases/" + no)
	if !strings.Contains(body, "分派承办人") || !strings.Contains(body, `<option value="med"`) || strings.Contains(body, `<option value="tc"`) {
		t.Errorf("assignment form: %s", body)
	}
	code, body, _ = post("/console/cases/"+no+"/assign", url.Values{"assignee": {"med"}, "note": {"请尽快上门调解"}})
	if code != 200 || !strings.Contains(body, "已交由 med 承办") || !strings.Contains(body, "交由 med 承办") {
		t.Errorf("assign: %d", code)
	}
	code, body, _ = post("/console/cases/"+no+"/assign", url.Values{"assignee": {"tc"}})
	if code != 400 || !strings.Contains(body, "管辖区域") {
		t.Errorf("assign outside the region: %d", code)
	}
	if code, _ := get("/static/console.css"); code != 200 {
		t.Errorf("static css: %d", code)
	}
}
