// Package browsertest drives headless Chromium through the Chrome DevTools
// Protocol for the project's browser tests: Open starts a browser with one
// page of a given viewport (skipping the test when Chromium is not
// installed; .ci/test.sh installs it and exports CHROMIUM), and the page
// (a Conn) navigates, waits for conditions, taps, types and evaluates
// scripts. Script errors and CSP violations the page logs fail the test.
// Screenshots (Browser.Shot) are written to $JIEFEN_SCREENSHOT_DIR when set.
//
// It is imported by tests only.
package browsertest

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
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// FindChromium returns the Chromium binary: $CHROMIUM or the usual names.
func FindChromium() string {
	if c := os.Getenv("CHROMIUM"); c != "" {
		if _, err := os.Stat(c); err == nil {
			return c
		}
	}
	for _, name := range []string{"chromium", "chromium-Browser", "google-chrome", "google-chrome-stable"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	return ""
}

// Browser is a headless Chromium with one page.
type Browser struct {
	Page   *Conn
	mu     sync.Mutex
	errors []string
}

// Open starts headless Chromium with one page of the given viewport
// (skipping the test when Chromium is not installed; .ci/test.sh installs
// it and exports CHROMIUM). When the test ends, script errors the page
// logged fail it.
func Open(t *testing.T, width, height int, scale float64, mobile bool) *Browser {
	t.Helper()
	bin := FindChromium()
	if bin == "" {
		t.Skip("chromium not installed (set CHROMIUM or install the chromium package)")
	}
	b := Launch(t, bin)
	p := b.Page
	p.Call("Page.enable", nil)
	p.Call("Runtime.enable", nil)
	p.Call("Log.enable", nil)
	p.Call("Emulation.setDeviceMetricsOverride", map[string]any{"width": width, "height": height, "deviceScaleFactor": scale, "mobile": mobile})
	t.Cleanup(func() {
		b.mu.Lock()
		defer b.mu.Unlock()
		for _, e := range b.errors {
			t.Errorf("Browser: %s", e)
		}
	})
	return b
}

// Shot saves a picture of the page as <name>.png when JIEFEN_SCREENSHOT_DIR
// is set.
func (b *Browser) Shot(name string) {
	dir := os.Getenv("JIEFEN_SCREENSHOT_DIR")
	if dir == "" {
		return
	}
	var res struct{ Data string }
	b.Page.Decode(b.Page.Call("Page.captureScreenshot", map[string]any{"format": "png", "captureBeyondViewport": true}), &res)
	img, _ := base64.StdEncoding.DecodeString(res.Data)
	os.WriteFile(filepath.Join(dir, name+".png"), img, 0o644)
}

// Launch starts headless Chromium and connects to its first page.
func Launch(t *testing.T, bin string) *Browser {
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
	b := &Browser{}
	conn, err := Dial(pageWS, func(method string, params json.RawMessage) {
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
	t.Cleanup(conn.Close)
	b.Page = conn
	return b
}

// Conn is a minimal Chrome DevTools Protocol client over a WebSocket
// (RFC 6455, client side, text frames only).
type Conn struct {
	t       *testing.T
	c       net.Conn
	r       *bufio.Reader
	wmu     sync.Mutex
	mu      sync.Mutex
	next    int
	pending map[int]chan reply
	onEvent func(method string, params json.RawMessage)
	done    chan struct{}
}

// reply is the answer to one command.
type reply struct {
	Result json.RawMessage
	Error  *struct {
		Code    int
		Message string
	}
}

// Dial connects to a DevTools WebSocket; onEvent receives the events.
func Dial(wsURL string, onEvent func(string, json.RawMessage)) (*Conn, error) {
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
	cc := &Conn{c: c, r: r, pending: map[int]chan reply{}, onEvent: onEvent, done: make(chan struct{})}
	go cc.readLoop()
	return cc, nil
}

// Close closes the connection.
func (cc *Conn) Close() { cc.c.Close() }

func (cc *Conn) writeFrame(op byte, payload []byte) error {
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
func (cc *Conn) readMessage() ([]byte, error) {
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

func (cc *Conn) readLoop() {
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
			reply
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
			ch <- m.reply
		}
	}
}

// Call sends a command and waits for its result.
func (cc *Conn) Call(method string, params any) json.RawMessage {
	cc.t.Helper()
	cc.mu.Lock()
	cc.next++
	id := cc.next
	ch := make(chan reply, 1)
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

// Decode decodes a command's result into v.
func (cc *Conn) Decode(raw json.RawMessage, v any) {
	cc.t.Helper()
	if err := json.Unmarshal(raw, v); err != nil {
		cc.t.Fatal(err)
	}
}

// Eval runs a JavaScript expression and returns its value as JSON.
func (cc *Conn) Eval(expr string) json.RawMessage {
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
	cc.Decode(cc.Call("Runtime.evaluate", map[string]any{"expression": expr, "returnByValue": true, "awaitPromise": true}), &res)
	if e := res.ExceptionDetails; e != nil {
		cc.t.Fatalf("evaluate %s: %s %s", expr, e.Text, e.Exception.Description)
	}
	return res.Result.Value
}

// EvalString evaluates an expression whose value is a string.
func (cc *Conn) EvalString(expr string) string {
	cc.t.Helper()
	var s string
	json.Unmarshal(cc.Eval(expr), &s)
	return s
}

// EvalInt evaluates an expression whose value is a number.
func (cc *Conn) EvalInt(expr string) int {
	cc.t.Helper()
	var n float64
	json.Unmarshal(cc.Eval(expr), &n)
	return int(n)
}

// JSString quotes s as a JavaScript string literal.
func JSString(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}

// Text is an element's visible text.
func (cc *Conn) Text(sel string) string {
	cc.t.Helper()
	return cc.EvalString(`(function(){var e=document.querySelector(` + JSString(sel) + `); return e ? e.innerText : '';})()`)
}

// Navigate opens a URL in the page.
func (cc *Conn) Navigate(u string) {
	cc.t.Helper()
	cc.Call("Page.navigate", map[string]any{"url": u})
}

// WaitFor polls a JavaScript condition.
func (cc *Conn) WaitFor(cond string) {
	cc.t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		var ok bool
		if json.Unmarshal(cc.Eval(`(function(){try{return !!(`+cond+`)}catch(e){return false}})()`), &ok) == nil && ok {
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
	cc.t.Fatalf("timed out waiting for %s; page %q shows: %q", cond,
		cc.EvalString(`document.body.dataset.page || ''`), cc.Text("main"))
}

// Tap scrolls an element into view and taps its centre like a finger
// would: the element must be visible there, not covered (by the tab bar,
// say).
func (cc *Conn) Tap(sel string) {
	cc.t.Helper()
	var pt struct {
		X, Y  float64
		Ok    bool
		Error string
	}
	raw := cc.Eval(`(function(){
		var e = document.querySelector(` + JSString(sel) + `);
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
	cc.Decode(raw, &pt)
	if !pt.Ok {
		cc.t.Fatalf("tap %s: %s", sel, pt.Error)
	}
	for _, typ := range []string{"touchStart", "touchEnd"} {
		points := []map[string]any{{"x": pt.X, "y": pt.Y}}
		if typ == "touchEnd" {
			points = []map[string]any{}
		}
		cc.Call("Input.dispatchTouchEvent", map[string]any{"type": typ, "touchPoints": points})
	}
}

// TypeInto focuses a field and types text into it (as an input method
// would insert it).
func (cc *Conn) TypeInto(sel, text string) {
	cc.t.Helper()
	cc.Eval(`document.querySelector(` + JSString(sel) + `).focus()`)
	cc.Call("Input.insertText", map[string]any{"text": text})
	if got := cc.EvalString(`document.querySelector(` + JSString(sel) + `).value`); !strings.HasSuffix(got, text) {
		cc.t.Fatalf("typing into %s: value %q", sel, got)
	}
}

// SetFiles chooses files in a file input.
func (cc *Conn) SetFiles(sel string, files ...string) {
	cc.t.Helper()
	var doc struct{ Root struct{ NodeID int } }
	cc.Decode(cc.Call("DOM.getDocument", map[string]any{"depth": 0}), &doc)
	var node struct{ NodeID int }
	cc.Decode(cc.Call("DOM.querySelector", map[string]any{"nodeId": doc.Root.NodeID, "selector": sel}), &node)
	if node.NodeID == 0 {
		cc.t.Fatal(errors.New("no file input " + sel))
	}
	cc.Call("DOM.setFileInputFiles", map[string]any{"nodeId": node.NodeID, "files": files})
}
