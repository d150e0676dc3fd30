package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"runtime"
	"runtime/pprof"
	"strconv"
	"strings"
	"time"

	"github.com/jiefen/jiefen/bench"
	"github.com/jiefen/jiefen/cases"
	"github.com/jiefen/jiefen/kernel"
	"github.com/jiefen/jiefen/search"
	"github.com/jiefen/jiefen/search/embedded"
	"github.com/jiefen/jiefen/search/meili"
)

// benchOptions are the flags of `jiefen bench detect`.
type benchOptions struct {
	engine  string // embedded | meili
	k       int
	warmup  int
	reps    int
	seed    uint64
	region  string
	profile string

	// external set
	corpus, queries string

	// synthetic scale
	dev        string
	sizes      []int
	nQueries   int
	pg         string
	thresholds []float64
	pgWorkMem  string
	pgRunes    int
	importRate bool
	closeAfter time.Duration
	writeSet   string
}

const benchKey = "abababababababababababababababababababababababababababababababab"

func cmdBench(ctx context.Context, cfg Config, args []string, stdout, stderr io.Writer) error {
	if len(args) > 0 && args[0] == "intake" {
		return cmdBenchIntake(ctx, cfg, args[1:], stdout, stderr)
	}
	if len(args) > 0 && args[0] == "stats" {
		return cmdBenchStats(ctx, cfg, args[1:], stdout, stderr)
	}
	if len(args) == 0 || args[0] != "detect" {
		return usageErr("bench: expected 'bench detect' or 'bench intake'")
	}
	fs := flag.NewFlagSet("bench detect", flag.ContinueOnError)
	var o benchOptions
	fs.StringVar(&o.engine, "engine", "embedded", "search engine: embedded | meili (MEILI_URL, MEILI_KEY)")
	fs.IntVar(&o.k, "k", 10, "recall is counted over the first k results")
	fs.IntVar(&o.warmup, "warmup", 100, "run this many queries once before timing (not counted)")
	fs.IntVar(&o.reps, "reps", 1, "run each timed query this many times and keep the fastest (filters out other processes' interference)")
	seed := fs.Uint64("seed", 42, "seed of the synthetic padding and of the query sample")
	fs.StringVar(&o.region, "region", "610902000000", "region code of the benchmark's cases")
	fs.StringVar(&o.profile, "cpuprofile", "", "write a CPU profile of the run to this file")
	fs.StringVar(&o.corpus, "corpus", "", "external set: corpus JSON Lines file ({\"id\",\"subject\",\"content\"})")
	queries := fs.String("queries", "", "external set: query JSON Lines file ({\"qid\",\"target\",\"text\"}); with --dev: how many hotline queries to sample (default 1000)")
	fs.StringVar(&o.dev, "dev", "", "synthetic scale: labelled development file (JSON Lines with truth)")
	sizes := fs.String("n", "100000", "synthetic scale: corpus sizes, comma-separated (100000,1000000 or 100k,1M)")
	fs.StringVar(&o.pg, "pg", "", "synthetic scale: PostgreSQL DSN for the pg_trgm baseline (role may CREATE DATABASE)")
	thresholds := fs.String("pg-threshold", "0.25,0.3", "pg_trgm.word_similarity_threshold values to run, comma-separated")
	fs.IntVar(&o.pgRunes, "pg-query-runes", 40, "pg_trgm queries keep the first this many characters of the boilerplate-stripped text (0: all)")
	fs.StringVar(&o.pgWorkMem, "pg-work-mem", "1GB", "maintenance_work_mem for building the GIN index (\"\" keeps the server's)")
	fs.BoolVar(&o.importRate, "import", true, "synthetic scale: also time `import` of the development file through registration")
	closeAfter := fs.String("close-after", "60d", "as for import, in the import-rate run")
	fs.StringVar(&o.writeSet, "write-set", "", "synthetic scale: also write each corpus and its queries as an external set into this directory")
	if err := parse(fs, args[1:], stderr); err != nil {
		return err
	}
	o.seed = *seed
	switch {
	case o.engine != "embedded" && o.engine != "meili":
		return usageErr("bench detect: --engine must be embedded or meili, not %q", o.engine)
	case o.k < 1:
		return usageErr("bench detect: --k must be at least 1")
	case o.warmup < 0:
		return usageErr("bench detect: --warmup must not be negative")
	case o.reps < 1:
		return usageErr("bench detect: --reps must be at least 1")
	case o.pgRunes < 0:
		return usageErr("bench detect: --pg-query-runes must not be negative")
	case o.dev != "" && o.corpus != "":
		return usageErr("bench detect: give either --corpus and --queries (external set) or --dev (synthetic scale)")
	case o.dev == "" && o.corpus == "":
		return usageErr("bench detect: --corpus and --queries (external set) or --dev (synthetic scale) is required")
	case o.corpus != "" && *queries == "":
		return usageErr("bench detect: --corpus needs --queries")
	}
	if _, ok := kernel.NormalizeRegionCode(o.region); !ok {
		return usageErr("bench detect: --region %q is not a region code", o.region)
	}
	if o.engine == "meili" && cfg.MeiliURL == "" {
		return usageErr("bench detect: --engine meili needs MEILI_URL (and MEILI_KEY)")
	}
	if o.dev != "" {
		o.nQueries = 1000
		if *queries != "" {
			n, err := strconv.Atoi(*queries)
			if err != nil || n < 1 {
				return usageErr("bench detect: with --dev, --queries is a number of queries, not %q", *queries)
			}
			o.nQueries = n
		}
		var err error
		if o.sizes, err = parseSizes(*sizes); err != nil {
			return usageErr("bench detect: --n: %v", err)
		}
		if o.thresholds, err = parseFloats(*thresholds); err != nil {
			return usageErr("bench detect: --pg-threshold: %v", err)
		}
		if o.closeAfter, err = parseDays(*closeAfter); err != nil {
			return usageErr("bench detect: --close-after: %v", err)
		}
	} else {
		o.queries = *queries
	}
	if o.profile != "" {
		stop, err := startProfile(o.profile)
		if err != nil {
			return err
		}
		defer stop()
	}
	if o.dev != "" {
		return benchSynthetic(ctx, cfg, &o, stdout, stderr)
	}
	return benchExternal(ctx, cfg, &o, stdout, stderr)
}

