// Package bench measures the duplicate detector: it builds benchmark
// corpora from a labelled development file (the real intakes plus synthetic
// padding that recombines their texts with fresh synthetic people), loads
// them into the case database in bulk, reads external test sets, and
// measures latency, recall and memory. `jiefen bench detect` drives it.
package bench

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"slices"
	"time"
)

// Person is who an intake came from, as the development file gives it.
type Person struct {
	Name     string `json:"name"`
	IDNumber string `json:"id_number"`
	Phone    string `json:"phone"`
}

// Record is one intake to store: a development line or a synthetic one.
type Record struct {
	Ref        string
	Channel    string
	ReceivedAt time.Time
	Person     Person
	Subject    string
	Content    string
	Address    string
}

// Text is what an index holds for the record, and what queries are made
// of: subject and content, as the detector joins them.
func (r *Record) Text() string { return r.Subject + "\n" + r.Content }

// DevIntake is one line of a labelled development file (the import format
// plus the answer key in truth).
type DevIntake struct {
	Ref        string    `json:"ref"`
	Channel    string    `json:"channel"`
	ReceivedAt time.Time `json:"received_at"`
	Person     Person    `json:"person"`
	Subject    string    `json:"subject"`
	Content    string    `json:"content"`
	Address    string    `json:"address"`
	Truth      struct {
		Matter string `json:"matter"`
		Person string `json:"person"`
		Group  string `json:"group"`
		Source string `json:"source"`
	} `json:"truth"`
}

// Record returns the intake as a record to store.
func (d *DevIntake) Record() Record {
	return Record{Ref: d.Ref, Channel: d.Channel, ReceivedAt: d.ReceivedAt, Person: d.Person,
		Subject: d.Subject, Content: d.Content, Address: d.Address}
}

// ReadDev reads a labelled development file. Every line must carry
// truth.matter: the benchmark's answer key.
func ReadDev(r io.Reader) ([]DevIntake, error) {
	var out []DevIntake
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 1<<20), 16<<20)
	for n := 1; sc.Scan(); n++ {
		line := bytes.TrimSpace(sc.Bytes())
		if len(line) == 0 {
			continue
		}
		var d DevIntake
		if err := json.Unmarshal(line, &d); err != nil {
			return nil, fmt.Errorf("line %d: %w", n, err)
		}
		if d.Truth.Matter == "" {
			return nil, fmt.Errorf("line %d: no truth.matter: the benchmark needs a labelled file", n)
		}
		if d.Ref == "" {
			d.Ref = fmt.Sprintf("dev-%d", n)
		}
		out = append(out, d)
	}
	if err := sc.Err(); err != nil {
		return nil, err
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("no intakes")
	}
	return out, nil
}

// LoadDev reads a labelled development file from disk.
func LoadDev(path string) ([]DevIntake, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	all, err := ReadDev(f)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return all, nil
}

// DevQuery is a hotline intake whose matter has intakes in the corpus: the
// detector should find one of them.
type DevQuery struct {
	Intake   int   // index of the hotline intake in the development file
	Relevant []int // indices of the corpus intakes of the same matter
	// Target is the corpus intake the hotline call retells (the same
	// source post through another channel), or the earliest relevant one
	// when the call only repeats the matter.
	Target int
	Dup    bool // Target is a retelling of the same post
}

// Split divides a development file into the corpus (every intake not
// taken by the hotline, by index) and the queries (the hotline intakes
// whose matter has corpus intakes), as the design note measures: a
// call-taker's retelling against the posts.
func Split(all []DevIntake) (corpus []int, queries []DevQuery) {
	byMatter := map[string][]int{}
	bySource := map[string]int{}
	for i := range all {
		d := &all[i]
		if d.Channel == "hotline" {
			continue
		}
		corpus = append(corpus, i)
		byMatter[d.Truth.Matter] = append(byMatter[d.Truth.Matter], i)
		if k := d.Truth.Matter + "/" + d.Truth.Source; d.Truth.Source != "" {
			if _, ok := bySource[k]; !ok {
				bySource[k] = i
			}
		}
	}
	for i := range all {
		d := &all[i]
		rel := byMatter[d.Truth.Matter]
		if d.Channel != "hotline" || len(rel) == 0 {
			continue
		}
		q := DevQuery{Intake: i, Relevant: rel, Target: rel[0]}
		if t, ok := bySource[d.Truth.Matter+"/"+d.Truth.Source]; ok && d.Truth.Source != "" {
			q.Target, q.Dup = t, true
		}
		queries = append(queries, q)
	}
	return corpus, queries
}

// QueriedMatters returns the matters the queries look for: their posts are
// kept out of the padding's clause pool.
func QueriedMatters(all []DevIntake, queries []DevQuery) map[string]bool {
	m := make(map[string]bool, len(queries))
	for _, q := range queries {
		m[all[q.Intake].Truth.Matter] = true
	}
	return m
}

// Sample returns n elements of xs chosen at random with the seed, in their
// original order (all of them when n <= 0 or n >= len(xs)).
func Sample[T any](xs []T, n int, seed uint64) []T {
	if n <= 0 || n >= len(xs) {
		return slices.Clone(xs)
	}
	r := rand.New(rand.NewPCG(seed, 0x5eed))
	idx := r.Perm(len(xs))[:n]
	slices.Sort(idx)
	out := make([]T, n)
	for i, j := range idx {
		out[i] = xs[j]
	}
	return out
}
