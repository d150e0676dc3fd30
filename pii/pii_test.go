package pii

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"
)

func testKeyring(t *testing.T) *Keyring {
	t.Helper()
	k, err := NewKeyring(bytes.Repeat([]byte{7}, KeySize))
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func TestSealOpen(t *testing.T) {
	k := testKeyring(t)
	c1, c2 := k.SealString("610902199001011234"), k.SealString("610902199001011234")
	if bytes.Equal(c1, c2) {
		t.Fatal("ciphertexts must differ (random nonce)")
	}
	if bytes.Contains(c1, []byte("6109")) {
		t.Fatal("ciphertext contains plaintext")
	}
	got, err := k.OpenString(c1)
	if err != nil || got != "610902199001011234" {
		t.Fatalf("OpenString = %q, %v", got, err)
	}
	if k.Seal(nil) != nil {
		t.Error("empty plaintext should seal to nil")
	}
	c1[len(c1)-1] ^= 1
	if _, err := k.Open(c1); err == nil {
		t.Error("tampered ciphertext opened")
	}
	other, _ := NewKeyring(bytes.Repeat([]byte{8}, KeySize))
	if _, err := other.Open(c2); err == nil {
		t.Error("opened with the wrong key")
	}
}

func TestHash(t *testing.T) {
	k := testKeyring(t)
	if k.HashPhone("138 0013 8000") != k.HashPhone("+86 13800138000") {
		t.Error("phone hash should use the canonical form")
	}
	if k.HashPhone("１３８００１３８０００") != k.HashPhone("13800138000") {
		t.Error("full-width digits should hash like half-width ones")
	}
	if k.HashID("61090219900101123x") != k.HashID("61090219900101123X") {
		t.Error("ID hash should ignore the case of X")
	}
	if k.HashID("13800138000") == k.HashPhone("13800138000") {
		t.Error("hashes of different kinds must differ")
	}
	if k.HashPhone("") != "" {
		t.Error("empty value should hash to empty")
	}
	other, _ := NewKeyring(bytes.Repeat([]byte{8}, KeySize))
	if other.HashPhone("13800138000") == k.HashPhone("13800138000") {
		t.Error("hash must depend on the key")
	}
}

func TestMask(t *testing.T) {
	for _, tc := range []struct{ got, want string }{
		{MaskID("610902199001011234"), "6109**********1234"},
		{MaskPhone("13812345678"), "138****5678"},
		{MaskPhone("1234"), "****"},
		{MaskPhone(""), ""},
	} {
		if tc.got != tc.want {
			t.Errorf("got %q, want %q", tc.got, tc.want)
		}
	}
}

func TestKeyFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "sub", "jiefen.key")
	k1, err := LoadOrCreateKeyFile(path)
	if err != nil {
		t.Fatal(err)
	}
	fi, err := os.Stat(path)
	if err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("key file mode = %v, %v; want 0600", fi.Mode(), err)
	}
	k2, err := LoadOrCreateKeyFile(path)
	if err != nil || !bytes.Equal(k1, k2) {
		t.Fatal("second load must return the same key")
	}
	if _, err := ParseKey("short"); err == nil {
		t.Error("ParseKey accepted a short key")
	}
}
