package petitionweb_test

import (
	"net"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/jiefen/jiefen/petition/petitiontest"
	"github.com/jiefen/jiefen/web/browsertest"
)

// serve runs the harness's app on a local port for a browser.
func serve(t *testing.T, e *petitiontest.Env) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go e.App.Listener(ln)
	t.Cleanup(func() { _ = e.App.ShutdownWithTimeout(2 * time.Second) })
	return "http://" + ln.Addr().String()
}

// TestConsoleBrowser drives the 信访办理 panel and 领导包案 in headless
// Chromium (skipped when it is not installed): the petition office's clerk
// classifies the case and 交办 it to the housing department (a bad kind of
// transfer and a step of the wrong unit are refused in the panel with the
// server's message), the department's staff accept it, extend the handling
// clock once (a second time is refused) and give the reply; the panel then shows the stage, the track's clocks and
// the 处理意见书 (a PDF); the case page's 期限 card agrees. A leader's 包案
// list is empty until the leader takes the case (包案) from the panel, then
// lists it with its stage, next step, target and open clock. Script errors
// fail the test (browsertest).
func TestConsoleBrowser(t *testing.T) {
	if browsertest.FindChromium() == "" {
		t.Skip("chromium not installed (set CHROMIUM or install the chromium package)")
	}
	e := petitiontest.New(t, "sqlite")
	// 2026-07-27 (Mon): registered at the county petition office.
	reg := must(t, do(t, e, "POST", "/api/v1/intakes", e.Token(t, "office"), matter), 201, "register")
	no := reg.str("case_no")
	base := serve(t, e)
	b := browsertest.Open(t, 1280, 1000, 1, false)
	p := b.Page
	casePage := "/console/cases/" + no

	// login gives the browser the user's session (a cookie without expiry)
	// and opens next.
	login := func(user, next string) {
		t.Helper()
		p.Call("Network.setCookie", map[string]any{"name": "jiefen_token", "value": e.Token(t, user), "url": base, "httpOnly": true})
		p.Navigate(base + next)
		p.WaitFor(`location.pathname === ` + browsertest.JSString(next) + ` && document.readyState === 'complete'`)
	}
	// row is the panel's value for a label (环节, 承办机构 …), as JavaScript.
	row := func(label string) string {
		return `(function(){var d=document.querySelectorAll('#petition dl dt');for(var i=0;i<d.length;i++)` +
			`if(d[i].textContent===` + browsertest.JSString(label) + `)return d[i].nextElementSibling.textContent;return null})()`
	}
	stage := func(label string) {
		t.Helper()
		p.WaitFor(row("环节") + ` === ` + browsertest.JSString(label))
	}
	// steps are the labels of the step forms the panel offers.
	steps := func() string {
		t.Helper()
		return p.EvalString(`Array.prototype.map.call(document.querySelectorAll('#petition form.petition-step strong'),` +
			`function(s){return s.textContent}).join(',')`)
	}
	// step fills the panel's form of a step (field name → value) and submits it.
	step := func(label string, values map[string]string) {
		t.Helper()
		js := `(function(){var f=null; document.querySelectorAll('#petition form.petition-step').forEach(function(x){` +
			`if(x.querySelector('strong').textContent===` + browsertest.JSString(label) + `)f=x});` +
			`if(!f) throw new Error('no step form ' + ` + browsertest.JSString(label) + `);`
		for k, v := range values {
			js += `f.elements[` + browsertest.JSString(k) + `].value=` + browsertest.JSString(v) + `;`
		}
		p.Eval(js + `f.querySelector('button[type=submit]').click(); return true})()`)
	}

	// The clerk of the petition office classifies and 交办 the case.
	login("office", casePage)
	stage("已登记")
	if got := steps(); got != "分类,领导包案,终结,疏导/帮扶" {
		t.Errorf("steps when registered: %q", got)
	}
	if got := p.EvalString(row("类别")); got != "未分类" {
		t.Errorf("class before: %q", got)
	}
	step("分类", map[string]string{"class": "申诉求决"})
	stage("已分类")
	if got := p.EvalString(row("类别")); got != "申诉求决" {
		t.Errorf("class: %q", got)
	}
	// A wrong kind of transfer is refused with the server's message.
	// The unit is chosen from the units of the case's region line, nearest
	// first (the office itself left out).
	housing := strconv.FormatInt(e.Units["housing"].ID, 10)
	p.WaitFor(`!!document.querySelector('#petition select[name=to_unit_id] option[value="` + housing + `"]')`)
	if got := p.EvalString(`Array.prototype.map.call(document.querySelectorAll('#petition select[name=to_unit_id] option'),` +
		`function(o){return o.textContent}).join(',')`); !strings.HasPrefix(got, "承办机构：请选择,") || strings.Contains(got, "汉滨区信访局") ||
		!strings.Contains(got, "汉滨区住房和城乡建设局") {
		t.Errorf("transfer choices: %q", got)
	}
	step("转送/交办", map[string]string{"to_unit_id": housing, "kind": "", "note": ""})
	p.WaitFor(`(document.querySelector('#petition p.error')||{}).textContent === '提交的数据有误：应为 转送 或 交办'`)
	step("转送/交办", map[string]string{"to_unit_id": housing, "kind": "交办", "note": "请依法处理"})
	stage("已转送/交办")
	if got := p.EvalString(row("承办机构")); got != "汉滨区住房和城乡建设局" {
		t.Errorf("unit: %q", got)
	}
	if got := p.EvalString(row("异议截止")); got != "2026-08-03" {
		t.Errorf("objection by: %q", got)
	}
	p.WaitFor(`!!document.querySelector('#petition .petition-clocks li[data-kind=notify]')`)
	if got := p.Text(`#petition .petition-clocks li[data-kind=notify]`); got != "受理告知期限 截止 2026-08-11 · 计时中（剩 15 日）" {
		t.Errorf("notify clock: %q", got)
	}
	// The office is not the receiving unit: its 受理 is refused.
	step("受理", map[string]string{"note": ""})
	p.WaitFor(`(document.querySelector('#petition p.error')||{}).textContent === '只有承办单位的工作人员可以受理'`)
	stage("已转送/交办")
	b.Shot("petition-transferred")

	// 08-04: the housing department accepts it; handling runs 60 days
	// (10-03, in 国庆 → 10-08).
	e.At(t, "2026-08-04")
	login("housing", casePage)
	stage("已转送/交办")
	if got := steps(); got != "异议退回,受理,不予受理,督办/挂牌督办,督办反馈,领导包案,终结,疏导/帮扶" {
		t.Errorf("steps when transferred: %q", got)
	}
	step("受理", map[string]string{"note": "予以受理"})
	stage("已受理")
	p.WaitFor(`!!document.querySelector('#petition .petition-clocks li[data-kind=handling]')`)
	if got := p.Text(`#petition .petition-clocks`); !strings.Contains(got, "受理告知期限 截止 2026-08-11 · 按期完成") ||
		!strings.Contains(got, "办理期限 截止 2026-10-08 · 计时中（剩 65 日）") {
		t.Errorf("clocks when accepted: %q", got)
	}
	if got := steps(); !strings.HasPrefix(got, "延长办理期限,出具处理意见书,") {
		t.Errorf("steps when accepted: %q", got)
	}
	if p.EvalInt(`document.querySelectorAll('#petition .petition-doc').length`) != 0 {
		t.Error("a 处理意见书 link before the reply")
	}

	// 09-01: extended once by 30 days: 90 days from 08-04 = 11-02; a
	// second extension is refused.
	e.At(t, "2026-09-01")
	if got := p.EvalString(row("已延期")); got != "否" {
		t.Errorf("extended before: %q", got)
	}
	step("延长办理期限", map[string]string{"days": "30", "reason": "需要委托造价鉴定", "approved_by": "汉滨区住建局局长"})
	p.WaitFor(row("已延期") + ` === '是'`)
	p.WaitFor(`document.querySelector('#petition .petition-clocks li[data-kind=handling]').textContent === '办理期限 截止 2026-11-02 · 计时中（剩 62 日）'`)
	step("延长办理期限", map[string]string{"days": "10", "reason": "鉴定未完成", "approved_by": "汉滨区住建局局长"})
	p.WaitFor(`(document.querySelector('#petition p.error')||{}).textContent === '办理期限只能延长一次（《信访工作条例》第三十四条）'`)

	// 10-20: the reply (处理意见书); 复查 may be applied for until 11-19.
	e.At(t, "2026-10-20")
	step("出具处理意见书", map[string]string{"result": "support",
		"facts": "经查，该公司拖欠工资属实，已责令其限期支付。", "basis": "《保障农民工工资支付条例》第十五条"})
	stage("已出具处理意见")
	p.WaitFor(`!!document.querySelector('#petition .petition-clocks li[data-kind=review_apply]')`)
	clocks := p.Text(`#petition .petition-clocks`)
	for _, want := range []string{"受理告知期限 截止 2026-08-11 · 按期完成", "办理期限 截止 2026-11-02 · 按期完成",
		"复查申请期限 截止 2026-11-19 · 计时中（剩 30 日）"} {
		if !strings.Contains(clocks, want) {
			t.Errorf("clocks after the reply lack %q: %q", want, clocks)
		}
	}
	p.WaitFor(`!!document.querySelector('#petition .petition-doc[data-kind=reply_opinion] a')`)
	if got := p.Text(`#petition .petition-doc[data-kind=reply_opinion] a`); got != "信访事项处理意见书（第1版，PDF）" {
		t.Errorf("reply link: %q", got)
	}
	href := p.EvalString(`document.querySelector('#petition .petition-doc[data-kind=reply_opinion] a').getAttribute('href')`)
	if !strings.HasPrefix(href, "/api/v1/cases/"+no+"/documents/") {
		t.Errorf("reply link href: %q", href)
	}
	// The link serves the PDF to the session.
	if got := p.EvalString(`fetch(` + browsertest.JSString(href) + `, {credentials: 'same-origin'}).then(function(r){` +
		`return r.status + ' ' + r.headers.get('Content-Type')})`); got != "200 application/pdf" {
		t.Errorf("reply PDF: %q", got)
	}
	if got := steps(); got != "登记复查/复核申请,领导包案,终结,疏导/帮扶" {
		t.Errorf("steps when replied: %q", got)
	}
	b.Shot("petition-replied")
	// The case page's 期限 card, reloaded, agrees.
	p.Navigate(base + casePage)
	p.WaitFor(`!!document.querySelector('#clocks tr[data-kind=review_apply]')`)
	if got := p.Text(`#clocks tr[data-kind=review_apply]`); !strings.Contains(got, "剩余 30 日 · 计时中 · 截止 2026-11-19") {
		t.Errorf("期限 card: %q", got)
	}
	stage("已出具处理意见")

	// A leader: nothing owned, then 包案 from the panel, then the list.
	login("leader", "/console/petition/leader")
	p.WaitFor(`document.querySelector('#module').innerText.indexOf('暂无包案事项') >= 0`)
	if got := p.EvalString(`document.querySelector('#module a').getAttribute('href')`); got != "/console/reception" {
		t.Errorf("reception link: %q", got)
	}
	p.Navigate(base + casePage)
	stage("已出具处理意见")
	step("领导包案", map[string]string{"target_on": "2026-10-01", "note": ""})
	p.WaitFor(`(document.querySelector('#petition p.error')||{}).textContent === '提交的数据有误：化解期限不能早于今天'`)
	step("领导包案", map[string]string{"target_on": "2026-12-31", "note": "亲自督促兑付"})
	p.WaitFor(row("包案领导") + ` === '王市长（化解期限 2026-12-31）'`)
	stage("已出具处理意见")

	p.Navigate(base + "/console/petition/leader")
	p.WaitFor(`!!document.querySelector('#module tr[data-case="` + no + `"]')`)
	cells := p.EvalString(`Array.prototype.map.call(document.querySelectorAll('#module tr[data-case="` + no + `"] td'),` +
		`function(td){return td.textContent}).join('|')`)
	if want := no + "|拖欠农民工工资三个月未发放|已出具处理意见|信访人可在30日内申请复查|2026-12-31|复查申请期限 2026-11-19（剩 30 日）|"; cells != want {
		t.Errorf("包案 row:\n got %q\nwant %q", cells, want)
	}
	if got := p.EvalString(`document.querySelector('#module tr[data-case="` + no + `"] a').getAttribute('href')`); got != casePage {
		t.Errorf("case link: %q", got)
	}
	if n := p.EvalInt(`document.querySelectorAll('#module tr[data-case]').length`); n != 1 {
		t.Errorf("%d cases on the list", n)
	}
	b.Shot("petition-leader")
}
