package embedded

// Persistence under a data directory:
//
//	snapshot.jfx  compact snapshot, written after a (cheap) merge so that all
//	              postings are in the base: gram dictionary, document
//	              frequencies, the postings exactly as held in memory
//	              (delta+varint, with each list's last doc id), then per
//	              document slot (id, attrs, weight, live flag, forward list of
//	              term ids; tombstoned slots have no terms and stay tombstones
//	              until Compact). Loading is sequential reads and copies: no
//	              re-tokenisation, no re-inversion. (Format v1 stored only
//	              forward lists and rebuilt postings at load: 11.8–14.9 s at
//	              1 M docs instead of ~2–2.6 s, due to the random scatter.)
//	wal.log       write-ahead log of upserts (gram keys, not text) and deletes
//	              since the snapshot; replayed at Open. A torn tail record is
//	              detected by its CRC and truncated.
//
// Snapshot() writes snapshot.tmp, fsyncs, renames it over snapshot.jfx and
// then empties the WAL. A crash between the two leaves a WAL whose records are
// already in the snapshot; replaying them is harmless because a sequence of
// upserts/deletes is idempotent.
//
// The index is derived data: the database stays the source of truth. A
// snapshot written with another GramMode, IDFPower or format version is
// refused (ErrIncompatible) and the caller rebuilds from the database.

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"hash"
	"hash/crc32"
	"io"
	"math"
	"os"
	"path/filepath"
	"slices"
)

const (
	snapName    = "snapshot.jfx"
	walName     = "wal.log"
	snapMagic   = "JFXIDX01"
	snapTrailer = "JFXEND01"
	snapVersion = 5
	opUpsert    = 1
	opDelete    = 2
	opAttrs     = 3 // attributes changed, text unchanged
	opCursor    = 4 // the change-feed position the index has applied
)

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// ErrIncompatible is returned by Open when the snapshot was written with a
// different format or gram mode; rebuild the index from the source data.
var ErrIncompatible = errors.New("index: incompatible snapshot")

type store struct {
	dir string
	wal *os.File
	buf []byte
}

// openIndex loads (or creates) a persistent index in dir. Later Upserts and
// Deletes are appended to the directory's write-ahead log.
func openIndex(dir string, opt Options) (*Index, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	ix := New(opt)
	if err := ix.loadSnapshot(filepath.Join(dir, snapName)); err != nil && !errors.Is(err, os.ErrNotExist) {
		return nil, err
	}
	wp := filepath.Join(dir, walName)
	good, err := ix.replayWAL(wp)
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		return nil, err
	}
	f, err := os.OpenFile(wp, os.O_CREATE|os.O_WRONLY, 0o644)
	if err != nil {
		return nil, err
	}
	if err := f.Truncate(good); err != nil {
		f.Close()
		return nil, err
	}
	if _, err := f.Seek(good, io.SeekStart); err != nil {
		f.Close()
		return nil, err
	}
	// Replayed upserts stay in the tails; they are merged by the normal
	// policy or the next Snapshot (merging here would cost seconds at 1 M).
	ix.store = &store{dir: dir, wal: f}
	return ix, nil
}

// Close closes the write-ahead log (in-memory indexes: no-op).
func (ix *Index) Close() error {
	ix.wmu.Lock()
	defer ix.wmu.Unlock()
	if ix.store == nil || ix.store.wal == nil {
		return nil
	}
	err := ix.store.wal.Close()
	ix.store.wal = nil
	return err
}

// ---------------------------------------------------------------- WAL

func (s *store) append(sync bool) error {
	p := s.buf[8:]
	binary.LittleEndian.PutUint32(s.buf[0:], uint32(len(p)))
	binary.LittleEndian.PutUint32(s.buf[4:], crc32.Checksum(p, castagnoli))
	if _, err := s.wal.Write(s.buf); err != nil {
		return err
	}
	if sync {
		return s.wal.Sync()
	}
	return nil
}

func (s *store) logUpsert(id uint64, a Attrs, keys []uint64, sync bool) error {
	b := append(s.buf[:0], make([]byte, 8)...)
	b = append(b, opUpsert)
	b = binary.LittleEndian.AppendUint64(b, id)
	b = appendAttrs(b, a)
	b = appendUv(b, uint64(len(keys)))
	var prev uint64
	for _, k := range keys {
		b = appendUv(b, k-prev)
		prev = k
	}
	s.buf = b
	return s.append(sync)
}

func (s *store) logAttrs(id uint64, a Attrs, sync bool) error {
	b := append(s.buf[:0], make([]byte, 8)...)
	b = append(b, opAttrs)
	b = binary.LittleEndian.AppendUint64(b, id)
	b = appendAttrs(b, a)
	s.buf = b
	return s.append(sync)
}

