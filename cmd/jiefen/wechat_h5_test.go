package main

import (
	"bufio"
	"bytes"
	"crypto/rand"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// TestResidentH5 drives the resident page /m/ in headless Chromium at a
// phone's viewport, with a WeChat in-app browser's user agent, through the
// Chrome DevTools Protocol: log in (development login), file a matter with
// an image, see it in my cases, follow the timeline as staff handle it,
// evaluate. Skipped when Chromium is not installed (.ci/test.sh installs
// it and exports CHROMIUM).
func TestResidentH5(t *testing.T) {
	b := openBrowser(t, 390, 844, 3, true)
	p := b.page
	s, _, _ := startWeChatServer(t, "sqlite", nil)
	s.addUser("clerk", "window_clerk", "610902")
	clerk := s.login("clerk")

	p.call("Emulation.setTouchEmulationEnabled", map[string]any{"enabled": true, "maxTouchPoints": 5})
	p.call("Emulation.setUserAgentOverride", map[string]any{
		"userAgent": "Mozilla/5.0 (Linux; Android 13; Pixel 7 Build/TQ3A) AppleWebKit/537.36 (KHTML, like Gecko) " +
			"Version/4.0 Chrome/116.0.0.0 Mobile Safari/537.36 XWEB/1160065 MMWEBSDK/20231202 MicroMessenger/8.0.47.2560(0x28002F30) " +
			"WeChat/arm64 Weixin NetType/WIFI Language/zh_CN ABI/arm64",
		"acceptLanguage": "zh-CN"})

	shot := func(name string) { b.shot("h5-" + name) }
	fitsPhone := func(where string) {
		t.Helper()
		if w := p.evalInt(`document.documentElement.scrollWidth - window.innerWidth`); w > 0 {
			t.Errorf("%s: the page is %d px wider than a 390 px phone", where, w)
		}
	}

	// Log in.
	p.navigate(s.url + "/m/")
	p.waitFor(`document.body.dataset.page === 'login' && !!document.getElementById('login-name')`)
	if got := p.evalString(`document.documentElement.lang + '|' + document.title`); got != "zh-CN|解纷 · 群众服务" {
		t.Errorf("page language and title: %q", got)
	}
	if p.evalInt(`window.innerWidth`) != 390 {
		t.Errorf("viewport width %d", p.evalInt(`window.innerWidth`))
	}
	shot("login")
	p.tap("#login-submit")
	p.waitFor(`document.getElementById('login-error').textContent.indexOf('姓名') >= 0`)
	p.typeInto("#login-name", "张三")
	p.tap("#login-submit")
	p.waitFor(`document.body.dataset.loaded === 'cases'`)
	if !strings.Contains(p.text("main"), "您还没有反映过事项") {
		t.Errorf("empty list: %q", p.text("main"))
	}
	fitsPhone("my cases")

	// Residents find regions by name within the default region's city
	// (安康市), counties and below only, at most 20.
	resident := p.evalString(`localStorage.getItem('jiefen.resident.token') || ''`)
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
	p.tap(`.tabs a[data-tab="new"]`)
	p.waitFor(`document.body.dataset.page === 'new' && !!document.getElementById('f-subject')`)
	if v := p.evalString(`document.getElementById('f-name').value + '|' + document.getElementById('f-region').value + '|' + document.getElementById('f-region').dataset.code`); v != "张三|汉滨区|610902000000" {
		t.Errorf("profile and default region not prefilled: %q", v)
	}
	if !strings.Contains(p.text("#field-f-region"), "汉滨区") {
		t.Errorf("default region name missing: %q", p.text("#field-f-region"))
	}
	// Submitting empty shows the server's field errors in Chinese.
	p.tap("#f-submit")
	p.waitFor(`document.querySelector('[data-error-for="f-subject"]').textContent !== ''`)
	if msg := p.text(`[data-error-for="f-phone"]`); !strings.Contains(msg, "手机号码") {
		t.Errorf("phone error: %q", msg)
	}
	p.typeInto("#f-subject", "小区门口占道经营")
	p.typeInto("#f-content", "每天傍晚小区门口被摊贩占满，车辆无法进出，消防通道也被堵塞，多次向物业反映无果。")
	p.eval(`(function(){var s=document.getElementById('f-category'); s.value='property_management'; s.dispatchEvent(new Event('change'));})()`)
	p.typeInto("#f-address", "汉滨区老城街道西大街18号")
	// The region is picked by name: a name not picked from the suggestions
	// is caught before anything is sent.
	p.eval(`document.getElementById('f-region').value = ''`)
	p.typeInto("#f-region", "西大街")
	p.waitFor(`!!document.querySelector('#f-region-list .suggestion[data-code="610902001003"]')`)
	if got := p.text("#f-region-list"); !strings.Contains(got, "安康市/汉滨区/老城街道/西大街社区居委会") {
		t.Errorf("region suggestions: %q", got)
	}
	fitsPhone("the region suggestions")
	shot("region-suggestions")
	p.tap("#f-submit")
	p.waitFor(`document.querySelector('[data-error-for="f-region"]').textContent.indexOf('请从提示中选择') >= 0`)
	p.tap(`#f-region-list .suggestion[data-code="610902001003"]`)
	p.waitFor(`document.getElementById('f-region-list').hidden`)
	if v := p.evalString(`document.getElementById('f-region').value + '|' + document.getElementById('f-region').dataset.code`); v != "西大街社区居委会|610902001003" {
		t.Errorf("picked region: %q", v)
	}
	if got := p.text("#field-f-region"); !strings.Contains(got, "已选择：安康市/汉滨区/老城街道/西大街社区居委会") {
		t.Errorf("picked region's path: %q", got)
	}
	p.typeInto("#f-phone", "13912345678")
	photo := filepath.Join(t.TempDir(), "photo.png")
	if err := os.WriteFile(photo, wxPNG(t), 0o600); err != nil {
		t.Fatal(err)
	}
	p.setFiles("#f-images", photo)
	p.waitFor(`document.querySelectorAll('.thumb[data-uploaded="yes"]').length === 1`)
	fitsPhone("the form")
	shot("form")
	p.tap("#f-submit")
	p.waitFor(`document.body.dataset.page === 'done'`)
	no := p.text("#done-case-no")
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
	p.tap("#done-view")
	p.waitFor(`document.body.dataset.loaded === 'case'`)
	p.waitFor(`(function(){var i=document.querySelector('.submission .thumb img'); return !!i && i.complete && i.naturalWidth === 64;})()`)
	if tl := p.text("#timeline"); !strings.Contains(tl, "事项已登记") {
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
	p.eval(`location.reload()`)
	p.waitFor(`document.body.dataset.loaded === 'case' && !!document.getElementById('info-request')`)
	if got := p.text("#info-request"); !strings.Contains(got, "请补充占道摊位的照片") {
		t.Errorf("info request shown: %q", got)
	}
	fitsPhone("the request for more")
	shot("supplement")
	p.tap("#s-submit")
	p.waitFor(`document.getElementById('s-error').textContent.indexOf('请填写') >= 0`)
	p.typeInto("#s-content", "傍晚六点后最严重，照片见附件。")
	p.setFiles("#s-images", photo)
	p.waitFor(`document.querySelectorAll('#s-thumbs .thumb[data-uploaded="yes"]').length === 1`)
	p.tap("#s-submit")
	p.waitFor(`document.body.dataset.loaded === 'case' && !document.getElementById('info-request') && document.getElementById('timeline').textContent.indexOf('收到您补充的材料') >= 0`)
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
	p.tap(`.tabs a[data-tab="cases"]`)
	p.waitFor(`document.body.dataset.loaded === 'cases' && !!document.querySelector('.case-item')`)
	if item := p.text(".case-item"); !strings.Contains(item, "已办结") || !strings.Contains(item, no) {
		t.Errorf("list item: %q", item)
	}
	shot("cases")
	p.tap(".case-item")
	p.waitFor(`document.body.dataset.loaded === 'case' && !!document.getElementById('ev-form')`)
	tl := p.text("#timeline")
	for _, want := range []string{"已受理", "正在办理", "已办结"} {
		if !strings.Contains(tl, want) {
			t.Errorf("timeline lacks %s: %q", want, tl)
		}
	}
	if body := p.text("main"); strings.Contains(body, "城管") || strings.Contains(body, "clerk") {
		t.Errorf("internal notes or staff shown: %q", body)
	}
	p.tap("#ev-submit")
	p.waitFor(`document.getElementById('ev-error').textContent.indexOf('请选择') >= 0`)
	p.tap(`label[for="rating-satisfied"]`)
	p.typeInto("#ev-comment", "处理很及时，谢谢！")
	shot("evaluate")
	p.tap("#ev-submit")
	p.waitFor(`!!document.getElementById('evaluation')`)
	if ev := p.text("#evaluation"); !strings.Contains(ev, "满意") || !strings.Contains(ev, "处理很及时") {
		t.Errorf("evaluation: %q", ev)
	}
	fitsPhone("the evaluated case")
	shot("evaluated")

	// Log out: back to the login page.
	p.tap("#logout")
	p.waitFor(`document.body.dataset.page === 'login'`)

	// Staff see the resident's photos on the console's case page.
	p.navigate(s.url + "/console/login")
	p.waitFor(`!!document.querySelector('input[name=username]')`)
	p.typeInto("input[name=username]", "clerk")
	p.typeInto("input[name=password]", "secret-clerk")
	p.eval(`document.querySelector('form button[type=submit]').click()`)
	p.waitFor(`location.pathname === '/console/' || location.pathname === '/console/cases'`)
	p.navigate(s.url + "/console/cases/" + no)
	p.waitFor(`(function(){var b=document.getElementById('case-images'); if(!b||b.hidden) return false; b.scrollIntoView(); var i=b.querySelectorAll('img'); return i.length === 2 && i[0].complete && i[0].naturalWidth === 64;})()`)
	if h := p.text("#case-images h2"); !strings.Contains(h, "（2）") {
		t.Errorf("console images heading %q", h)
	}
}

// findChromium returns the Chromium binary: $CHROMIUM or the usual names.
func findChromium() string {
	if c := os.Getenv("CHROMIUM"); c != "" {
		if _, err := os.Stat(c); err == nil {
			return c
		}
	}
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome", "google-chrome-stable"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	return ""
}

type browser struct {
	page   *cdpConn
	mu     sync.Mutex
	errors []string
}

// openBrowser starts headless Chromium with one page of the given viewport
// (skipping the test when Chromium is not installed; .ci/test.sh installs
// it and exports CHROMIUM). When the test ends, script errors the page
// logged fail it.
func openBrowser(t *testing.T, width, height int, scale float64, mobile bool) *browser {
	t.Helper()
	bin := findChromium()
	if bin == "" {
		t.Skip("chromium not installed (set CHROMIUM or install the chromium package)")
	}
	b := launchChromium(t, bin)
	p := b.page
	p.call("Page.enable", nil)
	p.call("Runtime.enable", nil)
	p.call("Log.enable", nil)
	p.call("Emulation.setDeviceMetricsOverride", map[string]any{"width": width, "height": height, "deviceScaleFactor": scale, "mobile": mobile})
	t.Cleanup(func() {
		b.mu.Lock()
		defer b.mu.Unlock()
		for _, e := range b.errors {
			t.Errorf("browser: %s", e)
		}
	})
	return b
}

// shot saves a picture of the page as <name>.png when JIEFEN_SCREENSHOT_DIR
// is set.
func (b *browser) shot(name string) {
	dir := os.Getenv("JIEFEN_SCREENSHOT_DIR")
	if dir == "" {
		return
	}
	var res struct{ Data string }
	b.page.decode(b.page.call("Page.captureScreenshot", map[string]any{"format": "png", "captureBeyondViewport": true}), &res)
	img, _ := base64.StdEncoding.DecodeString(res.Data)
	os.WriteFile(filepath.Join(dir, name+".png"), img, 0o644)
}

// launchChromium starts headless Chromium and connects to its first page.
func launchChromium(t *testing.T, bin string) *browser {
	t.Helper()
	// The profile directory is not t.TempDir(): Chromium's helper processes
	// may still write to it for a moment after the browser is killed, and
	// the test must not fail on that.
	profile, err := os.MkdirTemp("", "jiefen-chromium-")
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(bin, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
		"--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync",
		"--disable-dev-shm-usage", "--user-data-dir="+profile, "--remote-debugging-address=127.0.0.1",
		"--remote-debugging-port=0", "about:blank")
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true} // one group: killed together
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
		cmd.Wait()
		for i := 0; i < 20 && os.RemoveAll(profile) != nil; i++ {
			time.Sleep(50 * time.Millisecond)
		}
	})
	wsURL := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			if i := strings.Index(sc.Text(), "DevTools listening on "); i >= 0 {
				wsURL <- strings.TrimSpace(sc.Text()[i+len("DevTools listening on "):])
			}
		}
	}()
	var browserURL string
	select {
	case browserURL = <-wsURL:
	case <-time.After(30 * time.Second):
		t.Fatal("chromium did not start")
	}
	u, err := url.Parse(browserURL)
	if err != nil {
		t.Fatal(err)
	}
	var pageWS string
	for deadline := time.Now().Add(10 * time.Second); pageWS == "" && time.Now().Before(deadline); {
		res, err := http.Get("http://" + u.Host + "/json/list")
		if err == nil {
			var targets []struct{ Type, WebSocketDebuggerURL string }
			json.NewDecoder(res.Body).Decode(&targets)
			res.Body.Close()
			for _, tg := range targets {
				if tg.Type == "page" {
					pageWS = tg.WebSocketDebuggerURL
				}
			}
		}
		if pageWS == "" {
			time.Sleep(100 * time.Millisecond)
		}
	}
	if pageWS == "" {
		t.Fatal("no page target")
	}
	b := &browser{}
	conn, err := dialCDP(pageWS, func(method string, params json.RawMessage) {
		switch method {
		case "Runtime.exceptionThrown", "Log.entryAdded", "Runtime.consoleAPICalled":
			s := string(params)
			// Network errors are the page's deliberate bad requests
			// (empty forms); script errors and CSP violations count.
			if method == "Log.entryAdded" && (!strings.Contains(s, `"level":"error"`) || strings.Contains(s, `"source":"network"`)) {
				return
			}
			if method == "Runtime.consoleAPICalled" && !strings.Contains(s, `"type":"error"`) {
				return
			}
			b.mu.Lock()
			b.errors = append(b.errors, method+": "+s)
			b.mu.Unlock()
		}
	})
	if err != nil {
		t.Fatal(err)
	}
	conn.t = t
	t.Cleanup(conn.close)
	b.page = conn
	return b
}

