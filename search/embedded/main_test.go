package embedded

import (
	"os"
	"testing"
)

// Tests cut the base into chunks of a few lists, so that merges swap and
// drop many chunks, compactions and snapshot loads write many, even on
// the small indexes tests build.
func TestMain(m *testing.M) {
	baseChunk = 64
	os.Exit(m.Run())
}
