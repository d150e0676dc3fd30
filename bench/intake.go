package bench

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Load is one level of an HTTP load run: Concurrency clients POST bodies
// to URL, each waiting for its answer before sending the next, until N
// requests have been sent or Duration has passed, whichever comes first
// (0 leaves that side open; one of them must be set).
type Load struct {
	Client      *http.Client
	URL         string
	Header      http.Header // sent with every request (Authorization, Content-Type)
	Concurrency int
	N           int
	Duration    time.Duration
	Timeout     time.Duration // per request, including reading the answer; 0: none

	// Next returns the next request's body and Idempotency-Key ("" for
	// none); ok false ends the level. Calls are serialised.
	Next func() (body []byte, key string, ok bool)
}

// LoadResult is what one level measured. Latencies are those of every
// request sent, answered or not: a request that timed out counts with the
// time it was given.
type LoadResult struct {
	Concurrency int
	Sent        int
	Codes       map[int]int // answers by HTTP status
	Errors      int         // no answer: transport errors and timeouts
	FirstError  string      // the first of those, for diagnosis
	Elapsed     time.Duration
	Latencies   Latencies
}

// OK counts the 2xx answers.
func (r LoadResult) OK() int {
	n := 0
	for code, c := range r.Codes {
		if code >= 200 && code < 300 {
			n += c
		}
	}
	return n
}

// Rate is the 2xx answers per second of the level's wall time.
func (r LoadResult) Rate() float64 {
	if r.Elapsed <= 0 {
		return 0
	}
	return float64(r.OK()) / r.Elapsed.Seconds()
}

// CodesField renders the answers as 201:1990,500:3,err:7: statuses in
// ascending order, then the requests without an answer.
func (r LoadResult) CodesField() string {
	codes := make([]int, 0, len(r.Codes))
	for c := range r.Codes {
		codes = append(codes, c)
	}
	slices.Sort(codes)
	parts := make([]string, 0, len(codes)+1)
	for _, c := range codes {
		parts = append(parts, strconv.Itoa(c)+":"+strconv.Itoa(r.Codes[c]))
	}
	if r.Errors > 0 {
		parts = append(parts, "err:"+strconv.Itoa(r.Errors))
	}
	if len(parts) == 0 {
		return "none"
	}
	return strings.Join(parts, ",")
}

// Line renders the level as
// concurrency=32 intakes=2000 rate=123.4 p50_ms=… p99_ms=… codes=201:1990,503:10.
func (r LoadResult) Line() string {
	return fmt.Sprintf("concurrency=%d intakes=%d rate=%.1f p50_ms=%s p99_ms=%s codes=%s",
		r.Concurrency, r.Sent, r.Rate(), Ms(r.Latencies.Percentile(50)), Ms(r.Latencies.Percentile(99)), r.CodesField())
}

// Run drives the level and returns what it measured. It stops early, with
// what was measured so far, when ctx ends.
func (l Load) Run(ctx context.Context) LoadResult {
	conc := max(l.Concurrency, 1)
	var (
		mu   sync.Mutex
		sent int
		done bool
	)
	start := time.Now()
	// take hands out the next request, or false when the level is over.
	take := func() ([]byte, string, bool) {
		mu.Lock()
		defer mu.Unlock()
		if done || ctx.Err() != nil || (l.N > 0 && sent >= l.N) || (l.Duration > 0 && time.Since(start) >= l.Duration) {
			done = true
			return nil, "", false
		}
		body, key, ok := l.Next()
		if !ok {
			done = true
			return nil, "", false
		}
		sent++
		return body, key, true
	}
	type worker struct {
		lat        Latencies
		codes      map[int]int
		errs       int
		firstError string
	}
	ws := make([]worker, conc)
	var wg sync.WaitGroup
	for i := range ws {
		w := &ws[i]
		w.codes = map[int]int{}
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				body, key, ok := take()
				if !ok {
					return
				}
				t0 := time.Now()
				code, err := l.do(ctx, body, key)
				w.lat = append(w.lat, time.Since(t0))
				if err != nil {
					w.errs++
					if w.firstError == "" {
						w.firstError = err.Error()
					}
					continue
				}
				w.codes[code]++
			}
		}()
	}
	wg.Wait()
	r := LoadResult{Concurrency: conc, Sent: sent, Codes: map[int]int{}, Elapsed: time.Since(start)}
	for _, w := range ws {
		r.Latencies = append(r.Latencies, w.lat...)
		for c, n := range w.codes {
			r.Codes[c] += n
		}
		r.Errors += w.errs
		if r.FirstError == "" {
			r.FirstError = w.firstError
		}
	}
	return r
}

// do sends one request and reads its answer to the end.
func (l Load) do(ctx context.Context, body []byte, key string) (int, error) {
	if l.Timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, l.Timeout)
		defer cancel()
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, l.URL, bytes.NewReader(body))
	if err != nil {
		return 0, err
	}
	for k, vs := range l.Header {
		req.Header[k] = vs
	}
	if key != "" {
		req.Header.Set("Idempotency-Key", key)
	}
	res, err := l.Client.Do(req)
	if err != nil {
		return 0, err
	}
	defer res.Body.Close()
	if _, err := io.Copy(io.Discard, res.Body); err != nil {
		return 0, err
	}
	return res.StatusCode, nil
}

// LoadClient returns an HTTP client for up to conc concurrent requests to
// one server: enough idle connections that each client keeps its own.
func LoadClient(conc int) *http.Client {
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.MaxIdleConns = 2*conc + 8
	tr.MaxIdleConnsPerHost = 2*conc + 8
	tr.IdleConnTimeout = 90 * time.Second
	return &http.Client{Transport: tr}
}
