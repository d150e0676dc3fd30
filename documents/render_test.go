package documents

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/jiefen/jiefen/documents/pdftest"

	"github.com/jiefen/jiefen/calendar"
)

// testRenderer is the system's CJK font, or a skip: .ci/test.sh installs
// fonts-droid-fallback, so the skip is only for machines without it.
func testRenderer(t *testing.T) *Renderer {
	t.Helper()
	r, err := FindFont(os.Getenv(FontEnv))
	if err != nil {
		t.Skipf("no CJK font (%v); .ci/test.sh installs fonts-droid-fallback", err)
	}
	return r
}

func TestRenderNotices(t *testing.T) {
	r := testRenderer(t)
	due := time.Date(2026, 2, 4, 15, 59, 59, 0, time.UTC) // 23:59:59 in China
	base := Notice{CaseNo: "610902202512060001", Subject: "邻居违建阻挡通道，彩钢棚堵住了出行通道，多次协商无果，请求依法处理",
		Applicant: "李秀英", ReceivedAt: time.Date(2025, 12, 5, 9, 0, 0, 0, calendar.China),
		Unit: "汉滨区矛盾纠纷多元化解中心", Date: time.Date(2025, 12, 6, 10, 0, 0, 0, calendar.China)}

	accept := base
	accept.Kind, accept.Reason, accept.Due = KindAcceptNotice, "属于人民调解受理范围", &due
	reject := base
	reject.Kind, reject.Reason = KindRejectNotice, "该事项已由人民法院受理，依法不属于本单位受理范围"

	for _, tc := range []struct {
		n          Notice
		want, miss []string
	}{
		{accept, []string{"受理告知书", "610902202512060001", base.Subject, "李秀英", "予以受理", "属于人民调解受理范围",
			"2026年2月4日前", "汉滨区矛盾纠纷多元化解中心", "2025年12月6日", "2025年12月5日"}, []string{"不予受理"}},
		{reject, []string{"不予受理告知书", "610902202512060001", base.Subject, "不予受理", reject.Reason,
			"汉滨区矛盾纠纷多元化解中心", "2025年12月6日"}, []string{"办理完毕"}},
	} {
		pdf, err := r.Render(tc.n)
		if err != nil {
			t.Fatal(err)
		}
		if !strings.HasPrefix(string(pdf), "%PDF-") {
			t.Fatalf("%s: not a PDF", tc.n.Kind)
		}
		text := pdftest.Text(t, pdf)
		if text == "" {
			continue
		}
		for _, s := range tc.want {
			if !strings.Contains(text, s) {
				t.Errorf("%s: %q missing from %q", tc.n.Kind, s, text)
			}
		}
		for _, s := range tc.miss {
			if strings.Contains(text, s) {
				t.Errorf("%s: %q in %q", tc.n.Kind, s, text)
			}
		}
	}
	if _, err := r.Render(Notice{Kind: "agreement"}); err == nil {
		t.Error("unknown kind rendered")
	}
}

// Lines wrap without losing characters (fpdf's MultiCell drops one per
// break in Chinese) and keep closing punctuation off a line's start.
func TestWrap(t *testing.T) {
	r := testRenderer(t)
	pdf := r.newPDF()
	pdf.SetFont(fontName, "", bodySize)
	text := strings.Repeat("甲乙丙丁戊己庚辛壬癸，", 12) + "610902202512060001"
	lines := wrap(pdf, text, 100)
	if len(lines) < 3 || strings.Join(lines, "") != text {
		t.Fatalf("wrap: %q", lines)
	}
	for i, l := range lines {
		if strings.HasPrefix(l, "，") {
			t.Errorf("line %d starts with a comma: %q", i, l)
		}
		if i < len(lines)-1 && pdf.GetStringWidth(strings.TrimSuffix(l, "，")) > 100 {
			t.Errorf("line %d too wide: %q", i, l)
		}
	}
	if last := lines[len(lines)-1]; !strings.HasSuffix(last, "610902202512060001") {
		t.Errorf("case number split: %q", lines)
	}
}

func TestFonts(t *testing.T) {
	dir := t.TempDir()
	ttc := filepath.Join(dir, "wqy.ttc")
	os.WriteFile(ttc, append([]byte("ttcf"), make([]byte, 64)...), 0o600)
	junk := filepath.Join(dir, "junk.ttf")
	os.WriteFile(junk, []byte("not a font at all"), 0o600)
	for _, p := range []string{filepath.Join(dir, "missing.ttf"), ttc, junk} {
		if _, err := FindFont(p); err == nil || !strings.Contains(err.Error(), FontEnv) {
			t.Errorf("%s: %v", p, err)
		}
	}
	// A Latin font loads but has no Chinese: refused.
	if _, err := os.Stat("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"); err == nil {
		if _, err := LoadFont("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"); err == nil {
			t.Error("DejaVuSans accepted as a CJK font")
		}
	}
	r := testRenderer(t)
	if _, err := LoadFont(r.Path); err != nil {
		t.Error(err)
	}
}

var kindTestSheet = Define("test_sheet", "测试文书")

func TestRenderSheet(t *testing.T) {
	r := testRenderer(t)
	pdf, err := r.RenderSheet(Sheet{Kind: kindTestSheet, CaseNo: "610902202512060001",
		Paragraphs: []string{"## 一、纠纷事实", "　　甲方李秀英与乙方王建国因通道被彩钢棚阻挡发生纠纷。", "## 二、协议内容", "　　乙方于2026年1月10日前拆除彩钢棚。"},
		Sign:       []string{"汉滨区人民调解委员会（盖章）", "2025年12月6日"}, Date: time.Date(2025, 12, 6, 10, 0, 0, 0, calendar.China)})
	if err != nil {
		t.Fatal(err)
	}
	text := pdftest.Text(t, pdf)
	if text == "" {
		t.Skip("no pdftotext")
	}
	for _, s := range []string{"测试文书", "610902202512060001", "一、纠纷事实", "李秀英", "王建国", "乙方于2026年1月10日前拆除彩钢棚", "（盖章）", "2025年12月6日"} {
		if !strings.Contains(text, s) {
			t.Errorf("%q missing from %q", s, text)
		}
	}
	if _, err := r.RenderSheet(Sheet{Kind: "nope"}); err == nil {
		t.Error("an undefined kind must fail")
	}
}
