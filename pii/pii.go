// Package pii protects residents' personal data (ID numbers, phone numbers,
// raw channel payloads): AES-256-GCM encryption at rest, keyed hashes (HMAC-
// SHA256) for exact lookups, and masking for lists and logs.
package pii

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"unicode/utf8"
)

// KeySize is the size of the master key in bytes.
const KeySize = 32

// version prefixes every ciphertext so keys or algorithms can rotate later.
const version byte = 1

// Keyring encrypts, decrypts and hashes personal data with keys derived from
// one master key. It is safe for concurrent use.
type Keyring struct {
	aead cipher.AEAD
	mac  []byte
}

// NewKeyring derives the encryption and hashing keys from a master key.
func NewKeyring(master []byte) (*Keyring, error) {
	if len(master) != KeySize {
		return nil, fmt.Errorf("pii: master key must be %d bytes, got %d", KeySize, len(master))
	}
	block, err := aes.NewCipher(derive(master, "jiefen/pii/encrypt/v1"))
	if err != nil {
		return nil, err
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, err
	}
	return &Keyring{aead: aead, mac: derive(master, "jiefen/pii/hash/v1")}, nil
}

func derive(master []byte, label string) []byte {
	m := hmac.New(sha256.New, master)
	m.Write([]byte(label))
	return m.Sum(nil)
}

// ParseKey decodes a master key given as 64 hex digits or base64 (std or URL).
func ParseKey(s string) ([]byte, error) {
	s = strings.TrimSpace(s)
	if b, err := hex.DecodeString(s); err == nil && len(b) == KeySize {
		return b, nil
	}
	for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.RawStdEncoding, base64.URLEncoding, base64.RawURLEncoding} {
		if b, err := enc.DecodeString(s); err == nil && len(b) == KeySize {
			return b, nil
		}
	}
	return nil, errors.New("pii: key must be 32 bytes as 64 hex digits or base64")
}

// LoadOrCreateKeyFile reads the master key from path, creating it with a fresh
// random key (mode 0600) when it does not exist.
func LoadOrCreateKeyFile(path string) ([]byte, error) {
	b, err := os.ReadFile(path)
	if err == nil {
		return ParseKey(string(b))
	} else if !errors.Is(err, os.ErrNotExist) {
		return nil, err
	}
	key := make([]byte, KeySize)
	if _, err := rand.Read(key); err != nil {
		return nil, err
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, err
	}
	// O_EXCL: two processes starting at once must not write different keys.
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if errors.Is(err, os.ErrExist) {
		return LoadOrCreateKeyFile(path)
	} else if err != nil {
		return nil, err
	}
	if _, err := f.WriteString(hex.EncodeToString(key) + "\n"); err != nil {
		f.Close()
		return nil, err
	}
	return key, f.Close()
}

// Seal encrypts plaintext. Empty input stays empty, so absent values need no
// ciphertext.
func (k *Keyring) Seal(plaintext []byte) []byte {
	if len(plaintext) == 0 {
		return nil
	}
	out := make([]byte, 1+k.aead.NonceSize(), 1+k.aead.NonceSize()+len(plaintext)+k.aead.Overhead())
	out[0] = version
	if _, err := rand.Read(out[1:]); err != nil {
		panic(err) // crypto/rand never fails on supported platforms
	}
	return k.aead.Seal(out, out[1:], plaintext, nil)
}

// Open decrypts what Seal produced.
func (k *Keyring) Open(ciphertext []byte) ([]byte, error) {
	if len(ciphertext) == 0 {
		return nil, nil
	}
	n := k.aead.NonceSize()
	if len(ciphertext) < 1+n || ciphertext[0] != version {
		return nil, errors.New("pii: malformed ciphertext")
	}
	return k.aead.Open(nil, ciphertext[1:1+n], ciphertext[1+n:], nil)
}

// SealString and OpenString are Seal and Open for strings.
func (k *Keyring) SealString(s string) []byte { return k.Seal([]byte(s)) }

func (k *Keyring) OpenString(b []byte) (string, error) {
	p, err := k.Open(b)
	return string(p), err
}

// Hash returns the keyed hash used for exact lookups, as hex; "" for "".
// Callers hash canonical forms (see CanonicalPhone, CanonicalID).
func (k *Keyring) Hash(kind, value string) string {
	if value == "" {
		return ""
	}
	m := hmac.New(sha256.New, k.mac)
	m.Write([]byte(kind))
	m.Write([]byte{0})
	m.Write([]byte(value))
	return hex.EncodeToString(m.Sum(nil)[:16])
}

// HashPhone and HashID hash canonical phone numbers and ID numbers.
func (k *Keyring) HashPhone(phone string) string { return k.Hash("phone", CanonicalPhone(phone)) }
func (k *Keyring) HashID(id string) string       { return k.Hash("id", CanonicalID(id)) }

// CanonicalPhone strips formatting, full-width digits and a +86/0086 prefix.
func CanonicalPhone(s string) string {
	var b strings.Builder
	for _, r := range s {
		switch {
		case r >= '0' && r <= '9':
			b.WriteRune(r)
		case r >= '０' && r <= '９':
			b.WriteRune(r - '０' + '0')
		}
	}
	d := b.String()
	switch {
	case len(d) == 13 && strings.HasPrefix(d, "86"):
		d = d[2:]
	case len(d) == 15 && strings.HasPrefix(d, "0086"):
		d = d[4:]
	}
	return d
}

// CanonicalID upper-cases the check character and drops spaces; full-width
// characters become half-width.
func CanonicalID(s string) string {
	var b strings.Builder
	for _, r := range s {
		switch {
		case r >= '0' && r <= '9':
			b.WriteRune(r)
		case r >= '０' && r <= '９':
			b.WriteRune(r - '０' + '0')
		case r == 'x' || r == 'X' || r == 'ｘ' || r == 'Ｘ':
			b.WriteRune('X')
		}
	}
	return b.String()
}

// MaskID shows the first four and last four characters: 6109**********1234.
func MaskID(s string) string { return mask(s, 4, 4) }

// MaskPhone shows the first three and last four digits: 138****5678.
func MaskPhone(s string) string { return mask(s, 3, 4) }

func mask(s string, head, tail int) string {
	n := utf8.RuneCountInString(s)
	if n == 0 {
		return ""
	}
	if n <= head+tail {
		// Too short to show anything safely.
		return strings.Repeat("*", n)
	}
	r := []rune(s)
	return string(r[:head]) + strings.Repeat("*", n-head-tail) + string(r[n-tail:])
}
