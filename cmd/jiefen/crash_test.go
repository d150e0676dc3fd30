package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/jiefen/jiefen/database/dbtest"
	"github.com/jiefen/jiefen/demo"
	"github.com/jiefen/jiefen/kernel"
	"github.com/jiefen/jiefen/regions"
)

// TestCrashRecovery is issue 9, item 5: the real binary takes concurrent
// intakes, is killed with SIGKILL in the middle of them and restarted on
// the same data; every intake it acknowledged (2xx) must be there, a
// replay of each with its Idempotency-Key must answer the same case, and
// the search index must catch up so that every acknowledged intake is
// found by GET /api/v1/search within 30 s.
func TestCrashRecovery(t *testing.T) {
	bin := buildJiefen(t)
	for _, dialect := range dbtest.Dialects() {
		t.Run(dialect, func(t *testing.T) { crashRecovery(t, bin, dialect) })
	}
}

// crashKey is the fixed JIEFEN_KEY of the child servers, so that a
// restarted one reads what the killed one sealed.
const crashKey = "3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c"

func crashRecovery(t *testing.T, bin, dialect string) {
	const (
		clients    = 8
		killAfter  = 100              // acknowledged intakes before the kill…
		killWithin = 10 * time.Second // …or this long, whichever comes first
	)
	srv, token, env := startClerkChild(t, bin, dialect, "serve-1.log")
	dataDir := filepath.Dir(srv.logPath)
	work := loadIntakes(t, "crash-"+dialect, 600)

	// Load, then SIGKILL while requests are in flight.
	lr := newLoadRun()
	ctx, cancel := context.WithCancel(context.Background())
	loadDone := make(chan struct{})
	go func() {
		defer close(loadDone)
		driveLoad(ctx, srv.url, token, work, clients, lr)
	}()
	start := time.Now()
wait:
	for lr.ackedN() < killAfter && time.Since(start) < killWithin {
		select {
		case <-loadDone:
			break wait
		case <-time.After(20 * time.Millisecond):
		}
	}
	inFlight := lr.inFlight.Load()
	srv.kill()
	cancel()
	select {
	case <-loadDone:
	case <-time.After(20 * time.Second):
		t.Fatal("load clients did not return after the kill")
	}
	acked := lr.acks()
	t.Logf("killed after %v with %d requests in flight: %s", time.Since(start).Round(time.Millisecond), inFlight, lr.summary())
	lr.checkStatuses(t)
	switch {
	case len(acked) == 0:
		t.Fatalf("no intake acknowledged within %v of load (stalled?): %s", killWithin, lr.summary())
	case len(acked) < killAfter/5:
		// Too few to call it a load: the server stalled (a cold-start
		// burst). The checks below still run on what was acknowledged.
		t.Errorf("only %d intakes acknowledged in %v of %d clients' load: the server stalled", len(acked), killWithin, clients)
	}

	// Restart on the same data and check what was acknowledged.
	srv2 := startChild(t, bin, env, filepath.Join(dataDir, "serve-2.log"))
	token = srv2.login("clerk")
	for _, a := range acked {
		if n := srv2.intakeCount(token, a.caseNo, a.ref); n != 1 {
			t.Errorf("acknowledged intake %s (key %s) appears %d times on case %s after the restart", a.ref, a.key, n, a.caseNo)
		}
	}
	for _, a := range acked {
		status, got := postIntake(context.Background(), srv2.client, srv2.url, token, work[a.index])
		if status != 200 || got.caseNo != a.caseNo || got.ref != a.ref {
			t.Errorf("replay of %s after the restart: %d %s/%s (%s), want 200 %s/%s", a.key, status, got.caseNo, got.ref, got.err, a.caseNo, a.ref)
		}
	}
	// Requests that got no answer were either stored whole or not at all:
	// sent again (twice), they are registered once.
	unanswered := lr.unanswered()
	if len(unanswered) > 20 {
		unanswered = unanswered[:20]
	}
	for _, i := range unanswered {
		s1, r1 := postIntake(context.Background(), srv2.client, srv2.url, token, work[i])
		s2, r2 := postIntake(context.Background(), srv2.client, srv2.url, token, work[i])
		if s1/100 != 2 || s2 != 200 || r1.caseNo != r2.caseNo || r1.ref != r2.ref || r1.ref == "" {
			t.Errorf("unanswered %s sent again: %d %s/%s (%s), then %d %s/%s (%s)", work[i].key,
				s1, r1.caseNo, r1.ref, r1.err, s2, r2.caseNo, r2.ref, r2.err)
		}
	}
	srv2.waitSearchable(t, token, work, acked, 30*time.Second)
	srv2.stop()
}

