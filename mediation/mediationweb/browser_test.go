package mediationweb_test

import (
	"context"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/jiefen/jiefen/mediation"
	"github.com/jiefen/jiefen/mediation/mediationtest"
	"github.com/jiefen/jiefen/web/browsertest"
)

// serve runs the harness's app on a local port for a browser.
func serve(t *testing.T, e *mediationtest.Env) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go e.App.Listener(ln)
	t.Cleanup(func() { _ = e.App.ShutdownWithTimeout(2 * time.Second) })
	return "http://" + ln.Addr().String()
}

// TestConsoleBrowser drives the 调解 panel and 我的调解 in headless
// Chromium (skipped when it is not installed): the clerk opens a
// mediation from the suggestion; the mediator accepts it on their page;
// on the case page they schedule a session, extend the clock (refused
// without the parties' agreement), record an agreement, apply for
// judicial confirmation to the court picked from the case's region line
// and hand the case to the court (诉调); a party's request for another
// mediator is taken once.
func TestConsoleBrowser(t *testing.T) {
	if browsertest.FindChromium() == "" {
		t.Skip("chromium not installed (set CHROMIUM or install the chromium package)")
	}
	e := mediationtest.New(t, "sqlite")
	profiles(t, e)
	c := e.Register(t, "李秀英", "13800138000", "", "王建国")
	base := serve(t, e)
	b := browsertest.Open(t, 1280, 1000, 1, false)
	p := b.Page
	// login gives the browser user's session (a cookie without expiry: the
	// harness's clock is not the browser's) and opens next.
	login := func(user, next string) {
		t.Helper()
		p.Call("Network.setCookie", map[string]any{"name": "jiefen_token", "value": e.Token(t, user), "url": base, "httpOnly": true})
		p.Navigate(base + next)
		p.WaitFor(`location.pathname === ` + browsertest.JSString(next) + ` && document.readyState === 'complete'`)
	}
	// submit fills a panel form's fields (name → value) and submits it.
	submit := func(form string, values map[string]string) {
		t.Helper()
		js := `(function(){var f=document.querySelector(` + browsertest.JSString(form) + `); if(!f) throw new Error('no form');`
		for k, v := range values {
			js += `f.elements[` + browsertest.JSString(k) + `].value=` + browsertest.JSString(v) + `;`
		}
		p.Eval(js + `f.querySelector('button[type=submit]').click(); return true})()`)
	}
	status := func() string { return `#mediation [role=status]` }
	said := func(text string) {
		t.Helper()
		p.WaitFor(`(document.querySelector('` + status() + `')||{}).textContent === ` + browsertest.JSString(text))
	}
	casePage := "/console/cases/" + c.No

	// The clerk opens a mediation by the recommended body.
	login("clerk", casePage)
	p.WaitFor(`document.querySelectorAll('#mediation .mediation-suggest select[name=unit] option').length === 4`)
	if got := p.EvalString(`document.querySelector('#mediation .mediation-suggest select[name=unit]').selectedOptions[0].textContent`); got != "（推荐）西大街社区人民调解委员会" {
		t.Errorf("first choice: %q", got)
	}
	submit("#mediation .mediation-suggest form", map[string]string{"note": "双方同意调解"})
	said("已发起调解")
	p.WaitFor(`!!document.querySelector('#mediation .mediation[data-status=offered]')`)
	if got := p.Text("#mediation .mediation"); !strings.Contains(got, "已邀请调解员赵调解") {
		t.Errorf("offer shown: %q", got)
	}
	b.Shot("mediation-offered")

	// 我的调解: med1 accepts the offer.
	login("med1", "/console/mediator")
	p.WaitFor(`!!document.querySelector('#offers button.accept')`)
	if got := p.Text("#offers"); !strings.Contains(got, c.No) || !strings.Contains(got, "西大街社区人民调解委员会") {
		t.Errorf("offers: %q", got)
	}
	p.Eval(`document.querySelector('#offers button.accept').click()`)
	p.WaitFor(`!!document.querySelector('#mediations') && document.querySelector('#module [role=status]').textContent === '已接受'`)
	if got := p.Text("#mediations"); !strings.Contains(got, c.No) || !strings.Contains(got, "人民调解期限 截止 2025-12-31") {
		t.Errorf("my mediations: %q", got)
	}

	// On the case page: a session, the extension, the agreement.
	p.Navigate(base + casePage)
	p.WaitFor(`!!document.querySelector('#mediation .mediation[data-status=active] .extension-form')`)
	sessionForm := `#mediation .mediation form:not(.party-form):not(.extension-form)`
	submit(sessionForm, map[string]string{"kind": "in_person", "starts_at": "2025-12-03T09:30", "place": "西大街社区调解室",
		"people": "李秀英:applicant，王建国:respondent"})
	said("已安排调解")
	p.WaitFor(`document.querySelector('#mediation .mediation').innerText.indexOf('西大街社区调解室') >= 0`)
	if got := p.Text("#mediation .mediation ul"); !strings.Contains(got, "2025-12-03 09:30 西大街社区调解室 · 李秀英、王建国") {
		t.Errorf("sessions: %q", got)
	}
	submit("#mediation .extension-form", map[string]string{"days": "10", "reason": "双方同意待鉴定后再协商"})
	p.WaitFor(`(document.querySelector('` + status() + `')||{}).textContent.indexOf('延长调解期限须经各方当事人同意') >= 0`)
	p.Eval(`document.querySelector('#mediation .extension-form [name=parties_agreed]').checked = true`)
	submit("#mediation .extension-form", map[string]string{"days": "10", "reason": "双方同意待鉴定后再协商"})
	said("已延长调解期限")
	if k := caseClocks(t, e, c.No)["mediation"]; k == nil || !strings.HasPrefix(k["due"].(string), "2026-01-12T23:59:59") {
		t.Errorf("mediation clock after the extension: %v", k)
	}

	outcome := `#mediation .mediation form:last-of-type`
	p.Eval(`(function(){var f=document.querySelector(` + browsertest.JSString(outcome) + `); var t=f.querySelector('.term');` +
		`t.querySelector('[name=party]').value='王建国'; t.querySelector('[name=obligation]').value='拆除楼道内彩钢棚';` +
		`t.querySelector('[name=due]').value='2025-12-20'; return true})()`)
	submit(outcome, map[string]string{"kind": "agreement", "form": "written", "facts": "王建国在楼道搭建彩钢棚，阻挡李秀英出行。"})
	said("已记录调解结果")
	p.WaitFor(`!!document.querySelector('#mediation .mediation[data-status=agreed] a[href$="/agreement.pdf"]')`)
	if got := p.Text("#mediation table.terms"); !strings.Contains(got, "1. 王建国：拆除楼道内彩钢棚") || !strings.Contains(got, "待回访") {
		t.Errorf("terms: %q", got)
	}

	// Judicial confirmation: the court picked from the region line.
	p.WaitFor(`document.querySelectorAll('#mediation select[name=court] option').length === 2`)
	if got := p.EvalString(`document.querySelector('#mediation select[name=court] option:last-child').textContent`); got != "汉滨区人民法院" {
		t.Errorf("court picker: %q", got)
	}
	p.Eval(`(function(){var s=document.querySelector('#mediation select[name=court]'); s.value=s.options[1].value; return true})()`)
	submit(`#mediation .mediation form`, map[string]string{"applied_on": "2025-12-01"})
	said("已登记司法确认申请")
	p.WaitFor(`document.querySelector('#mediation .mediation').innerText.indexOf('已于2025-12-01向汉滨区人民法院申请司法确认') >= 0`)

	// A hand-off to the court (诉调), its unit picked the same way.
	p.WaitFor(`document.querySelectorAll('#mediation .handoff-form select[name=handoff_unit] option').length === 2`)
	p.Eval(`(function(){var s=document.querySelector('#mediation .handoff-form select[name=handoff_unit]'); s.value=s.options[1].value; return true})()`)
	submit("#mediation .handoff-form", map[string]string{"kind": "诉调", "direction": "out", "reason": "协议履行争议，引导诉讼"})
	said("已登记对接")
	p.WaitFor(`(document.querySelector('#mediation .handoffs ul')||{innerText:''}).innerText.indexOf('诉调 移送 汉滨区人民法院：协议履行争议，引导诉讼 · 待反馈') >= 0`)
	b.Shot("mediation-agreed")

	// 我的调解 shows this week's session.
	p.Navigate(base + "/console/mediator")
	p.WaitFor(`!!document.querySelector('#sessions')`)
	if got := p.Text("#sessions"); !strings.Contains(got, "2025-12-03 09:30") || !strings.Contains(got, "西大街社区调解室") {
		t.Errorf("this week's sessions: %q", got)
	}

	// A party asks for another mediator once, from the panel.
	c2 := e.Register(t, "张桂兰", "13700137000", "", "刘德明")
	m2, err := e.Mediation.Open(context.Background(), e.Actor("clerk"), c2.No, mediation.OpenInput{UnitID: e.Unit["village"], Flow: mediation.FlowPeople})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.Mediation.Accept(context.Background(), e.Actor("med1"), m2.ID, m2.PendingOffer().ID); err != nil {
		t.Fatal(err)
	}
	login("clerk", "/console/cases/"+c2.No)
	p.WaitFor(`!!document.querySelector('#mediation .party-form')`)
	submit("#mediation .party-form", map[string]string{"party": "刘德明", "reason": "认为调解员偏向申请人", "what": "change-mediator"})
	said("已更换调解员")
	p.WaitFor(`!!document.querySelector('#mediation .mediation[data-status=offered]')`)
	if got := p.Text("#mediation .mediation"); !strings.Contains(got, "当事人刘德明申请更换调解员赵调解：认为调解员偏向申请人") ||
		!strings.Contains(got, "已邀请调解员钱调解") {
		t.Errorf("after the change: %q", got)
	}
	submit("#mediation .party-form", map[string]string{"party": "刘德明", "reason": "再换一次", "what": "change-mediator"})
	p.WaitFor(`(document.querySelector('` + status() + `')||{}).textContent.indexOf('每位当事人限一次') >= 0`)
}
