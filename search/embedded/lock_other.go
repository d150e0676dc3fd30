//go:build !unix

package embedded

// lockDir is a no-op where flock is not available: run one process on an
// index directory at a time.
func lockDir(dir string) (unlock func() error, err error) {
	return func() error { return nil }, nil
}
