package meili

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"os"
	"testing"

	"github.com/jiefen/jiefen/search"
	"github.com/jiefen/jiefen/search/searchtest"
)

// openTest opens a fresh index on the server MEILI_URL names (the test
// script starts one), dropped when the test ends.
func openTest(t *testing.T) *Engine {
	url := os.Getenv("MEILI_URL")
	if url == "" {
		t.Skip("MEILI_URL not set")
	}
	b := make([]byte, 6)
	rand.Read(b)
	e, err := Open(context.Background(), url, os.Getenv("MEILI_KEY"), "test_"+hex.EncodeToString(b))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := e.Drop(context.Background()); err != nil {
			t.Error(err)
		}
		e.Close()
	})
	return e
}

func TestContract(t *testing.T) {
	searchtest.Run(t, func(t *testing.T) search.Index { return openTest(t) })
}

func TestAncestors(t *testing.T) {
	for code, want := range map[string]string{
		"610902001003": "61 6109 610902 610902001 610902001003",
		"610900000000": "61 6109",
		"610902100000": "61 6109 610902 610902100",
	} {
		got := ""
		for i, a := range ancestors(code) {
			if i > 0 {
				got += " "
			}
			got += a
		}
		if got != want {
			t.Errorf("ancestors(%s) = %s, want %s", code, got, want)
		}
	}
}

func TestUnreachable(t *testing.T) {
	if _, err := Open(context.Background(), "http://127.0.0.1:1", "x", "jiefen"); err == nil {
		t.Fatal("Open of an unreachable server succeeded")
	}
}
