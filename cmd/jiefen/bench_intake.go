package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"maps"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"time"
	"unicode/utf8"

	"github.com/jiefen/jiefen/bench"
	"github.com/jiefen/jiefen/cases"
	"github.com/jiefen/jiefen/database"
	"github.com/jiefen/jiefen/demo"
	"github.com/jiefen/jiefen/kernel"
	"github.com/jiefen/jiefen/regions"
	"github.com/jiefen/jiefen/staff"
	"github.com/jiefen/jiefen/web"
)

// benchIntakeOptions are the flags of `jiefen bench intake`.
type benchIntakeOptions struct {
	levels   []int
	n        int
	duration time.Duration
	timeout  time.Duration
	file     string
	seed     uint64
	region   string // normalised
	engine   string

	// the server: one started here, or --url
	data    string
	db      string
	freshDB bool
	keep    bool
	url     string
	user    string
	pass    string
}

func cmdBenchIntake(ctx context.Context, cfg Config, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("bench intake", flag.ContinueOnError)
	var o benchIntakeOptions
	levels := fs.String("concurrency", "1,8,32,64", "concurrent clients of each level, comma-separated; one line per level")
	fs.IntVar(&o.n, "n", 2000, "intakes per level (0: no limit, with --duration)")
	fs.DurationVar(&o.duration, "duration", 0, "time per level (0: no limit, with --n); with both, whichever ends first")
	fs.DurationVar(&o.timeout, "timeout", 10*time.Second, "per-request timeout; a request without an answer by then counts as err")
	fs.StringVar(&o.file, "file", "", "labelled JSON Lines file of intakes (the import/eval format); default: the demo generator's intakes")
	fs.Uint64Var(&o.seed, "seed", 1, "seed of the generated intakes (without --file)")
	region := fs.String("region", demo.HanbinCode, "region of the window clerk the bench logs in as, and of intakes without one")
	fs.StringVar(&o.engine, "engine", "embedded", "search engine of the started server: embedded | meili (MEILI_URL, MEILI_KEY; a throwaway index)")
	fs.StringVar(&o.data, "data", "", "data directory of the started server (default: a fresh temporary one, removed after)")
	fs.StringVar(&o.db, "db", "", "database of the started server: postgres://… (a fresh database is created on that server, see --fresh-db) or file:… (default: SQLite in the data directory)")
	fs.BoolVar(&o.freshDB, "fresh-db", true, "with --db postgres://…: create a fresh database on that server (the role may CREATE DATABASE) and drop it after; false uses the named database")
	fs.BoolVar(&o.keep, "keep", false, "keep the temporary data directory and the fresh PostgreSQL database")
	fs.StringVar(&o.url, "url", "", "target a running server (http://host:port) instead of starting one; needs --user and --password")
	fs.StringVar(&o.user, "user", "", "with --url: a staff account that may register intakes in --region")
	fs.StringVar(&o.pass, "password", "", "with --url: its password")
	profile := fs.String("cpuprofile", "", "write a CPU profile of this process (clients and, without --url, the server) to this file")
	if err := parse(fs, args, stderr); err != nil {
		return err
	}
	if *profile != "" {
		stop, err := startProfile(*profile)
		if err != nil {
			return err
		}
		defer stop()
	}
	var err error
	if o.levels, err = parseLevels(*levels); err != nil {
		return usageErr("bench intake: --concurrency: %v", err)
	}
	code, ok := kernel.NormalizeRegionCode(*region)
	switch {
	case o.n < 0:
		return usageErr("bench intake: --n must not be negative")
	case o.duration < 0:
		return usageErr("bench intake: --duration must not be negative")
	case o.n == 0 && o.duration == 0:
		return usageErr("bench intake: give --n or --duration (or both)")
	case o.timeout <= 0:
		return usageErr("bench intake: --timeout must be positive")
	case !ok:
		return usageErr("bench intake: --region %q is not a region code", *region)
	case o.engine != "embedded" && o.engine != "meili":
		return usageErr("bench intake: --engine must be embedded or meili, not %q", o.engine)
	case o.engine == "meili" && cfg.MeiliURL == "":
		return usageErr("bench intake: --engine meili needs MEILI_URL (and MEILI_KEY)")
	case o.url != "" && (o.user == "" || o.pass == ""):
		return usageErr("bench intake: --url needs --user and --password")
	case o.url != "" && (o.data != "" || o.db != ""):
		return usageErr("bench intake: --url targets a running server; --data and --db are for one started here")
	}
	o.region = code

	src, srcDesc, err := openIntakeSource(&o, stderr)
	if err != nil {
		return err
	}
	target, err := benchTarget(ctx, cfg, &o, stderr)
	if err != nil {
		return err
	}
	defer target.stop()

	client := bench.LoadClient(slices.Max(o.levels))
	defer client.CloseIdleConnections()
	token, who, err := benchLogin(ctx, client, target.url, target.user, target.pass)
	if err != nil {
		return err
	}
	limit := "n=" + strconv.Itoa(o.n)
	if o.duration > 0 {
		limit = "duration=" + o.duration.String()
		if o.n > 0 {
			limit += " (or n=" + strconv.Itoa(o.n) + ")"
		}
	}
	fmt.Fprintf(stdout, "bench intake: %s; user %s (%s); intakes: %s; %s per level, timeout=%s; client cores=%d GOMAXPROCS=%d %s/%s\n",
		target.desc, target.user, who, srcDesc, limit, o.timeout, runtime.NumCPU(), runtime.GOMAXPROCS(0), runtime.GOOS, runtime.GOARCH)

	// Keys are unique across the run, and across runs on one server: a
	// repeated key would be answered by replay rather than registration.
	run := benchRunID()
	var seq atomic.Int64
	hdr := http.Header{"Authorization": {"Bearer " + token}, "Content-Type": {"application/json"}}
	for _, conc := range o.levels {
		if err := ctx.Err(); err != nil {
			return err
		}
		next := src.lazy(run, &seq)
		if o.duration == 0 {
			// A known count: build the bodies before the clock starts.
			next = src.prebuilt(o.n, run, &seq)
		}
		r := bench.Load{Client: client, URL: target.url + "/api/v1/intakes", Header: hdr,
			Concurrency: conc, N: o.n, Duration: o.duration, Timeout: o.timeout, Next: next}.Run(ctx)
		fmt.Fprintln(stdout, r.Line())
		if r.FirstError != "" {
			fmt.Fprintf(stderr, "bench intake: concurrency=%d: first error without an answer: %s\n", conc, r.FirstError)
		}
	}
	return ctx.Err()
}