// startProfile writes a CPU profile to path until stop is called.
func startProfile(path string) (stop func(), err error) {
	f, err := os.Create(path)
	if err != nil {
		return nil, err
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		f.Close()
		return nil, err
	}
	return func() { pprof.StopCPUProfile(); f.Close() }, nil
}

// parseSizes reads "100000,1000000" (also 100k, 1M).
func parseSizes(s string) ([]int, error) {
	var out []int
	for _, f := range strings.Split(s, ",") {
		f = strings.TrimSpace(f)
		mul := 1
		switch {
		case strings.HasSuffix(f, "k"), strings.HasSuffix(f, "K"):
			mul, f = 1000, f[:len(f)-1]
		case strings.HasSuffix(f, "m"), strings.HasSuffix(f, "M"):
			mul, f = 1_000_000, f[:len(f)-1]
		}
		n, err := strconv.Atoi(f)
		if err != nil || n < 1 {
			return nil, fmt.Errorf("want corpus sizes like 100000,1000000, got %q", s)
		}
		out = append(out, n*mul)
	}
	return out, nil
}

func parseFloats(s string) ([]float64, error) {
	var out []float64
	for _, f := range strings.Split(s, ",") {
		v, err := strconv.ParseFloat(strings.TrimSpace(f), 64)
		if err != nil || v < 0 || v > 1 {
			return nil, fmt.Errorf("want values in [0, 1] like 0.3,0.4, got %q", s)
		}
		out = append(out, v)
	}
	return out, nil
}

func benchLogger(stderr io.Writer) *slog.Logger {
	return slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
}

// benchUID names a fresh Meilisearch index.
func benchUID() string {
	var b [6]byte
	rand.Read(b[:])
	return "jiefen_bench_" + hex.EncodeToString(b[:])
}

// dropMeili deletes a benchmark's Meilisearch index.
func dropMeili(ctx context.Context, cfg Config, uid string, stderr io.Writer) {
	ctx = context.WithoutCancel(ctx)
	e, err := meili.Open(ctx, cfg.MeiliURL, cfg.MeiliKey, uid)
	if err == nil {
		err = e.Drop(ctx)
		e.Close()
	}
	if err != nil {
		fmt.Fprintf(stderr, "bench: dropping Meilisearch index %s: %v\n", uid, err)
	}
}

func memLine(m bench.Memory) string {
	return fmt.Sprintf("rss_mb=%s peak_rss_mb=%s go_heap_mb=%s", bench.MB(m.RSS), bench.MB(m.HWM), bench.MB(m.HeapInuse))
}

// ---------------------------------------------------------------- external set

