package documents

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"codeberg.org/go-pdf/fpdf"

	"github.com/jiefen/jiefen/calendar"
)

// FontEnv names the environment variable that points at a CJK TrueType font.
const FontEnv = "JIEFEN_FONT"

// FontCandidates are the system fonts tried when JIEFEN_FONT is unset: single
// TrueType files with CJK glyphs. fpdf reads neither TrueType collections
// (.ttc, as fonts-wqy-* and fonts-noto-cjk ship) nor CFF-outline .otf files;
// Debian's fonts-droid-fallback ships a plain .ttf.
var FontCandidates = []string{
	"/usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf",
	"/usr/share/fonts-droid-fallback/truetype/DroidSansFallback.ttf",
	"/usr/share/fonts/truetype/droid/DroidSansFallback.ttf",
	"/usr/share/fonts/truetype/arphic-gkai00mp/gkai00mp.ttf",
	"/usr/share/fonts/truetype/arphic-gbsn00lp/gbsn00lp.ttf",
}

// ErrNoFont is returned by FindFont when no usable font was found.
var ErrNoFont = errors.New("documents: no usable CJK TrueType font; set " + FontEnv + " to a .ttf file with Chinese glyphs (e.g. apt-get install fonts-droid-fallback)")

// Renderer draws documents with one CJK font.
type Renderer struct {
	Path string // the font file
	font []byte
}

// FindFont loads the font named by path (JIEFEN_FONT) or, when path is
// empty, the first usable system candidate.
func FindFont(path string) (*Renderer, error) {
	if path != "" {
		r, err := LoadFont(path)
		if err != nil {
			return nil, fmt.Errorf("%s=%s: %w", FontEnv, path, err)
		}
		return r, nil
	}
	for _, p := range FontCandidates {
		if r, err := LoadFont(p); err == nil {
			return r, nil
		}
	}
	return nil, ErrNoFont
}

// LoadFont reads a TrueType font and checks that fpdf can use it for Chinese.
func LoadFont(path string) (*Renderer, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	r := &Renderer{Path: path, font: b}
	if err := r.check(); err != nil {
		return nil, err
	}
	return r, nil
}

// check loads the font as a document would. A font without CJK glyphs
// loads fine and draws nothing useful, so the width of an ideograph is
// checked too: CJK glyphs are full-width (one em) in every CJK font, while
// a missing glyph takes the font's narrow default width.
func (r *Renderer) check() (err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("unreadable font: %v", p)
		}
	}()
	if bytes.HasPrefix(r.font, []byte("ttcf")) {
		return errors.New("a TrueType collection (.ttc), which fpdf cannot read; use a .ttf")
	}
	pdf := r.newPDF()
	pdf.SetFont(fontName, "", 10)
	w := pdf.GetStringWidth("受理告知书")
	if err := pdf.Error(); err != nil {
		return fmt.Errorf("unreadable font: %w", err)
	}
	em := 10 * 25.4 / 72 // 10 pt in mm
	if w < 5*em*0.9 {
		return errors.New("the font has no Chinese glyphs")
	}
	return nil
}

const fontName = "cjk"

func (r *Renderer) newPDF() *fpdf.Fpdf {
	pdf := fpdf.New("P", "mm", "A4", "")
	// fpdf writes into the font bytes it is given while it subsets them
	// (seen by the race detector with two documents rendered at once):
	// each document gets its own copy.
	pdf.AddUTF8FontFromBytes(fontName, "", bytes.Clone(r.font))
	return pdf
}

// Notice is what a 受理告知书 or 不予受理告知书 says. Personal data on it is
// the applicant's name only: a notice with full ID numbers would have to
// follow the reveal rule (permission and a timeline event).
type Notice struct {
	Kind       Kind
	CaseNo     string
	Subject    string
	Applicant  string
	ReceivedAt time.Time  // when the matter was first raised
	Reason     string     // the transition's note
	Due        *time.Time // handling deadline (accept notices)
	Unit       string     // the deciding unit, which signs the notice
	Date       time.Time  // of the decision
}