// parseLevels reads "1,8,32,64".
func parseLevels(s string) ([]int, error) {
	var out []int
	for _, f := range strings.Split(s, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || n < 1 {
			return nil, fmt.Errorf("want client counts like 1,8,32,64, got %q", s)
		}
		out = append(out, n)
	}
	return out, nil
}

func benchRunID() string {
	var b [6]byte
	rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// ---------------------------------------------------------------- the target

// intakeTarget is the server the bench drives.
type intakeTarget struct {
	url, desc  string
	user, pass string
	stop       func()
}

// benchTarget starts a server on a fresh data directory (or --data, --db)
// with a window clerk to log in as, or takes --url as it is.
func benchTarget(ctx context.Context, cfg Config, o *benchIntakeOptions, stderr io.Writer) (*intakeTarget, error) {
	if o.url != "" {
		return &intakeTarget{url: strings.TrimRight(o.url, "/"), desc: "target " + o.url + " (running server)",
			user: o.user, pass: o.pass, stop: func() {}}, nil
	}
	var cleanups []func()
	t := &intakeTarget{stop: func() {
		for _, f := range slices.Backward(cleanups) {
			f()
		}
	}}
	fail := func(err error) (*intakeTarget, error) {
		t.stop()
		return nil, err
	}
	dir := o.data
	if dir == "" {
		var err error
		if dir, err = os.MkdirTemp("", "jiefen-bench-intake-"); err != nil {
			return nil, err
		}
		if o.keep {
			fmt.Fprintf(stderr, "bench intake: data directory %s (kept)\n", dir)
		} else {
			cleanups = append(cleanups, func() { os.RemoveAll(dir) })
		}
	}
	acfg := benchConfig(cfg, &benchOptions{engine: o.engine}, dir)
	if o.data != "" {
		// A data directory of its own may hold data under its key.
		acfg.Key = cfg.Key
	}
	if acfg.MeiliIndex != "" {
		cleanups = append(cleanups, func() { dropMeili(ctx, cfg, acfg.MeiliIndex, stderr) })
	}
	dialect := "sqlite"
	switch {
	case database.IsPostgres(o.db) && o.freshDB:
		dsn, drop, err := freshPostgres(ctx, o.db)
		if err != nil {
			return fail(err)
		}
		if o.keep {
			fmt.Fprintf(stderr, "bench intake: database %s (kept)\n", redactDSN(dsn))
		} else {
			cleanups = append(cleanups, drop)
		}
		acfg.DSN, dialect = dsn, "postgres (fresh database)"
	case database.IsPostgres(o.db):
		acfg.DSN, dialect = o.db, "postgres"
	case o.db != "":
		acfg.DSN = o.db
	}
	fmt.Fprintf(stderr, "bench intake: opening a server on %s (migrations, regions)…\n", dialect)
	app, err := OpenApp(ctx, acfg, benchLogger(stderr))
	if err != nil {
		return fail(err)
	}
	cleanups = append(cleanups, func() { app.Close() })
	run := benchRunID()
	t.user, t.pass = "bench-"+run, "bench-"+run+"-pass"
	if _, err := app.Staff.AddUser(ctx, staff.NewUser{Username: t.user, Password: t.pass,
		Role: kernel.RoleWindowClerk, RegionCode: o.region, DisplayName: "压测窗口"}); err != nil {
		return fail(fmt.Errorf("bench user: %s", describe(err)))
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return fail(err)
	}
	sctx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	done := make(chan error, 1)
	go func() { done <- app.Serve(sctx, ln) }()
	cleanups = append(cleanups, func() {
		cancel()
		if err := <-done; err != nil {
			fmt.Fprintf(stderr, "bench intake: server: %v\n", err)
		}
	})
	t.url = "http://" + ln.Addr().String()
	t.desc = fmt.Sprintf("server in this process at %s, database %s, engine %s", t.url, dialect, app.engineName)
	return t, nil
}

// freshPostgres creates an empty database on the server of dsn and returns
// its DSN and how to drop it. The server migrates it and loads the regions.
func freshPostgres(ctx context.Context, dsn string) (string, func(), error) {
	u, err := url.Parse(dsn)
	if err != nil {
		return "", nil, fmt.Errorf("--db: %w", err)
	}
	admin, err := database.Open(ctx, dsn)
	if err != nil {
		return "", nil, err
	}
	defer admin.Close()
	name := "jiefen_bench_" + benchRunID()
	if _, err := admin.ExecContext(ctx, "CREATE DATABASE "+name+" TEMPLATE template0 ENCODING 'UTF8'"); err != nil {
		return "", nil, fmt.Errorf("creating a fresh database (or run with --fresh-db=false): %w", err)
	}
	u.Path = "/" + name
	drop := func() {
		ctx := context.WithoutCancel(ctx)
		admin, err := database.Open(ctx, dsn)
		if err == nil {
			_, err = admin.ExecContext(ctx, "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)")
			admin.Close()
		}
		if err != nil {
			fmt.Fprintf(os.Stderr, "bench intake: dropping database %s: %v\n", name, err)
		}
	}
	return u.String(), drop, nil
}

// redactDSN hides a DSN's password.
func redactDSN(dsn string) string {
	if u, err := url.Parse(dsn); err == nil {
		return u.Redacted()
	}
	return dsn
}

// benchLogin logs in through the API and returns the bearer token and the
// user's role and region.
func benchLogin(ctx context.Context, client *http.Client, base, user, pass string) (token, who string, err error) {
	body, _ := json.Marshal(map[string]string{"username": user, "password": pass})
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, base+"/api/v1/auth/login", bytes.NewReader(body))
	if err != nil {
		return "", "", err
	}
	req.Header.Set("Content-Type", "application/json")
	res, err := client.Do(req)
	if err != nil {
		return "", "", fmt.Errorf("login: %w", err)
	}
	defer res.Body.Close()
	raw, _ := io.ReadAll(io.LimitReader(res.Body, 1<<16))
	var lr struct {
		Token string `json:"token"`
		User  struct {
			Role       string `json:"role"`
			RegionCode string `json:"region_code"`
		} `json:"user"`
	}
	if res.StatusCode != http.StatusOK || json.Unmarshal(raw, &lr) != nil || lr.Token == "" {
		return "", "", fmt.Errorf("login as %s: %s %s", user, res.Status, strings.TrimSpace(string(raw)))
	}
	return lr.Token, lr.User.Role + " " + lr.User.RegionCode, nil
}

