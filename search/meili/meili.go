// Package meili is the Meilisearch engine of the search index contract, for
// production (several servers share one Meilisearch).
package meili

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/meilisearch/meilisearch-go"

	"github.com/jiefen/jiefen/kernel"
	"github.com/jiefen/jiefen/search"
)

// Engine implements search.Index on a Meilisearch index.
type Engine struct {
	client meilisearch.ServiceManager
	index  meilisearch.IndexManager
	uid    string
	// Wait bounds how long a write waits for Meilisearch to apply it.
	Wait time.Duration
}

var _ search.Index = (*Engine)(nil)

// doc is the stored form. Regions holds every ancestor prefix of the region
// code, because Meilisearch filters match whole values, not prefixes.
type doc struct {
	ID         int64    `json:"id"`
	CaseID     int64    `json:"case_id"`
	Regions    []string `json:"regions"`
	ReceivedAt int64    `json:"received_at"`
	Status     string   `json:"status"`
	Subject    string   `json:"subject"`
	Content    string   `json:"content"`
}

// Open connects to Meilisearch, creates the index if needed and applies
// its settings, checking that each task succeeded.
func Open(ctx context.Context, url, key, uid string) (*Engine, error) {
	client := meilisearch.New(url, meilisearch.WithAPIKey(key))
	e := &Engine{client: client, index: client.Index(uid), uid: uid, Wait: 2 * time.Minute}
	if _, err := client.HealthWithContext(ctx); err != nil {
		return nil, fmt.Errorf("meilisearch: %w", err)
	}
	task, err := client.CreateIndexWithContext(ctx, &meilisearch.IndexConfig{Uid: uid, PrimaryKey: "id"})
	if err != nil {
		return nil, fmt.Errorf("meilisearch: create index: %w", err)
	}
	// Creating an existing index fails as a task; that is fine.
	if _, err := e.wait(ctx, task); err != nil && !strings.Contains(err.Error(), "index_already_exists") {
		return nil, err
	}
	settings := &meilisearch.Settings{
		SearchableAttributes: []string{"subject", "content"},
		FilterableAttributes: []string{"regions", "received_at", "status", "case_id"},
		// Chinese, so that Meilisearch segments with its Chinese tokenizer
		// even for short texts where language detection guesses wrong.
		LocalizedAttributes: []*meilisearch.LocalizedAttributes{{AttributePatterns: []string{"*"}, Locales: []string{"cmn"}}},
	}
	task, err = e.index.UpdateSettingsWithContext(ctx, settings)
	if err != nil {
		return nil, fmt.Errorf("meilisearch: settings: %w", err)
	}
	if _, err := e.wait(ctx, task); err != nil {
		return nil, err
	}
	return e, nil
}

// wait waits for a task and turns a failed task into an error:
// WaitForTask itself reports no error when the task failed.
func (e *Engine) wait(ctx context.Context, info *meilisearch.TaskInfo) (*meilisearch.Task, error) {
	ctx, cancel := context.WithTimeout(ctx, e.Wait)
	defer cancel()
	task, err := e.client.WaitForTaskWithContext(ctx, info.TaskUID, 20*time.Millisecond)
	if err != nil {
		return nil, fmt.Errorf("meilisearch: task %d: %w", info.TaskUID, err)
	}
	if task.Status != meilisearch.TaskStatusSucceeded {
		return task, fmt.Errorf("meilisearch: task %d %s: %s: %s", task.UID, task.Status, task.Error.Code, task.Error.Message)
	}
	return task, nil
}

func ancestors(code string) []string {
	var out []string
	for _, n := range []int{2, 4, 6, 9, 12, 15} {
		if len(code) < n {
			break
		}
		p := code[:n]
		if strings.Trim(code[n:], "0") == "" && n > len(kernel.RegionPrefix(code)) {
			break
		}
		out = append(out, p)
	}
	return out
}

