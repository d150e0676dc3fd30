package main

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/jiefen/jiefen/documents/pdftest"

	"github.com/jiefen/jiefen/database/dbtest"
	"github.com/jiefen/jiefen/documents"
)

// TestDocuments runs case documents through the real server: an accept
// and a reject decision each get their notice from the job queue, listed
// and served as PDFs with the Chinese text in them, to staff of the region
// only.
func TestDocuments(t *testing.T) {
	if _, err := documents.FindFont(os.Getenv(documents.FontEnv)); err != nil {
		t.Skipf("no CJK font (%v); .ci/test.sh installs fonts-droid-fallback", err)
	}
	for _, dialect := range dbtest.Dialects() {
		t.Run(dialect, func(t *testing.T) { documentsEndToEnd(t, dialect) })
	}
}

func documentsEndToEnd(t *testing.T, dialect string) {
	s := startServer(t, dialect)
	s.addUser("clerk", "window_clerk", "610902")
	s.addUser("other", "window_clerk", "610202")
	clerk, other := s.login("clerk"), s.login("other")

	register := func(subject, name, content string) string {
		t.Helper()
		in := walkIn()
		in["subject"], in["content"] = subject, content
		in["person"] = map[string]any{"name": name, "phone": "13912345678"}
		r := s.do("POST", "/api/v1/intakes", clerk, in)
		if r.status != 201 {
			t.Fatalf("register: %d %s", r.status, r.raw)
		}
		return r.body["case_no"].(string)
	}
	// Different people and matters: neither is a duplicate of the other.
	accepted := register("邻居违建阻挡通道", "李秀英", "隔壁王某在巷道加盖彩钢棚，堵住了出行通道，多次协商无果。")
	rejected := register("小区物业费纠纷", "赵建国", "物业公司上调物业费未经业主大会表决，拒交后被停水。")
	// The decision answers at once; its document follows.
	if r := s.do("POST", "/api/v1/cases/"+accepted+"/transitions", clerk,
		map[string]string{"to": "accepted", "note": "属于人民调解受理范围"}); r.status != 200 {
		t.Fatalf("accept: %d %s", r.status, r.raw)
	}
	if r := s.do("POST", "/api/v1/cases/"+rejected+"/transitions", clerk,
		map[string]string{"to": "rejected", "note": "该纠纷已由人民法院立案受理"}); r.status != 200 {
		t.Fatalf("reject: %d %s", r.status, r.raw)
	}

	for _, tc := range []struct {
		no, kind, note string
		want           []string
	}{
		{accepted, "accept_notice", "属于人民调解受理范围", []string{"受理告知书", "邻居违建阻挡通道", "予以受理", "汉滨区矛盾纠纷多元化解中心", "李秀英"}},
		{rejected, "reject_notice", "该纠纷已由人民法院立案受理", []string{"不予受理告知书", "小区物业费纠纷", "不予受理", "赵建国"}},
	} {
		item := s.waitDocument(clerk, tc.no, tc.kind)
		if item["title"] == "" || item["version"] != float64(1) || item["created_at"] == nil {
			t.Errorf("%s: %v", tc.kind, item)
		}
		path := "/api/v1/cases/" + tc.no + "/documents/" + jsonID(item["id"])
		r := s.do("GET", path, clerk, nil)
		if r.status != 200 || r.header.Get("Content-Type") != "application/pdf" || !strings.HasPrefix(r.raw, "%PDF-") {
			t.Fatalf("%s: %d %s %.40q", path, r.status, r.header.Get("Content-Type"), r.raw)
		}
		if text := pdftest.Text(t, []byte(r.raw)); text != "" {
			for _, want := range append(tc.want, tc.no, tc.note) {
				if !strings.Contains(text, want) {
					t.Errorf("%s: %q missing from %q", tc.kind, want, text)
				}
			}
			if strings.Contains(text, "13912345678") {
				t.Errorf("%s: unmasked personal data: %q", tc.kind, text)
			}
		}
		// Another region's clerk finds neither the list nor the file.
		if r := s.do("GET", "/api/v1/cases/"+tc.no+"/documents", other, nil); r.status != 404 {
			t.Errorf("other region's list: %d %s", r.status, r.raw)
		}
		if r := s.do("GET", path, other, nil); r.status != 404 {
			t.Errorf("other region's file: %d", r.status)
		}
		if r := s.do("GET", path, "", nil); r.status != 401 {
			t.Errorf("no login: %d", r.status)
		}
		// The timeline says so.
		c := s.do("GET", "/api/v1/cases/"+tc.no, clerk, nil)
		if !strings.Contains(c.raw, `"kind":"document_generated"`) {
			t.Errorf("%s: no document_generated event: %s", tc.no, c.raw)
		}
	}
	// A document of one case is not served under another's number.
	item := s.waitDocument(clerk, accepted, "accept_notice")
	if r := s.do("GET", "/api/v1/cases/"+rejected+"/documents/"+jsonID(item["id"]), clerk, nil); r.status != 404 {
		t.Errorf("under another case: %d", r.status)
	}
	if r := s.do("GET", "/api/v1/cases/"+accepted+"/documents/abc", clerk, nil); r.status != 404 {
		t.Errorf("bad id: %d", r.status)
	}
}