// ChineseDate formats t as a date in China, 2025年12月6日.
func ChineseDate(t time.Time) string {
	t = t.In(calendar.China)
	return fmt.Sprintf("%d年%d月%d日", t.Year(), int(t.Month()), t.Day())
}

// Page layout, in mm and points.
const (
	margin     = 25.0
	titleSize  = 22.0
	bodySize   = 14.0
	lineHeight = 9.0
)

// Render draws the notice as a PDF.
func (r *Renderer) Render(n Notice) (out []byte, err error) {
	if !n.Kind.Valid() {
		return nil, fmt.Errorf("documents: unknown kind %q", n.Kind)
	}
	defer func() {
		if p := recover(); p != nil { // fpdf panics on some malformed input
			err = fmt.Errorf("documents: render %s: %v", n.Kind, p)
		}
	}()
	pdf := r.newPDF()
	pdf.SetMargins(margin, margin, margin)
	pdf.SetAutoPageBreak(true, margin)
	pdf.SetTitle(n.Kind.Title()+" "+n.CaseNo, true)
	pdf.SetCreator("Jiefen 解纷", true)
	pdf.SetCreationDate(n.Date)
	pdf.SetModificationDate(n.Date)
	pdf.AddPage()
	width, _ := pdf.GetPageSize()
	text := width - 2*margin

	pdf.SetFont(fontName, "", titleSize)
	pdf.CellFormat(text, 16, n.Kind.Title(), "", 1, "C", false, 0, "")
	pdf.SetFont(fontName, "", 11)
	pdf.CellFormat(text, 8, "案件编号："+n.CaseNo, "", 1, "R", false, 0, "")
	pdf.Ln(4)

	pdf.SetFont(fontName, "", bodySize)
	para := func(s string) {
		for _, line := range wrap(pdf, s, text) {
			pdf.CellFormat(text, lineHeight, line, "", 1, "L", false, 0, "")
		}
	}
	applicant := n.Applicant
	if applicant == "" {
		applicant = "当事人"
	}
	para(applicant + "：")
	matter := fmt.Sprintf("您于%s反映的“%s”一事（案件编号：%s）", ChineseDate(n.ReceivedAt), n.Subject, n.CaseNo)
	reason := strings.TrimSpace(n.Reason)
	switch n.Kind {
	case KindAcceptNotice:
		para("　　" + matter + "，经审查，符合受理条件，本单位决定予以受理。")
		if reason != "" {
			para("　　受理意见：" + reason)
		}
		if n.Due != nil {
			para("　　本单位将于" + ChineseDate(*n.Due) + "前办理完毕，并将办理结果告知您。办理期间如需补充材料，工作人员将与您联系。")
		}
	case KindRejectNotice:
		para("　　" + matter + "，经审查，本单位决定不予受理。")
		para("　　理由：" + reason)
		para("　　如对本决定有异议，可以向本单位或者上一级主管部门反映。")
	}
	pdf.Ln(6)
	decision := "予以受理"
	if n.Kind == KindRejectNotice {
		decision = "不予受理"
	}
	para("处理决定：" + decision)
	pdf.Ln(lineHeight)
	pdf.CellFormat(text, lineHeight, n.Unit, "", 1, "R", false, 0, "")
	pdf.CellFormat(text, lineHeight, ChineseDate(n.Date), "", 1, "R", false, 0, "")

	var buf bytes.Buffer
	if err := pdf.Output(&buf); err != nil {
		return nil, fmt.Errorf("documents: render %s: %w", n.Kind, err)
	}
	return buf.Bytes(), nil
}

// Sheet is a document a module composes (调解协议书, 处理意见书 …): a
// title, paragraphs of body text (wrapped; start one with "　　" to
// indent it), and the closing lines set right (the unit, 盖章, the date).
// Sections are headed paragraphs: a paragraph starting with "## " is
// drawn as a heading.
type Sheet struct {
	Kind       Kind
	CaseNo     string
	Title      string // default: the kind's title
	Paragraphs []string
	Sign       []string
	Date       time.Time
}

