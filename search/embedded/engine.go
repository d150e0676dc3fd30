package embedded

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"

	"github.com/jiefen/jiefen/cases"
	"github.com/jiefen/jiefen/search"
)

// Engine adapts the index to the search contract: it is a search.Index, a
// search.GramStats for the detector and a search.Cursor for the syncer.
type Engine struct {
	ix *Index
	// Rebuilt is set when Open found no usable snapshot and started empty:
	// the caller must rebuild from the database.
	Rebuilt bool
	// SnapshotEvery is how many writes since the last snapshot trigger a
	// new one (Maintain), keeping the log short and restarts fast.
	SnapshotEvery int64
	writes        atomic.Int64
	unlock        func() error // releases the directory lock (Open)
}

var (
	_ search.Index       = (*Engine)(nil)
	_ search.GramStats   = (*Engine)(nil)
	_ search.Cursor      = (*Engine)(nil)
	_ search.TextOverlap = (*Engine)(nil)
)

// Open loads the index persisted in dir, or starts an empty one there. An
// unreadable or incompatible snapshot is set aside and the engine starts
// empty with Rebuilt set: the database is the source of truth.
//
// The directory is locked while the engine is open: a second process (a
// command beside a running server) gets ErrLocked instead of the index.
func Open(dir string) (e *Engine, err error) {
	unlock, err := lockDir(dir)
	if err != nil {
		return nil, err
	}
	defer func() {
		if err != nil {
			unlock()
		} else {
			e.unlock = unlock
		}
	}()
	return open(dir)
}

// ErrLocked: another process has the index directory open.
var ErrLocked = errors.New("the search index is in use by another jiefen process (is a server running on this data directory? stop it, or run this command on the server) / 搜索索引正被另一个解纷进程使用（该数据目录上是否有服务器在运行？请先停止服务器，或在服务器上执行此操作）")

func open(dir string) (*Engine, error) {
	ix, err := openIndex(dir, Options{})
	if err != nil {
		if !errors.Is(err, ErrIncompatible) && !strings.Contains(err.Error(), "snapshot") {
			return nil, err
		}
		bad := filepath.Join(dir, snapName)
		if rerr := os.Rename(bad, bad+".bad"); rerr != nil && !errors.Is(rerr, os.ErrNotExist) {
			return nil, fmt.Errorf("%w (and setting it aside failed: %v)", err, rerr)
		}
		os.Remove(filepath.Join(dir, walName))
		if ix, err = openIndex(dir, Options{}); err != nil {
			return nil, err
		}
		return &Engine{ix: ix, Rebuilt: true, SnapshotEvery: 200_000}, nil
	}
	e := &Engine{ix: ix, SnapshotEvery: 200_000}
	_, serr := os.Stat(filepath.Join(dir, snapName))
	e.Rebuilt = errors.Is(serr, os.ErrNotExist) && ix.Cursor() == 0
	return e, nil
}

// NewMemory returns an engine that keeps nothing on disk (tests, benches).
func NewMemory() *Engine { return &Engine{ix: New(Options{}), SnapshotEvery: 0} }

// regionNumber turns a region code into a number in which every subtree is
// one range: codes are padded to 15 digits (the grid level).
func regionNumber(code string) uint64 {
	n, _ := strconv.ParseUint((code + "000000000000000")[:15], 10, 64)
	return n
}

// regionRange is the range of region numbers under a code prefix.
func regionRange(prefix string) (lo, hi uint64) {
	if len(prefix) > 15 {
		prefix = prefix[:15]
	}
	lo, _ = strconv.ParseUint((prefix + "000000000000000")[:15], 10, 64)
	hi, _ = strconv.ParseUint((prefix + "999999999999999")[:15], 10, 64)
	return lo, hi
}

// statusCode numbers a case status for the Statuses bitmask.
func statusCode(s string) uint8 {
	if i := slices.Index(cases.Statuses, cases.Status(s)); i >= 0 {
		return uint8(i + 1)
	}
	return 0
}