func (s *store) logCursor(seq int64, sync bool) error {
	b := append(s.buf[:0], make([]byte, 8)...)
	b = append(b, opCursor)
	b = binary.LittleEndian.AppendUint64(b, uint64(seq))
	s.buf = b
	return s.append(sync)
}

func (s *store) logDelete(id uint64, sync bool) error {
	b := append(s.buf[:0], make([]byte, 8)...)
	b = append(b, opDelete)
	b = binary.LittleEndian.AppendUint64(b, id)
	s.buf = b
	return s.append(sync)
}

// replayWAL applies the log and returns the offset after the last good record.
func (ix *Index) replayWAL(path string) (int64, error) {
	f, err := os.Open(path)
	if err != nil {
		return 0, err
	}
	defer f.Close()
	br := bufio.NewReaderSize(f, 1<<20)
	var good int64
	var hdr [8]byte
	var p []byte
	var keys []uint64
	ix.wmu.Lock()
	defer ix.wmu.Unlock()
	for {
		if _, err := io.ReadFull(br, hdr[:]); err != nil {
			return good, nil // EOF or torn header
		}
		n := binary.LittleEndian.Uint32(hdr[0:])
		if n > 1<<28 {
			return good, nil
		}
		p = slices.Grow(p[:0], int(n))[:n]
		if _, err := io.ReadFull(br, p); err != nil {
			return good, nil
		}
		if crc32.Checksum(p, castagnoli) != binary.LittleEndian.Uint32(hdr[4:]) || len(p) < 9 {
			return good, nil
		}
		id := binary.LittleEndian.Uint64(p[1:])
		switch p[0] {
		case opUpsert:
			if len(p) < 9+attrsSize+1 {
				return good, nil
			}
			a := readAttrs(p[9:])
			cnt, i := uv(p, 9+attrsSize)
			keys = keys[:0]
			var prev uint64
			for ; cnt > 0; cnt-- {
				var x uint64
				x, i = uv(p, i)
				prev += x
				keys = append(keys, prev)
			}
			ix.upsertKeys(id, a, keys)
			ix.maybeMerge()
		case opDelete:
			ix.mu.Lock()
			ix.deleteLocked(id)
			ix.mu.Unlock()
		case opAttrs:
			if len(p) < 9+attrsSize {
				return good, nil
			}
			ix.setAttrsLocked(id, readAttrs(p[9:]))
		case opCursor:
			ix.cursor = int64(id)
		default:
			return good, nil
		}
		good += int64(8 + n)
	}
}

// ---------------------------------------------------------------- snapshot

// Snapshot writes a snapshot of the live documents into dir (the index's
// own directory if dir is empty) and, for a persistent index writing into its
// own directory, empties the write-ahead log. Writers wait; readers don't.
func (ix *Index) Snapshot(dir string) error {
	ix.wmu.Lock()
	defer ix.wmu.Unlock()
	if ix.opt.BulkGCPercent > 0 {
		defer bulkGC(ix.opt.BulkGCPercent)() // it merges and copies the index
	}
	own := ix.store != nil && (dir == "" || dir == ix.store.dir)
	if dir == "" {
		if ix.store == nil {
			return errors.New("index: Snapshot of an in-memory index needs a dir")
		}
		dir = ix.store.dir
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	tmp := filepath.Join(dir, "snapshot.tmp")
	if err := ix.writeSnapshot(tmp); err != nil {
		os.Remove(tmp)
		return err
	}
	if err := os.Rename(tmp, filepath.Join(dir, snapName)); err != nil {
		return err
	}
	if err := syncDir(dir); err != nil {
		return err
	}
	if own {
		if err := ix.store.wal.Truncate(0); err != nil {
			return err
		}
		if _, err := ix.store.wal.Seek(0, io.SeekStart); err != nil {
			return err
		}
		return ix.store.wal.Sync()
	}
	return nil
}

func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	return d.Sync()
}

type crcWriter struct {
	w *bufio.Writer
	h hash.Hash32
}

func (c *crcWriter) Write(p []byte) (int, error) {
	c.h.Write(p)
	return c.w.Write(p)
}

