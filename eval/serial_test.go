package eval

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"
)

// devLike builds a small labelled file: n people, each with one matter of
// one or two intakes (the second through the hotline two days later).
func devLike(n int) string {
	var b strings.Builder
	openings := []string{"建议A市", "请A市", "关于A市", "反映A市", "希望A市", ""}
	at := time.Date(2019, 1, 1, 9, 0, 0, 0, time.FixedZone("CST", 8*3600))
	for i := range n {
		words := make([]rune, 8) // distinct characters: unrelated subjects
		for k := range words {
			words[k] = rune(0x4e00 + i*8 + k)
		}
		subj := openings[i%len(openings)] + string(words)
		for j := range 1 + i%2 {
			ch := []string{"wechat", "hotline"}[j]
			rec := map[string]any{"ref": fmt.Sprintf("T%d-%d", i, j), "channel": ch,
				"received_at": at.Add(time.Duration(i*24+j*48) * time.Hour).Format(time.RFC3339),
				"person":      map[string]any{"name": fmt.Sprintf("人%d", i), "id_number": "", "phone": fmt.Sprintf("1380000%04d", i)},
				"subject":     subj, "content": subj + "的内容", "address": "",
				"truth": map[string]any{"matter": fmt.Sprintf("M%d", i), "person": fmt.Sprintf("P%d", i), "group": "", "source": ""}}
			line, _ := json.Marshal(rec)
			b.Write(line)
			b.WriteByte('\n')
		}
	}
	return b.String()
}

func TestGenSerialDeterministicAndConsistent(t *testing.T) {
	src := devLike(300)
	gen := func(seed uint64) []byte {
		var out bytes.Buffer
		o := DefaultSerial
		o.Seed = seed
		if err := GenSerial(strings.NewReader(src), &out, o); err != nil {
			t.Fatal(err)
		}
		return out.Bytes()
	}
	a, b := gen(7), gen(7)
	if !bytes.Equal(a, b) {
		t.Fatal("the same seed gave different files")
	}
	if bytes.Equal(a, gen(8)) {
		t.Error("another seed gave the same file")
	}

	type rec struct {
		Ref, Channel string
		ReceivedAt   time.Time `json:"received_at"`
		Person       struct{ Name, IDNumber, Phone string }
		Truth        struct{ Matter, Person, Group string }
	}
	var recs []rec
	for _, line := range bytes.Split(bytes.TrimSpace(a), []byte("\n")) {
		var r rec
		if err := json.Unmarshal(line, &r); err != nil {
			t.Fatal(err)
		}
		recs = append(recs, r)
	}
	if got := strings.Count(src, "\n"); len(recs) != got {
		t.Fatalf("%d records out of %d", len(recs), got)
	}
	matterPerson := map[string]string{}
	matters := map[string]map[string]bool{}
	names := map[string]map[string]bool{}
	var last time.Time
	for _, r := range recs {
		if r.ReceivedAt.Before(last) {
			t.Fatalf("%s out of order", r.Ref)
		}
		last = r.ReceivedAt
		// A matter belongs to one person, before and after.
		if p, ok := matterPerson[r.Truth.Matter]; ok && p != r.Truth.Person {
			t.Fatalf("matter %s of %s and %s", r.Truth.Matter, p, r.Truth.Person)
		}
		matterPerson[r.Truth.Matter] = r.Truth.Person
		if !strings.HasPrefix(r.Truth.Person, SerialPrefix) {
			continue
		}
		if r.ReceivedAt.Year() != DefaultSerial.Year {
			t.Errorf("%s at %v, outside the year", r.Ref, r.ReceivedAt)
		}
		if matters[r.Truth.Person] == nil {
			matters[r.Truth.Person], names[r.Truth.Person] = map[string]bool{}, map[string]bool{}
		}
		matters[r.Truth.Person][r.Truth.Matter] = true
		names[r.Truth.Person][r.Person.Name] = true
	}
	if n := len(matters[SerialMain]); n != DefaultSerial.Main {
		t.Errorf("main resident has %d matters", n)
	}
	if len(matters) != 1+len(DefaultSerial.Others) {
		t.Errorf("%d serial residents", len(matters))
	}
	for p, ns := range names {
		if len(ns) > 2 {
			t.Errorf("%s under names %v", p, ns)
		}
	}
}

func TestScoreSerial(t *testing.T) {
	truth := []Truth{
		{Ref: "a1", Matter: "M1", Person: "SERIAL1"},
		{Ref: "a2", Matter: "M1", Person: "SERIAL1"},
		{Ref: "b1", Matter: "M2", Person: "SERIAL1"},
		{Ref: "c1", Matter: "M3", Person: "SERIAL1"},
		{Ref: "x1", Matter: "M9", Person: "P9"},
	}
	pred := []Case{
		{CaseNo: "1", IntakeRefs: []string{"a1", "a2"}},
		{CaseNo: "2", IntakeRefs: []string{"b1"}},
		{CaseNo: "3", IntakeRefs: []string{"c1"}, Links: []Link{{CaseNo: "2", Kind: "repeat"}}},
		{CaseNo: "4", IntakeRefs: []string{"x1"}},
	}
	r := ScoreSerial(truth, pred, func(p string) bool { return p == SerialMain })
	if r.People != 1 || r.Matters != 3 || r.Apart != 1 || r.TruePairs != 1 || r.PredPairs != 2 || r.Right != 1 {
		t.Fatalf("%+v", r)
	}
}