// Upsert implements search.Index.
func (e *Engine) Upsert(ctx context.Context, docs ...search.Doc) error {
	batch := make([]TextDoc, len(docs))
	for i, d := range docs {
		batch[i] = TextDoc{ID: uint64(d.ID), Text: d.Subject + "\n" + d.Content,
			Attrs: Attrs{Region: regionNumber(d.Region), Time: d.ReceivedAt.Unix(), Case: uint64(d.CaseID), Status: statusCode(d.Status)}}
	}
	if err := e.ix.UpsertBatch(batch); err != nil {
		return err
	}
	e.writes.Add(int64(len(docs)))
	return nil
}

// Delete implements search.Index.
func (e *Engine) Delete(ctx context.Context, ids ...int64) error {
	for _, id := range ids {
		if err := e.ix.Delete(uint64(id)); err != nil {
			return err
		}
	}
	e.writes.Add(int64(len(ids)))
	return nil
}

// Search implements search.Index.
func (e *Engine) Search(ctx context.Context, q search.Query) ([]search.Hit, error) {
	var f Filter
	if p := q.Filter.RegionPrefix; p != "" {
		f.RegionLo, f.RegionHi = regionRange(p)
	}
	if !q.Filter.From.IsZero() {
		f.From = q.Filter.From.Unix()
	}
	if !q.Filter.To.IsZero() {
		f.To = q.Filter.To.Unix()
	}
	for _, s := range q.Filter.Statuses {
		f.Statuses |= 1 << statusCode(s)
	}
	f.ExcludeCase = uint64(q.Filter.ExcludeCase)
	limit := q.Limit
	if limit <= 0 {
		limit = 20
	}
	hits := e.ix.Search(q.Text, limit, f)
	out := make([]search.Hit, len(hits))
	for i, h := range hits {
		out[i] = search.Hit{ID: int64(h.ID), CaseID: int64(h.Case), Score: float64(h.Score)}
	}
	return out, nil
}

// Maintain writes a snapshot when enough writes have piled up in the log.
// The syncer calls it after applying changes.
func (e *Engine) Maintain() error {
	if e.SnapshotEvery <= 0 || e.writes.Load() < e.SnapshotEvery || e.ix.store == nil {
		return nil
	}
	e.writes.Store(0)
	return e.ix.Snapshot("")
}

// Close snapshots (so the next start loads instead of replaying the log)
// and closes the index.
func (e *Engine) Close() error {
	var err error
	if e.ix.store != nil && e.ix.store.wal != nil {
		if fi, serr := e.ix.store.wal.Stat(); serr == nil && fi.Size() > 0 {
			err = e.ix.Snapshot("")
		}
	}
	err = errors.Join(err, e.ix.Close())
	if e.unlock != nil {
		err = errors.Join(err, e.unlock())
		e.unlock = nil
	}
	return err
}

// DocFreq implements search.GramStats.
func (e *Engine) DocFreq(key uint64) int { return e.ix.DocFreq(key) }

// TextOverlap implements search.TextOverlap.
func (e *Engine) TextOverlap(keys []uint64, qw []float64, ids []int64, w func(df uint32) float64) ([]float64, []float64, []bool) {
	u := make([]uint64, len(ids))
	for i, id := range ids {
		u[i] = uint64(id)
	}
	return e.ix.Overlap(keys, qw, u, w)
}

// DocCount implements search.GramStats.
func (e *Engine) DocCount() int { return e.ix.Len() }

// LoadCursor implements search.Cursor.
func (e *Engine) LoadCursor(context.Context) (int64, error) { return e.ix.Cursor(), nil }

// SaveCursor implements search.Cursor.
func (e *Engine) SaveCursor(_ context.Context, seq int64) error { return e.ix.SetCursor(seq) }