// Upsert implements search.Index.
func (e *Engine) Upsert(ctx context.Context, docs ...search.Doc) error {
	if len(docs) == 0 {
		return nil
	}
	out := make([]doc, len(docs))
	for i, d := range docs {
		out[i] = doc{ID: d.ID, CaseID: d.CaseID, Regions: ancestors(d.Region), ReceivedAt: d.ReceivedAt.Unix(),
			Status: d.Status, Subject: d.Subject, Content: d.Content}
	}
	pk := "id"
	task, err := e.index.AddDocumentsWithContext(ctx, out, &meilisearch.DocumentOptions{PrimaryKey: &pk})
	if err != nil {
		return fmt.Errorf("meilisearch: add documents: %w", err)
	}
	_, err = e.wait(ctx, task)
	return err
}

// Delete implements search.Index.
func (e *Engine) Delete(ctx context.Context, ids ...int64) error {
	if len(ids) == 0 {
		return nil
	}
	s := make([]string, len(ids))
	for i, id := range ids {
		s[i] = strconv.FormatInt(id, 10)
	}
	task, err := e.index.DeleteDocumentsWithContext(ctx, s, nil)
	if err != nil {
		return fmt.Errorf("meilisearch: delete: %w", err)
	}
	_, err = e.wait(ctx, task)
	return err
}

// maxQueryRunes bounds the query: Meilisearch only uses its first ten or so
// words, and a call-taker's opening would use them up (DESIGN.md).
const maxQueryRunes = 48

// queryText strips boilerplate and keeps the start of the matter.
func queryText(text string) string {
	q := search.Normalize(text)
	if utf8.RuneCountInString(q) > maxQueryRunes {
		q = string([]rune(q)[:maxQueryRunes])
	}
	return q
}

// Search implements search.Index.
func (e *Engine) Search(ctx context.Context, q search.Query) ([]search.Hit, error) {
	var filters []string
	f := q.Filter
	if f.RegionPrefix != "" {
		filters = append(filters, fmt.Sprintf("regions = %q", f.RegionPrefix))
	}
	if !f.From.IsZero() {
		filters = append(filters, fmt.Sprintf("received_at >= %d", f.From.Unix()))
	}
	if !f.To.IsZero() {
		filters = append(filters, fmt.Sprintf("received_at <= %d", f.To.Unix()))
	}
	if len(f.Statuses) > 0 {
		quoted := make([]string, len(f.Statuses))
		for i, s := range f.Statuses {
			quoted[i] = strconv.Quote(s)
		}
		filters = append(filters, "status IN ["+strings.Join(quoted, ", ")+"]")
	}
	if f.ExcludeCase != 0 {
		filters = append(filters, fmt.Sprintf("case_id != %d", f.ExcludeCase))
	}
	limit := q.Limit
	if limit <= 0 {
		limit = 20
	}
	req := &meilisearch.SearchRequest{
		Limit:                int64(limit),
		AttributesToRetrieve: []string{"id", "case_id"},
		// "last" drops query words from the end until documents match;
		// "frequency" drops the most frequent words first and so never drops
		// a retelling's words that occur in no document: no results at all.
		MatchingStrategy: meilisearch.Last,
		ShowRankingScore: true,
		Locales:          []string{"cmn"},
	}
	if len(filters) > 0 {
		req.Filter = strings.Join(filters, " AND ")
	}
	res, err := e.index.SearchWithContext(ctx, queryText(q.Text), req)
	if err != nil {
		return nil, fmt.Errorf("meilisearch: search: %w", err)
	}
	out := make([]search.Hit, 0, len(res.Hits))
	for _, h := range res.Hits {
		var d struct {
			ID           int64   `json:"id"`
			CaseID       int64   `json:"case_id"`
			RankingScore float64 `json:"_rankingScore"`
		}
		if err := h.Decode(&d); err != nil {
			return nil, fmt.Errorf("meilisearch: decode hit: %w", err)
		}
		out = append(out, search.Hit{ID: d.ID, CaseID: d.CaseID, Score: d.RankingScore})
	}
	return out, nil
}

// Close implements search.Index.
func (e *Engine) Close() error {
	e.client.Close()
	return nil
}

// Drop deletes the whole index (tests, reindex from scratch).
func (e *Engine) Drop(ctx context.Context) error {
	task, err := e.client.DeleteIndexWithContext(ctx, e.uid)
	if err != nil {
		return fmt.Errorf("meilisearch: drop: %w", err)
	}
	if _, err := e.wait(ctx, task); err != nil && !strings.Contains(err.Error(), "index_not_found") {
		return err
	}
	return nil
}
