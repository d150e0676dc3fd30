package bench

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
)

// Trgm is the baseline a team would reach for first: PostgreSQL's pg_trgm
// over one "subject || ' ' || content" column with a GIN trigram index,
// queried with word_similarity (`<%`, ordered by `<<->`); plain `%`
// similarity is the wrong operator for a short retelling against a long
// post (DESIGN.md). It lives in a database of its own, created fresh and
// dropped by Close.
type Trgm struct {
	DB   string // the database's name
	conn *pgx.Conn
	dsn  *pgx.ConnConfig // of the server's original database, to drop ours
}

// OpenTrgm creates a fresh UTF-8 database on the server the DSN names (its
// role must be allowed to create databases and the pg_trgm extension),
// with the extension and an empty table. pg_trgm only sees Chinese
// characters as word characters under a UTF-8 LC_CTYPE, so the database
// asks for C.UTF-8 and the check fails if it ends up without one.
func OpenTrgm(ctx context.Context, dsn string) (*Trgm, error) {
	cfg, err := pgx.ParseConfig(dsn)
	if err != nil {
		return nil, fmt.Errorf("pg_trgm baseline: %w", err)
	}
	admin, err := pgx.ConnectConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("pg_trgm baseline: %w", err)
	}
	defer admin.Close(context.WithoutCancel(ctx))
	var b [6]byte
	rand.Read(b[:])
	t := &Trgm{DB: "jiefen_bench_" + hex.EncodeToString(b[:]), dsn: cfg}
	_, err = admin.Exec(ctx, "CREATE DATABASE "+t.DB+" TEMPLATE template0 ENCODING 'UTF8' LC_COLLATE 'C.UTF-8' LC_CTYPE 'C.UTF-8'")
	if err != nil {
		// No C.UTF-8 locale on this server: take its default and check.
		if _, err2 := admin.Exec(ctx, "CREATE DATABASE "+t.DB+" TEMPLATE template0 ENCODING 'UTF8'"); err2 != nil {
			return nil, fmt.Errorf("pg_trgm baseline: create database: %w", err)
		}
	}
	dbcfg := cfg.Copy()
	dbcfg.Database = t.DB
	if t.conn, err = pgx.ConnectConfig(ctx, dbcfg); err != nil {
		t.Close(ctx)
		return nil, fmt.Errorf("pg_trgm baseline: %w", err)
	}
	var ctype string
	if err := t.conn.QueryRow(ctx, "SHOW lc_ctype").Scan(&ctype); err != nil {
		t.Close(ctx)
		return nil, err
	}
	if c := strings.ToLower(strings.ReplaceAll(ctype, "-", "")); !strings.Contains(c, "utf8") {
		t.Close(ctx)
		return nil, fmt.Errorf("pg_trgm baseline: the server has no UTF-8 locale (LC_CTYPE %s): pg_trgm would ignore Chinese", ctype)
	}
	for _, q := range []string{
		"CREATE EXTENSION IF NOT EXISTS pg_trgm",
		"CREATE TABLE docs (id bigint PRIMARY KEY, body text NOT NULL)",
	} {
		if _, err := t.conn.Exec(ctx, q); err != nil {
			t.Close(ctx)
			return nil, fmt.Errorf("pg_trgm baseline: %s: %w", q, err)
		}
	}
	return t, nil
}

// Load copies documents into the table (COPY); next returns false at the
// end. The body is subject and content joined by a space.
func (t *Trgm) Load(ctx context.Context, next func() (id int64, subject, content string, ok bool, err error)) (int64, error) {
	return t.conn.CopyFrom(ctx, pgx.Identifier{"docs"}, []string{"id", "body"}, pgx.CopyFromFunc(func() ([]any, error) {
		id, s, c, ok, err := next()
		if err != nil || !ok {
			return nil, err
		}
		return []any{id, s + " " + c}, nil
	}))
}

// BuildIndex creates the GIN trigram index with the given
// maintenance_work_mem ("" keeps the server's) and analyses the table.
func (t *Trgm) BuildIndex(ctx context.Context, workMem string) error {
	if workMem != "" {
		if _, err := t.conn.Exec(ctx, "SET maintenance_work_mem = '"+strings.ReplaceAll(workMem, "'", "")+"'"); err != nil {
			return err
		}
	}
	for _, q := range []string{"CREATE INDEX docs_body_trgm ON docs USING gin (body gin_trgm_ops)", "ANALYZE docs"} {
		if _, err := t.conn.Exec(ctx, q); err != nil {
			return fmt.Errorf("pg_trgm baseline: %s: %w", q, err)
		}
	}
	return nil
}

// Sizes returns the table's size (with TOAST) and the index's, in bytes.
func (t *Trgm) Sizes(ctx context.Context) (table, index int64, err error) {
	err = t.conn.QueryRow(ctx, "SELECT pg_table_size('docs'), pg_relation_size('docs_body_trgm')").Scan(&table, &index)
	return table, index, err
}

// SetThreshold sets pg_trgm.word_similarity_threshold: the least
// word_similarity that `<%` lets through (default 0.6).
func (t *Trgm) SetThreshold(ctx context.Context, v float64) error {
	_, err := t.conn.Exec(ctx, fmt.Sprintf("SET pg_trgm.word_similarity_threshold = %g", v))
	return err
}

const trgmQuery = `SELECT id FROM docs WHERE $1 <% body ORDER BY $1 <<-> body, id LIMIT $2`

// Search returns the ids of the k bodies that contain the most similar
// extent to text.
func (t *Trgm) Search(ctx context.Context, text string, k int) ([]int64, error) {
	rows, err := t.conn.Query(ctx, trgmQuery, text, k)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, pgx.RowTo[int64])
}

// Close drops the database.
func (t *Trgm) Close(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), time.Minute)
	defer cancel()
	if t.conn != nil {
		t.conn.Close(ctx)
		t.conn = nil
	}
	admin, err := pgx.ConnectConfig(ctx, t.dsn)
	if err != nil {
		return err
	}
	defer admin.Close(ctx)
	_, err = admin.Exec(ctx, "DROP DATABASE IF EXISTS "+t.DB+" WITH (FORCE)")
	return err
}