// cdpConn is a minimal Chrome DevTools Protocol client over a WebSocket
// (RFC 6455, client side, text frames only).
type cdpConn struct {
	t       *testing.T
	c       net.Conn
	r       *bufio.Reader
	wmu     sync.Mutex
	mu      sync.Mutex
	next    int
	pending map[int]chan cdpReply
	onEvent func(method string, params json.RawMessage)
	done    chan struct{}
}

type cdpReply struct {
	Result json.RawMessage
	Error  *struct {
		Code    int
		Message string
	}
}

func dialCDP(wsURL string, onEvent func(string, json.RawMessage)) (*cdpConn, error) {
	u, err := url.Parse(wsURL)
	if err != nil {
		return nil, err
	}
	c, err := net.DialTimeout("tcp", u.Host, 5*time.Second)
	if err != nil {
		return nil, err
	}
	var key [16]byte
	rand.Read(key[:])
	fmt.Fprintf(c, "GET %s HTTP/1.1\r\nHost: %s\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"+
		"Sec-WebSocket-Key: %s\r\nSec-WebSocket-Version: 13\r\n\r\n", u.RequestURI(), u.Host, base64.StdEncoding.EncodeToString(key[:]))
	r := bufio.NewReaderSize(c, 1<<16)
	res, err := http.ReadResponse(r, nil)
	if err != nil {
		c.Close()
		return nil, err
	}
	if res.StatusCode != http.StatusSwitchingProtocols {
		c.Close()
		return nil, fmt.Errorf("websocket handshake: %s", res.Status)
	}
	cc := &cdpConn{c: c, r: r, pending: map[int]chan cdpReply{}, onEvent: onEvent, done: make(chan struct{})}
	go cc.readLoop()
	return cc, nil
}

