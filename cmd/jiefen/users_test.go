package main

import (
	"io"
	"strings"
	"testing"

	"github.com/jiefen/jiefen/web/browsertest"

	"github.com/jiefen/jiefen/database/dbtest"
)

func TestUsersAPI(t *testing.T) {
	t.Parallel() // no environment, no timing: runs beside the other parallel tests
	for _, dialect := range dbtest.Dialects() {
		t.Run(dialect, func(t *testing.T) { usersAPI(t, dialect) })
	}
}

func usersAPI(t *testing.T, dialect string) {
	s, _ := startApp(t, dialect, io.Discard, nil)
	s.addUser("admin", "admin", "610902") // 汉滨区
	s.addUser("clerk", "window_clerk", "610902")
	admin, clerk := s.login("admin"), s.login("clerk")
	r := s.do("POST", "/api/v1/units", admin, map[string]any{"name": "汉滨区信访局", "kind": "petition_office", "region_code": "610902"})
	if r.status != 201 {
		t.Fatalf("create unit: %d %s", r.status, r.raw)
	}
	unit := int64(r.body["id"].(float64))

	// An account in a unit; it signs in.
	r = s.do("POST", "/api/v1/users", admin, map[string]any{"username": "wang", "password": "secret-wang", "name": "王芳",
		"role": "mediator", "region_code": "610902107", "unit_id": unit})
	if r.status != 201 || r.body["username"] != "wang" || r.body["region_code"] != "610902107000" ||
		r.body["unit_id"] != float64(unit) || r.body["display_name"] != "王芳" || r.body["password"] != nil {
		t.Fatalf("create user: %d %s", r.status, r.raw)
	}
	wang := s.login("wang")

	// Nobody is created above or beside the admin's region, nor by a clerk,
	// nor with a bad role or password, nor in a unit of another region.
	bad := []struct {
		token  string
		body   map[string]any
		status int
		field  string
	}{
		{admin, map[string]any{"username": "city", "password": "secret-city", "role": "leader", "region_code": "6109"}, 403, "region_code"},
		{admin, map[string]any{"username": "tc", "password": "secret-tc", "role": "mediator", "region_code": "610202"}, 403, "region_code"},
		{admin, map[string]any{"username": "x1", "password": "short", "role": "king", "region_code": "610902"}, 400, "password"},
		{admin, map[string]any{"username": "x2", "password": "secret-x2", "role": "king", "region_code": "610902"}, 400, "role"},
		{admin, map[string]any{"username": "x3", "password": "secret-x3", "role": "mediator", "region_code": "610902", "unit_id": 99999}, 400, "unit_id"},
		{admin, map[string]any{"username": "wang", "password": "secret-wang", "role": "mediator", "region_code": "610902"}, 409, "username"},
	}
	for _, b := range bad {
		r := s.do("POST", "/api/v1/users", b.token, b.body)
		if r.status != b.status || errorField(r, b.field) == "" || !hasHan(r.raw) {
			t.Errorf("%v: %d %s", b.body, r.status, r.raw)
		}
	}
	if r := s.do("POST", "/api/v1/users", clerk, map[string]any{"username": "x4", "password": "secret-x4", "role": "admin", "region_code": "610902"}); r.status != 403 {
		t.Errorf("a clerk creates an account: %d %s", r.status, r.raw)
	}
	if r := s.do("GET", "/api/v1/users", clerk, nil); r.status != 403 {
		t.Errorf("a clerk lists accounts: %d %s", r.status, r.raw)
	}

	// The list holds the admin's region only: a city admin's account is not
	// in a county admin's list, nor can the county admin change it.
	s.addUser("cityadmin", "admin", "6109")
	r = s.do("GET", "/api/v1/users", admin, nil)
	var names []string
	for _, it := range r.body["items"].([]any) {
		names = append(names, it.(map[string]any)["username"].(string))
	}
	if r.status != 200 || strings.Join(names, ",") != "admin,clerk,wang" {
		t.Fatalf("list: %d %v %s", r.status, names, r.raw)
	}
	if r := s.do("PATCH", "/api/v1/users/cityadmin", admin, map[string]any{"disabled": true}); r.status != 404 {
		t.Errorf("disable an account above: %d %s", r.status, r.raw)
	}
	// Nor raise one of theirs above it.
	if r := s.do("PATCH", "/api/v1/users/wang", admin, map[string]any{"region_code": "6109"}); r.status != 403 || errorField(r, "region_code") == "" {
		t.Errorf("raise an account: %d %s", r.status, r.raw)
	}
	if r := s.do("PATCH", "/api/v1/users/admin", admin, map[string]any{"disabled": true}); r.status != 403 {
		t.Errorf("disable oneself: %d %s", r.status, r.raw)
	}

	// Role, region and unit change; the session sees them at once.
	r = s.do("PATCH", "/api/v1/users/wang", admin, map[string]any{"role": "supervisor", "region_code": "610902", "unit_id": 0})
	if r.status != 200 || r.body["role"] != "supervisor" || r.body["region_code"] != "610902000000" || r.body["unit_id"] != nil {
		t.Fatalf("change role: %d %s", r.status, r.raw)
	}
	if r := s.do("GET", "/api/v1/me", wang, nil); r.status != 200 || r.body["role"] != "supervisor" {
		t.Fatalf("me after the change: %d %s", r.status, r.raw)
	}

	// Disabling ends the sessions at once: the token answers 401, and the
	// password no longer signs in.
	if r := s.do("PATCH", "/api/v1/users/wang", admin, map[string]any{"disabled": true}); r.status != 200 || r.body["disabled"] != true {
		t.Fatalf("disable: %d %s", r.status, r.raw)
	}
	if r := s.do("GET", "/api/v1/me", wang, nil); r.status != 401 {
		t.Fatalf("a disabled account's token: %d %s", r.status, r.raw)
	}
	if r := s.do("POST", "/api/v1/auth/login", "", map[string]string{"username": "wang", "password": "secret-wang"}); r.status != 401 {
		t.Fatalf("a disabled account signs in: %d %s", r.status, r.raw)
	}

	// Enabled again with a new password: the old one fails, the new one works;
	// a password reset ends the sessions too.
	if r := s.do("PATCH", "/api/v1/users/wang", admin, map[string]any{"disabled": false, "password": "new-secret-1"}); r.status != 200 || r.body["disabled"] != false {
		t.Fatalf("enable: %d %s", r.status, r.raw)
	}
	if r := s.do("POST", "/api/v1/auth/login", "", map[string]string{"username": "wang", "password": "secret-wang"}); r.status != 401 {
		t.Fatalf("the old password: %d %s", r.status, r.raw)
	}
	r = s.do("POST", "/api/v1/auth/login", "", map[string]string{"username": "wang", "password": "new-secret-1"})
	tok, _ := r.body["token"].(string)
	if r.status != 200 || tok == "" {
		t.Fatalf("the new password: %d %s", r.status, r.raw)
	}
	if r := s.do("PATCH", "/api/v1/users/wang", admin, map[string]any{"password": "new-secret-2"}); r.status != 200 {
		t.Fatalf("reset: %d %s", r.status, r.raw)
	}
	if r := s.do("GET", "/api/v1/me", tok, nil); r.status != 401 {
		t.Fatalf("a token after a password reset: %d %s", r.status, r.raw)
	}
	if r := s.do("PATCH", "/api/v1/users/nobody", admin, map[string]any{"disabled": true}); r.status != 404 {
		t.Errorf("unknown account: %d %s", r.status, r.raw)
	}
}