// startClerkChild starts `jiefen serve` as a child process on a fresh data
// directory (and a fresh PostgreSQL database for that dialect) with a
// window clerk of 安康市, and logs the clerk in. It returns the child, the
// clerk's token and the environment, to restart it on the same data.
func startClerkChild(t *testing.T, bin, dialect, logName string) (*child, string, []string) {
	t.Helper()
	dataDir := t.TempDir()
	env := []string{"JIEFEN_DATA=" + dataDir, "JIEFEN_KEY=" + crashKey}
	if dialect == "postgres" {
		env = append(env, "JIEFEN_DB="+dbtest.DSN(t, "postgres"))
	}
	if out, err := runJiefen(bin, env, "user", "add", "--username", "clerk", "--password", "secret-clerk",
		"--role", "window_clerk", "--region", "6109"); err != nil {
		t.Fatalf("user add: %v\n%s", err, out)
	}
	srv := startChild(t, bin, env, filepath.Join(dataDir, logName))
	return srv, srv.login("clerk"), env
}

// buildJiefen builds the binary once for the test (and its subtests).
func buildJiefen(t *testing.T) string {
	t.Helper()
	goTool, err := exec.LookPath("go")
	if err != nil {
		goTool = filepath.Join(runtime.GOROOT(), "bin", "go")
	}
	bin := filepath.Join(t.TempDir(), "jiefen")
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, goTool, "build", "-o", bin, ".")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

// childEnv is the test's environment without Jiefen's and the engines'
// settings, plus env.
func childEnv(env []string) []string {
	var out []string
	for _, kv := range os.Environ() {
		if strings.HasPrefix(kv, "JIEFEN_") || strings.HasPrefix(kv, "MEILI_") || strings.HasPrefix(kv, "HOTLINE_") {
			continue
		}
		out = append(out, kv)
	}
	return append(out, env...)
}

// runJiefen runs a command of the binary to completion (at most a minute).
func runJiefen(bin string, env []string, args ...string) (string, error) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, args...)
	cmd.Env = childEnv(env)
	out, err := cmd.CombinedOutput()
	return string(out), err
}

// child is a `jiefen serve` running as a child process.
type child struct {
	t       *testing.T
	cmd     *exec.Cmd
	url     string
	logPath string
	client  *http.Client
	exited  chan struct{}
	waitErr error
}