// ---------------------------------------------------------------- the intakes

// intakeBody is the body of POST /api/v1/intakes.
type intakeBody struct {
	Channel    string                 `json:"channel"`
	Person     web.PersonRequest      `json:"person"`
	Subject    string                 `json:"subject"`
	Content    string                 `json:"content"`
	Address    string                 `json:"address,omitempty"`
	RegionCode string                 `json:"region_code"`
	Category   string                 `json:"category,omitempty"`
	Respondent *web.RespondentRequest `json:"respondent,omitempty"`
}

// staffChannels are the channels staff may give when registering; the
// others (wechat, import) are registered as at the window.
var staffChannels = map[kernel.Channel]bool{kernel.ChannelWindow: true, kernel.ChannelHotline: true,
	kernel.ChannelVideo: true, kernel.ChannelWeb: true}

// intakeFromCases makes the body for an intake as the domain has it,
// checked as the API will check it; "" with the reason it would be refused.
func intakeFromCases(in cases.Intake, region string) (intakeBody, string) {
	b := intakeBody{
		Channel: string(kernel.ChannelWindow),
		Person: web.PersonRequest{Name: strings.TrimSpace(in.Person.Name),
			IDNumber: strings.ToUpper(strings.TrimSpace(in.Person.IDNumber)), Phone: strings.TrimSpace(in.Person.Phone)},
		Subject: strings.TrimSpace(in.Subject), Content: strings.TrimSpace(in.Content),
		Address: strings.TrimSpace(in.Address), RegionCode: in.RegionCode,
	}
	if staffChannels[in.Channel] {
		b.Channel = string(in.Channel)
	}
	if code, ok := kernel.NormalizeRegionCode(b.RegionCode); !ok || !kernel.InRegion(code, region) {
		b.RegionCode = region
	}
	if cases.ValidCategory(in.Category) {
		b.Category = in.Category
	}
	if r := in.Respondent; r != nil && strings.TrimSpace(r.Name) != "" {
		b.Respondent = &web.RespondentRequest{Kind: string(r.Kind), Name: strings.TrimSpace(r.Name), Address: r.Address}
		if kernel.ValidMobile(r.Phone) {
			b.Respondent.Phone = r.Phone
		}
	}
	// The API wants a subject and a content; a record with one has it
	// serve as both.
	if b.Subject == "" {
		b.Subject = truncRunes(b.Content, 30)
	}
	if b.Content == "" {
		b.Content = b.Subject
	}
	b.Subject = truncRunes(b.Subject, cases.MaxSubject)
	switch p := b.Person; {
	case p.Name == "":
		return b, "no name"
	case utf8.RuneCountInString(p.Name) > cases.MaxName:
		return b, "name too long"
	case p.Phone == "" && p.IDNumber == "":
		return b, "neither phone nor ID number"
	case p.Phone != "" && !kernel.ValidMobile(p.Phone):
		return b, "phone not a mobile number"
	case p.IDNumber != "" && kernel.IDNumberProblem(p.IDNumber, time.Now()) != "":
		return b, "ID number not valid"
	case utf8.RuneCountInString(b.Content) > cases.MaxContent:
		return b, "content too long"
	case utf8.RuneCountInString(b.Address) > cases.MaxAddress:
		return b, "address too long"
	case b.Respondent != nil && utf8.RuneCountInString(b.Respondent.Name) > cases.MaxName:
		return b, "respondent name too long"
	}
	return b, ""
}