func (cc *cdpConn) close() { cc.c.Close() }

func (cc *cdpConn) writeFrame(op byte, payload []byte) error {
	cc.wmu.Lock()
	defer cc.wmu.Unlock()
	var hdr bytes.Buffer
	hdr.WriteByte(0x80 | op)
	switch n := len(payload); {
	case n < 126:
		hdr.WriteByte(0x80 | byte(n))
	case n < 1<<16:
		hdr.WriteByte(0x80 | 126)
		binary.Write(&hdr, binary.BigEndian, uint16(n))
	default:
		hdr.WriteByte(0x80 | 127)
		binary.Write(&hdr, binary.BigEndian, uint64(n))
	}
	var mask [4]byte
	rand.Read(mask[:])
	hdr.Write(mask[:])
	masked := make([]byte, len(payload))
	for i, b := range payload {
		masked[i] = b ^ mask[i%4]
	}
	_, err := cc.c.Write(append(hdr.Bytes(), masked...))
	return err
}

// readMessage reads one whole message, answering pings.
func (cc *cdpConn) readMessage() ([]byte, error) {
	var msg []byte
	for {
		var h [2]byte
		if _, err := io.ReadFull(cc.r, h[:]); err != nil {
			return nil, err
		}
		fin, op := h[0]&0x80 != 0, h[0]&0x0f
		n := uint64(h[1] & 0x7f)
		switch n {
		case 126:
			var l uint16
			if err := binary.Read(cc.r, binary.BigEndian, &l); err != nil {
				return nil, err
			}
			n = uint64(l)
		case 127:
			if err := binary.Read(cc.r, binary.BigEndian, &n); err != nil {
				return nil, err
			}
		}
		var mask [4]byte
		if h[1]&0x80 != 0 {
			if _, err := io.ReadFull(cc.r, mask[:]); err != nil {
				return nil, err
			}
		}
		payload := make([]byte, n)
		if _, err := io.ReadFull(cc.r, payload); err != nil {
			return nil, err
		}
		if h[1]&0x80 != 0 {
			for i := range payload {
				payload[i] ^= mask[i%4]
			}
		}
		switch op {
		case 0x8:
			return nil, io.EOF
		case 0x9:
			cc.writeFrame(0xA, payload)
			continue
		case 0xA:
			continue
		}
		msg = append(msg, payload...)
		if fin {
			return msg, nil
		}
	}
}