func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// startChild starts `jiefen serve` on a free port and waits until /readyz
// answers 200 (at most a minute).
func startChild(t *testing.T, bin string, env []string, logPath string) *child {
	t.Helper()
	addr := freeAddr(t)
	logf, err := os.Create(logPath)
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(bin, "serve")
	cmd.Env = childEnv(append(env, "JIEFEN_ADDR="+addr))
	cmd.Stdout, cmd.Stderr = logf, logf
	if err := cmd.Start(); err != nil {
		logf.Close()
		t.Fatal(err)
	}
	c := &child{t: t, cmd: cmd, url: "http://" + addr, logPath: logPath, exited: make(chan struct{}),
		client: &http.Client{Timeout: 20 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: 64}}}
	go func() {
		c.waitErr = cmd.Wait()
		logf.Close()
		close(c.exited)
	}()
	t.Cleanup(func() {
		c.kill()
		if t.Failed() {
			t.Logf("log of %s:\n%s", filepath.Base(logPath), tail(logPath, 40))
		}
	})
	deadline := time.Now().Add(time.Minute)
	for {
		select {
		case <-c.exited:
			t.Fatalf("jiefen serve exited before it was ready: %v\n%s", c.waitErr, tail(logPath, 40))
		default:
		}
		res, err := c.client.Get(c.url + "/readyz")
		if err == nil {
			res.Body.Close()
			if res.StatusCode == 200 {
				return c
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("jiefen serve not ready within a minute\n%s", tail(logPath, 40))
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// kill sends SIGKILL and waits for the process to be gone.
func (c *child) kill() {
	select {
	case <-c.exited:
		return
	default:
	}
	c.cmd.Process.Kill()
	<-c.exited
}

// stop sends SIGTERM and waits up to 15 s, then kills.
func (c *child) stop() {
	c.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-c.exited:
	case <-time.After(15 * time.Second):
		c.t.Logf("jiefen serve did not stop within 15 s of SIGTERM; killed")
		c.kill()
	}
}

func tail(path string, lines int) string {
	b, _ := os.ReadFile(path)
	all := strings.Split(strings.TrimRight(string(b), "\n"), "\n")
	if len(all) > lines {
		all = all[len(all)-lines:]
	}
	return strings.Join(all, "\n")
}

func (c *child) get(path, token string) (int, map[string]any, string) {
	req, _ := http.NewRequest("GET", c.url+path, nil)
	req.Header.Set("Authorization", "Bearer "+token)
	res, err := c.client.Do(req)
	if err != nil {
		return 0, nil, err.Error()
	}
	defer res.Body.Close()
	raw, _ := io.ReadAll(res.Body)
	var body map[string]any
	json.Unmarshal(raw, &body)
	return res.StatusCode, body, string(raw)
}

func (c *child) login(user string) string {
	c.t.Helper()
	b, _ := json.Marshal(map[string]string{"username": user, "password": "secret-" + user})
	res, err := c.client.Post(c.url+"/api/v1/auth/login", "application/json", bytes.NewReader(b))
	if err != nil {
		c.t.Fatal(err)
	}
	defer res.Body.Close()
	var body struct{ Token string }
	json.NewDecoder(res.Body).Decode(&body)
	if res.StatusCode != 200 || body.Token == "" {
		c.t.Fatalf("login %s: %d", user, res.StatusCode)
	}
	return body.Token
}

// intakeCount counts the intakes with ref on case no, as the API shows it
// (-1 if the case cannot be read).
func (c *child) intakeCount(token, no, ref string) int {
	return intakeCountAt(c.get, token, no, ref)
}

func intakeCountAt(get func(path, token string) (int, map[string]any, string), token, no, ref string) int {
	status, body, _ := get("/api/v1/cases/"+url.PathEscape(no), token)
	if status != 200 {
		return -1
	}
	n := 0
	ins, _ := body["intakes"].([]any)
	for _, x := range ins {
		if m, _ := x.(map[string]any); m["ref"] == ref {
			n++
		}
	}
	return n
}

// waitSearchable polls GET /api/v1/search until every acknowledged intake
// is found (by its marker) on its case.
func (c *child) waitSearchable(t *testing.T, token string, work []loadIntake, acked []ack, within time.Duration) {
	t.Helper()
	waitSearchableAt(t, "the restarted server", c.get, token, work, acked, within)
}

func waitSearchableAt(t *testing.T, who string, get func(path, token string) (int, map[string]any, string), token string,
	work []loadIntake, acked []ack, within time.Duration) {
	t.Helper()
	pending := append([]ack(nil), acked...)
	deadline := time.Now().Add(within)
	var last string
	for len(pending) > 0 {
		var still []ack
		for _, a := range pending {
			status, body, raw := get("/api/v1/search?limit=100&q="+url.QueryEscape(work[a.index].marker), token)
			found := false
			items, _ := body["items"].([]any)
			for _, it := range items {
				if m, _ := it.(map[string]any); m["case_no"] == a.caseNo {
					found = true
				}
			}
			if !found {
				still = append(still, a)
				if status != 200 {
					last = fmt.Sprintf("%d %s", status, raw)
				}
			}
		}
		pending = still
		if len(pending) == 0 || time.Now().After(deadline) {
			break
		}
		time.Sleep(500 * time.Millisecond)
	}
	if len(pending) > 0 {
		var refs []string
		for _, a := range pending {
			refs = append(refs, a.caseNo+"/"+a.ref)
		}
		t.Errorf("%s: %d of %d acknowledged intakes not found by search within %v (last error: %q): %v",
			who, len(pending), len(acked), within, last, refs)
	}
}

// loadIntake is one request of a load: realistic text from the demo
// generator, its own Idempotency-Key, and a marker in the content that
// only this intake has, for finding it by search.
type loadIntake struct {
	key    string
	marker string
	body   []byte
}

var (
	officialOnce    sync.Once
	officialRegions []kernel.Region
	officialErr     error
)

// loadIntakes makes about n intakes for run (the same run gives the same
// texts and keys).
func loadIntakes(t *testing.T, run string, n int) []loadIntake {
	t.Helper()
	officialOnce.Do(func() { officialRegions, officialErr = regions.Official() })
	if officialErr != nil {
		t.Fatal(officialErr)
	}
	seed := int64(0)
	for _, r := range run {
		seed = seed*31 + int64(r)
	}
	rnd := rand.New(rand.NewPCG(uint64(seed), 17))
	const alphabet = "abcdefghijkmnpqrstuvwxyz23456789"
	var out []loadIntake
	for i, s := range demo.Samples(seed, n, time.Now(), officialRegions) {
		in := s.Intake
		marker := make([]byte, 12)
		for j := range marker {
			marker[j] = alphabet[rnd.IntN(len(alphabet))]
		}
		ch := string(in.Channel)
		switch in.Channel {
		case kernel.ChannelWindow, kernel.ChannelHotline, kernel.ChannelVideo, kernel.ChannelWeb:
		default:
			ch = string(kernel.ChannelWeb) // the API registers WeChat through its own channel
		}
		person := map[string]any{"name": in.Person.Name}
		if in.Person.IDNumber != "" {
			person["id_number"] = in.Person.IDNumber
		}
		if in.Person.Phone != "" {
			person["phone"] = in.Person.Phone
		}
		body := map[string]any{
			"channel": ch, "person": person, "subject": in.Subject,
			"content": in.Content + "（受理回执码 " + string(marker) + "）",
			"address": in.Address, "region_code": in.RegionCode, "category": in.Category,
		}
		if r := in.Respondent; r != nil {
			body["respondent"] = map[string]any{"kind": string(r.Kind), "name": r.Name}
		}
		b, err := json.Marshal(body)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, loadIntake{key: fmt.Sprintf("%s-%04d", run, i), marker: string(marker), body: b})
	}
	return out
}

// regResult is what a POST /api/v1/intakes answered.
type regResult struct {
	caseNo, ref, decision string
	err                   string // transport error or error body
}

func postIntake(ctx context.Context, client *http.Client, base, token string, in loadIntake) (int, regResult) {
	req, err := http.NewRequestWithContext(ctx, "POST", base+"/api/v1/intakes", bytes.NewReader(in.body))
	if err != nil {
		return 0, regResult{err: err.Error()}
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Idempotency-Key", in.key)
	res, err := client.Do(req)
	if err != nil {
		return 0, regResult{err: err.Error()}
	}
	defer res.Body.Close()
	raw, _ := io.ReadAll(res.Body)
	var body struct {
		CaseNo    string `json:"case_no"`
		IntakeRef string `json:"intake_ref"`
		Decision  string `json:"decision"`
	}
	json.Unmarshal(raw, &body)
	r := regResult{caseNo: body.CaseNo, ref: body.IntakeRef, decision: body.Decision}
	if res.StatusCode/100 != 2 {
		r.err = string(raw)
		if ra := res.Header.Get("Retry-After"); ra != "" {
			r.err += " (Retry-After: " + ra + ")"
		}
	}
	return res.StatusCode, r
}

// ack is an acknowledged intake.
type ack struct {
	index                      int // into the work list
	key, caseNo, ref, decision string
	server                     string
}

// loadRun collects the outcomes of a load.
type loadRun struct {
	mu       sync.Mutex
	status   map[int]int    // status → requests; 0 = no answer
	last     map[int]string // status → an example answer
	acked    []ack
	noAnswer []int // work indexes sent without an answer
	inFlight atomic.Int64
	nAcked   atomic.Int64
	worst    time.Duration
}

func newLoadRun() *loadRun { return &loadRun{status: map[int]int{}, last: map[int]string{}} }

func (lr *loadRun) ackedN() int { return int(lr.nAcked.Load()) }

func (lr *loadRun) acks() []ack {
	lr.mu.Lock()
	defer lr.mu.Unlock()
	return append([]ack(nil), lr.acked...)
}

func (lr *loadRun) unanswered() []int {
	lr.mu.Lock()
	defer lr.mu.Unlock()
	return append([]int(nil), lr.noAnswer...)
}

func (lr *loadRun) summary() string {
	lr.mu.Lock()
	defer lr.mu.Unlock()
	var codes []int
	for c := range lr.status {
		codes = append(codes, c)
	}
	sort.Ints(codes)
	var parts []string
	for _, c := range codes {
		parts = append(parts, fmt.Sprintf("%d:%d", c, lr.status[c]))
	}
	return fmt.Sprintf("codes=%s (0 = no answer) slowest=%v", strings.Join(parts, ","), lr.worst.Round(time.Millisecond))
}

// checkStatuses fails the test for answers the issue rules out under load:
// anything but 2xx and 503 (no answer at all is judged by the caller).
func (lr *loadRun) checkStatuses(t *testing.T) {
	t.Helper()
	lr.mu.Lock()
	defer lr.mu.Unlock()
	for c, n := range lr.status {
		if c != 0 && c/100 != 2 && c != 503 {
			t.Errorf("%d requests answered %d, e.g. %s", n, c, lr.last[c])
		}
	}
}

// driveLoad posts work with clients concurrent clients until it is done or
// ctx ends; server names the target in the acks.
func driveLoad(ctx context.Context, base, token string, work []loadIntake, clients int, lr *loadRun) {
	driveLoadOn(ctx, base, "", token, work, clients, lr)
}

func driveLoadOn(ctx context.Context, base, server, token string, work []loadIntake, clients int, lr *loadRun) {
	client := &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: clients}}
	var next atomic.Int64
	var wg sync.WaitGroup
	for range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for ctx.Err() == nil {
				i := int(next.Add(1) - 1)
				if i >= len(work) {
					return
				}
				lr.inFlight.Add(1)
				began := time.Now()
				status, r := postIntake(ctx, client, base, token, work[i])
				took := time.Since(began)
				lr.inFlight.Add(-1)
				lr.mu.Lock()
				lr.status[status]++
				if took > lr.worst {
					lr.worst = took
				}
				switch {
				case status/100 == 2 && r.caseNo != "" && r.ref != "":
					lr.acked = append(lr.acked, ack{index: i, key: work[i].key, caseNo: r.caseNo, ref: r.ref, decision: r.decision, server: server})
					lr.nAcked.Add(1)
				case status == 0:
					lr.noAnswer = append(lr.noAnswer, i)
					lr.last[0] = r.err
				default:
					lr.last[status] = r.err
				}
				lr.mu.Unlock()
				if status == 0 {
					return // no answer: the server is gone (or hung); this client stops
				}
			}
		}()
	}
	wg.Wait()
}
