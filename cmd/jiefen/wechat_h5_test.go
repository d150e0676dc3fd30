package main

import (
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/jiefen/jiefen/web/browsertest"
)

// TestResidentH5 drives the resident page /m/ in headless Chromium at a
// phone's viewport, with a WeChat in-app browser's user agent, through the
// Chrome DevTools Protocol: log in (development login), file a matter with
// an image, see it in my cases, follow the timeline as staff handle it,
// evaluate. Skipped when Chromium is not installed (.ci/test.sh installs
// it and exports CHROMIUM).
func TestResidentH5(t *testing.T) {
	b := browsertest.Open(t, 390, 844, 3, true)
	p := b.Page
	s, _, _ := startWeChatServer(t, "sqlite", nil)
	s.addUser("clerk", "window_clerk", "610902")
	clerk := s.login("clerk")

	p.Call("Emulation.setTouchEmulationEnabled", map[string]any{"enabled": true, "maxTouchPoints": 5})
	p.Call("Emulation.setUserAgentOverride", map[string]any{
		"userAgent": "Mozilla/5.0 (Linux; Android 13; Pixel 7 Build/TQ3A) AppleWebKit/537.36 (KHTML, like Gecko) " +
			"Version/4.0 Chrome/116.0.0.0 Mobile Safari/537.36 XWEB/1160065 MMWEBSDK/20231202 MicroMessenger/8.0.47.2560(0x28002F30) " +
			"WeChat/arm64 Weixin NetType/WIFI Language/zh_CN ABI/arm64",
		"acceptLanguage": "zh-CN"})

	shot := func(name string) { b.Shot("h5-" + name) }
	fitsPhone := func(where string) {
		t.Helper()
		if w := p.EvalInt(`document.documentElement.scrollWidth - window.innerWidth`); w > 0 {
			t.Errorf("%s: the page is %d px wider than a 390 px phone", where, w)
		}
	}

	// Log in.
	p.Navigate(s.url + "/m/")
	p.WaitFor(`document.body.dataset.page === 'login' && !!document.getElementById('login-name')`)
	if got := p.EvalString(`document.documentElement.lang + '|' + document.title`); got != "zh-CN|解纷 · 群众服务" {
		t.Errorf("page language and title: %q", got)
	}
	if p.EvalInt(`window.innerWidth`) != 390 {
		t.Errorf("viewport width %d", p.EvalInt(`window.innerWidth`))
	}
	shot("login")
	p.Tap("#login-submit")
	p.WaitFor(`document.getElementById('login-error').textContent.indexOf('姓名') >= 0`)
	p.TypeInto("#login-name", "张三")
	p.Tap("#login-submit")
	p.WaitFor(`document.body.dataset.loaded === 'cases'`)
	if !strings.Contains(p.Text("main"), "您还没有反映过事项") {
		t.Errorf("empty list: %q", p.Text("main"))
	}
	fitsPhone("my cases")

	// Residents find regions by name within the default region's city
	// (安康市), counties and below only, at most 20.
	resident := p.EvalString(`localStorage.getItem('jiefen.resident.token') || ''`)
	regionNames := func(q string) (int, []string) {
		t.Helper()
		rr := s.do("GET", "/api/v1/me/regions?q="+url.QueryEscape(q), resident, nil)
		var out []string
		items, _ := rr.body["items"].([]any)
		for _, it := range items {
			m, _ := it.(map[string]any)
			out = append(out, fmt.Sprintf("%v|%v|%v", m["code"], m["level"], m["path"]))
		}
		return rr.status, out
	}
	if st, got := regionNames("汉滨"); st != 200 || len(got) == 0 || got[0] != "610902000000|3|安康市/汉滨区" {
		t.Errorf("resident region search 汉滨: %d %v", st, got)
	}
	if st, got := regionNames("安康"); st != 200 || len(got) != 0 {
		t.Errorf("a city is not a region an intake names: %d %v", st, got)
	}
	if st, got := regionNames("铜川"); st != 200 || len(got) != 0 {
		t.Errorf("regions outside the default region's city: %d %v", st, got)
	}
	if st, got := regionNames("社区"); st != 200 || len(got) != 20 {
		t.Errorf("at most 20 suggestions: %d %d", st, len(got))
	}
	if st, _ := regionNames(" "); st != 400 {
		t.Errorf("empty name: %d", st)
	}
	if rr := s.do("GET", "/api/v1/me/regions?q="+url.QueryEscape("汉滨"), "", nil); rr.status != 401 {
		t.Errorf("region search without a token: %d", rr.status)
	}

	// File a matter with a photo.
	p.Tap(`.tabs a[data-tab="new"]`)
	p.WaitFor(`document.body.dataset.page === 'new' && !!document.getElementById('f-subject')`)
	if v := p.EvalString(`document.getElementById('f-name').value + '|' + document.getElementById('f-region').value + '|' + document.getElementById('f-region').dataset.code`); v != "张三|汉滨区|610902000000" {
		t.Errorf("profile and default region not prefilled: %q", v)
	}
	if !strings.Contains(p.Text("#field-f-region"), "汉滨区") {
		t.Errorf("default region name missing: %q", p.Text("#field-f-region"))
	}
	// Submitting empty shows the server's field errors in Chinese.
	p.Tap("#f-submit")
	p.WaitFor(`document.querySelector('[data-error-for="f-subject"]').textContent !== ''`)
	if msg := p.Text(`[data-error-for="f-phone"]`); !strings.Contains(msg, "手机号码") {
		t.Errorf("phone error: %q", msg)
	}
	p.TypeInto("#f-subject", "小区门口占道经营")
	p.TypeInto("#f-content", "每天傍晚小区门口被摊贩占满，车辆无法进出，消防通道也被堵塞，多次向物业反映无果。")
	p.Eval(`(function(){var s=document.getElementById('f-category'); s.value='property_management'; s.dispatchEvent(new Event('change'));})()`)
	p.TypeInto("#f-address", "汉滨区老城街道西大街18号")
	// The region is picked by name: a name not picked from the suggestions
	// is caught before anything is sent.
	p.Eval(`document.getElementById('f-region').value = ''`)
	p.TypeInto("#f-region", "西大街")
	p.WaitFor(`!!document.querySelector('#f-region-list .suggestion[data-code="610902001003"]')`)
	if got := p.Text("#f-region-list"); !strings.Contains(got, "安康市/汉滨区/老城街道/西大街社区居委会") {
		t.Errorf("region suggestions: %q", got)
	}
	fitsPhone("the region suggestions")
	shot("region-suggestions")
	p.Tap("#f-submit")
	p.WaitFor(`document.querySelector('[data-error-for="f-region"]').textContent.indexOf('请从提示中选择') >= 0`)
	p.Tap(`#f-region-list .suggestion[data-code="610902001003"]`)
	p.WaitFor(`document.getElementById('f-region-list').hidden`)
	if v := p.EvalString(`document.getElementById('f-region').value + '|' + document.getElementById('f-region').dataset.code`); v != "西大街社区居委会|610902001003" {
		t.Errorf("picked region: %q", v)
	}
	if got := p.Text("#field-f-region"); !strings.Contains(got, "已选择：安康市/汉滨区/老城街道/西大街社区居委会") {
		t.Errorf("picked region's path: %q", got)
	}
	p.TypeInto("#f-phone", "13912345678")
	photo := filepath.Join(t.TempDir(), "photo.png")
	if err := os.WriteFile(photo, wxPNG(t), 0o600); err != nil {
		t.Fatal(err)
	}
	p.SetFiles("#f-images", photo)
	p.WaitFor(`document.querySelectorAll('.thumb[data-uploaded="yes"]').length === 1`)
	fitsPhone("the form")
	shot("form")
	p.Tap("#f-submit")
	p.WaitFor(`document.body.dataset.page === 'done'`)
	no := p.Text("#done-case-no")
	if !regexp.MustCompile(`^610902\d{13}$`).MatchString(no) {
		t.Fatalf("case number %q", no)
	}
	shot("done")

	// Staff see it, with the photo.
	r := s.do("GET", "/api/v1/cases/"+no+"/images", clerk, nil)
	if items, _ := r.body["items"].([]any); r.status != 200 || len(items) != 1 {
		t.Errorf("staff images: %d %s", r.status, r.raw)
	}
	r = s.do("GET", "/api/v1/cases/"+no, clerk, nil)
	if r.body["category"] != "property_management" || r.body["region_code"] != "610902001003" {
		t.Errorf("registered case: %s", r.raw)
	}

	// The case page: status, timeline, the photo.
	p.Tap("#done-view")
	p.WaitFor(`document.body.dataset.loaded === 'case'`)
	p.WaitFor(`(function(){var i=document.querySelector('.submission .thumb img'); return !!i && i.complete && i.naturalWidth === 64;})()`)
	if tl := p.Text("#timeline"); !strings.Contains(tl, "事项已登记") {
		t.Errorf("timeline: %q", tl)
	}
	fitsPhone("the case")

	// Staff ask for more; the resident answers on the case page.
	if r := s.do("POST", "/api/v1/cases/"+no+"/transitions", clerk, map[string]string{"to": "accepted"}); r.status != 200 {
		t.Fatalf("accept: %d %s", r.status, r.raw)
	}
	if r := s.do("POST", "/api/v1/cases/"+no+"/info-requests", clerk, map[string]string{"request": "请补充占道摊位的照片"}); r.status != 200 {
		t.Fatalf("info request: %d %s", r.status, r.raw)
	}
	p.Eval(`location.reload()`)
	p.WaitFor(`document.body.dataset.loaded === 'case' && !!document.getElementById('info-request')`)
	if got := p.Text("#info-request"); !strings.Contains(got, "请补充占道摊位的照片") {
		t.Errorf("info request shown: %q", got)
	}
	fitsPhone("the request for more")
	shot("supplement")
	p.Tap("#s-submit")
	p.WaitFor(`document.getElementById('s-error').textContent.indexOf('请填写') >= 0`)
	p.TypeInto("#s-content", "傍晚六点后最严重，照片见附件。")
	p.SetFiles("#s-images", photo)
	p.WaitFor(`document.querySelectorAll('#s-thumbs .thumb[data-uploaded="yes"]').length === 1`)
	p.Tap("#s-submit")
	p.WaitFor(`document.body.dataset.loaded === 'case' && !document.getElementById('info-request') && document.getElementById('timeline').textContent.indexOf('收到您补充的材料') >= 0`)
	r = s.do("GET", "/api/v1/cases/"+no+"/images", clerk, nil)
	if items, _ := r.body["items"].([]any); r.status != 200 || len(items) != 2 {
		t.Errorf("staff images after the supplement: %d %s", r.status, r.raw)
	}

	// Staff handle it; the resident follows and evaluates.
	for _, to := range []string{"in_progress", "resolved"} {
		if r := s.do("POST", "/api/v1/cases/"+no+"/transitions", clerk, map[string]string{"to": to, "note": "内部：已联系城管"}); r.status != 200 {
			t.Fatalf("%s: %d %s", to, r.status, r.raw)
		}
	}
	p.Tap(`.tabs a[data-tab="cases"]`)
	p.WaitFor(`document.body.dataset.loaded === 'cases' && !!document.querySelector('.case-item')`)
	if item := p.Text(".case-item"); !strings.Contains(item, "已办结") || !strings.Contains(item, no) {
		t.Errorf("list item: %q", item)
	}
	shot("cases")
	p.Tap(".case-item")
	p.WaitFor(`document.body.dataset.loaded === 'case' && !!document.getElementById('ev-form')`)
	tl := p.Text("#timeline")
	for _, want := range []string{"已受理", "正在办理", "已办结"} {
		if !strings.Contains(tl, want) {
			t.Errorf("timeline lacks %s: %q", want, tl)
		}
	}
	if body := p.Text("main"); strings.Contains(body, "城管") || strings.Contains(body, "clerk") {
		t.Errorf("internal notes or staff shown: %q", body)
	}
	p.Tap("#ev-submit")
	p.WaitFor(`document.getElementById('ev-error').textContent.indexOf('请选择') >= 0`)
	p.Tap(`label[for="rating-satisfied"]`)
	p.TypeInto("#ev-comment", "处理很及时，谢谢！")
	shot("evaluate")
	p.Tap("#ev-submit")
	p.WaitFor(`!!document.getElementById('evaluation')`)
	if ev := p.Text("#evaluation"); !strings.Contains(ev, "满意") || !strings.Contains(ev, "处理很及时") {
		t.Errorf("evaluation: %q", ev)
	}
	fitsPhone("the evaluated case")
	shot("evaluated")

	// Log out: back to the login page.
	p.Tap("#logout")
	p.WaitFor(`document.body.dataset.page === 'login'`)

	// Staff see the resident's photos on the console's case page.
	p.Navigate(s.url + "/console/login")
	p.WaitFor(`!!document.querySelector('input[name=username]')`)
	p.TypeInto("input[name=username]", "clerk")
	p.TypeInto("input[name=password]", "secret-clerk")
	p.Eval(`document.querySelector('form button[type=submit]').click()`)
	p.WaitFor(`location.pathname === '/console/' || location.pathname === '/console/cases'`)
	p.Navigate(s.url + "/console/cases/" + no)
	p.WaitFor(`(function(){var b=document.getElementById('case-images'); if(!b||b.hidden) return false; b.scrollIntoView(); var i=b.querySelectorAll('img'); return i.length === 2 && i[0].complete && i[0].naturalWidth === 64;})()`)
	if h := p.Text("#case-images h2"); !strings.Contains(h, "（2）") {
		t.Errorf("console images heading %q", h)
	}
}

