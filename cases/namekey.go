package cases

import (
	"strings"
	"unicode"

	"github.com/mozillazg/go-pinyin"
)

var pinyinArgs = pinyin.NewArgs() // toneless, one reading per character

// NameKey returns a person's name as toneless pinyin without spaces
// ("张伟" and "章玮" both give "zhangwei"), so that names miswritten by ear
// on the hotline still meet. Latin letters are kept, lower-cased.
func NameKey(name string) string {
	var b strings.Builder
	for _, r := range name {
		switch {
		case unicode.Is(unicode.Han, r):
			if py := pinyin.SinglePinyin(r, pinyinArgs); len(py) > 0 {
				b.WriteString(py[0])
			}
		case r < 128 && (unicode.IsLetter(r) || unicode.IsDigit(r)):
			b.WriteRune(unicode.ToLower(r))
		}
	}
	return b.String()
}
