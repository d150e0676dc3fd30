package embedded

// Lists of uint32 (term ids of a document, doc ids of a term) are stored as
// uvarint(first) uvarint(gap)... ; a forward list is prefixed by its length.

func uvlen(x uint64) int {
	n := 1
	for x >= 0x80 {
		x >>= 7
		n++
	}
	return n
}

func appendUv(b []byte, x uint64) []byte {
	for x >= 0x80 {
		b = append(b, byte(x)|0x80)
		x >>= 7
	}
	return append(b, byte(x))
}

// uv decodes one uvarint at b[i:], returning value and next index.
func uv(b []byte, i int) (uint64, int) {
	var x uint64
	for s := uint(0); ; s += 7 {
		c := b[i]
		i++
		x |= uint64(c&0x7F) << s
		if c < 0x80 {
			return x, i
		}
	}
}

// encodeList appends the length-prefixed gap encoding of sorted ids.
func encodeList(dst []byte, ids []uint32) []byte {
	dst = appendUv(dst, uint64(len(ids)))
	var prev uint32
	for _, x := range ids {
		dst = appendUv(dst, uint64(x-prev))
		prev = x
	}
	return dst
}

// decodeList decodes a length-prefixed list from the start of b.
func decodeList(b []byte, dst []uint32) []uint32 {
	n, i := uv(b, 0)
	var prev uint32
	for ; n > 0; n-- {
		var x uint64
		x, i = uv(b, i)
		prev += uint32(x)
		dst = append(dst, prev)
	}
	return dst
}

// listLen returns the byte length of the length-prefixed list at the start of b.
func listLen(b []byte) int {
	n, i := uv(b, 0)
	for ; n > 0; n-- {
		for b[i] >= 0x80 {
			i++
		}
		i++
	}
	return i
}

// iterList calls fn for each id of an un-prefixed gap-coded list (postings).
func iterList(b []byte, fn func(uint32)) {
	var d uint32
	for i := 0; i < len(b); {
		var x uint64
		x, i = uv(b, i)
		d += uint32(x)
		fn(d)
	}
}

// arena stores byte strings in large chunks; a ref is chunk<<32 | offset.
const chunkSize = 4 << 20

type arena struct {
	chunks [][]byte
	used   int
}

func (a *arena) add(b []byte) uint64 {
	n := len(a.chunks)
	if n == 0 || len(a.chunks[n-1])+len(b) > cap(a.chunks[n-1]) {
		c := chunkSize
		if len(b) > c {
			c = len(b)
		}
		a.chunks = append(a.chunks, make([]byte, 0, c))
		n++
	}
	c := a.chunks[n-1]
	off := len(c)
	a.chunks[n-1] = append(c, b...)
	a.used += len(b)
	return uint64(n-1)<<32 | uint64(off)
}

func (a *arena) get(ref uint64) []byte {
	return a.chunks[ref>>32][uint32(ref):]
}

func (a *arena) size() int { return a.used }
