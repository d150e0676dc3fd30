package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// gen-serial writes the same file for the same seed, and eval --serial
// --folds 2 reports the serial residents and both held-out directions.
func TestEvalSerialAndFolds(t *testing.T) {
	t.Parallel() // no environment, no timing: runs beside the other parallel tests
	dir := t.TempDir()
	src := "../../docs/examples/intakes.jsonl"
	var outs [2][]byte
	for i := range outs {
		out := filepath.Join(dir, "serial.jsonl")
		var o, e bytes.Buffer
		if code := Run(context.Background(), []string{"eval", "gen-serial", "--file", src, "--out", out, "--seed", "3"}, &o, &e); code != 0 {
			t.Fatalf("gen-serial: %d %s", code, e.String())
		}
		b, err := os.ReadFile(out)
		if err != nil {
			t.Fatal(err)
		}
		outs[i] = b
	}
	if !bytes.Equal(outs[0], outs[1]) || !bytes.Contains(outs[0], []byte(`"person":"SERIAL1"`)) {
		t.Fatalf("gen-serial not deterministic or without the resident:\n%s", outs[0])
	}

	var o, e bytes.Buffer
	if code := Run(context.Background(), []string{"eval", "--file", src, "--serial", "--folds", "2"}, &o, &e); code != 0 {
		t.Fatalf("eval: %d %s", code, e.String())
	}
	got := o.String()
	for _, want := range []string{"== serial set", "serial main resident:", "held out, fold 1/2", "held out, fold 2/2"} {
		if !strings.Contains(got, want) {
			t.Errorf("no %q in\n%s", want, got)
		}
	}
}
