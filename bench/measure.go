package bench

import (
	"bufio"
	"fmt"
	"io"
	"math"
	"os"
	"runtime"
	"runtime/debug"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Latencies collects per-query wall times.
type Latencies []time.Duration

// Percentile returns the nearest-rank p-th percentile (0 < p <= 100); 0 for
// no samples.
func (l Latencies) Percentile(p float64) time.Duration {
	if len(l) == 0 {
		return 0
	}
	s := slices.Clone(l)
	slices.Sort(s)
	k := int(math.Ceil(p / 100 * float64(len(s))))
	return s[min(max(k, 1), len(s))-1]
}

// Summary is the outcome of one query run.
type Summary struct {
	Queries int
	Found   int // queries whose target was among the first k results
	P50     time.Duration
	P95     time.Duration
	P99     time.Duration
	Max     time.Duration
}

// Recall is the share of queries whose target was found.
func (s Summary) Recall() float64 {
	if s.Queries == 0 {
		return 0
	}
	return float64(s.Found) / float64(s.Queries)
}

// Summarise computes the percentiles of a run.
func Summarise(l Latencies, found int) Summary {
	return Summary{Queries: len(l), Found: found, P50: l.Percentile(50), P95: l.Percentile(95),
		P99: l.Percentile(99), Max: l.Percentile(100)}
}

// Ms renders a duration in milliseconds with two decimals.
func Ms(d time.Duration) string { return strconv.FormatFloat(float64(d)/1e6, 'f', 2, 64) }

// Line renders the summary's fields as key=value pairs: recall with three
// decimals, latencies in milliseconds with two.
func (s Summary) Line(k int) string {
	return fmt.Sprintf("recall@%d=%.3f p50_ms=%s p95_ms=%s p99_ms=%s", k, s.Recall(), Ms(s.P50), Ms(s.P95), Ms(s.P99))
}

// Run times query(i) for i in [0, n) one at a time, after warm-up calls of
// the first queries that are not counted; query reports whether the target
// was found. With reps > 1 each query runs reps times and the fastest run
// counts, which filters out time slices lost to other processes on a shared
// machine (recall comes from the first run).
func Run(n, warmup, reps int, query func(i int) (bool, error)) (Summary, error) {
	for i := 0; i < min(warmup, n); i++ {
		if _, err := query(i); err != nil {
			return Summary{}, err
		}
	}
	lat := make(Latencies, 0, n)
	found := 0
	for i := 0; i < n; i++ {
		var best time.Duration
		for r := 0; r < max(reps, 1); r++ {
			t0 := time.Now()
			ok, err := query(i)
			d := time.Since(t0)
			if err != nil {
				return Summary{}, err
			}
			if r == 0 {
				best = d
				if ok {
					found++
				}
			}
			best = min(best, d)
		}
		lat = append(lat, best)
	}
	return Summarise(lat, found), nil
}

// Memory is the process's memory as the kernel and the Go runtime see it.
type Memory struct {
	RSS       int64 // VmRSS: resident now
	HWM       int64 // VmHWM: peak resident
	HeapInuse int64 // Go heap spans in use
}

// MB renders bytes as whole mebibytes.
func MB(b int64) string { return strconv.FormatInt((b+(1<<19))>>20, 10) }

// ReadMemory returns the memory in use after returning freed memory to the
// system (debug.FreeOSMemory), so that RSS shows what is live, not what
// the collector has yet to give back. VmRSS and VmHWM come from
// /proc/self/status (zero where it does not exist).
func ReadMemory() Memory {
	debug.FreeOSMemory()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	m := Memory{HeapInuse: int64(ms.HeapInuse)}
	if f, err := os.Open("/proc/self/status"); err == nil {
		m.RSS, m.HWM, _ = parseStatus(f)
		f.Close()
	}
	return m
}

// ResetPeak starts the peak (VmHWM) over from the current RSS (Linux:
// /proc/self/clear_refs), so that phases of one run are measured apart.
func ResetPeak() {
	debug.FreeOSMemory()
	os.WriteFile("/proc/self/clear_refs", []byte("5"), 0)
}

// parseStatus reads VmRSS and VmHWM (in bytes) from a /proc/PID/status
// file.
func parseStatus(r io.Reader) (rss, hwm int64, err error) {
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		name, val, ok := strings.Cut(sc.Text(), ":")
		if !ok || (name != "VmRSS" && name != "VmHWM") {
			continue
		}
		f := strings.Fields(val)
		if len(f) == 0 {
			continue
		}
		n, err := strconv.ParseInt(f[0], 10, 64)
		if err != nil {
			return 0, 0, fmt.Errorf("%s: %w", name, err)
		}
		if len(f) > 1 && strings.EqualFold(f[1], "kB") {
			n <<= 10
		}
		if name == "VmRSS" {
			rss = n
		} else {
			hwm = n
		}
	}
	return rss, hwm, sc.Err()
}
