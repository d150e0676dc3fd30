package main

import (
	"bytes"
	"context"
	"net/http"
	"net/http/httptest"
	"os"
	"regexp"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jiefen/jiefen/bench"
	"github.com/jiefen/jiefen/database/dbtest"
)

var intakeLevelLine = regexp.MustCompile(`^concurrency=(\d+) intakes=(\d+) rate=\d+\.\d p50_ms=\d+\.\d{2} p99_ms=\d+\.\d{2} codes=(\S+)$`)

// runBenchIntake runs `jiefen bench intake` in this process and checks that
// stdout is a header and one line per level, each level sending n intakes
// all answered 201; it returns stdout.
func runBenchIntake(t *testing.T, levels []int, n int, args ...string) string {
	t.Helper()
	var cl []string
	for _, l := range levels {
		cl = append(cl, strconv.Itoa(l))
	}
	args = append([]string{"bench", "intake", "--concurrency", strings.Join(cl, ","), "--n", strconv.Itoa(n)}, args...)
	var out, errb bytes.Buffer
	start := time.Now()
	if code := Run(context.Background(), args, &out, &errb); code != 0 {
		t.Fatalf("exit %d\nstdout:\n%s\nstderr:\n%s", code, out.String(), errb.String())
	}
	t.Logf("%s in %.1fs:\n%s", strings.Join(args, " "), time.Since(start).Seconds(), out.String())
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	if len(lines) != 1+len(levels) || !strings.HasPrefix(lines[0], "bench intake: ") {
		t.Fatalf("want a header and %d level lines, got:\n%s\nstderr:\n%s", len(levels), out.String(), errb.String())
	}
	for i, l := range lines[1:] {
		m := intakeLevelLine.FindStringSubmatch(l)
		if m == nil {
			t.Fatalf("line %q does not match %s", l, intakeLevelLine)
		}
		if m[1] != strconv.Itoa(levels[i]) || m[2] != strconv.Itoa(n) {
			t.Errorf("line %q: want concurrency=%d intakes=%d", l, levels[i], n)
		}
		// Every key is new, so every intake is registered (201), never
		// replayed (200), even when the detector merges it into a case.
		if m[3] != "201:"+strconv.Itoa(n) {
			t.Errorf("line %q: want codes=201:%d\nstderr:\n%s", l, n, errb.String())
		}
	}
	return out.String()
}

func TestBenchIntakeGenerated(t *testing.T) {
	out := runBenchIntake(t, []int{1, 4}, 40, "--seed", "7")
	for _, want := range []string{"database sqlite", "engine embedded", "demo generator (seed 7", "window_clerk 610902000000"} {
		if !strings.Contains(out, want) {
			t.Errorf("header lacks %q:\n%s", want, out)
		}
	}
}

// benchIntakeFile is a small labelled file: a hotline call, a WeChat
// message (registered as at the window), the same matter again, and a
// record the staff API would refuse (neither phone nor ID number).
const benchIntakeFile = `{"ref":"T1-1","channel":"hotline","received_at":"2019-03-01T09:00:00+08:00","person":{"name":"程敏","id_number":"","phone":"15636748049"},"subject":"小区电梯长期故障无人维修","content":"市民来电称，小区3号楼电梯坏了两个月，物业公司一直不修，老人上下楼非常困难。","address":"","truth":{"matter":"M1"}}
{"ref":"T2-1","channel":"wechat","received_at":"2019-03-02T10:00:00+08:00","person":{"name":"刘刚","id_number":"","phone":"13483955034"},"subject":"公司拖欠工资三个月","content":"我在某商贸有限公司做保洁员，公司已经拖欠三个月工资共计九千六百元，多次讨要无果。","address":"","truth":{"matter":"M2"}}
{"ref":"T1-2","channel":"window","received_at":"2019-03-05T11:00:00+08:00","person":{"name":"程敏","id_number":"","phone":"15636748049"},"subject":"电梯还是没修","content":"上次反映的小区3号楼电梯故障至今没有维修，物业不理睬。","address":"","truth":{"matter":"M1"}}
{"ref":"T3-1","channel":"video","received_at":"2019-03-06T11:00:00+08:00","person":{"name":"王芳","id_number":"","phone":""},"subject":"邻居装修噪音扰民","content":"楼上邻居装修噪音扰民，每天早上七点开始电钻施工。","address":"","truth":{"matter":"M3"}}
`

