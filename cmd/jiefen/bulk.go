package main

import (
	"bufio"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/jiefen/jiefen/cases"
	"github.com/jiefen/jiefen/cases/casestore"
	"github.com/jiefen/jiefen/kernel"
)

func cmdImport(ctx context.Context, cfg Config, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("import", flag.ContinueOnError)
	cfg.bind(fs)
	file := fs.String("file", "", "JSON Lines file of intakes (- for stdin)")
	region := fs.String("region", "", "region of records without one (default: the top of the region tree)")
	closeAfter := fs.String("close-after", "", "close cases this long after their last intake, e.g. 60d")
	strict := fs.Bool("strict", false, "abort on the first malformed line instead of skipping it")
	prof := fs.String("cpuprofile", "", "write a CPU profile of the import to this file")
	if err := parse(fs, args, stderr); err != nil {
		return err
	}
	if *prof != "" {
		stop, err := startProfile(*prof)
		if err != nil {
			return err
		}
		defer stop()
	}
	if *file == "" {
		return usageErr("import: --file is required")
	}
	ca, err := parseDays(*closeAfter)
	if err != nil {
		return usageErr("import: --close-after: %v", err)
	}
	app, err := OpenApp(ctx, cfg, newLogger(stderr, cfg.LogJSON))
	if err != nil {
		return err
	}
	defer app.Close()
	_, err = runImport(ctx, app, *file, *region, ca, *strict, stdout, stderr)
	return err
}

// runImport reads and registers a file, printing progress to stderr and a
// summary to stdout.
func runImport(ctx context.Context, app *App, file, region string, closeAfter time.Duration, strict bool, stdout, stderr io.Writer) (importStats, error) {
	in, err := openInput(file)
	if err != nil {
		return importStats{}, err
	}
	recs, problems, err := readRecords(in)
	in.Close()
	if err != nil {
		return importStats{}, err
	}
	for _, p := range problems {
		fmt.Fprintln(stderr, p)
	}
	if strict && len(problems) > 0 {
		// Checked before anything is registered: never half-imported.
		return importStats{}, fmt.Errorf("%d malformed lines; nothing imported (--strict)", len(problems))
	}
	if region == "" {
		top, err := app.Store.TopRegion(ctx)
		if err != nil {
			return importStats{}, err
		}
		region = top
	}
	code, ok := kernel.NormalizeRegionCode(region)
	if !ok {
		return importStats{}, usageErr("import: --region %q is not a region code", region)
	}
	im := &importer{app: app, region: code, closeAfter: closeAfter, progress: stderr}
	st, err := im.run(ctx, recs)
	rate := float64(st.Registered+st.Replayed) / max(st.Elapsed.Seconds(), 1e-9)
	fmt.Fprintf(stdout, "imported %d intakes (%d already there, %d failed, %d malformed lines skipped) in %.1fs: %.0f intakes/s\n",
		st.Registered, st.Replayed, st.Failed, len(problems), st.Elapsed.Seconds(), rate)
	fmt.Fprintf(stdout, "decisions: new %d, merged %d, repeat %d, grouped %d; %d cases closed by --close-after\n",
		st.Decisions[cases.DecisionNew], st.Decisions[cases.DecisionMerged], st.Decisions[cases.DecisionRepeat],
		st.Decisions[cases.DecisionGrouped], st.Archived)
	return st, err
}

func cmdExport(ctx context.Context, cfg Config, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("export", flag.ContinueOnError)
	cfg.bind(fs)
	format := fs.String("format", "jsonl", "output format (jsonl)")
	out := fs.String("out", "-", "output file (- for stdout)")
	if err := parse(fs, args, stderr); err != nil {
		return err
	}
	if *format != "jsonl" {
		return usageErr("export: unknown --format %q (jsonl)", *format)
	}
	cfg.NoIndex = true
	app, err := OpenApp(ctx, cfg, newLogger(stderr, cfg.LogJSON))
	if err != nil {
		return err
	}
	defer app.Close()
	w := stdout
	if *out != "-" {
		f, err := os.Create(*out)
		if err != nil {
			return err
		}
		defer f.Close()
		w = f
	}
	bw := bufio.NewWriter(w)
	enc := json.NewEncoder(bw)
	enc.SetEscapeHTML(false)
	if err := app.Store.Export(ctx, func(c casestore.ExportedCase) error { return enc.Encode(c) }); err != nil {
		return err
	}
	return bw.Flush()
}

func cmdReindex(ctx context.Context, cfg Config, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("reindex", flag.ContinueOnError)
	cfg.bind(fs)
	if err := parse(fs, args, stderr); err != nil {
		return err
	}
	app, err := OpenApp(ctx, cfg, newLogger(stderr, cfg.LogJSON))
	if err != nil {
		return err
	}
	defer app.Close()
	start := time.Now()
	n, err := app.Syncer.Rebuild(ctx, func(done int) {
		if done%50000 == 0 {
			fmt.Fprintf(stderr, "%d intakes indexed\n", done)
		}
	})
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "reindexed %d intakes into the %s index in %.1fs\n", n, app.engineName, time.Since(start).Seconds())
	return nil
}