// TestResidentH5OAuth: opened in WeChat's browser outside the mini-program
// (an official account's menu), /m/ logs the resident in by itself through
// web authorisation, and shows why when WeChat refuses.
func TestResidentH5OAuth(t *testing.T) {
	b := browsertest.Open(t, 390, 844, 3, true)
	p := b.Page
	s, fake, _ := startWeChatServer(t, "sqlite", map[string]string{"WECHAT_OA_APPID": "wx-test-oa",
		"WECHAT_OA_SECRET": "wx-test-oa-secret", "WECHAT_OAUTH_BASE": "{fake}", "JIEFEN_DEV_LOGIN": ""})
	const iPhoneWeChat = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) " +
		"Mobile/15E148 MicroMessenger/8.0.47(0x18002f2c) NetType/WIFI Language/zh_CN"

	// In the mini-program's web-view (its user agent says miniProgram) the
	// token comes from the mini-program: no web authorisation there.
	p.Call("Emulation.setUserAgentOverride", map[string]any{"userAgent": iPhoneWeChat + " miniProgram/wx1234567890", "acceptLanguage": "zh-CN"})
	p.Navigate(s.url + "/m/")
	p.WaitFor(`document.body.dataset.page === 'login'`)
	if got := p.Text("main"); !strings.Contains(got, "返回小程序") || p.EvalString(`location.pathname`) != "/m/" {
		t.Errorf("mini-program web-view: %q at %s", got, p.EvalString(`location.href`))
	}

	p.Call("Emulation.setUserAgentOverride", map[string]any{"userAgent": iPhoneWeChat, "acceptLanguage": "zh-CN"})

	// WeChat refuses (nobody approves): the page says why and offers to retry.
	p.Navigate(s.url + "/m/")
	p.WaitFor(`document.body.dataset.page === 'login' && !!document.getElementById('oauth-error')`)
	if got := p.Text("#oauth-error"); !strings.Contains(got, "未同意微信授权") {
		t.Errorf("refusal: %q", got)
	}
	if loc := p.EvalString(`location.hash`); loc != "#/login" {
		t.Errorf("the error stays in the address: %q", loc)
	}

	// Approved: back on the page, signed in, the token gone from the address.
	fake.AuthorizeAs("oa-zhang", "", false)
	p.Tap("#oauth-login")
	p.WaitFor(`document.body.dataset.loaded === 'cases'`)
	if !strings.Contains(p.Text("main"), "您还没有反映过事项") {
		t.Errorf("signed in: %q", p.Text("main"))
	}
	if loc := p.EvalString(`location.hash`); strings.Contains(loc, "token") {
		t.Errorf("the token stays in the address: %q", loc)
	}
}
