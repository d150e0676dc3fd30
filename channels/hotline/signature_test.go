package hotline_test

import (
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/jiefen/jiefen/cases"
	"github.com/jiefen/jiefen/channels/hotline"
	"github.com/jiefen/jiefen/kernel"
)

// opensslKey is printf '%s.%s' 1758000000 '{"a":1}' | openssl dgst -sha256 -hmac key
const opensslKey = "09f7b1ba6dbb80bb6567ca7ca21e990de829e59f4b5e33c8c3bb1ab731c6cd7c"

func TestSignature(t *testing.T) {
	const secret = "s3cret"
	now := time.Date(2025, 9, 16, 9, 30, 0, 0, cases.ChinaTime)
	body := []byte(`{"order_no":"GD1"}`)
	ts := func(d time.Duration) string { return strconv.FormatInt(now.Add(d).Unix(), 10) }
	sig := func(d time.Duration, b []byte) string { return hotline.Sign(secret, now.Add(d), b) }

	if s := sig(0, body); !strings.HasPrefix(s, "sha256=") || len(s) != 7+64 || strings.ToLower(s) != s {
		t.Fatalf("signature %q: want sha256= and 64 lowercase hex digits", s)
	}
	// The documented construction, computed independently with openssl.
	if got := hotline.Sign("key", time.Unix(1758000000, 0), []byte(`{"a":1}`)); got != "sha256="+opensslKey {
		t.Errorf("Sign = %s", got)
	}

	for _, tc := range []struct {
		name     string
		ts, sig  string
		body     []byte
		ok       bool
		skewText bool
	}{
		{"OK", ts(0), sig(0, body), body, true, false},
		{"UpperHex", ts(0), "SHA256=" + strings.ToUpper(strings.TrimPrefix(sig(0, body), "sha256=")), body, true, false},
		{"SkewedBehindInWindow", ts(-4*time.Minute - 59*time.Second), sig(-4*time.Minute-59*time.Second, body), body, true, false},
		{"SkewedAheadInWindow", ts(4*time.Minute + 59*time.Second), sig(4*time.Minute+59*time.Second, body), body, true, false},
		{"TooOld", ts(-5*time.Minute - time.Second), sig(-5*time.Minute-time.Second, body), body, false, true},
		{"TooNew", ts(5*time.Minute + time.Second), sig(5*time.Minute+time.Second, body), body, false, true},
		{"TamperedBody", ts(0), sig(0, body), []byte(`{"order_no":"GD2"}`), false, false},
		{"OtherTimestamp", ts(time.Second), sig(0, body), body, false, false},
		{"WrongSecret", ts(0), hotline.Sign("other", now, body), body, false, false},
		{"MissingSignature", ts(0), "", body, false, false},
		{"MissingTimestamp", "", sig(0, body), body, false, false},
		{"NoPrefix", ts(0), strings.TrimPrefix(sig(0, body), "sha256="), body, false, false},
		{"ShortHex", ts(0), sig(0, body)[:40], body, false, false},
		{"NotHex", ts(0), "sha256=" + strings.Repeat("zz", 32), body, false, false},
		{"MillisecondTimestamp", strconv.FormatInt(now.UnixMilli(), 10), sig(0, body), body, false, true},
		{"SignedTimestamp", "+" + ts(0), sig(0, body), body, false, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			reason, err := hotline.Verify(secret, tc.ts, tc.sig, tc.body, now, hotline.DefaultWindow)
			if tc.ok {
				if err != nil {
					t.Fatalf("refused (%s): %v", reason, err)
				}
				return
			}
			if kernel.ErrorCode(err) != kernel.EUnauthorized || reason == "" {
				t.Fatalf("err = %v, reason %q: want unauthorized with a reason", err, reason)
			}
			if skew := strings.Contains(kernel.ErrorMessage(err), "时间戳"); skew != tc.skewText {
				t.Errorf("message %q", kernel.ErrorMessage(err))
			}
		})
	}
	if _, err := hotline.Verify("", ts(0), sig(0, body), body, now, hotline.DefaultWindow); err == nil {
		t.Error("verified without a secret")
	}
}
