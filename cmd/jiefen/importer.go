package main

import (
	"bufio"
	"bytes"
	"container/heap"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/jiefen/jiefen/cases"
	"github.com/jiefen/jiefen/kernel"
	"github.com/jiefen/jiefen/search"
)

// record is one line of an import file, in the format of the evaluation
// data (the truth field, if any, is ignored).
type record struct {
	Ref        string    `json:"ref"`
	Channel    string    `json:"channel"`
	ReceivedAt time.Time `json:"received_at"`
	Person     struct {
		Name     string `json:"name"`
		IDNumber string `json:"id_number"`
		Phone    string `json:"phone"`
	} `json:"person"`
	Subject    string `json:"subject"`
	Content    string `json:"content"`
	Address    string `json:"address"`
	RegionCode string `json:"region_code"`
	Category   string `json:"category"`
	Respondent string `json:"respondent"`

	line int
	raw  []byte
}

// readRecords parses a JSON Lines file. Bad lines are returned as problems
// with their line numbers; nothing is registered from a line that fails.
func readRecords(r io.Reader) ([]record, []string, error) {
	var out []record
	var problems []string
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 1<<20), 16<<20)
	for n := 1; sc.Scan(); n++ {
		line := bytes.TrimSpace(sc.Bytes())
		if len(line) == 0 {
			continue
		}
		var rec record
		if err := json.Unmarshal(line, &rec); err != nil {
			problems = append(problems, fmt.Sprintf("line %d: not valid JSON: %v", n, err))
			continue
		}
		switch {
		case strings.TrimSpace(rec.Ref) == "":
			problems = append(problems, fmt.Sprintf("line %d: ref is missing", n))
			continue
		case rec.ReceivedAt.IsZero():
			problems = append(problems, fmt.Sprintf("line %d: received_at is missing", n))
			continue
		case strings.TrimSpace(rec.Subject) == "" && strings.TrimSpace(rec.Content) == "":
			problems = append(problems, fmt.Sprintf("line %d: neither subject nor content", n))
			continue
		}
		if rec.Channel == "" {
			rec.Channel = string(kernel.ChannelImport)
		} else if !kernel.Channel(rec.Channel).Valid() {
			problems = append(problems, fmt.Sprintf("line %d: unknown channel %q", n, rec.Channel))
			continue
		}
		rec.line, rec.raw = n, slices.Clone(line)
		out = append(out, rec)
	}
	return out, problems, sc.Err()
}

// importer replays records through the registration path in received_at
// order, with received_at as the clock.
type importer struct {
	app        *App
	region     string        // default region for records without one
	closeAfter time.Duration // 0: never close
	progress   io.Writer

	clock    time.Time
	open     openCases           // cases by last intake, oldest first
	lastSeen map[int64]time.Time // latest intake of each open case
}

type importStats struct {
	Registered, Replayed, Failed int
	Decisions                    map[string]int
	Archived                     int
	Elapsed                      time.Duration
}

// importBatch is how many records share one transaction. Registration is
// the same as one by one; committing in batches saves the per-transaction
// cost, which dominates on SQLite.
const importBatch = 200

func (im *importer) run(ctx context.Context, recs []record) (importStats, error) {
	st := importStats{Decisions: map[string]int{}}
	slices.SortStableFunc(recs, func(a, b record) int { return a.ReceivedAt.Compare(b.ReceivedAt) })
	start := time.Now()
	last := start
	// Registration is sequential (each decision depends on the ones
	// before); the text work that does not is done ahead on another core.
	var pos atomic.Int64
	warmCtx, stopWarm := context.WithCancel(ctx)
	defer stopWarm()
	go warmAhead(warmCtx, recs, &pos)
	for b := 0; b < len(recs); b += importBatch {
		pos.Store(int64(b))
		if err := ctx.Err(); err != nil {
			return st, err
		}
		batch := recs[b:min(b+importBatch, len(recs))]
		done, err := im.batch(ctx, batch, &st, true)
		if err != nil {
			// Retry record by record, so that one bad record costs only
			// itself (on PostgreSQL a failed statement aborts the batch).
			fmt.Fprintf(im.progress, "batch at line %d failed (%s); retrying one by one\n", batch[0].line, describe(err))
			for _, rec := range batch[done:] {
				if _, err := im.batch(ctx, []record{rec}, &st, false); err != nil {
					return st, err
				}
			}
		}
		if now := time.Now(); now.Sub(last) > 2*time.Second {
			last = now
			n := b + len(batch)
			fmt.Fprintf(im.progress, "%d/%d intakes, %.0f/s\n", n, len(recs), float64(n)/now.Sub(start).Seconds())
		}
	}
	im.clock = time.Now()
	st.Elapsed = time.Since(start)
	return st, nil
}

// warmAhead computes the grams of the records up to importAhead ahead of
// the one being registered (pos).
func warmAhead(ctx context.Context, recs []record, pos *atomic.Int64) {
	for i := range recs {
		for int64(i) > pos.Load()+importAhead {
			if ctx.Err() != nil {
				return
			}
			time.Sleep(time.Millisecond)
		}
		r := &recs[i]
		search.WarmGrams(r.Subject+"\n"+r.Content, r.Subject, r.Address)
	}
}

// importAhead is how far warmAhead runs ahead: well inside the gram cache.
const importAhead = 2 * importBatch