// benchExternal indexes an external corpus with the chosen engine and runs
// each query through the detector's text retrieval: Index.Search with the
// text and a limit, no region or time filter.
func benchExternal(ctx context.Context, cfg Config, o *benchOptions, stdout, stderr io.Writer) error {
	qf, err := os.Open(o.queries)
	if err != nil {
		return err
	}
	qs, err := bench.ReadQueries(qf)
	qf.Close()
	if err != nil {
		return fmt.Errorf("%s: %w", o.queries, err)
	}
	if len(qs) == 0 {
		return fmt.Errorf("%s: no queries", o.queries)
	}
	cf, err := os.Open(o.corpus)
	if err != nil {
		return err
	}
	defer cf.Close()

	var (
		idx     search.Index
		dir     string
		closeIx = func() error { return nil }
	)
	switch o.engine {
	case "embedded":
		if dir, err = os.MkdirTemp("", "jiefen-bench-index-"); err != nil {
			return err
		}
		defer os.RemoveAll(dir)
		e, err := embedded.Open(dir)
		if err != nil {
			return err
		}
		idx = e
	case "meili":
		uid := benchUID()
		e, err := meili.Open(ctx, cfg.MeiliURL, cfg.MeiliKey, uid)
		if err != nil {
			return err
		}
		defer dropMeili(ctx, cfg, uid, stderr)
		idx = e
	}
	defer func() { closeIx() }()
	closeIx = idx.Close

	fmt.Fprintf(stdout, "bench detect: external set, engine %s, k=%d, GOMAXPROCS=%d\n", o.engine, o.k, runtime.GOMAXPROCS(0))
	at := time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC)
	t0 := time.Now()
	last, done := t0, 0
	n, err := bench.ReadCorpus(cf, 5000, func(docs []bench.CorpusDoc) error {
		sd := make([]search.Doc, len(docs))
		for i, d := range docs {
			sd[i] = search.Doc{ID: d.ID, CaseID: d.ID, Region: o.region, ReceivedAt: at, Status: string(cases.StatusRegistered),
				Subject: d.Subject, Content: d.Content}
		}
		if err := idx.Upsert(ctx, sd...); err != nil {
			return err
		}
		done += len(docs)
		if now := time.Now(); now.Sub(last) > 10*time.Second {
			last = now
			fmt.Fprintf(stderr, "indexing: %d documents, %.0f/s\n", done, float64(done)/now.Sub(t0).Seconds())
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("%s: %w", o.corpus, err)
	}
	indexing := time.Since(t0)
	var snapshot, load time.Duration
	if o.engine == "embedded" {
		// As `jiefen reindex` leaves it and `serve` finds it: the close
		// merges and snapshots, the next open loads the snapshot.
		indexMem := bench.ReadMemory()
		bench.ResetPeak()
		t1 := time.Now()
		closeIx = func() error { return nil }
		if err := idx.Close(); err != nil {
			return err
		}
		snapshot = time.Since(t1)
		// The build's peak, apart from the load's: `jiefen reindex` builds
		// and `serve` loads in processes of their own.
		snapMem := bench.ReadMemory()
		fmt.Fprintf(stdout, "memory of the build: peak while indexing %s MB, while merging and snapshotting %s MB: build_peak_rss_mb=%s\n",
			bench.MB(indexMem.HWM), bench.MB(snapMem.HWM), bench.MB(max(indexMem.HWM, snapMem.HWM)))
		bench.ResetPeak()
		t2 := time.Now()
		e, err := embedded.Open(dir)
		if err != nil {
			return err
		}
		idx, closeIx = e, e.Close
		load = time.Since(t2)
	}
	build := indexing + snapshot
	search.ResetGramCache()
	mem := bench.ReadMemory()
	fmt.Fprintf(stdout, "corpus: %d documents from %s\n", n, o.corpus)
	if o.engine == "embedded" {
		fmt.Fprintf(stdout, "build: %.1fs (indexing %.1fs, snapshot %.1fs); snapshot load %.2fs\n", build.Seconds(), indexing.Seconds(), snapshot.Seconds(), load.Seconds())
		fmt.Fprintf(stdout, "memory (this process after loading the snapshot, freed memory returned; peak since the build): %s\n", memLine(mem))
	} else {
		fmt.Fprintf(stdout, "build: %.1fs (upserts until Meilisearch applied them)\n", build.Seconds())
		fmt.Fprintf(stdout, "memory (this process only; Meilisearch runs in its own): %s\n", memLine(mem))
	}
	sum, err := bench.Run(len(qs), o.warmup, o.reps, func(i int) (bool, error) {
		search.ResetGramCache() // a query is timed from scratch, never from a cache it warmed
		hits, err := idx.Search(ctx, search.Query{Text: qs[i].Text, Limit: o.k})
		if err != nil {
			return false, err
		}
		for _, h := range hits {
			if h.ID == qs[i].Target {
				return true, nil
			}
		}
		return false, nil
	})
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "queries: %d one at a time%s (the first %d also run once before timing)\n", sum.Queries, repsNote(o.reps), min(o.warmup, len(qs)))
	fmt.Fprintf(stdout, "latency ms: p50 %s  p95 %s  p99 %s  max %s\n", bench.Ms(sum.P50), bench.Ms(sum.P95), bench.Ms(sum.P99), bench.Ms(sum.Max))
	fmt.Fprintf(stdout, "found %d of %d targets in the first %d\n", sum.Found, sum.Queries, o.k)
	fmt.Fprintf(stdout, "%s build_s=%.1f rss_mb=%s\n", sum.Line(o.k), build.Seconds(), bench.MB(mem.RSS))
	return nil
}

