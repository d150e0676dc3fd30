package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"hash/fnv"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/jiefen/jiefen/cases/casestore"
	"github.com/jiefen/jiefen/eval"
)

func cmdEval(ctx context.Context, cfg Config, args []string, stdout, stderr io.Writer) error {
	if len(args) > 0 && args[0] == "gen-serial" {
		return cmdGenSerial(args[1:], stdout, stderr)
	}
	fs := flag.NewFlagSet("eval", flag.ContinueOnError)
	file := fs.String("file", "", "labelled JSON Lines file (with truth fields)")
	closeAfter := fs.String("close-after", "60d", "as for import")
	keep := fs.String("keep", "", "keep the data directory here instead of a temporary one")
	detector := fs.String("detector", cfg.Detector, "detector configuration JSON (default: built in)")
	exportTo := fs.String("export", "", "also write the export to this file")
	fit := fs.String("fit", "", "learn the detector's models from the labelled pairs and write the configuration here")
	serial := fs.Bool("serial", false, "also score the serial-petitioner set generated from --file (seed --seed)")
	seed := fs.Uint64("seed", eval.DefaultSerial.Seed, "seed of the serial-petitioner set")
	pairsTo := fs.String("pairs", "", "write every compared pair's features and true labels here (JSON Lines)")
	folds := fs.Int("folds", 0, "also evaluate held out: split the residents into this many parts, fit on the others, score on each")
	if err := parse(fs, args, stderr); err != nil {
		return err
	}
	if *file == "" {
		return usageErr("eval: --file is required")
	}
	if *folds == 1 || *folds < 0 {
		return usageErr("eval: --folds must be 0 or at least 2")
	}
	ca, err := parseDays(*closeAfter)
	if err != nil {
		return usageErr("eval: --close-after: %v", err)
	}
	tmp, err := os.MkdirTemp("", "jiefen-evalset-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)

	sets := []struct{ name, file string }{{"dev", *file}}
	if *serial {
		out := filepath.Join(tmp, "serial.jsonl")
		if err := genSerialFile(*file, out, *seed); err != nil {
			return err
		}
		sets = append(sets, struct{ name, file string }{"serial", out})
	}
	for i, set := range sets {
		if len(sets) > 1 {
			fmt.Fprintf(stdout, "== %s set (%s)\n", set.name, set.file)
		}
		o := evalRun{file: set.file, closeAfter: ca, detector: *detector, stdout: stdout, stderr: stderr}
		if i == 0 {
			o.keep, o.exportTo, o.fit, o.pairs = *keep, *exportTo, *fit, *pairsTo
		}
		if _, err := o.run(ctx); err != nil {
			return err
		}
		if *folds >= 2 {
			if err := heldOut(ctx, o, *folds, tmp); err != nil {
				return err
			}
		}
	}
	return nil
}

// evalRun is one import of a labelled file into a fresh data directory,
// scored against its truth.
type evalRun struct {
	file, detector, keep, exportTo, fit string
	pairs                               string
	closeAfter                          time.Duration
	stdout, stderr                      io.Writer
}

func (o evalRun) run(ctx context.Context) (eval.Result, error) {
	truth, err := readTruth(o.file)
	if err != nil {
		return eval.Result{}, err
	}
	dir := o.keep
	if dir == "" {
		if dir, err = os.MkdirTemp("", "jiefen-eval-"); err != nil {
			return eval.Result{}, err
		}
		defer os.RemoveAll(dir)
	}
	ecfg := Config{DataDir: dir, Detector: o.detector, Key: strings.Repeat("ab", 32)}
	app, err := OpenApp(ctx, ecfg, newLogger(io.Discard, false))
	if err != nil {
		return eval.Result{}, err
	}
	defer app.Close()
	var pairs *pairLog
	if o.fit != "" || o.pairs != "" {
		pairs = newPairLog(truth)
		app.Detector.Observe = pairs.observe
	}
	if o.pairs != "" {
		f, err := os.Create(o.pairs)
		if err != nil {
			return eval.Result{}, err
		}
		defer f.Close()
		bw := bufio.NewWriter(f)
		defer bw.Flush()
		pairs.dump = json.NewEncoder(bw)
	}
	if _, err := runImport(ctx, app, o.file, "", o.closeAfter, false, o.stdout, o.stderr); err != nil {
		return eval.Result{}, err
	}
	var pred []eval.Case
	var exp *json.Encoder
	if o.exportTo != "" {
		f, err := os.Create(o.exportTo)
		if err != nil {
			return eval.Result{}, err
		}
		defer f.Close()
		exp = json.NewEncoder(f)
		exp.SetEscapeHTML(false)
	}
	err = app.Store.Export(ctx, func(c casestore.ExportedCase) error {
		ec := eval.Case{CaseNo: c.CaseNo, IntakeRefs: c.IntakeRefs, Cluster: c.Cluster}
		for _, l := range c.Links {
			ec.Links = append(ec.Links, eval.Link{CaseNo: l.CaseNo, Kind: l.Kind})
		}
		pred = append(pred, ec)
		if exp != nil {
			return exp.Encode(c)
		}
		return nil
	})
	if err != nil {
		return eval.Result{}, err
	}
	res := eval.Score(truth, pred)
	res.Report(o.stdout)
	reportSerial(o.stdout, truth, pred)
	if o.fit != "" {
		return res, pairs.fit(app.Detector.Config, o.fit, o.stdout)
	}
	return res, nil
}

// reportSerial adds the serial petitioners' lines when the file has them.
func reportSerial(w io.Writer, truth []eval.Truth, pred []eval.Case) {
	has := false
	for _, t := range truth {
		if strings.HasPrefix(t.Person, eval.SerialPrefix) {
			has = true
			break
		}
	}
	if !has {
		return
	}
	eval.ScoreSerial(truth, pred, func(p string) bool { return p == eval.SerialMain }).Report(w, "serial main resident")
	eval.ScoreSerial(truth, pred, func(p string) bool {
		return strings.HasPrefix(p, eval.SerialPrefix) && p != eval.SerialMain
	}).Report(w, "serial other residents")
}

// heldOut splits the file's residents into k parts (by a hash of the truth
// person, so a resident's intakes stay together), and for each part fits
// the models on the other parts and scores the part with them.
func heldOut(ctx context.Context, o evalRun, k int, tmp string) error {
	in, err := os.Open(o.file)
	if err != nil {
		return err
	}
	defer in.Close()
	parts := make([][]byte, k)
	sc := bufio.NewScanner(in)
	sc.Buffer(make([]byte, 1<<20), 16<<20)
	for sc.Scan() {
		line := sc.Bytes()
		var r struct {
			Truth struct{ Person string } `json:"truth"`
		}
		if json.Unmarshal(line, &r) != nil {
			continue
		}
		h := fnv.New32a()
		h.Write([]byte(r.Truth.Person))
		i := int(h.Sum32() % uint32(k))
		parts[i] = append(append(parts[i], line...), '\n')
	}
	if err := sc.Err(); err != nil {
		return err
	}
	base := strings.TrimSuffix(filepath.Base(o.file), ".jsonl")
	for i := range k {
		train := filepath.Join(tmp, fmt.Sprintf("%s-train%d.jsonl", base, i))
		test := filepath.Join(tmp, fmt.Sprintf("%s-test%d.jsonl", base, i))
		conf := filepath.Join(tmp, fmt.Sprintf("%s-fit%d.json", base, i))
		var tr []byte
		for j, p := range parts {
			if j != i {
				tr = append(tr, p...)
			}
		}
		if err := os.WriteFile(train, tr, 0o644); err != nil {
			return err
		}
		if err := os.WriteFile(test, parts[i], 0o644); err != nil {
			return err
		}
		fmt.Fprintf(o.stdout, "-- held out, fold %d/%d: fit on the other residents\n", i+1, k)
		fo := evalRun{file: train, detector: o.detector, fit: conf, closeAfter: o.closeAfter, stdout: io.Discard, stderr: io.Discard}
		if _, err := fo.run(ctx); err != nil {
			return err
		}
		fmt.Fprintf(o.stdout, "-- held out, fold %d/%d: scored with that fit\n", i+1, k)
		so := evalRun{file: test, detector: conf, closeAfter: o.closeAfter, stdout: o.stdout, stderr: io.Discard}
		if _, err := so.run(ctx); err != nil {
			return err
		}
	}
	return nil
}

func cmdGenSerial(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("eval gen-serial", flag.ContinueOnError)
	file := fs.String("file", "", "labelled JSON Lines file to build from")
	out := fs.String("out", "", "where to write the serial-petitioner set")
	seed := fs.Uint64("seed", eval.DefaultSerial.Seed, "random seed (the same seed gives the same file)")
	if err := parse(fs, args, stderr); err != nil {
		return err
	}
	if *file == "" || *out == "" {
		return usageErr("eval gen-serial: --file and --out are required")
	}
	if err := genSerialFile(*file, *out, *seed); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "wrote %s (seed %d)\n", *out, *seed)
	return nil
}

