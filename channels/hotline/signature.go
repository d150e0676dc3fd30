package hotline

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"strconv"
	"strings"
	"time"

	"github.com/jiefen/jiefen/kernel"
)

// Headers of a signed request, both ways: the platform's work orders to us
// and our result callbacks to the platform.
const (
	HeaderTimestamp = "X-Jiefen-Timestamp" // unix seconds
	HeaderSignature = "X-Jiefen-Signature" // "sha256=" + lowercase hex
	signaturePrefix = "sha256="
)

// DefaultWindow is how far a request's timestamp may lie from our clock,
// either way.
const DefaultWindow = 5 * time.Minute

// Sign returns the signature header value for a body sent at ts:
// HMAC-SHA256 with the shared secret over "<unix seconds>.<raw body>".
func Sign(secret string, ts time.Time, body []byte) string {
	return signaturePrefix + hex.EncodeToString(mac(secret, strconv.FormatInt(ts.Unix(), 10), body))
}

func mac(secret, ts string, body []byte) []byte {
	m := hmac.New(sha256.New, []byte(secret))
	m.Write([]byte(ts))
	m.Write([]byte{'.'})
	m.Write(body)
	return m.Sum(nil)
}

// Verify checks a request's timestamp and signature headers against the
// raw body. Every failure is the same unauthorized error for the client;
// the reason is returned apart for the log.
func Verify(secret, tsHeader, sigHeader string, body []byte, now time.Time, window time.Duration) (reason string, err error) {
	deny := func(reason string) (string, error) {
		return reason, kernel.Errorf(kernel.EUnauthorized, "签名校验失败")
	}
	if secret == "" {
		return deny("no secret configured")
	}
	tsHeader, sigHeader = strings.TrimSpace(tsHeader), strings.TrimSpace(sigHeader)
	if tsHeader == "" || sigHeader == "" {
		return deny("missing timestamp or signature header")
	}
	if strings.Trim(tsHeader, "0123456789") != "" {
		return deny("malformed timestamp")
	}
	sec, err := strconv.ParseInt(tsHeader, 10, 64)
	if err != nil {
		return deny("malformed timestamp")
	}
	if skew := now.Sub(time.Unix(sec, 0)); skew > window || skew < -window {
		return "timestamp outside the window", kernel.Errorf(kernel.EUnauthorized, "请求时间戳超出允许范围（±%d分钟），请校准时钟", int(window.Minutes()))
	}
	if len(sigHeader) <= len(signaturePrefix) || !strings.EqualFold(sigHeader[:len(signaturePrefix)], signaturePrefix) {
		return deny("malformed signature header")
	}
	got, err := hex.DecodeString(sigHeader[len(signaturePrefix):])
	if err != nil || len(got) != sha256.Size {
		return deny("malformed signature")
	}
	if !hmac.Equal(got, mac(secret, tsHeader, body)) {
		return deny("signature mismatch")
	}
	return "", nil
}