// intakeSource hands out intakes: the file's in received_at order, over
// again from the start when they run out, or generated ones batch by batch.
type intakeSource struct {
	recs []intakeBody // the file's
	pos  int

	// generated
	seed    uint64
	region  string
	geo     []kernel.Region
	batch   int
	pending []intakeBody
}

// demoBatch is how many intakes are generated at a time: enough for the
// demo generator's follow-ups and groups, which make the detector merge
// and link.
const demoBatch = 1000

// demoNow anchors the generated intakes' text (ages, years), so that a seed
// gives the same intakes on any day; they are registered at the present.
var demoNow = time.Date(2025, 9, 15, 10, 0, 0, 0, cases.ChinaTime)

func openIntakeSource(o *benchIntakeOptions, stderr io.Writer) (*intakeSource, string, error) {
	if o.file == "" {
		all, err := regions.Official()
		if err != nil {
			return nil, "", err
		}
		s := &intakeSource{seed: o.seed, region: o.region}
		for _, r := range all {
			if kernel.InRegion(r.Code, o.region) {
				s.geo = append(s.geo, r)
			}
		}
		if demo.Samples(int64(o.seed), 1, demoNow, s.geo) == nil {
			return nil, "", usageErr("bench intake: the generated intakes are set in 安康市 (6109); give a --region within it, or --file")
		}
		return s, fmt.Sprintf("generated by the demo generator (seed %d, regions within %s)", o.seed, o.region), nil
	}
	f, err := os.Open(o.file)
	if err != nil {
		return nil, "", err
	}
	defer f.Close()
	recs, problems, err := readRecords(f)
	if err != nil {
		return nil, "", fmt.Errorf("%s: %w", o.file, err)
	}
	for _, p := range problems {
		fmt.Fprintf(stderr, "bench intake: %s: %s (skipped)\n", o.file, p)
	}
	slices.SortStableFunc(recs, func(a, b record) int { return a.ReceivedAt.Compare(b.ReceivedAt) })
	s := &intakeSource{}
	skipped := map[string]int{}
	for _, rec := range recs {
		in := cases.Intake{Channel: kernel.Channel(rec.Channel),
			Person:  cases.Person{Name: rec.Person.Name, IDNumber: rec.Person.IDNumber, Phone: rec.Person.Phone},
			Subject: rec.Subject, Content: rec.Content, Address: rec.Address,
			RegionCode: rec.RegionCode, Category: rec.Category}
		if rec.Respondent != "" {
			in.Respondent = &cases.Respondent{Name: rec.Respondent}
		}
		b, why := intakeFromCases(in, o.region)
		if why != "" {
			skipped[why]++
			continue
		}
		s.recs = append(s.recs, b)
	}
	if len(s.recs) == 0 {
		return nil, "", fmt.Errorf("%s: no intakes the API would take", o.file)
	}
	desc := fmt.Sprintf("%s, %d of %d records", filepath.Base(o.file), len(s.recs), len(recs)+len(problems))
	if len(skipped) > 0 {
		var parts []string
		for _, why := range slices.Sorted(maps.Keys(skipped)) {
			parts = append(parts, fmt.Sprintf("%d %s", skipped[why], why))
		}
		desc += " (skipped: " + strings.Join(parts, ", ") + ")"
	}
	if total := o.n * len(o.levels); o.duration == 0 && total > len(s.recs) {
		desc += fmt.Sprintf(", repeated from the start after %d", len(s.recs))
	}
	return s, desc, nil
}