func genSerialFile(file, out string, seed uint64) error {
	in, err := os.Open(file)
	if err != nil {
		return err
	}
	defer in.Close()
	f, err := os.Create(out)
	if err != nil {
		return err
	}
	o := eval.DefaultSerial
	o.Seed = seed
	if err := eval.GenSerial(in, f, o); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// readTruth reads the answer key of a labelled file.
func readTruth(path string) ([]eval.Truth, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var out []eval.Truth
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 16<<20)
	for n := 1; sc.Scan(); n++ {
		if strings.TrimSpace(sc.Text()) == "" {
			continue
		}
		var r struct {
			Ref   string `json:"ref"`
			Truth *struct {
				Matter, Person, Group string
			} `json:"truth"`
		}
		if err := json.Unmarshal(sc.Bytes(), &r); err != nil {
			continue // reported by the import
		}
		if r.Truth == nil {
			return nil, fmt.Errorf("%s:%d: no truth field: eval needs a labelled file", path, n)
		}
		out = append(out, eval.Truth{Ref: r.Ref, Matter: r.Truth.Matter, Person: r.Truth.Person, Group: r.Truth.Group})
	}
	if len(out) == 0 {
		return nil, errors.New("no labelled intakes in " + path)
	}
	return out, sc.Err()
}
