package visitweb_test

import (
	"context"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/jiefen/jiefen/cases"
	"github.com/jiefen/jiefen/channels/video/videotest"
	"github.com/jiefen/jiefen/web/browsertest"
)

// TestPanelBrowser drives the case page's 回访 panel in headless Chromium
// (skipped when it is not installed): a resolved case shows 尚未回访 and the
// form; a visit recorded there (满意) reloads the page, which then lists the
// visit and, the case now visited, no form. Script errors fail the test.
func TestPanelBrowser(t *testing.T) {
	if browsertest.FindChromium() == "" {
		t.Skip("chromium not installed (set CHROMIUM or install the chromium package)")
	}
	e := videotest.New(t, "sqlite")
	ctx := context.Background()
	_, _, app := wire(e)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go app.Listener(ln)
	t.Cleanup(func() { _ = app.ShutdownWithTimeout(2 * time.Second) })
	base := "http://" + ln.Addr().String()

	c := e.Register(t, videotest.Walkin("钱多多", "13912345678", "钱多多反映楼上漏水问题"), 0)
	for _, to := range []cases.Status{cases.StatusAccepted, cases.StatusInProgress, cases.StatusResolved} {
		if _, err := e.Cases.Transition(ctx, e.Actor("clerk"), c.No, to, ""); err != nil {
			t.Fatal(err)
		}
	}
	tok, _, _, err := e.Staff.Login(ctx, "clerk", videotest.Password)
	if err != nil {
		t.Fatal(err)
	}
	b := browsertest.Open(t, 1280, 1000, 1, false)
	p := b.Page
	p.Call("Network.setCookie", map[string]any{"name": "jiefen_token", "value": tok, "url": base, "httpOnly": true})
	page := "/console/cases/" + c.No
	p.Navigate(base + page)
	p.WaitFor(`document.querySelector('#visits[data-state=loaded]') !== null`)
	if got := p.Text(`#visits .panel-body`); !strings.Contains(got, "尚未回访") || !strings.Contains(got, "登记回访") {
		t.Fatalf("panel of a resolved case: %q", got)
	}
	p.Eval(`(function(){var f=document.querySelector('#visits form.visit-form');f.elements.method.value='in_person';` +
		`f.elements.reached.value='true';f.elements.satisfaction.value='满意';f.elements.note.value='漏水已修好';` +
		`f.querySelector('button[type=submit]').click();return true})()`)
	// The page reloads: the visit listed, no form on a visited case.
	p.WaitFor(`document.querySelector('#visits[data-state=loaded] tr[data-visit]') !== null`)
	if got := p.Text(`#visits tr[data-visit]`); !strings.Contains(got, "上门回访") || !strings.Contains(got, "满意") ||
		!strings.Contains(got, "漏水已修好") {
		t.Errorf("visit row: %q", got)
	}
	if p.EvalInt(`document.querySelectorAll('#visits form').length`) != 0 {
		t.Error("a form on a visited case")
	}
	got, err := e.Cases.Find(ctx, e.Actor("clerk"), c.No)
	if err != nil || got.Status != cases.StatusVisited {
		t.Fatalf("case after the visit: %v %v", got, err)
	}
	b.Shot("visits-panel")
}
