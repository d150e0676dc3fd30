package bench

import (
	"bytes"
	"strings"
	"testing"
)

func TestExternalSetRoundTrip(t *testing.T) {
	var c, q bytes.Buffer
	w := NewSetWriter(&c, &q)
	for i := range 7 {
		if err := w.Doc(CorpusDoc{ID: int64(100 + i), Subject: "小区噪音<扰民>", Content: "内容 & 细节"}); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Query(Query{QID: 0, Target: 103, Text: "来电人反映：小区噪音"}); err != nil {
		t.Fatal(err)
	}
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(c.String(), `"subject":"小区噪音<扰民>"`) {
		t.Errorf("corpus line escapes HTML: %s", c.String())
	}
	var sizes []int
	var ids []int64
	n, err := ReadCorpus(&c, 3, func(docs []CorpusDoc) error {
		sizes = append(sizes, len(docs))
		for _, d := range docs {
			ids = append(ids, d.ID)
		}
		return nil
	})
	if err != nil || n != 7 || len(sizes) != 3 || sizes[2] != 1 || ids[6] != 106 {
		t.Fatalf("n %d sizes %v ids %v err %v", n, sizes, ids, err)
	}
	qs, err := ReadQueries(&q)
	if err != nil || len(qs) != 1 || qs[0].Target != 103 || qs[0].Text != "来电人反映：小区噪音" {
		t.Fatalf("queries %+v err %v", qs, err)
	}
}

func TestReadCorpusErrors(t *testing.T) {
	for name, in := range map[string]string{
		"ErrNoID":   `{"subject":"s","content":"c"}`,
		"ErrNoText": `{"id":1}`,
		"ErrJSON":   `{"id":1,`,
		"ErrSecondLine": `{"id":1,"subject":"s"}
{"id":"two","subject":"s"}`,
	} {
		t.Run(name, func(t *testing.T) {
			_, err := ReadCorpus(strings.NewReader(in), 10, func([]CorpusDoc) error { return nil })
			if err == nil || !strings.Contains(err.Error(), "line ") {
				t.Fatalf("err = %v", err)
			}
		})
	}
	// id 0 is an id like any other.
	n, err := ReadCorpus(strings.NewReader(`{"id":0,"content":"c"}`), 10, func([]CorpusDoc) error { return nil })
	if err != nil || n != 1 {
		t.Fatalf("n %d err %v", n, err)
	}
}

func TestReadQueriesErrors(t *testing.T) {
	for name, in := range map[string]string{
		"ErrNoTarget": `{"qid":0,"text":"t"}`,
		"ErrNoText":   `{"qid":0,"target":1}`,
		"ErrJSON":     `[`,
	} {
		t.Run(name, func(t *testing.T) {
			if _, err := ReadQueries(strings.NewReader(in)); err == nil {
				t.Fatal("no error")
			}
		})
	}
	qs, err := ReadQueries(strings.NewReader(`{"target":5,"text":"a"}` + "\n\n" + `{"target":6,"text":"b"}`))
	if err != nil || len(qs) != 2 || qs[1].QID != 1 {
		t.Fatalf("queries %+v err %v", qs, err)
	}
}