// batch registers records in one transaction and returns how many were
// done before an error.
func (im *importer) batch(ctx context.Context, recs []record, st *importStats, abortOnError bool) (int, error) {
	app := im.app
	keys := make([]string, len(recs))
	for i, r := range recs {
		keys[i] = "import:" + r.Ref
	}
	existing, err := app.Store.ExistingSourceKeys(ctx, keys)
	if err != nil {
		return 0, err
	}
	actor := kernel.SystemActor("历史数据导入")
	var local importStats
	local.Decisions = map[string]int{}
	done := 0
	// The open cases are tracked as records go (a case may close within the
	// batch); on a rollback they are restored.
	savedOpen := slices.Clone(im.open)
	savedSeen := maps.Clone(im.lastSeen)
	err = app.batch(ctx, func() time.Time { return im.clock }, func(svc *cases.Service) error {
		for i, rec := range recs {
			done = i
			if existing[keys[i]] {
				local.Replayed++
				continue
			}
			im.clock = rec.ReceivedAt
			if err := im.closeStale(ctx, svc, actor, &local); err != nil {
				return err
			}
			in := cases.Intake{
				Ref: rec.Ref, ExternalRef: rec.Ref, SourceKey: keys[i],
				Channel: kernel.Channel(rec.Channel), ReceivedAt: rec.ReceivedAt,
				Person:  cases.Person{Name: rec.Person.Name, IDNumber: rec.Person.IDNumber, Phone: rec.Person.Phone},
				Subject: rec.Subject, Content: rec.Content, Address: rec.Address,
				RegionCode: rec.RegionCode, Category: rec.Category, Raw: rec.raw,
			}
			if in.RegionCode == "" {
				in.RegionCode = im.region
			}
			if rec.Respondent != "" {
				in.Respondent = &cases.Respondent{Name: rec.Respondent}
			}
			reg, err := svc.Register(ctx, actor, in)
			if err != nil {
				if abortOnError && kernel.ErrorCode(err) != kernel.EInvalid {
					return err
				}
				local.Failed++
				fmt.Fprintf(im.progress, "line %d (%s): %s\n", rec.line, rec.Ref, describe(err))
				continue
			}
			if reg.Replayed {
				local.Replayed++
			} else {
				local.Registered++
				local.Decisions[reg.Decision]++
			}
			if im.closeAfter > 0 && reg.Case.Status.Open() {
				if im.lastSeen == nil {
					im.lastSeen = map[int64]time.Time{}
				}
				im.lastSeen[reg.Case.ID] = rec.ReceivedAt
				heap.Push(&im.open, openCase{id: reg.Case.ID, last: rec.ReceivedAt})
			}
		}
		done = len(recs)
		return nil
	})
	if err != nil {
		im.open, im.lastSeen = savedOpen, savedSeen
		return done, err
	}
	// Committed: count it.
	st.Registered += local.Registered
	st.Replayed += local.Replayed
	st.Failed += local.Failed
	st.Archived += local.Archived
	for k, v := range local.Decisions {
		st.Decisions[k] += v
	}
	return done, nil
}

// closeStale archives the cases whose last intake is closeAfter older than
// the clock, as the legacy system would have closed them by then.
func (im *importer) closeStale(ctx context.Context, svc *cases.Service, actor kernel.Actor, st *importStats) error {
	if im.closeAfter == 0 {
		return nil
	}
	for im.open.Len() > 0 && im.open[0].last.Add(im.closeAfter).Before(im.clock) {
		oc := heap.Pop(&im.open).(openCase)
		if im.lastSeen[oc.id].After(oc.last) {
			continue // a later intake joined the case; its own entry decides
		}
		delete(im.lastSeen, oc.id)
		closeAt := oc.last.Add(im.closeAfter)
		svc.Now = func() time.Time { return closeAt }
		err := svc.Archive(ctx, actor, oc.id, fmt.Sprintf("历史数据导入：末次受理后%d日无新情况，自动结案", int(im.closeAfter.Hours()/24)))
		svc.Now = func() time.Time { return im.clock }
		if err != nil {
			return err
		}
		st.Archived++
	}
	return nil
}

type openCase struct {
	id   int64
	last time.Time
}

// openCases is a min-heap by last intake time.
type openCases []openCase

func (h openCases) Len() int           { return len(h) }
func (h openCases) Less(i, j int) bool { return h[i].last.Before(h[j].last) }
func (h openCases) Swap(i, j int)      { h[i], h[j] = h[j], h[i] }
func (h *openCases) Push(x any)        { *h = append(*h, x.(openCase)) }
func (h *openCases) Pop() any {
	old := *h
	x := old[len(old)-1]
	*h = old[:len(old)-1]
	return x
}

// parseDays reads "60d", "60" or a Go duration.
func parseDays(s string) (time.Duration, error) {
	if s == "" || s == "0" {
		return 0, nil
	}
	if n, err := strconv.Atoi(strings.TrimSuffix(s, "d")); err == nil && n > 0 {
		return time.Duration(n) * 24 * time.Hour, nil
	}
	d, err := time.ParseDuration(s)
	if err != nil || d <= 0 {
		return 0, fmt.Errorf("want a number of days like 60d, got %q", s)
	}
	return d, nil
}

func openInput(path string) (io.ReadCloser, error) {
	if path == "-" {
		return io.NopCloser(os.Stdin), nil
	}
	return os.Open(path)
}