// TestRegionSearch: regions by name in the caller's scope, with paths.
func TestRegionSearch(t *testing.T) {
	t.Parallel() // no environment, no timing: runs beside the other parallel tests
	for _, dialect := range dbtest.Dialects() {
		t.Run(dialect, func(t *testing.T) {
			s := startServer(t, dialect)
			s.addUser("city", "window_clerk", "6109")
			s.addUser("tc", "window_clerk", "6102") // 铜川市
			city, tc := s.login("city"), s.login("tc")
			r := s.do("GET", "/api/v1/regions?q="+urlq("恒口"), city, nil)
			items, _ := r.body["items"].([]any)
			if r.status != 200 || len(items) == 0 {
				t.Fatalf("search: %d %s", r.status, r.raw)
			}
			first := items[0].(map[string]any)
			if first["code"] != "610902107000" || first["name"] != "恒口镇" || first["path"] != "安康市/汉滨区/恒口镇" {
				t.Fatalf("first match: %s", r.raw)
			}
			if r := s.do("GET", "/api/v1/regions?q="+urlq("恒口"), tc, nil); r.status != 200 || len(r.body["items"].([]any)) != 0 {
				t.Fatalf("outside the scope: %d %s", r.status, r.raw)
			}
			if r := s.do("GET", "/api/v1/regions?q="+urlq("%"), city, nil); r.status != 200 || len(r.body["items"].([]any)) != 0 {
				t.Fatalf("a wildcard is a character: %d %s", r.status, r.raw)
			}
			if r := s.do("GET", "/api/v1/regions", city, nil); r.status != 400 || errorField(r, "q") == "" {
				t.Fatalf("no query: %d %s", r.status, r.raw)
			}
			if r := s.do("GET", "/api/v1/regions?q=x", "", nil); r.status != 401 {
				t.Fatalf("no login: %d %s", r.status, r.raw)
			}
		})
	}
}

