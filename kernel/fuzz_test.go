package kernel

import (
	"strings"
	"testing"
	"time"
)

// FuzzIDNumber: any input gets an answer, never a panic; what passes is 18
// characters with a real birth date and the GB 11643 check character.
func FuzzIDNumber(f *testing.F) {
	for _, s := range []string{"610902198001010027", "61090219800101002x", "610902198002300027", "", "６１０９０２",
		"61090219800101002", "6109021980010100277", "\xff\xfe"} {
		f.Add(s)
	}
	today := time.Date(2026, 11, 24, 0, 0, 0, 0, time.UTC)
	f.Fuzz(func(t *testing.T, s string) {
		if IDNumberProblem(s, today) != "" {
			return
		}
		if len(s) != 18 {
			t.Fatalf("%q accepted with length %d", s, len(s))
		}
		if want := IDCheckChar(s[:17]); strings.ToUpper(s[17:]) != string(want) {
			t.Fatalf("%q accepted, check character should be %c", s, want)
		}
		birth, err := time.Parse("20060102", s[6:14])
		if err != nil || birth.After(today) || birth.Year() < 1900 {
			t.Fatalf("%q accepted with birth date %s", s, s[6:14])
		}
	})
}

// FuzzRegionCode: accepted codes pad to 12 (or 15) digits, normalising is
// idempotent, and a region lies in each of its ancestors' subtrees.
func FuzzRegionCode(f *testing.F) {
	for _, s := range []string{"61", "6109", "610902", "610902001", "610902001003", "610902001003001", "61090", " 6109 ", "６１"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		code, ok := NormalizeRegionCode(s)
		if !ok {
			return
		}
		if len(code) != 12 && len(code) != 15 || !allDigits(code) {
			t.Fatalf("%q → %q", s, code)
		}
		if again, ok := NormalizeRegionCode(code); !ok || again != code {
			t.Fatalf("not idempotent: %q → %q → %q", s, code, again)
		}
		if !strings.HasPrefix(code, RegionPrefix(code)) {
			t.Fatalf("prefix %q of %q", RegionPrefix(code), code)
		}
		for _, a := range RegionAncestors(code) {
			if !InRegion(code, a) {
				t.Fatalf("%q not in its ancestor %q", code, a)
			}
		}
	})
}
