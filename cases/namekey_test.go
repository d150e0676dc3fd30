package cases

import "testing"

func TestNameKey(t *testing.T) {
	for _, tc := range []struct{ a, b string }{{"张伟", "章玮"}, {"李秀英", "李秀瑛"}, {"王 芳", "王芳"}} {
		if NameKey(tc.a) != NameKey(tc.b) || NameKey(tc.a) == "" {
			t.Errorf("NameKey(%q)=%q, NameKey(%q)=%q", tc.a, NameKey(tc.a), tc.b, NameKey(tc.b))
		}
	}
	if NameKey("张伟") == NameKey("李伟") {
		t.Error("different surnames must differ")
	}
	if got := NameKey("Tom 李"); got != "tomli" {
		t.Errorf("NameKey mixed = %q", got)
	}
}