// ---------------------------------------------------------------- synthetic scale

// benchRow is one measured path at one corpus size.
type benchRow struct {
	n      int
	engine string
	path   string
	sum    bench.Summary
	build  time.Duration
	rss    int64 // 0: not ours to measure
}

func (r benchRow) line(k int) string {
	s := fmt.Sprintf("summary n=%d engine=%s path=%s %s build_s=%.1f", r.n, r.engine, r.path, r.sum.Line(k), r.build.Seconds())
	if r.rss > 0 {
		s += " rss_mb=" + bench.MB(r.rss)
	}
	return s
}

type devSet struct {
	all     []bench.DevIntake
	corpus  []int
	queries []bench.DevQuery // the sample
	synth   *bench.Synth
	latest  time.Time
}

func benchSynthetic(ctx context.Context, cfg Config, o *benchOptions, stdout, stderr io.Writer) error {
	all, err := bench.LoadDev(o.dev)
	if err != nil {
		return err
	}
	corpus, eligible := bench.Split(all)
	if len(eligible) == 0 {
		return fmt.Errorf("%s: no hotline intake has its matter among the other channels' intakes: nothing to query", o.dev)
	}
	ds := &devSet{all: all, corpus: corpus, queries: bench.Sample(eligible, o.nQueries, o.seed)}
	// Every eligible query's matter stays out of the padding, sampled or not.
	if ds.synth, err = bench.NewSynth(all, bench.QueriedMatters(all, eligible), o.seed); err != nil {
		return err
	}
	for _, d := range all {
		if d.ReceivedAt.After(ds.latest) {
			ds.latest = d.ReceivedAt
		}
	}
	dups := 0
	for _, q := range ds.queries {
		if q.Dup {
			dups++
		}
	}
	fmt.Fprintf(stdout, "bench detect: synthetic scale from %s, engine %s, GOMAXPROCS=%d\n", o.dev, o.engine, runtime.GOMAXPROCS(0))
	fmt.Fprintf(stdout, "dev file: %d intakes; corpus: its %d non-hotline intakes + synthetic padding; queries: %d of %d hotline intakes whose matter is in the corpus (%d retell a post of the corpus), seed %d\n",
		len(all), len(corpus), len(ds.queries), len(eligible), dups, o.seed)
	fmt.Fprintf(stdout, "recall@%d: one of the query matter's cases (intakes, for the index and pg_trgm) among the first %d results\n", o.k, o.k)

	var rows []benchRow
	var importRate float64
	if o.importRate {
		if importRate, err = benchImport(ctx, cfg, o, stdout, stderr); err != nil {
			return err
		}
	}
	for _, n := range o.sizes {
		r, err := benchScale(ctx, cfg, o, ds, n, stdout, stderr)
		rows = append(rows, r...)
		if err != nil {
			return err
		}
	}
	fmt.Fprintln(stdout)
	if importRate > 0 {
		fmt.Fprintf(stdout, "goal import ≥ 2000 intakes/s: %.0f/s %s\n", importRate, okMissed(importRate >= 2000))
	}
	for _, r := range rows {
		if r.path != "detector" {
			continue
		}
		if r.n >= 1_000_000 {
			fmt.Fprintf(stdout, "goal detector p99 ≤ 10 ms at %d: %s ms %s\n", r.n, bench.Ms(r.sum.P99), okMissed(r.sum.P99 <= 10*time.Millisecond))
		}
		for _, p := range rows {
			if p.n != r.n || p.engine != "pg_trgm" {
				continue
			}
			ratio := float64(p.sum.P99) / float64(max(r.sum.P99, 1))
			fmt.Fprintf(stdout, "goal ≥10× faster than pg_trgm at equal or better recall, n=%d, %s: p99 %.1f× faster, recall %.3f vs %.3f %s\n",
				r.n, p.path, ratio, r.sum.Recall(), p.sum.Recall(), okMissed(ratio >= 10 && r.sum.Recall() >= p.sum.Recall()))
		}
	}
	for _, r := range rows {
		fmt.Fprintln(stdout, r.line(o.k))
	}
	return nil
}

