package search

import (
	"slices"
	"strings"
	"testing"
)

func TestNormalize(t *testing.T) {
	for in, want := range map[string]string{
		"ＡＢＣ１２３，Ａ市　３区！":      "abc123 a市 3区",
		"来电人反映：丽发新城搅拌站噪音":    "丽发新城搅拌站噪音",
		"尊敬的领导您好！我家隔壁违建":     "我家隔壁违建",
		"市民来电称，但是，兰溪要辉煌":     "但是 兰溪要辉煌",
		"关于群众反映的路灯问题，群众称已修好": "关于 的路灯问题 已修好",
		"":    "",
		"😀😀😀": "",
	} {
		if got := Normalize(in); got != want {
			t.Errorf("Normalize(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestGramKeys(t *testing.T) {
	keys := GramKeys("来电人反映：A市3区，噪音。噪音", nil)
	var grams []string
	for _, k := range keys {
		grams = append(grams, GramString(k))
	}
	got := strings.Join(grams, " ")
	for _, want := range []string{"a市", "市3", "3区", "噪音"} {
		if !strings.Contains(" "+got+" ", " "+want+" ") {
			t.Errorf("grams %q lack %q", got, want)
		}
	}
	if strings.Contains(got, "来电") || strings.Contains(got, "区噪") {
		t.Errorf("grams %q hold boilerplate or cross a separator", got)
	}
	for i := 1; i < len(keys); i++ {
		if keys[i] <= keys[i-1] {
			t.Fatal("keys not sorted and unique")
		}
	}
	if k := GramKeys("好", nil); len(k) != 1 || GramString(k[0]) != "好" {
		t.Errorf("a one-character text: %v", k)
	}
}

func FuzzGramKeys(f *testing.F) {
	for _, s := range []string{"来电人反映：丽发新城", "ＡＢＣ１２３", "臺灣繁體", "\xff\xfe", "", "市民来电称，"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		keys := GramKeys(s, nil)
		for i := 1; i < len(keys); i++ {
			if keys[i] <= keys[i-1] {
				t.Fatalf("unsorted keys for %q", s)
			}
		}
		if c := CachedGramKeys(s); !slices.Equal(c, keys) && len(c)+len(keys) > 0 {
			t.Fatalf("cached keys of %q differ: %v, want %v", s, c, keys)
		}
		_ = Normalize(s)
		_ = StripBoilerplate(s)
	})
}

func BenchmarkGramKeys(b *testing.B) {
	s := "市民来电称：我是暮云街道丽发新城小区的业主，我投诉小区附近建的搅拌站，机器不分昼夜的运行，各种渣土车、沙石混杂的噪音严重影响居民休息，请相关部门尽快处理。"
	var buf []uint64
	for i := 0; i < b.N; i++ {
		buf = GramKeys(s, buf[:0])
	}
}
