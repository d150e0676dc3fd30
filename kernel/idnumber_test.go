package kernel

import (
	"testing"
	"time"
)

func TestIDNumberProblem(t *testing.T) {
	today := time.Date(2026, 11, 23, 0, 0, 0, 0, time.UTC)
	valid := "11010519491231002X" // the GB 11643 standard's own example
	for _, tc := range []struct{ id, want string }{
		{valid, ""},
		{"11010519491231002x", ""},
		{"110105194912310021", "身份证号码校验位错误"},
		{"1101051949123100", "身份证号码应为18位"},
		{"11010519491331002X", "身份证号码中的出生日期无效"},
		{"11010520991231002X", "身份证号码中的出生日期无效"},
		{"1101051949123100AX", "身份证号码前17位应为数字"},
		{"11010519491231002Y", "身份证号码末位应为数字或X"},
	} {
		if got := IDNumberProblem(tc.id, today); got != tc.want {
			t.Errorf("IDNumberProblem(%q) = %q, want %q", tc.id, got, tc.want)
		}
	}
	first := "61090219900101123"
	id := first + string(IDCheckChar(first))
	if p := IDNumberProblem(id, today); p != "" {
		t.Errorf("IDCheckChar made an invalid number %s: %s", id, p)
	}
}

func TestValidMobile(t *testing.T) {
	for s, want := range map[string]bool{"13812345678": true, "19912345678": true,
		"12812345678": false, "1381234567": false, "138123456789": false, "+8613812345678": false} {
		if ValidMobile(s) != want {
			t.Errorf("ValidMobile(%q) != %v", s, want)
		}
	}
}
