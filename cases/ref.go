package cases

import (
	"crypto/rand"
	"time"
)

// refAlphabet is Crockford's base32: no I, L, O or U to misread on the phone.
const refAlphabet = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"

// NewRef returns an intake reference such as IN20250916-7K2M9QX4: the day it
// was registered and 40 random bits, unique without coordination.
func NewRef(now time.Time) string {
	var b [5]byte
	if _, err := rand.Read(b[:]); err != nil {
		panic(err)
	}
	v := uint64(b[0])<<32 | uint64(b[1])<<24 | uint64(b[2])<<16 | uint64(b[3])<<8 | uint64(b[4])
	out := make([]byte, 8)
	for i := 7; i >= 0; i-- {
		out[i] = refAlphabet[v&31]
		v >>= 5
	}
	return "IN" + now.In(ChinaTime).Format("20060102") + "-" + string(out)
}
