package kernel

import (
	"strings"
	"testing"
)

func TestNormalizeRegionCode(t *testing.T) {
	for _, tc := range []struct {
		in, want string
		ok       bool
	}{
		{"61", "610000000000", true},
		{"6109", "610900000000", true},
		{"610900", "610900000000", true},
		{"610902", "610902000000", true},
		{"610902001", "610902001000", true},
		{"610902001001", "610902001001", true},
		{"610902001001003", "610902001001003", true},
		{" 610902 ", "610902000000", true},
		{"6109021", "", false},
		{"61090a", "", false},
		{"", "", false},
	} {
		got, ok := NormalizeRegionCode(tc.in)
		if got != tc.want || ok != tc.ok {
			t.Errorf("NormalizeRegionCode(%q) = %q, %v; want %q, %v", tc.in, got, ok, tc.want, tc.ok)
		}
	}
}

func TestRegionPrefix(t *testing.T) {
	for _, tc := range []struct {
		code, prefix string
		level        int
	}{
		{"610000000000", "61", 1},
		{"610900000000", "6109", 2},
		{"610902000000", "610902", 3},
		{"610902100000", "610902100", 4}, // a town code ending in zeros
		{"610902001001", "610902001001", 5},
		{"610902001001002", "610902001001002", 6},
		{"110100000000", "1101", 2},
		{"000000000000", "", 0},
	} {
		if got := RegionPrefix(tc.code); got != tc.prefix {
			t.Errorf("RegionPrefix(%q) = %q, want %q", tc.code, got, tc.prefix)
		}
		if got := RegionLevel(tc.code); got != tc.level {
			t.Errorf("RegionLevel(%q) = %d, want %d", tc.code, got, tc.level)
		}
	}
	if !InRegion("610902001001", "610900000000") || InRegion("610202001001", "610900000000") {
		t.Error("InRegion wrong for 安康市")
	}
}

func TestRegionAncestors(t *testing.T) {
	for code, want := range map[string]string{
		"610902001003":    "610902001003 610902001000 610902000000 610900000000 610000000000",
		"610902000000":    "610902000000 610900000000 610000000000",
		"610902001003001": "610902001003001 610902001003 610902001000 610902000000 610900000000 610000000000",
		"000000000000":    "",
	} {
		if got := strings.Join(RegionAncestors(code), " "); got != want {
			t.Errorf("RegionAncestors(%s) = %s, want %s", code, got, want)
		}
	}
}
