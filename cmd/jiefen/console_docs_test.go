package main

import (
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/jiefen/jiefen/web/browsertest"

	"github.com/jiefen/jiefen/documents"
)

// consoleGet fetches a path as the console does: the session cookie only,
// no Authorization header.
func (s *testServer) consoleGet(token, path string) (int, http.Header, string) {
	s.t.Helper()
	req, err := http.NewRequest("GET", s.url+path, nil)
	if err != nil {
		s.t.Fatal(err)
	}
	req.AddCookie(&http.Cookie{Name: "jiefen_token", Value: token})
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := client.Do(req)
	if err != nil {
		s.t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header, string(body)
}

var docLink = regexp.MustCompile(`<a href="(/api/v1/cases/[^"]+/documents/\d+)"[^>]*>受理告知书</a>`)

// TestConsoleDocuments: the case page lists the 受理告知书 the job made
// after the accept decision, linking to its PDF, which the console's
// cookie alone fetches; in headless Chromium (when installed) the accept
// is made from the page, the panel shows and the link answers a PDF.
func TestConsoleDocuments(t *testing.T) {
	if _, err := documents.FindFont(os.Getenv(documents.FontEnv)); err != nil {
		t.Skipf("no CJK font (%v); .ci/test.sh installs fonts-droid-fallback", err)
	}
	s := startServer(t, "sqlite")
	s.addUser("clerk", "window_clerk", "610902")
	s.addUser("other", "window_clerk", "610202")
	clerk := s.login("clerk")

	t.Run("server", func(t *testing.T) {
		r := s.do("POST", "/api/v1/intakes", clerk, walkIn())
		no, _ := r.body["case_no"].(string)
		// Before any decision there is no panel.
		if code, _, page := s.consoleGet(clerk, "/console/cases/"+no); code != 200 || strings.Contains(page, `id="documents"`) {
			t.Errorf("undecided case page: %d, documents panel: %v", code, strings.Contains(page, `id="documents"`))
		}
		if r := s.do("POST", "/api/v1/cases/"+no+"/transitions", clerk, map[string]string{"to": "accepted"}); r.status != 200 {
			t.Fatalf("accept: %d %s", r.status, r.raw)
		}
		item := s.waitDocument(clerk, no, "accept_notice")
		code, _, page := s.consoleGet(clerk, "/console/cases/"+no)
		m := docLink.FindStringSubmatch(page)
		if code != 200 || m == nil || !strings.Contains(page, "<h2>文书</h2>") || !strings.Contains(page, "第 1 版") {
			t.Fatalf("case page: %d, no 受理告知书 link in the 文书 panel:\n%s", code, page)
		}
		if !strings.Contains(page, "生成文书") || strings.Contains(page, "document_generated") {
			t.Errorf("the timeline does not say 生成文书 in Chinese")
		}
		if want := "/api/v1/cases/" + no + "/documents/" + jsonID(item["id"]); m[1] != want {
			t.Errorf("link %s, want %s", m[1], want)
		}
		code, h, pdf := s.consoleGet(clerk, m[1])
		if code != 200 || h.Get("Content-Type") != "application/pdf" || !strings.HasPrefix(pdf, "%PDF-") {
			t.Errorf("PDF with the console's cookie: %d %s %.20q", code, h.Get("Content-Type"), pdf)
		}
		// Another region's clerk sees neither the case nor the PDF.
		other := s.login("other")
		if code, _, _ := s.consoleGet(other, m[1]); code != 404 {
			t.Errorf("other region's PDF: %d", code)
		}
	})

	t.Run("browser", func(t *testing.T) {
		// Another person and matter: not merged into the first case.
		in := walkIn()
		in["subject"], in["content"] = "小区物业费纠纷", "物业公司上调物业费未经业主大会表决，拒交后被停水。"
		in["person"] = map[string]any{"name": "赵建国", "phone": "13912345678"}
		r := s.do("POST", "/api/v1/intakes", clerk, in)
		no, _ := r.body["case_no"].(string)
		if r.status != 201 || r.body["decision"] != "new" {
			t.Fatalf("register: %d %s", r.status, r.raw)
		}
		b := browsertest.Open(t, 1280, 900, 1, false)
		p := b.Page
		p.Navigate(s.url + "/console/login?next=" + url.QueryEscape("/console/cases/"+no))
		p.WaitFor(`!!document.querySelector('input[name=username]')`)
		p.TypeInto("input[name=username]", "clerk")
		p.TypeInto("input[name=password]", "secret-clerk")
		p.Eval(`document.querySelector('form button[type=submit]').click()`)
		p.WaitFor(`location.pathname.indexOf('/console/') === 0 && location.pathname !== '/console/login'`)
		p.Navigate(s.url + "/console/cases/" + no)
		// Accept from the page's 办理 form.
		p.WaitFor(`!!document.querySelector('form[action$="/transition"] select[name=to] option[value=accepted]')`)
		p.Eval(`(function(){var f=document.querySelector('form[action$="/transition"]'); f.querySelector('select[name=to]').value='accepted'; f.querySelector('button[type=submit]').click(); return true})()`)
		p.WaitFor(`location.search.indexOf('msg=') >= 0 && document.querySelector('.status').textContent.length > 0`)
		s.waitDocument(clerk, no, "accept_notice")
		p.Navigate(s.url + "/console/cases/" + no)
		p.WaitFor(`!!document.querySelector('#documents a[href*="/documents/"]')`)
		if got := p.Text("#documents"); !strings.Contains(got, "受理告知书") || !strings.Contains(got, "第 1 版") {
			t.Errorf("文书 panel: %q", got)
		}
		b.Shot("case-documents")
		// The link, fetched by the page itself (its cookie, no token).
		got := p.EvalString(`fetch(document.querySelector('#documents a').getAttribute('href'))` +
			`.then(function(r){return r.arrayBuffer().then(function(b){` +
			`return r.status+' '+r.headers.get('content-type')+' '+String.fromCharCode.apply(null,new Uint8Array(b.slice(0,5)))})})`)
		if got != "200 application/pdf %PDF-" {
			t.Errorf("the 受理告知书 link answers %q", got)
		}
	})
}

// TestConsoleDocumentsNoFont: without a font the case page still opens and
// its 文书 panel says in Chinese that documents are unavailable.
func TestConsoleDocumentsNoFont(t *testing.T) {
	t.Setenv(documents.FontEnv, filepath.Join(t.TempDir(), "missing.ttf"))
	s := startServer(t, "sqlite")
	s.addUser("clerk", "window_clerk", "610902")
	clerk := s.login("clerk")
	r := s.do("POST", "/api/v1/intakes", clerk, walkIn())
	no, _ := r.body["case_no"].(string)
	if code, _, page := s.consoleGet(clerk, "/console/cases/"+no); code != 200 || strings.Contains(page, `id="documents"`) {
		t.Errorf("undecided case page: %d, documents panel: %v", code, strings.Contains(page, `id="documents"`))
	}
	if r := s.do("POST", "/api/v1/cases/"+no+"/transitions", clerk, map[string]string{"to": "accepted"}); r.status != 200 {
		t.Fatalf("accept: %d %s", r.status, r.raw)
	}
	code, _, page := s.consoleGet(clerk, "/console/cases/"+no)
	if code != 200 || !strings.Contains(page, "<h2>文书</h2>") || !strings.Contains(page, "文书功能暂不可用") {
		t.Errorf("case page without a font: %d\n%s", code, page)
	}
}