// next returns the next intake.
func (s *intakeSource) next() intakeBody {
	if s.recs != nil {
		b := s.recs[s.pos%len(s.recs)]
		s.pos++
		return b
	}
	for len(s.pending) == 0 {
		// Each batch its own seed, derived from --seed.
		seed := int64(s.seed*1_000_003 + uint64(s.batch))
		s.batch++
		for _, sm := range demo.Samples(seed, demoBatch, demoNow, s.geo) {
			if b, why := intakeFromCases(sm.Intake, s.region); why == "" {
				s.pending = append(s.pending, b)
			}
		}
	}
	b := s.pending[0]
	s.pending = s.pending[1:]
	return b
}

// encode marshals an intake and numbers its idempotency key.
func encodeIntake(b intakeBody, run string, seq *atomic.Int64) ([]byte, string) {
	j, err := json.Marshal(b)
	if err != nil {
		panic(err) // strings and a struct of strings
	}
	return j, "bench-" + run + "-" + strconv.FormatInt(seq.Add(1), 10)
}

// lazy hands out intakes as they are asked for (a level of a duration).
func (s *intakeSource) lazy(run string, seq *atomic.Int64) func() ([]byte, string, bool) {
	return func() ([]byte, string, bool) {
		body, key := encodeIntake(s.next(), run, seq)
		return body, key, true
	}
}

// prebuilt takes n intakes now and hands them out.
func (s *intakeSource) prebuilt(n int, run string, seq *atomic.Int64) func() ([]byte, string, bool) {
	type req struct {
		body []byte
		key  string
	}
	reqs := make([]req, n)
	for i := range reqs {
		reqs[i].body, reqs[i].key = encodeIntake(s.next(), run, seq)
	}
	i := 0
	return func() ([]byte, string, bool) {
		if i >= len(reqs) {
			return nil, "", false
		}
		i++
		return reqs[i-1].body, reqs[i-1].key, true
	}
}