func (ix *Index) writeSnapshot(path string) error { // wmu held
	ix.merge() // afterwards all postings are in the base
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	defer f.Close()
	cw := &crcWriter{w: bufio.NewWriterSize(f, 1<<20), h: crc32.New(castagnoli)}
	// drop terms without live documents, preserving order (lists stay sorted)
	remap := make([]uint32, len(ix.keys))
	var nt uint32
	for t, df := range ix.df {
		if df > 0 {
			remap[t] = nt
			nt++
		} else {
			remap[t] = ^uint32(0)
		}
	}
	dense := int(nt) == len(ix.keys)
	var b []byte
	flush := func() {
		if len(b) > 1<<16 {
			cw.Write(b)
			b = b[:0]
		}
	}
	b = append(b, snapMagic...)
	b = binary.LittleEndian.AppendUint32(b, snapVersion)
	b = binary.LittleEndian.AppendUint32(b, 0) // gram mode: bigrams (search.GramKeys)
	b = binary.LittleEndian.AppendUint32(b, math.Float32bits(ix.idfPower()))
	b = binary.LittleEndian.AppendUint64(b, uint64(ix.cursor))
	b = binary.LittleEndian.AppendUint64(b, uint64(nt))
	b = binary.LittleEndian.AppendUint64(b, uint64(len(ix.ext)))
	for t, k := range ix.keys {
		if ix.df[t] > 0 {
			b = binary.LittleEndian.AppendUint64(b, k)
			flush()
		}
	}
	for t, df := range ix.df {
		if df > 0 {
			b = binary.LittleEndian.AppendUint32(b, ix.df[t])
			flush()
		}
	}
	nb := len(ix.baseRef)
	for t := 0; t < nb; t++ {
		if ix.df[t] > 0 {
			b = binary.LittleEndian.AppendUint32(b, ix.baseLast[t])
			b = appendUv(b, uint64(ix.baseLen[t]))
			flush()
		}
	}
	cw.Write(b)
	b = b[:0]
	for t := 0; t < nb; t++ {
		if ix.df[t] > 0 {
			cw.Write(ix.baseList(t))
		}
	}
	var terms []uint32
	for d := range ix.ext {
		a := ix.attrs[d]
		b = binary.LittleEndian.AppendUint64(b, ix.ext[d])
		b = appendAttrs(b, a)
		b = binary.LittleEndian.AppendUint32(b, math.Float32bits(ix.dw[d]))
		lst := ix.arena.get(ix.fwd[d])
		if !ix.isLive(uint32(d)) { // tombstone: keeps its slot, no terms
			b = append(b, 0, 0)
			flush()
			continue
		}
		b = append(b, 1)
		if dense {
			b = append(b, lst[:listLen(lst)]...)
		} else {
			terms = decodeList(lst, terms[:0])
			for i, t := range terms {
				terms[i] = remap[t]
			}
			b = encodeList(b, terms)
		}
		flush()
	}
	cw.Write(b)
	var tr [12]byte
	binary.LittleEndian.PutUint32(tr[:], cw.h.Sum32())
	copy(tr[4:], snapTrailer)
	if _, err := cw.w.Write(tr[:]); err != nil {
		return err
	}
	if err := cw.w.Flush(); err != nil {
		return err
	}
	return f.Sync()
}

// snapReader reads a snapshot sequentially, checksumming what it returns.
type snapReader struct {
	br *bufio.Reader
	h  hash.Hash32
}

// next returns the next n bytes (valid until the next call).
func (r *snapReader) next(n int) ([]byte, error) {
	p, err := r.br.Peek(n)
	if err != nil {
		return nil, fmt.Errorf("index: truncated snapshot: %w", err)
	}
	r.h.Write(p)
	r.br.Discard(n)
	return p, nil
}

func (r *snapReader) uvarint() (uint64, error) {
	var x uint64
	for s := uint(0); s < 64; s += 7 {
		c, err := r.br.ReadByte()
		if err != nil {
			return 0, fmt.Errorf("index: truncated snapshot: %w", err)
		}
		r.h.Write([]byte{c})
		x |= uint64(c&0x7F) << s
		if c < 0x80 {
			return x, nil
		}
	}
	return 0, errors.New("index: corrupt snapshot (varint)")
}

// list returns the next length-prefixed list (valid until the next call).
func (r *snapReader) list() ([]byte, error) {
	q, _ := r.br.Peek(r.br.Buffered())
	n := safeListLen(q)
	if n < 0 { // crosses the buffered window: refill
		q, _ = r.br.Peek(r.br.Size())
		if n = safeListLen(q); n < 0 {
			return nil, errors.New("index: truncated snapshot (list)")
		}
	}
	return r.next(n)
}