func TestBenchIntakeFile(t *testing.T) {
	f := writeFile(t, "labelled.jsonl", benchIntakeFile)
	// 2×10 intakes from 3 usable records: they come round again, under new
	// keys, and are still registered.
	out := runBenchIntake(t, []int{1, 2}, 10, "--file", f)
	for _, want := range []string{"labelled.jsonl, 3 of 4 records (skipped: 1 neither phone nor ID number)", "repeated from the start after 3"} {
		if !strings.Contains(out, want) {
			t.Errorf("header lacks %q:\n%s", want, out)
		}
	}
}

func TestBenchIntakePostgres(t *testing.T) {
	dsn := os.Getenv(dbtest.PostgresEnv)
	if dsn == "" {
		t.Skip(dbtest.PostgresEnv + " not set")
	}
	out := runBenchIntake(t, []int{1, 4}, 40, "--db", dsn)
	if !strings.Contains(out, "database postgres (fresh database)") {
		t.Errorf("header does not name the fresh PostgreSQL database:\n%s", out)
	}
}

func TestBenchIntakeUsage(t *testing.T) {
	for _, args := range [][]string{
		{"--concurrency", "0"},
		{"--concurrency", "1,x"},
		{"--n", "0"},
		{"--url", "http://127.0.0.1:1"},
		{"--url", "http://127.0.0.1:1", "--user", "u", "--password", "p", "--data", t.TempDir()},
		{"--region", "12"},
		{"--region", "110101", "--n", "1"}, // no generated intakes outside 安康市
	} {
		var out, errb bytes.Buffer
		if code := Run(context.Background(), append([]string{"bench", "intake"}, args...), &out, &errb); code != 2 {
			t.Errorf("%v: exit %d, want 2\n%s", args, code, errb.String())
		}
	}
}

// TestLoadCountsErrors: answers are counted by status, requests without an
// answer in time as err, and the line still comes out.
func TestLoadCountsErrors(t *testing.T) {
	var n atomic.Int64
	keys := make(chan string, 100)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		keys <- r.Header.Get("Idempotency-Key")
		switch n.Add(1) % 4 {
		case 0:
			time.Sleep(300 * time.Millisecond) // beyond the timeout
		case 1:
			w.WriteHeader(http.StatusServiceUnavailable)
		default:
			w.WriteHeader(http.StatusCreated)
		}
	}))
	defer srv.Close()
	i := 0
	r := bench.Load{Client: bench.LoadClient(4), URL: srv.URL, Concurrency: 4, N: 20, Timeout: 100 * time.Millisecond,
		Next: func() ([]byte, string, bool) { i++; return []byte("{}"), "k" + strconv.Itoa(i), true }}.Run(context.Background())
	if r.Sent != 20 || r.Codes[201] != 10 || r.Codes[503] != 5 || r.Errors != 5 || len(r.Latencies) != 20 {
		t.Errorf("sent %d codes %v errors %d latencies %d; want 20, 201:10 503:5, 5, 20", r.Sent, r.Codes, r.Errors, len(r.Latencies))
	}
	if got := r.CodesField(); got != "201:10,503:5,err:5" {
		t.Errorf("codes field %q", got)
	}
	if !intakeLevelLine.MatchString(r.Line()) {
		t.Errorf("line %q does not match %s", r.Line(), intakeLevelLine)
	}
	if p99 := r.Latencies.Percentile(99); p99 < 100*time.Millisecond {
		t.Errorf("p99 %v: requests that timed out count with their timeout", p99)
	}
	srv.Close() // waits for the handlers
	seen := map[string]bool{}
	for len(keys) > 0 {
		k := <-keys
		if seen[k] {
			t.Errorf("key %q sent twice", k)
		}
		seen[k] = true
	}
}