// RenderSheet draws a module's document as a PDF.
func (r *Renderer) RenderSheet(sh Sheet) (out []byte, err error) {
	if !sh.Kind.Valid() {
		return nil, fmt.Errorf("documents: unknown kind %q", sh.Kind)
	}
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("documents: render %s: %v", sh.Kind, p)
		}
	}()
	title := sh.Title
	if title == "" {
		title = sh.Kind.Title()
	}
	pdf := r.newPDF()
	pdf.SetMargins(margin, margin, margin)
	pdf.SetAutoPageBreak(true, margin)
	pdf.SetTitle(title+" "+sh.CaseNo, true)
	pdf.SetCreator("Jiefen 解纷", true)
	pdf.SetCreationDate(sh.Date)
	pdf.SetModificationDate(sh.Date)
	pdf.AddPage()
	width, _ := pdf.GetPageSize()
	text := width - 2*margin
	pdf.SetFont(fontName, "", titleSize)
	pdf.CellFormat(text, 16, title, "", 1, "C", false, 0, "")
	if sh.CaseNo != "" {
		pdf.SetFont(fontName, "", 11)
		pdf.CellFormat(text, 8, "案件编号："+sh.CaseNo, "", 1, "R", false, 0, "")
	}
	pdf.Ln(4)
	for _, p := range sh.Paragraphs {
		if h, ok := strings.CutPrefix(p, "## "); ok {
			pdf.SetFont(fontName, "", bodySize+1)
			pdf.Ln(2)
			pdf.CellFormat(text, lineHeight, h, "", 1, "L", false, 0, "")
			continue
		}
		pdf.SetFont(fontName, "", bodySize)
		for _, line := range wrap(pdf, p, text) {
			pdf.CellFormat(text, lineHeight, line, "", 1, "L", false, 0, "")
		}
	}
	if len(sh.Sign) > 0 {
		pdf.SetFont(fontName, "", bodySize)
		pdf.Ln(lineHeight)
		for _, line := range sh.Sign {
			pdf.CellFormat(text, lineHeight, line, "", 1, "R", false, 0, "")
		}
	}
	var buf bytes.Buffer
	if err := pdf.Output(&buf); err != nil {
		return nil, fmt.Errorf("documents: render %s: %w", sh.Kind, err)
	}
	return buf.Bytes(), nil
}

// noLineStart are the marks Chinese typesetting keeps off the start of a
// line (避头): they stay on the line before, even a little past its end.
const noLineStart = "，。、；：？！）》」』”’%"

// wrap breaks text into lines no wider than width. fpdf's MultiCell drops
// a character where it breaks a line without spaces, which is every line
// of Chinese, so lines are measured here: a run of Latin letters and
// digits (a case number) is kept whole, anything else breaks per character.
func wrap(pdf *fpdf.Fpdf, text string, width float64) []string {
	var lines []string
	var line strings.Builder
	lineW := 0.0
	for _, tok := range tokens(text) {
		w := pdf.GetStringWidth(tok)
		r, _ := utf8.DecodeRuneInString(tok)
		if lineW+w > width && line.Len() > 0 && !strings.ContainsRune(noLineStart, r) {
			lines = append(lines, line.String())
			line.Reset()
			lineW = 0
		}
		line.WriteString(tok)
		lineW += w
	}
	if line.Len() > 0 || len(lines) == 0 {
		lines = append(lines, line.String())
	}
	return lines
}

// tokens splits text into unbreakable pieces.
func tokens(text string) []string {
	var out []string
	start := -1
	for i, r := range text {
		latin := r < utf8.RuneSelf && (unicode.IsLetter(r) || unicode.IsDigit(r) || r == '-' || r == '.')
		switch {
		case latin && start < 0:
			start = i
		case !latin:
			if start >= 0 {
				out = append(out, text[start:i])
				start = -1
			}
			out = append(out, string(r))
		}
	}
	if start >= 0 {
		out = append(out, text[start:])
	}
	return out
}