func (cc *cdpConn) readLoop() {
	defer close(cc.done)
	for {
		raw, err := cc.readMessage()
		if err != nil {
			return
		}
		var m struct {
			ID     int
			Method string
			Params json.RawMessage
			cdpReply
		}
		if json.Unmarshal(raw, &m) != nil {
			continue
		}
		if m.ID == 0 {
			if cc.onEvent != nil {
				cc.onEvent(m.Method, m.Params)
			}
			continue
		}
		cc.mu.Lock()
		ch := cc.pending[m.ID]
		delete(cc.pending, m.ID)
		cc.mu.Unlock()
		if ch != nil {
			ch <- m.cdpReply
		}
	}
}

// call sends a command and waits for its result.
func (cc *cdpConn) call(method string, params any) json.RawMessage {
	cc.t.Helper()
	cc.mu.Lock()
	cc.next++
	id := cc.next
	ch := make(chan cdpReply, 1)
	cc.pending[id] = ch
	cc.mu.Unlock()
	if params == nil {
		params = map[string]any{}
	}
	b, _ := json.Marshal(map[string]any{"id": id, "method": method, "params": params})
	if err := cc.writeFrame(0x1, b); err != nil {
		cc.t.Fatalf("%s: %v", method, err)
	}
	select {
	case r := <-ch:
		if r.Error != nil {
			cc.t.Fatalf("%s: %s", method, r.Error.Message)
		}
		return r.Result
	case <-cc.done:
		cc.t.Fatalf("%s: connection closed", method)
	case <-time.After(30 * time.Second):
		cc.t.Fatalf("%s: no answer", method)
	}
	return nil
}