func repsNote(reps int) string {
	if reps > 1 {
		return fmt.Sprintf(", fastest of %d runs each", reps)
	}
	return ""
}

func days(d time.Duration) string {
	if d%(24*time.Hour) == 0 {
		return fmt.Sprintf("%dd", d/(24*time.Hour))
	}
	return d.String()
}

// truncRunes keeps the first n characters of s (all of it for n <= 0).
func truncRunes(s string, n int) string {
	if n <= 0 {
		return s
	}
	i := 0
	for j := range s {
		if i == n {
			return s[:j]
		}
		i++
	}
	return s
}

func okMissed(ok bool) string {
	if ok {
		return "(met)"
	}
	return "(MISSED)"
}

// benchConfig is the configuration of a benchmark's own data directory.
func benchConfig(cfg Config, o *benchOptions, dir string) Config {
	c := Config{DataDir: dir, Key: benchKey, Detector: cfg.Detector}
	if o.engine == "meili" {
		c.MeiliURL, c.MeiliKey, c.MeiliIndex = cfg.MeiliURL, cfg.MeiliKey, benchUID()
	}
	return c
}

// benchImport times `import` of the development file, through
// registration, into a fresh data directory.
func benchImport(ctx context.Context, cfg Config, o *benchOptions, stdout, stderr io.Writer) (float64, error) {
	dir, err := os.MkdirTemp("", "jiefen-bench-import-")
	if err != nil {
		return 0, err
	}
	defer os.RemoveAll(dir)
	acfg := benchConfig(cfg, o, dir)
	if acfg.MeiliIndex != "" {
		defer dropMeili(ctx, cfg, acfg.MeiliIndex, stderr)
	}
	app, err := OpenApp(ctx, acfg, benchLogger(stderr))
	if err != nil {
		return 0, err
	}
	defer app.Close()
	var out bytes.Buffer
	st, err := runImport(ctx, app, o.dev, "", o.closeAfter, false, &out, io.Discard)
	if err != nil {
		return 0, err
	}
	n := st.Registered + st.Replayed
	rate := float64(n) / max(st.Elapsed.Seconds(), 1e-9)
	fmt.Fprintf(stdout, "\n== import rate: %s through registration (detection, numbering, events; --close-after %s), engine %s\n",
		filepath.Base(o.dev), days(o.closeAfter), o.engine)
	for _, l := range strings.Split(strings.TrimSpace(out.String()), "\n") {
		fmt.Fprintln(stdout, "  "+l)
	}
	fmt.Fprintf(stdout, "import: %d intakes in %.1fs: %.0f intakes/s\n", n, st.Elapsed.Seconds(), rate)
	return rate, nil
}

