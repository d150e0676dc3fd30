// Package pdftest reads generated PDFs back in tests.
package pdftest

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// Text extracts a PDF's text with pdftotext (poppler-utils), line breaks
// removed (a paragraph wraps wherever the font's widths put it); "" when
// pdftotext is not installed, so callers check the text only when it is.
func Text(t testing.TB, pdf []byte) string {
	t.Helper()
	bin, err := exec.LookPath("pdftotext")
	if err != nil {
		t.Log("pdftotext not installed (poppler-utils): text not checked")
		return ""
	}
	in := filepath.Join(t.TempDir(), "doc.pdf")
	if err := os.WriteFile(in, pdf, 0o600); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(bin, "-enc", "UTF-8", in, "-").Output()
	if err != nil {
		t.Fatalf("pdftotext: %v", err)
	}
	return strings.NewReplacer("\n", "", "\f", "").Replace(string(out))
}