func (cc *cdpConn) decode(raw json.RawMessage, v any) {
	cc.t.Helper()
	if err := json.Unmarshal(raw, v); err != nil {
		cc.t.Fatal(err)
	}
}

// eval runs a JavaScript expression and returns its value as JSON.
func (cc *cdpConn) eval(expr string) json.RawMessage {
	cc.t.Helper()
	var res struct {
		Result struct {
			Value json.RawMessage
		}
		ExceptionDetails *struct {
			Text      string
			Exception struct{ Description string }
		}
	}
	cc.decode(cc.call("Runtime.evaluate", map[string]any{"expression": expr, "returnByValue": true, "awaitPromise": true}), &res)
	if e := res.ExceptionDetails; e != nil {
		cc.t.Fatalf("evaluate %s: %s %s", expr, e.Text, e.Exception.Description)
	}
	return res.Result.Value
}

func (cc *cdpConn) evalString(expr string) string {
	cc.t.Helper()
	var s string
	json.Unmarshal(cc.eval(expr), &s)
	return s
}

func (cc *cdpConn) evalInt(expr string) int {
	cc.t.Helper()
	var n float64
	json.Unmarshal(cc.eval(expr), &n)
	return int(n)
}

func jsString(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}

// text is an element's visible text.
func (cc *cdpConn) text(sel string) string {
	cc.t.Helper()
	return cc.evalString(`(function(){var e=document.querySelector(` + jsString(sel) + `); return e ? e.innerText : '';})()`)
}

