//go:build unix

package embedded_test

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/jiefen/jiefen/search/embedded"
)

// TestDirectoryLock (issue 12): while one engine has an index directory
// open, another Open (a second process, here a second opener) is refused
// with ErrLocked and leaves the write-ahead log alone; after Close the
// directory opens again.
func TestDirectoryLock(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "index")
	e, err := embedded.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := embedded.Open(dir); !errors.Is(err, embedded.ErrLocked) {
		t.Fatalf("second open while held: %v", err)
	}
	// Another process too (flock is per open file, so this holds across
	// processes; the helper below is this test binary).
	if os.Getenv("JIEFEN_LOCK_CHILD") == "" {
		cmd := exec.Command(os.Args[0], "-test.run=TestDirectoryLockChild", "-test.v")
		cmd.Env = append(os.Environ(), "JIEFEN_LOCK_CHILD="+dir)
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("child: %v\n%s", err, out)
		}
	}
	if err := e.Close(); err != nil {
		t.Fatal(err)
	}
	e, err = embedded.Open(dir)
	if err != nil {
		t.Fatalf("open after close: %v", err)
	}
	e.Close()
}

func TestDirectoryLockChild(t *testing.T) {
	dir := os.Getenv("JIEFEN_LOCK_CHILD")
	if dir == "" {
		t.Skip("run by TestDirectoryLock")
	}
	if _, err := embedded.Open(dir); !errors.Is(err, embedded.ErrLocked) {
		t.Fatalf("open from another process: %v", err)
	}
}
