package main

import (
	"fmt"
	"io"
	"strings"
	"testing"

	"github.com/jiefen/jiefen/web/browsertest"
)

// TestConsoleChannelPages drives the console pages of the channels in
// headless Chromium: a supervisor plans, publishes and books a reception
// day for a walk-in's case and records the session (领导接访); the leader
// sees it on their agenda; a clerk looks up a calling number (来电查询) and
// goes on to register the call.
func TestConsoleChannelPages(t *testing.T) {
	b := browsertest.Open(t, 1280, 900, 1, false)
	p := b.Page
	t.Setenv("JIEFEN_VIDEO_LINK", "https://meet.example.gov.cn/room/{token}")
	s, _ := startApp(t, "sqlite", io.Discard, nil)
	s.addUser("leader", "leader", "6109")
	s.addUser("super", "supervisor", "610902")
	s.addUser("clerk", "window_clerk", "610902")
	clerk := s.login("clerk")
	r := s.do("POST", "/api/v1/intakes", clerk, walkIn())
	if r.status != 201 {
		t.Fatalf("register: %d %s", r.status, r.raw)
	}
	no := r.body["case_no"].(string)

	login := func(user string) {
		t.Helper()
		p.Navigate(s.url + "/console/login")
		p.WaitFor(`!!document.querySelector('input[name=username]')`)
		p.TypeInto("input[name=username]", user)
		p.TypeInto("input[name=password]", "secret-"+user)
		p.Eval(`document.querySelector('form button[type=submit]').click()`)
		p.WaitFor(`location.pathname === '/console/' || location.pathname === '/console/cases' || location.pathname === '/console/dashboard'`)
	}

	// The supervisor plans a day for the 安康市 leader in 汉滨区.
	login("super")
	p.Navigate(s.url + "/console/reception")
	p.WaitFor(`document.getElementById('reception').dataset.days === 'loaded' && document.getElementById('day-form').dataset.leaders === '1'`)
	if got := p.Text("#days"); !strings.Contains(got, "近期没有接访日") {
		t.Errorf("empty day list: %q", got)
	}
	if got := p.EvalString(`document.getElementById('d-leader').selectedOptions[0].textContent`); !strings.Contains(got, "leader") {
		t.Errorf("leader option: %q", got)
	}
	// The region is picked by name: typing one offers the matching regions
	// (data-region-search); a name not picked is caught before sending;
	// picking one puts its code in the field and shows its path.
	p.Eval(`document.getElementById('d-region').value = ''`)
	p.TypeInto("#d-region", "汉滨")
	p.WaitFor(`!!document.querySelector('#d-region-list option[value="610902000000"]')`)
	if got := p.EvalString(`document.querySelector('#d-region-list option[value="610902000000"]').label`); got != "安康市/汉滨区" {
		t.Errorf("region suggestion: %q", got)
	}
	p.Tap("#d-submit")
	p.WaitFor(`document.querySelector('[data-error-for="region_code"]').textContent.indexOf('请从提示中选择') >= 0`)
	p.Eval(`(function(){var r=document.getElementById('d-region'); r.value='610902000000'; r.dispatchEvent(new Event('input', {bubbles: true}));})()`)
	p.WaitFor(`document.getElementById('d-region-name').textContent === '安康市/汉滨区' && document.getElementById('day-form').dataset.leaders === '1'`)
	p.Eval(`document.querySelector('[data-error-for="region_code"]').textContent = ''`)
	// A malformed slot line is caught before anything is sent.
	p.Eval(`document.getElementById('d-slots').value = '9点到10点'`)
	p.Tap("#d-submit")
	p.WaitFor(`document.querySelector('[data-error-for="slots"]').textContent.indexOf('第1行') >= 0`)
	p.Eval(`document.getElementById('d-slots').value = '9:00-9:30 2\n09:30-10:00 1'`)
	p.TypeInto("#d-topic", "城市建设专题接访")
	p.Tap("#d-submit")
	p.WaitFor(`!!document.getElementById('day-form').dataset.saved && document.querySelectorAll('#days .day').length === 1`)
	if got := p.Text("#days .day"); !strings.Contains(got, "未发布") || !strings.Contains(got, "09:00–09:30 已约0/2") || !strings.Contains(got, "城市建设专题接访") {
		t.Errorf("planned day: %q", got)
	}
	p.Tap("#days .day .publish")
	p.WaitFor(`(function(){var d=document.querySelector('#days .day'); return !!d && d.textContent.indexOf('已发布') >= 0;})()`)

	// Book the walk-in's case and record the session.
	p.Tap("#days .day .show")
	p.WaitFor(`!!document.querySelector('#days .day-detail[data-loaded=yes] .book-form')`)
	p.TypeInto(".book-form input[name=case_no]", no)
	p.Tap(".book-form button")
	p.WaitFor(fmt.Sprintf(`!!document.querySelector('#days .bookings a[href="/console/cases/%s"]')`, no))
	if got := p.Text("#days .bookings tbody"); !strings.Contains(got, "已预约") || !strings.Contains(got, "工作人员代约") || !strings.Contains(got, "进入会议") {
		t.Errorf("booking row: %q", got)
	}
	p.Tap("#days .bookings .record")
	p.WaitFor(`!document.querySelector('#days .session-row').hidden`)
	p.Tap(".session-form button[type=submit]")
	p.WaitFor(`!document.querySelector('.session-form .error').hidden`)
	if got := p.Text(".session-form .error"); !strings.Contains(got, "接访情况") && !strings.Contains(got, "必填") {
		t.Errorf("empty summary: %q", got)
	}
	if got := p.Text("#days .day-head .meta"); !strings.Contains(got, "09:00–09:30 已约1/2") {
		t.Errorf("seats after booking: %q", got)
	}
	// The form proposes the slot's times; this session is recorded as held
	// earlier today (a record cannot end in the future).
	p.Eval(`(function(){function v(m){return new Date(Date.now()+8*3600e3-m*60e3).toISOString().slice(0,16);}
		document.querySelector('.session-form input[name=started_at]').value=v(40);
		document.querySelector('.session-form input[name=ended_at]').value=v(10);})()`)
	p.TypeInto(".session-form textarea[name=summary]", "群众反映邻居违建堵路，领导当场协调街道三日内拆除。")
	p.Tap(".session-form button[type=submit]")
	p.WaitFor(`(function(){var t=document.querySelector('#days .bookings tbody'); return !!t && t.textContent.indexOf('已完成') >= 0 && t.textContent.indexOf('接访结果：当场化解') >= 0;})()`)
	b.Shot("console-reception")
	r = s.do("GET", "/api/v1/cases/"+no, clerk, nil)
	video := 0
	for _, in := range r.body["intakes"].([]any) {
		if in := in.(map[string]any); in["channel"] == "video" && strings.Contains(in["content"].(string), "领导当场协调") {
			video++
		}
	}
	if video != 1 {
		t.Fatalf("the session is not a video intake on the case: %s", r.raw)
	}

	// The leader's agenda shows it.
	login("leader")
	p.Navigate(s.url + "/console/reception")
	p.WaitFor(`document.getElementById('reception').dataset.agenda === 'loaded'`)
	if got := p.Text("#agenda"); !strings.Contains(got, no) || !strings.Contains(got, "已完成") {
		t.Errorf("leader's agenda: %q", got)
	}

	// A clerk looks up the caller's number.
	login("clerk")
	p.Navigate(s.url + "/console/caller?number=12")
	p.WaitFor(`!document.getElementById('c-error').hidden`)
	if got := p.Text("#c-error"); !strings.Contains(got, "来电号码") {
		t.Errorf("short number: %q", got)
	}
	p.Navigate(s.url + "/console/caller?number=13812345678")
	p.WaitFor(`document.getElementById('caller').dataset.loaded === '13812345678'`)
	if got := p.Text("#c-cases"); !strings.Contains(got, no) || !strings.Contains(got, "邻居违建阻挡通道") {
		t.Errorf("caller's cases: %q", got)
	}
	if got := p.Text("#c-summary"); !strings.Contains(got, "138****5678") || !strings.Contains(got, "在办 1 件") {
		t.Errorf("caller summary: %q", got)
	}
	b.Shot("console-caller")
	p.Tap("#c-register")
	p.WaitFor(`location.pathname === '/console/intake' && !!document.querySelector('input[name="person.phone"]')`)
	if got := p.EvalString(`document.querySelector('input[name="person.phone"]').value + '|' + document.querySelector('select[name=channel]').value`); got != "13812345678|hotline" {
		t.Errorf("intake form prefilled from the call: %q", got)
	}
}