func (cc *cdpConn) navigate(u string) {
	cc.t.Helper()
	cc.call("Page.navigate", map[string]any{"url": u})
}

// waitFor polls a JavaScript condition.
func (cc *cdpConn) waitFor(cond string) {
	cc.t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		var ok bool
		if json.Unmarshal(cc.eval(`(function(){try{return !!(`+cond+`)}catch(e){return false}})()`), &ok) == nil && ok {
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
	cc.t.Fatalf("timed out waiting for %s; page %q shows: %q", cond,
		cc.evalString(`document.body.dataset.page || ''`), cc.text("main"))
}

// tap scrolls an element into view and taps its centre like a finger
// would: the element must be visible there, not covered (by the tab bar,
// say).
func (cc *cdpConn) tap(sel string) {
	cc.t.Helper()
	var pt struct {
		X, Y  float64
		Ok    bool
		Error string
	}
	raw := cc.eval(`(function(){
		var e = document.querySelector(` + jsString(sel) + `);
		if (!e) return {error: 'no element'};
		e.scrollIntoView({block: 'center'});
		var r = e.getBoundingClientRect();
		if (r.width === 0 || r.height === 0) return {error: 'not visible'};
		var x = r.left + r.width / 2, y = r.top + r.height / 2;
		var hit = document.elementFromPoint(x, y);
		if (!hit || !(hit === e || e.contains(hit) || hit.contains(e) || (e.labels && Array.prototype.indexOf.call(e.labels, hit) >= 0)))
			return {error: 'covered by ' + (hit ? hit.outerHTML.slice(0, 80) : 'nothing')};
		return {x: x, y: y, ok: true};
	})()`)
	cc.decode(raw, &pt)
	if !pt.Ok {
		cc.t.Fatalf("tap %s: %s", sel, pt.Error)
	}
	for _, typ := range []string{"touchStart", "touchEnd"} {
		points := []map[string]any{{"x": pt.X, "y": pt.Y}}
		if typ == "touchEnd" {
			points = []map[string]any{}
		}
		cc.call("Input.dispatchTouchEvent", map[string]any{"type": typ, "touchPoints": points})
	}
}

// typeInto focuses a field and types text into it (as an input method
// would insert it).
func (cc *cdpConn) typeInto(sel, text string) {
	cc.t.Helper()
	cc.eval(`document.querySelector(` + jsString(sel) + `).focus()`)
	cc.call("Input.insertText", map[string]any{"text": text})
	if got := cc.evalString(`document.querySelector(` + jsString(sel) + `).value`); !strings.HasSuffix(got, text) {
		cc.t.Fatalf("typing into %s: value %q", sel, got)
	}
}

// setFiles chooses files in a file input.
func (cc *cdpConn) setFiles(sel string, files ...string) {
	cc.t.Helper()
	var doc struct{ Root struct{ NodeID int } }
	cc.decode(cc.call("DOM.getDocument", map[string]any{"depth": 0}), &doc)
	var node struct{ NodeID int }
	cc.decode(cc.call("DOM.querySelector", map[string]any{"nodeId": doc.Root.NodeID, "selector": sel}), &node)
	if node.NodeID == 0 {
		cc.t.Fatal(errors.New("no file input " + sel))
	}
	cc.call("DOM.setFileInputFiles", map[string]any{"nodeId": node.NodeID, "files": files})
}

// TestResidentH5OAuth: opened in WeChat's browser outside the mini-program
// (an official account's menu), /m/ logs the resident in by itself through
// web authorisation, and shows why when WeChat refuses.
func TestResidentH5OAuth(t *testing.T) {
	b := openBrowser(t, 390, 844, 3, true)
	p := b.page
	s, fake, _ := startWeChatServer(t, "sqlite", map[string]string{"WECHAT_OA_APPID": "wx-test-oa",
		"WECHAT_OA_SECRET": "wx-test-oa-secret", "WECHAT_OAUTH_BASE": "{fake}", "JIEFEN_DEV_LOGIN": ""})
	const iPhoneWeChat = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) " +
		"Mobile/15E148 MicroMessenger/8.0.47(0x18002f2c) NetType/WIFI Language/zh_CN"

	// In the mini-program's web-view (its user agent says miniProgram) the
	// token comes from the mini-program: no web authorisation there.
	p.call("Emulation.setUserAgentOverride", map[string]any{"userAgent": iPhoneWeChat + " miniProgram/wx1234567890", "acceptLanguage": "zh-CN"})
	p.navigate(s.url + "/m/")
	p.waitFor(`document.body.dataset.page === 'login'`)
	if got := p.text("main"); !strings.Contains(got, "返回小程序") || p.evalString(`location.pathname`) != "/m/" {
		t.Errorf("mini-program web-view: %q at %s", got, p.evalString(`location.href`))
	}

	p.call("Emulation.setUserAgentOverride", map[string]any{"userAgent": iPhoneWeChat, "acceptLanguage": "zh-CN"})

	// WeChat refuses (nobody approves): the page says why and offers to retry.
	p.navigate(s.url + "/m/")
	p.waitFor(`document.body.dataset.page === 'login' && !!document.getElementById('oauth-error')`)
	if got := p.text("#oauth-error"); !strings.Contains(got, "未同意微信授权") {
		t.Errorf("refusal: %q", got)
	}
	if loc := p.evalString(`location.hash`); loc != "#/login" {
		t.Errorf("the error stays in the address: %q", loc)
	}

	// Approved: back on the page, signed in, the token gone from the address.
	fake.AuthorizeAs("oa-zhang", "", false)
	p.tap("#oauth-login")
	p.waitFor(`document.body.dataset.loaded === 'cases'`)
	if !strings.Contains(p.text("main"), "您还没有反映过事项") {
		t.Errorf("signed in: %q", p.text("main"))
	}
	if loc := p.evalString(`location.hash`); strings.Contains(loc, "token") {
		t.Errorf("the token stays in the address: %q", loc)
	}
}
