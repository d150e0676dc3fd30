package kernel

import (
	"regexp"
	"time"
)

var mobileRE = regexp.MustCompile(`^1[3-9]\d{9}$`)

// ValidMobile reports whether s is a mainland mobile number.
func ValidMobile(s string) bool { return mobileRE.MatchString(s) }

var idWeights = [17]int{7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2}

const idCheckChars = "10X98765432"

// IDNumberProblem checks an 18-digit resident ID number (GB 11643-1999) and
// returns what is wrong with it in Chinese, or "" when it is valid: the
// format, a real birth date not in the future, and the check character.
func IDNumberProblem(s string, today time.Time) string {
	if len(s) != 18 {
		return "身份证号码应为18位"
	}
	for i := 0; i < 17; i++ {
		if s[i] < '0' || s[i] > '9' {
			return "身份证号码前17位应为数字"
		}
	}
	if c := s[17]; !(c >= '0' && c <= '9' || c == 'X' || c == 'x') {
		return "身份证号码末位应为数字或X"
	}
	birth, err := time.Parse("20060102", s[6:14])
	if err != nil || birth.Year() < 1900 || birth.After(today) {
		return "身份证号码中的出生日期无效"
	}
	sum := 0
	for i, w := range idWeights {
		sum += int(s[i]-'0') * w
	}
	want := idCheckChars[sum%11]
	got := s[17]
	if got == 'x' {
		got = 'X'
	}
	if got != want {
		return "身份证号码校验位错误"
	}
	return ""
}

// IDCheckChar computes the check character for the first 17 digits; demo and
// test data use it to make valid numbers.
func IDCheckChar(first17 string) byte {
	sum := 0
	for i, w := range idWeights {
		sum += int(first17[i]-'0') * w
	}
	return idCheckChars[sum%11]
}