// loadSnapshot reads a snapshot into an empty index. Everything is read
// sequentially: postings and forward lists are stored as they are held in
// memory, so nothing is re-tokenised or re-inverted.
func (ix *Index) loadSnapshot(path string) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	r := &snapReader{br: bufio.NewReaderSize(f, 4<<20), h: crc32.New(castagnoli)}
	p, err := r.next(44)
	if err != nil {
		return err
	}
	if string(p[:8]) != snapMagic || binary.LittleEndian.Uint32(p[8:]) != snapVersion ||
		binary.LittleEndian.Uint32(p[12:]) != 0 ||
		math.Float32frombits(binary.LittleEndian.Uint32(p[16:])) != ix.idfPower() {
		return ErrIncompatible
	}
	ix.cursor = int64(binary.LittleEndian.Uint64(p[20:]))
	nt := int(binary.LittleEndian.Uint64(p[28:]))
	nd := int(binary.LittleEndian.Uint64(p[36:]))

	ix.keys = make([]uint64, nt)
	ix.dict = make(map[uint64]uint32, nt)
	for t := range ix.keys {
		p, err := r.next(8)
		if err != nil {
			return err
		}
		k := binary.LittleEndian.Uint64(p)
		ix.keys[t] = k
		ix.dict[k] = uint32(t)
	}
	ix.df = make([]uint32, nt)
	for t := range ix.df {
		p, err := r.next(4)
		if err != nil {
			return err
		}
		ix.df[t] = binary.LittleEndian.Uint32(p)
	}
	off := make([]uint64, nt+1)
	last := make([]uint32, nt)
	for t := 0; t < nt; t++ {
		p, err := r.next(4)
		if err != nil {
			return err
		}
		last[t] = binary.LittleEndian.Uint32(p)
		l, err := r.uvarint()
		if err != nil {
			return err
		}
		off[t+1] = off[t] + l
	}
	// The lists, read into chunks as a merge lays them out.
	var lw listWriter
	ref := make([]uint64, nt)
	lens := make([]uint32, nt)
	cnt := 0
	for t := 0; t < nt; t++ {
		ref[t] = lw.begin()
		l := int(off[t+1] - off[t])
		start := len(lw.cur)
		lw.cur = append(lw.cur, make([]byte, l)...)
		lst := lw.cur[start:]
		if _, err := io.ReadFull(r.br, lst); err != nil {
			return fmt.Errorf("index: truncated snapshot: %w", err)
		}
		r.h.Write(lst)
		for _, c := range lst {
			if c < 0x80 {
				cnt++
			}
		}
		lens[t] = uint32(l)
	}
	chunks := lw.done()

	ix.ext = make([]uint64, 0, nd)
	ix.attrs = make([]Attrs, 0, nd)
	ix.dlen = make([]uint32, 0, nd)
	ix.dw = make([]float32, 0, nd)
	ix.dq = make([]uint8, 0, nd)
	ix.fwd = make([]uint64, 0, nd)
	ix.live = make([]uint64, 0, (nd+63)/64)
	ix.byExt = make(map[uint64]uint32, nd)
	for d := 0; d < nd; d++ {
		p, err := r.next(8 + attrsSize + 5)
		if err != nil {
			return err
		}
		id := binary.LittleEndian.Uint64(p)
		a := readAttrs(p[8:])
		w := math.Float32frombits(binary.LittleEndian.Uint32(p[8+attrsSize:]))
		live := p[8+attrsSize+4] == 1
		lst, err := r.list()
		if err != nil {
			return err
		}
		c, _ := uv(lst, 0)
		prev, had := ix.byExt[id]
		ix.appendDoc(id, a, nil, lst)
		ix.dlen[d] = uint32(c)
		ix.dw[d] = w
		ix.dq[d] = quantW(w)
		ix.sumLen += float64(c)
		if !live { // tombstone slot (its postings are still in the base)
			ix.live[d>>6] &^= 1 << (d & 63)
			ix.nLive--
			ix.deadDocs++
			if had {
				ix.byExt[id] = prev
			} else {
				delete(ix.byExt, id)
			}
		}
	}
	var tr [12]byte
	if _, err := io.ReadFull(r.br, tr[:]); err != nil {
		return fmt.Errorf("index: truncated snapshot: %w", err)
	}
	if binary.LittleEndian.Uint32(tr[:]) != r.h.Sum32() || string(tr[4:]) != snapTrailer {
		return errors.New("index: snapshot checksum mismatch")
	}
	ix.chunks, ix.baseRef, ix.baseLen, ix.baseLast, ix.baseCount = chunks, ref, lens, last, cnt
	ix.tail = make([][]uint32, nt)
	return nil
}

// safeListLen is listLen that returns -1 if b ends inside the list.
func safeListLen(b []byte) int {
	var n uint64
	i := 0
	for s := uint(0); ; s += 7 {
		if i >= len(b) {
			return -1
		}
		c := b[i]
		i++
		n |= uint64(c&0x7F) << s
		if c < 0x80 {
			break
		}
	}
	for ; n > 0; n-- {
		for i < len(b) && b[i] >= 0x80 {
			i++
		}
		if i >= len(b) {
			return -1
		}
		i++
	}
	return i
}
