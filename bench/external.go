package bench

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
)

// An external test set lets anyone compare engines on the same input: a
// corpus file, one document a line,
//
//	{"id": 123, "subject": "…", "content": "…"}
//
// and a query file, one query a line, naming the document it should find:
//
//	{"qid": 0, "target": 123, "text": "来电人反映：…"}

// CorpusDoc is one line of a corpus file.
type CorpusDoc struct {
	ID      int64  `json:"id"`
	Subject string `json:"subject"`
	Content string `json:"content"`
}

// Query is one line of a query file.
type Query struct {
	QID    int64  `json:"qid"`
	Target int64  `json:"target"`
	Text   string `json:"text"`
}

func scanLines(r io.Reader, fn func(n int, line []byte) error) error {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 1<<20), 16<<20)
	for n := 1; sc.Scan(); n++ {
		line := bytes.TrimSpace(sc.Bytes())
		if len(line) == 0 {
			continue
		}
		if err := fn(n, line); err != nil {
			return fmt.Errorf("line %d: %w", n, err)
		}
	}
	return sc.Err()
}

// ReadCorpus reads a corpus file and hands its documents to fn in batches
// of up to batch documents, so that a large corpus is never held whole.
func ReadCorpus(r io.Reader, batch int, fn func(docs []CorpusDoc) error) (int, error) {
	buf := make([]CorpusDoc, 0, batch)
	total := 0
	err := scanLines(r, func(n int, line []byte) error {
		var d struct {
			ID      *int64 `json:"id"`
			Subject string `json:"subject"`
			Content string `json:"content"`
		}
		if err := json.Unmarshal(line, &d); err != nil {
			return err
		}
		if d.ID == nil {
			return fmt.Errorf("id is missing")
		}
		if d.Subject == "" && d.Content == "" {
			return fmt.Errorf("document %d has neither subject nor content", *d.ID)
		}
		buf = append(buf, CorpusDoc{ID: *d.ID, Subject: d.Subject, Content: d.Content})
		if len(buf) == batch {
			total += len(buf)
			if err := fn(buf); err != nil {
				return err
			}
			buf = buf[:0]
		}
		return nil
	})
	if err != nil {
		return total, err
	}
	if len(buf) > 0 {
		total += len(buf)
		if err := fn(buf); err != nil {
			return total, err
		}
	}
	return total, nil
}

// ReadQueries reads a query file.
func ReadQueries(r io.Reader) ([]Query, error) {
	var out []Query
	err := scanLines(r, func(n int, line []byte) error {
		var q struct {
			QID    *int64 `json:"qid"`
			Target *int64 `json:"target"`
			Text   string `json:"text"`
		}
		if err := json.Unmarshal(line, &q); err != nil {
			return err
		}
		if q.Target == nil {
			return fmt.Errorf("target is missing")
		}
		if q.Text == "" {
			return fmt.Errorf("text is empty")
		}
		qid := int64(len(out))
		if q.QID != nil {
			qid = *q.QID
		}
		out = append(out, Query{QID: qid, Target: *q.Target, Text: q.Text})
		return nil
	})
	return out, err
}

// SetWriter writes an external test set.
type SetWriter struct {
	corpus, queries *bufio.Writer
	ce, qe          *json.Encoder
}

// NewSetWriter writes the corpus and the queries to the two writers; call
// Flush at the end.
func NewSetWriter(corpus, queries io.Writer) *SetWriter {
	w := &SetWriter{corpus: bufio.NewWriterSize(corpus, 1<<20), queries: bufio.NewWriter(queries)}
	w.ce, w.qe = json.NewEncoder(w.corpus), json.NewEncoder(w.queries)
	w.ce.SetEscapeHTML(false)
	w.qe.SetEscapeHTML(false)
	return w
}

// Doc writes a corpus line.
func (w *SetWriter) Doc(d CorpusDoc) error { return w.ce.Encode(d) }

// Query writes a query line.
func (w *SetWriter) Query(q Query) error { return w.qe.Encode(q) }

// Flush flushes both files.
func (w *SetWriter) Flush() error {
	if err := w.corpus.Flush(); err != nil {
		return err
	}
	return w.queries.Flush()
}