// TestConsoleUsersPage drives 用户管理 in headless Chromium: an admin
// creates an account in a unit, picking its region by name, then disables
// it, and its open session ends; a clerk has neither the link nor the page.
func TestConsoleUsersPage(t *testing.T) {
	b := browsertest.Open(t, 1280, 900, 1, false)
	p := b.Page
	s, _ := startApp(t, "sqlite", io.Discard, nil)
	s.addUser("admin", "admin", "610902")
	s.addUser("clerk", "window_clerk", "610902")
	admin := s.login("admin")
	if r := s.do("POST", "/api/v1/units", admin, map[string]any{"name": "恒口镇人民调解委员会", "kind": "people_committee", "region_code": "610902107"}); r.status != 201 {
		t.Fatalf("unit: %d %s", r.status, r.raw)
	}
	login := func(user string) {
		t.Helper()
		p.Navigate(s.url + "/console/login")
		p.WaitFor(`!!document.querySelector('input[name=username]')`)
		p.TypeInto("input[name=username]", user)
		p.TypeInto("input[name=password]", "secret-"+user)
		p.Eval(`document.querySelector('form button[type=submit]').click()`)
		p.WaitFor(`location.pathname === '/console/' || location.pathname === '/console/cases' || location.pathname === '/console/dashboard'`)
	}
	login("admin")
	if !strings.Contains(p.Text("header nav"), "用户管理") {
		t.Errorf("admin nav: %q", p.Text("header nav"))
	}
	p.Navigate(s.url + "/console/users")
	p.WaitFor(`document.getElementById('users').dataset.loads === '1' && document.getElementById('u-unit').options.length === 2`)
	if got := p.Text("#user-rows"); !strings.Contains(got, "admin") || !strings.Contains(got, "clerk") {
		t.Fatalf("list: %q", got)
	}

	// The region field suggests places by name.
	p.Eval(`document.getElementById('u-region').value = ''`)
	p.TypeInto("#u-region", "恒口")
	p.WaitFor(`document.querySelectorAll('#u-region-list option').length > 0`)
	if got := p.EvalString(`document.querySelector('#u-region-list option').value + ' ' + document.querySelector('#u-region-list option').label`); got != "610902107000 安康市/汉滨区/恒口镇" {
		t.Errorf("suggestion: %q", got)
	}
	// A password too short is refused with the field's message.
	p.TypeInto("#u-username", "wangfang")
	p.TypeInto("#u-name", "王芳")
	p.TypeInto("#u-password", "short")
	p.Eval(`document.getElementById('u-role').value = 'mediator';
		document.getElementById('u-region').value = '610902107000';
		document.getElementById('u-unit').selectedIndex = 1`)
	p.Tap("#u-submit")
	p.WaitFor(`document.querySelector('[data-error-for="password"]').textContent !== ''`)
	p.Eval(`document.getElementById('u-password').value = 'secret-wangfang'`)
	p.Tap("#u-submit")
	p.WaitFor(`!!document.querySelector('#user-rows tr[data-username=wangfang]')`)
	if got := p.Text("#user-rows tr[data-username=wangfang]"); !strings.Contains(got, "王芳") || !strings.Contains(got, "调解员") ||
		!strings.Contains(got, "恒口镇人民调解委员会") || !strings.Contains(got, "正常") {
		t.Errorf("created row: %q", got)
	}
	b.Shot("console-users")
	tok := s.login("wangfang")

	// Disable: the row says so and the account's token stops working.
	p.Tap("#user-rows tr[data-username=wangfang] button[data-action=disable]")
	p.WaitFor(`(function(){var r=document.querySelector('#user-rows tr[data-username=wangfang] .state'); return !!r && r.textContent === '已停用';})()`)
	if r := s.do("GET", "/api/v1/me", tok, nil); r.status != 401 {
		t.Fatalf("token after disabling in the console: %d %s", r.status, r.raw)
	}
	if got := p.Text("#user-rows tr[data-username=admin]"); strings.Contains(got, "停用") {
		t.Errorf("the admin may disable themselves: %q", got)
	}

	// A clerk: no link, and the page is refused.
	login("clerk")
	if strings.Contains(p.Text("header nav"), "用户管理") {
		t.Errorf("clerk nav: %q", p.Text("header nav"))
	}
	p.Navigate(s.url + "/console/users")
	p.WaitFor(`document.readyState === 'complete'`)
	if got := p.Text("main"); !strings.Contains(got, "无权") {
		t.Errorf("clerk on the users page: %q", got)
	}
}