// benchScale builds a corpus of n cases (the development file's
// non-hotline intakes plus padding), bulk-loads it into a fresh database,
// builds the index from the database with the syncer, and times the
// detector, the index alone and, with --pg, the pg_trgm baseline on the
// same queries.
func benchScale(ctx context.Context, cfg Config, o *benchOptions, ds *devSet, n int, stdout, stderr io.Writer) ([]benchRow, error) {
	dir, err := os.MkdirTemp("", "jiefen-bench-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)
	acfg := benchConfig(cfg, o, dir)
	if acfg.MeiliIndex != "" {
		defer dropMeili(ctx, cfg, acfg.MeiliIndex, stderr)
	}
	app, err := OpenApp(ctx, acfg, benchLogger(stderr))
	if err != nil {
		return nil, err
	}
	defer func() {
		if app != nil {
			app.Close()
		}
	}()
	region, _ := kernel.NormalizeRegionCode(o.region)
	nReal := min(len(ds.corpus), n)
	pad := n - nReal
	fmt.Fprintf(stdout, "\n== n=%d: %d real + %d synthetic cases, engine %s, %d queries one at a time%s (the first %d also run once before timing)\n",
		n, nReal, pad, o.engine, len(ds.queries), repsNote(o.reps), min(o.warmup, len(ds.queries)))

	// Load.
	loader, err := bench.NewLoader(ctx, app.DB, app.Keys, region)
	if err != nil {
		return nil, err
	}
	loader.CloseBefore = ds.latest.AddDate(0, 0, -60)
	var set *setFiles
	if o.writeSet != "" {
		if set, err = openSetWriter(o.writeSet, n); err != nil {
			return nil, err
		}
		defer set.close()
	}
	caseOf := map[int]int64{}   // dev index → case id
	intakeOf := map[int]int64{} // dev index → intake id
	// The padding is generated on another goroutine while the previous
	// batch is written.
	type batch struct {
		start int
		recs  []bench.Record
	}
	const chunk = 5000
	batches := make(chan batch, 2)
	genCtx, stopGen := context.WithCancel(ctx)
	defer stopGen()
	var gen time.Duration // the producer's; read after the channel is closed
	go func() {
		defer close(batches)
		for b := 0; b < n; b += chunk {
			g0 := time.Now()
			recs := make([]bench.Record, 0, min(chunk, n-b))
			for i := b; i < min(b+chunk, n); i++ {
				if i < nReal {
					recs = append(recs, ds.all[ds.corpus[i]].Record())
				} else {
					recs = append(recs, ds.synth.Record(i-nReal))
				}
			}
			gen += time.Since(g0)
			select {
			case batches <- batch{b, recs}:
			case <-genCtx.Done():
				return
			}
		}
	}()
	t0 := time.Now()
	last := t0
	for bt := range batches {
		b, recs := bt.start, bt.recs
		cids, iids, err := loader.Load(ctx, recs)
		if err != nil {
			return nil, err
		}
		for j := range recs {
			if i := b + j; i < nReal {
				caseOf[ds.corpus[i]], intakeOf[ds.corpus[i]] = cids[j], iids[j]
			}
			if set != nil {
				if err := set.Doc(bench.CorpusDoc{ID: iids[j], Subject: recs[j].Subject, Content: recs[j].Content}); err != nil {
					return nil, err
				}
			}
		}
		if now := time.Now(); now.Sub(last) > 10*time.Second {
			last = now
			fmt.Fprintf(stderr, "load: %d/%d cases, %.0f/s\n", b+len(recs), n, float64(b+len(recs))/now.Sub(t0).Seconds())
		}
	}
	load := time.Since(t0)
	fmt.Fprintf(stdout, "load (bulk INSERTs into SQLite, personal data sealed and hashed): %d cases in %.1fs, %.0f/s (generating the padding alongside: %.1fs)\n",
		n, load.Seconds(), float64(n)/load.Seconds(), gen.Seconds())

	// Index from the database, as `jiefen reindex` does, then close (the
	// embedded index snapshots) and reopen as a server would start.
	t1 := time.Now()
	last = t1
	docs, err := app.Syncer.Rebuild(ctx, func(done int) {
		if now := time.Now(); now.Sub(last) > 10*time.Second {
			last = now
			fmt.Fprintf(stderr, "index: %d/%d intakes, %.0f/s\n", done, n, float64(done)/now.Sub(t1).Seconds())
		}
	})
	if err != nil {
		return nil, err
	}
	rebuild := time.Since(t1)
	t2 := time.Now()
	err = app.Close()
	app = nil
	if err != nil {
		return nil, err
	}
	closing := time.Since(t2)
	t3 := time.Now()
	if app, err = OpenApp(ctx, acfg, benchLogger(stderr)); err != nil {
		return nil, err
	}
	reopen := time.Since(t3)
	build := rebuild + closing
	// The gram cache is the process's, not the index's (an import before
	// this run filled it): measured without it, it adds at most ~25 MB.
	search.ResetGramCache()
	mem := bench.ReadMemory()
	fmt.Fprintf(stdout, "index (%s): Syncer.Rebuild of %d intakes %.1fs (%.0f/s) + close/snapshot %.1fs = build %.1fs; reopen (OpenApp, index load) %.1fs\n",
		o.engine, docs, rebuild.Seconds(), float64(docs)/rebuild.Seconds(), closing.Seconds(), build.Seconds(), reopen.Seconds())
	fmt.Fprintf(stdout, "memory (whole process after reopening: index, SQLite cache, the dev data; freed memory returned): %s\n", memLine(mem))

	// Queries.
	type query struct {
		in      cases.Intake
		text    string
		cases   map[int64]bool
		intakes map[int64]bool
	}
	qs := make([]query, len(ds.queries))
	for i, dq := range ds.queries {
		d := ds.all[dq.Intake]
		q := query{cases: map[int64]bool{}, intakes: map[int64]bool{}}
		for _, r := range dq.Relevant {
			if id, ok := caseOf[r]; ok {
				q.cases[id], q.intakes[intakeOf[r]] = true, true
			}
		}
		q.in = cases.Intake{Ref: d.Ref, Channel: kernel.Channel(d.Channel), ReceivedAt: d.ReceivedAt.UTC(),
			Person:  cases.Person{Name: strings.TrimSpace(d.Person.Name), IDNumber: d.Person.IDNumber, Phone: d.Person.Phone},
			Subject: strings.TrimSpace(d.Subject), Content: strings.TrimSpace(d.Content), Address: strings.TrimSpace(d.Address),
			RegionCode: region, Category: "other"}
		q.in.NameKey = cases.NameKey(q.in.Person.Name)
		q.text = q.in.Subject + "\n" + q.in.Content
		qs[i] = q
		if set != nil {
			if t, ok := intakeOf[dq.Target]; ok {
				if err := set.Query(bench.Query{QID: int64(i), Target: t, Text: q.text}); err != nil {
					return nil, err
				}
			}
		}
	}
	if set != nil {
		if err := set.close(); err != nil {
			return nil, err
		}
		fmt.Fprintf(stdout, "external set written: %s (targets: the retold post, or the matter's first post)\n", set.name)
	}

	var rows []benchRow
	det, err := bench.Run(len(qs), o.warmup, o.reps, func(i int) (bool, error) {
		search.ResetGramCache() // a query is timed from scratch, never from a cache it warmed
		ms, err := app.Detector.Similar(ctx, app.Store, &qs[i].in, "", time.Now())
		if err != nil {
			return false, err
		}
		for j, m := range ms {
			if j == o.k {
				break
			}
			if qs[i].cases[m.CaseID] {
				return true, nil
			}
		}
		return false, nil
	})
	if err != nil {
		return nil, err
	}
	rows = append(rows, benchRow{n: n, engine: o.engine, path: "detector", sum: det, build: build, rss: mem.RSS})
	// The detector's first step alone, to see where its time goes: the
	// person-key look-up in the database (ID number, phone, name key).
	person, err := bench.Run(len(qs), o.warmup, o.reps, func(i int) (bool, error) {
		ids, err := app.Store.IntakesByPerson(ctx, qs[i].in.Person, qs[i].in.NameKey, app.Detector.Config.PersonCandidates)
		if err != nil {
			return false, err
		}
		for _, id := range ids {
			if qs[i].intakes[id] {
				return true, nil
			}
		}
		return false, nil
	})
	if err != nil {
		return nil, err
	}
	rows = append(rows, benchRow{n: n, engine: o.engine, path: "person", sum: person, build: build, rss: mem.RSS})
	ix, err := bench.Run(len(qs), o.warmup, o.reps, func(i int) (bool, error) {
		search.ResetGramCache() // a query is timed from scratch, never from a cache it warmed
		hits, err := app.Index.Search(ctx, search.Query{Text: qs[i].text, Limit: o.k})
		if err != nil {
			return false, err
		}
		for _, h := range hits {
			if qs[i].intakes[h.ID] {
				return true, nil
			}
		}
		return false, nil
	})
	if err != nil {
		return nil, err
	}
	rows = append(rows, benchRow{n: n, engine: o.engine, path: "index", sum: ix, build: build, rss: mem.RSS})

	if o.pg != "" {
		pgRows, err := benchTrgm(ctx, app, o, n, len(qs), func(i int) (string, map[int64]bool) {
			// The same text without call-taker boilerplate (queries are built
			// from the matter, never from boilerplate, for any engine), cut to
			// its start: word_similarity asks how much of the query one extent
			// of a body holds, and a retelling's start is the closest to its
			// post. Measured on the DEV set at 100 k, threshold 0.25: whole
			// text recall 0.94 at p99 0.3 s (0.98 at 0.1, p99 2 s), first 40
			// characters 0.98 at p99 0.2 s.
			return truncRunes(strings.Join(strings.Fields(search.StripBoilerplate(qs[i].in.Subject+" "+qs[i].in.Content)), " "), o.pgRunes), qs[i].intakes
		}, stdout, stderr)
		rows = append(rows, pgRows...)
		if err != nil {
			return rows, err
		}
	}

	fmt.Fprintf(stdout, "| path (n=%d) | recall@%d | p50 ms | p95 ms | p99 ms | max ms |\n|---|---|---|---|---|---|\n", n, o.k)
	for _, r := range rows {
		name := map[string]string{
			"detector": "detector: Similar (person keys in SQLite + index + scoring)",
			"person":   fmt.Sprintf("person keys alone: Store.IntakesByPerson, limit %d", app.Detector.Config.PersonCandidates),
			"index":    "index: Search, the detector's text retrieval alone",
		}[r.path]
		if name == "" {
			name = "pg_trgm: " + r.path
		}
		fmt.Fprintf(stdout, "| %s | %.3f | %s | %s | %s | %s |\n", name, r.sum.Recall(), bench.Ms(r.sum.P50), bench.Ms(r.sum.P95), bench.Ms(r.sum.P99), bench.Ms(r.sum.Max))
	}
	for _, r := range rows {
		if r.engine == "pg_trgm" {
			fmt.Fprintf(stdout, "speed (%s): p99 %.1f× the detector's, %.1f× the index's\n", r.path,
				float64(r.sum.P99)/float64(max(det.P99, 1)), float64(r.sum.P99)/float64(max(ix.P99, 1)))
		}
	}
	return rows, nil
}

// benchTrgm loads the same intakes into a fresh PostgreSQL database with a
// GIN trigram index and runs the queries with word_similarity.
func benchTrgm(ctx context.Context, app *App, o *benchOptions, n, nq int, query func(i int) (string, map[int64]bool), stdout, stderr io.Writer) ([]benchRow, error) {
	t, err := bench.OpenTrgm(ctx, o.pg)
	if err != nil {
		return nil, err
	}
	defer func() {
		if err := t.Close(ctx); err != nil {
			fmt.Fprintf(stderr, "bench: dropping database %s: %v\n", t.DB, err)
		}
	}()
	rows, err := app.DB.QueryContext(ctx, "SELECT id, subject, content FROM intakes ORDER BY id")
	if err != nil {
		return nil, err
	}
	t0 := time.Now()
	copied, err := t.Load(ctx, func() (int64, string, string, bool, error) {
		if !rows.Next() {
			return 0, "", "", false, rows.Err()
		}
		var id int64
		var s, c string
		err := rows.Scan(&id, &s, &c)
		return id, s, c, err == nil, err
	})
	rows.Close()
	if err != nil {
		return nil, fmt.Errorf("pg_trgm baseline: copy: %w", err)
	}
	load := time.Since(t0)
	t1 := time.Now()
	if err := t.BuildIndex(ctx, o.pgWorkMem); err != nil {
		return nil, err
	}
	build := time.Since(t1)
	tb, ib, err := t.Sizes(ctx)
	if err != nil {
		return nil, err
	}
	wm := o.pgWorkMem
	if wm == "" {
		wm = "the server's"
	}
	qdesc := "the boilerplate-stripped subject and content"
	if o.pgRunes > 0 {
		qdesc = fmt.Sprintf("the first %d characters of %s", o.pgRunes, qdesc)
	}
	fmt.Fprintf(stdout, "pg_trgm: COPY %d rows %.1fs; GIN (body gin_trgm_ops) index %.1fs (maintenance_work_mem %s); table %s MB, index %s MB\n",
		copied, load.Seconds(), build.Seconds(), wm, bench.MB(tb), bench.MB(ib))
	fmt.Fprintf(stdout, "pg_trgm query: SELECT id FROM docs WHERE $1 <%% body ORDER BY $1 <<-> body, id LIMIT %d; $1 = %s\n", o.k, qdesc)
	var out []benchRow
	for _, th := range o.thresholds {
		if err := t.SetThreshold(ctx, th); err != nil {
			return out, err
		}
		sum, err := bench.Run(nq, o.warmup, o.reps, func(i int) (bool, error) {
			text, want := query(i)
			ids, err := t.Search(ctx, text, o.k)
			if err != nil {
				return false, err
			}
			for _, id := range ids {
				if want[id] {
					return true, nil
				}
			}
			return false, nil
		})
		if err != nil {
			return out, err
		}
		out = append(out, benchRow{n: n, engine: "pg_trgm", path: fmt.Sprintf("word_similarity_threshold=%g", th), sum: sum, build: load + build})
		fmt.Fprintf(stderr, "pg_trgm threshold %g: %s\n", th, sum.Line(o.k))
	}
	return out, nil
}

// setFiles writes one corpus size's external set.
type setFiles struct {
	*bench.SetWriter
	name   string
	files  []*os.File
	closed bool
}

func openSetWriter(dir string, n int) (*setFiles, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	c, err := os.Create(filepath.Join(dir, fmt.Sprintf("corpus-%d.jsonl", n)))
	if err != nil {
		return nil, err
	}
	q, err := os.Create(filepath.Join(dir, fmt.Sprintf("queries-%d.jsonl", n)))
	if err != nil {
		c.Close()
		return nil, err
	}
	return &setFiles{SetWriter: bench.NewSetWriter(c, q), name: filepath.Join(dir, fmt.Sprintf("{corpus,queries}-%d.jsonl", n)), files: []*os.File{c, q}}, nil
}

func (s *setFiles) close() error {
	if s.closed {
		return nil
	}
	s.closed = true
	err := s.Flush()
	for _, f := range s.files {
		err = errors.Join(err, f.Close())
	}
	return err
}
