// Package dbtest gives tests fresh, migrated databases with the regions
// loaded: SQLite always, and PostgreSQL when JIEFEN_TEST_PG names a server
// (the test script starts one).
package dbtest

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"io"
	"net/url"
	"os"
	"path/filepath"
	"sync"
	"testing"

	"github.com/uptrace/bun"

	"github.com/jiefen/jiefen/cases/casestore"
	"github.com/jiefen/jiefen/database"
	"github.com/jiefen/jiefen/migrations"
	"github.com/jiefen/jiefen/pii"
	"github.com/jiefen/jiefen/regions"
)

// PostgresEnv names the variable holding the DSN of a test server whose role
// may create databases.
const PostgresEnv = "JIEFEN_TEST_PG"

// Dialects lists the dialects tests run on here.
func Dialects() []string {
	if os.Getenv(PostgresEnv) != "" {
		return []string{"sqlite", "postgres"}
	}
	return []string{"sqlite"}
}

// Each runs fn as a subtest on a fresh database of every dialect.
func Each(t *testing.T, fn func(t *testing.T, db *bun.DB)) {
	for _, d := range Dialects() {
		t.Run(d, func(t *testing.T) { fn(t, Open(t, d)) })
	}
}

// Keys returns a fixed keyring for tests.
func Keys(t testing.TB) *pii.Keyring {
	k, err := pii.NewKeyring(bytes.Repeat([]byte{42}, pii.KeySize))
	if err != nil {
		t.Fatal(err)
	}
	return k
}

// Open returns a fresh migrated database of the dialect, closed and dropped
// when the test ends.
func Open(t testing.TB, dialect string) *bun.DB {
	t.Helper()
	var dsn string
	switch dialect {
	case "sqlite":
		dsn = sqliteCopy(t)
	case "postgres":
		dsn = postgresCopy(t)
	default:
		t.Fatalf("unknown dialect %q", dialect)
	}
	db, err := database.Open(context.Background(), dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { database.Close(db) })
	return db
}

// DSN returns the DSN of a fresh migrated database, for tests that open it
// themselves (the end-to-end test runs the real server on it).
func DSN(t testing.TB, dialect string) string {
	if dialect == "postgres" {
		return postgresCopy(t)
	}
	return sqliteCopy(t)
}

// prepare migrates a database and loads the regions.
func prepare(dsn string) error {
	ctx := context.Background()
	db, err := database.Open(ctx, dsn)
	if err != nil {
		return err
	}
	defer database.Close(db)
	if _, err := migrations.Up(ctx, db); err != nil {
		return err
	}
	all, err := regions.Official()
	if err != nil {
		return err
	}
	_, err = casestore.New(db, nil).LoadRegions(ctx, all)
	return err
}

// Migrating and loading 6,000 regions for every test would dominate the
// run; each dialect builds one template per test binary and copies it.
var (
	sqliteOnce sync.Once
	sqliteTmpl string
	sqliteErr  error
	pgOnce     sync.Once
	pgTmpl     string
	pgErr      error
)

func sqliteCopy(t testing.TB) string {
	sqliteOnce.Do(func() {
		dir, err := os.MkdirTemp("", "jiefen-dbtest-")
		if err != nil {
			sqliteErr = err
			return
		}
		sqliteTmpl = filepath.Join(dir, "template.db")
		if sqliteErr = prepare("file:" + sqliteTmpl); sqliteErr == nil {
			sqliteErr = checkpoint(sqliteTmpl)
		}
	})
	if sqliteErr != nil {
		t.Fatal(sqliteErr)
	}
	dst := filepath.Join(t.TempDir(), "jiefen.db")
	if err := copyFile(sqliteTmpl, dst); err != nil {
		t.Fatal(err)
	}
	return "file:" + dst
}

// checkpoint folds the WAL into the main file so copying one file suffices.
func checkpoint(path string) error {
	db, err := database.Open(context.Background(), "file:"+path)
	if err != nil {
		return err
	}
	defer database.Close(db)
	_, err = db.Exec("PRAGMA wal_checkpoint(TRUNCATE)")
	return err
}

func copyFile(src, dst string) error {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.Create(dst)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}

func randomName(prefix string) string {
	b := make([]byte, 6)
	rand.Read(b)
	return prefix + hex.EncodeToString(b)
}

// withDatabase returns the DSN with its database name replaced.
func withDatabase(dsn, name string) (string, error) {
	u, err := url.Parse(dsn)
	if err != nil {
		return "", err
	}
	u.Path = "/" + name
	return u.String(), nil
}

func postgresCopy(t testing.TB) string {
	base := os.Getenv(PostgresEnv)
	if base == "" {
		t.Skip(PostgresEnv + " not set")
	}
	ctx := context.Background()
	admin, err := database.Open(ctx, base)
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close()
	pgOnce.Do(func() {
		pgTmpl = randomName("jiefen_tmpl_")
		if _, pgErr = admin.ExecContext(ctx, "CREATE DATABASE "+pgTmpl); pgErr != nil {
			return
		}
		var dsn string
		if dsn, pgErr = withDatabase(base, pgTmpl); pgErr != nil {
			return
		}
		pgErr = prepare(dsn)
	})
	if pgErr != nil {
		t.Fatal(pgErr)
	}
	name := randomName("jiefen_t_")
	if _, err := admin.ExecContext(ctx, fmt.Sprintf("CREATE DATABASE %s TEMPLATE %s", name, pgTmpl)); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		admin, err := database.Open(ctx, base)
		if err != nil {
			t.Error(err)
			return
		}
		defer admin.Close()
		if _, err := admin.ExecContext(ctx, "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)"); err != nil {
			t.Error(err)
		}
	})
	dsn, err := withDatabase(base, name)
	if err != nil {
		t.Fatal(err)
	}
	return dsn
}