// TestDocumentsNoFont: without a usable font the server starts and says
// which variable to set, decisions go through, the document routes answer
// 503 in Chinese and the timeline notes that the notice is waiting.
func TestDocumentsNoFont(t *testing.T) {
	t.Setenv(documents.FontEnv, filepath.Join(t.TempDir(), "missing.ttf"))
	for _, dialect := range dbtest.Dialects() {
		t.Run(dialect, func(t *testing.T) {
			logs := &syncBuffer{}
			s, _ := startApp(t, dialect, logs, nil)
			if !strings.Contains(logs.String(), documents.FontEnv) || !strings.Contains(logs.String(), "level=WARN") {
				t.Errorf("no warning naming %s: %s", documents.FontEnv, logs.String())
			}
			s.addUser("clerk", "window_clerk", "610902")
			clerk := s.login("clerk")
			r := s.do("POST", "/api/v1/intakes", clerk, walkIn())
			no, _ := r.body["case_no"].(string)
			if r := s.do("POST", "/api/v1/cases/"+no+"/transitions", clerk,
				map[string]string{"to": "accepted"}); r.status != 200 || r.body["status"] != "accepted" {
				t.Fatalf("accept: %d %s", r.status, r.raw)
			}
			for _, path := range []string{"/documents", "/documents/1"} {
				r := s.do("GET", "/api/v1/cases/"+no+path, clerk, nil)
				if r.status != 503 || errorCode(r) != "unavailable" || !strings.Contains(r.raw, "中文字体") {
					t.Errorf("%s: %d %s", path, r.status, r.raw)
				}
			}
			deadline := time.Now().Add(30 * time.Second)
			for {
				c := s.do("GET", "/api/v1/cases/"+no, clerk, nil)
				if strings.Contains(c.raw, `"kind":"document_failed"`) {
					if c.body["status"] != "accepted" {
						t.Errorf("status: %v", c.body["status"])
					}
					break
				}
				if time.Now().After(deadline) {
					t.Fatalf("no document_failed event: %s", c.raw)
				}
				time.Sleep(100 * time.Millisecond)
			}
		})
	}
}

// waitDocument waits for the job queue to store a document of the kind and
// returns its list item.
func (s *testServer) waitDocument(token, no, kind string) map[string]any {
	s.t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		r := s.do("GET", "/api/v1/cases/"+no+"/documents", token, nil)
		if r.status != 200 {
			s.t.Fatalf("documents of %s: %d %s", no, r.status, r.raw)
		}
		items, _ := r.body["items"].([]any)
		for _, it := range items {
			if m := it.(map[string]any); m["kind"] == kind {
				return m
			}
		}
		if time.Now().After(deadline) {
			s.t.Fatalf("no %s for %s: %s", kind, no, r.raw)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func jsonID(v any) string {
	f, _ := v.(float64)
	return strconv.FormatInt(int64(f), 10)
}
