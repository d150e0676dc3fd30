package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// The README's example file makes every decision once, through the real
// import path, and the export says so.
func TestImportExportExample(t *testing.T) {
	t.Parallel() // no environment, no timing: runs beside the other parallel tests
	dir := t.TempDir()
	run := func(args ...string) (string, string, int) {
		var out, errb bytes.Buffer
		code := Run(context.Background(), append(args, "--data", dir), &out, &errb)
		return out.String(), errb.String(), code
	}
	out, errs, code := run("import", "--file", "../../docs/examples/intakes.jsonl", "--close-after", "60d")
	if code != 0 {
		t.Fatalf("import: %d %s %s", code, out, errs)
	}
	if !strings.Contains(out, "imported 8 intakes") || !strings.Contains(out, "new 4, merged 1, repeat 1, grouped 2") {
		t.Errorf("import summary: %s", out)
	}
	// Idempotent on ref.
	out, _, _ = run("import", "--file", "../../docs/examples/intakes.jsonl")
	if !strings.Contains(out, "imported 0 intakes (8 already there") {
		t.Errorf("second import: %s", out)
	}
	out, errs, code = run("export", "--format", "jsonl")
	if code != 0 {
		t.Fatalf("export: %d %s", code, errs)
	}
	var lines []map[string]any
	for _, l := range strings.Split(strings.TrimSpace(out), "\n") {
		var m map[string]any
		if err := json.Unmarshal([]byte(l), &m); err != nil {
			t.Fatalf("export line %q: %v", l, err)
		}
		lines = append(lines, m)
	}
	if len(lines) != 7 {
		t.Fatalf("%d cases exported, want 7", len(lines))
	}
	var merged, repeat, clustered int
	for _, c := range lines {
		if len(c["intake_refs"].([]any)) == 2 {
			merged++
		}
		for _, l := range c["links"].([]any) {
			if l.(map[string]any)["kind"] == "repeat" {
				repeat++
			}
		}
		if c["cluster"] != "" {
			clustered++
		}
	}
	if merged != 1 || repeat != 1 || clustered != 3 {
		t.Errorf("export: %d merged cases, %d repeat links, %d clustered cases\n%s", merged, repeat, clustered, out)
	}
	// eval scores the same file perfectly.
	var evalOut, evalErr bytes.Buffer
	if code := Run(context.Background(), []string{"eval", "--file", "../../docs/examples/intakes.jsonl"}, &evalOut, &evalErr); code != 0 {
		t.Fatalf("eval: %d %s", code, evalErr.String())
	}
	if !strings.Contains(evalOut.String(), "same_matter_f1=1.0000 precision=1.0000 recall=1.0000 group_f1=1.0000") {
		t.Errorf("eval: %s", evalOut.String())
	}
}

// Malformed lines are reported with their line numbers and skipped, or
// abort the whole import with --strict before anything is registered.
func TestImportMalformed(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "bad.jsonl")
	body := `{"ref":"A1","channel":"wechat","received_at":"2025-03-01T10:00:00+08:00","person":{"name":"甲"},"subject":"路灯不亮","content":"小区路灯坏了"}
{"ref":"A2", broken
{"ref":"A3","channel":"fax","received_at":"2025-03-01T10:00:00+08:00","subject":"x"}
{"ref":"","received_at":"2025-03-01T10:00:00+08:00","subject":"x"}
{"ref":"A5","received_at":"2025-03-02T10:00:00+08:00","subject":"","content":""}
{"ref":"A6","received_at":"2025-03-02T10:00:00+08:00","subject":"无渠道的旧数据","content":"😀 ＡＢＣ"}
`
	if err := os.WriteFile(file, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	var out, errb bytes.Buffer
	code := Run(context.Background(), []string{"import", "--file", file, "--strict", "--data", filepath.Join(dir, "d1")}, &out, &errb)
	if code == 0 || !strings.Contains(errb.String(), "line 2") || !strings.Contains(errb.String(), "nothing imported") {
		t.Fatalf("strict: %d %s", code, errb.String())
	}
	out.Reset()
	errb.Reset()
	code = Run(context.Background(), []string{"import", "--file", file, "--data", filepath.Join(dir, "d2")}, &out, &errb)
	if code != 0 || !strings.Contains(out.String(), "imported 2 intakes") || !strings.Contains(out.String(), "4 malformed lines skipped") {
		t.Fatalf("lenient: %d %s %s", code, out.String(), errb.String())
	}
	for _, want := range []string{"line 2:", "line 3:", "line 4:", "line 5:"} {
		if !strings.Contains(errb.String(), want) {
			t.Errorf("no report for %s in %s", want, errb.String())
		}
	}
	if code := Run(context.Background(), []string{"import"}, &out, &errb); code != 2 {
		t.Errorf("import without --file: %d", code)
	}
	if code := Run(context.Background(), []string{"import", "--file", file, "--close-after", "soon"}, &out, &errb); code != 2 {
		t.Errorf("bad --close-after: %d", code)
	}
}
