package database_test

import (
	"context"
	"errors"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/jiefen/jiefen/database"
	"github.com/jiefen/jiefen/kernel"
)

// SQLite's one writer: many goroutines writing at once queue at the gate
// instead of failing with SQLITE_BUSY, and a caller that cannot get its
// turn in time is told the database is busy (503), not left hanging.
func TestSQLiteOneWriter(t *testing.T) {
	ctx := context.Background()
	db, err := database.Open(ctx, "file:"+filepath.Join(t.TempDir(), "gate.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer database.Close(db)
	if _, err := db.ExecContext(ctx, "CREATE TABLE t (id INTEGER PRIMARY KEY, n INTEGER)"); err != nil {
		t.Fatal(err)
	}
	txr := database.Transactor{DB: db}
	var wg sync.WaitGroup
	errs := make(chan error, 32*10*2) // a transaction and a write each
	for g := range 32 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 10 {
				errs <- txr.InTx(ctx, func(ctx context.Context, tx kernel.Tx) error {
					idb := database.IDB(db, tx)
					var n int
					if err := idb.QueryRowContext(ctx, "SELECT COUNT(*) FROM t").Scan(&n); err != nil {
						return err
					}
					_, err := idb.ExecContext(ctx, "INSERT INTO t (n) VALUES (?)", g*100+i+n)
					return err
				})
				// Writes outside transactions pass the same gate.
				_, err := db.ExecContext(ctx, "UPDATE t SET n = n WHERE id = 1")
				errs <- err
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatalf("concurrent write failed: %v", err)
		}
	}
	var n int
	if err := db.QueryRowContext(ctx, "SELECT COUNT(*) FROM t").Scan(&n); err != nil || n != 320 {
		t.Fatalf("%d rows (%v), want 320", n, err)
	}

	// The writer is taken: a transaction with a short deadline gets ErrBusy.
	hold, release := make(chan struct{}), make(chan struct{})
	go txr.InTx(ctx, func(context.Context, kernel.Tx) error { close(hold); <-release; return nil })
	<-hold
	short, cancel := context.WithTimeout(ctx, 100*time.Millisecond)
	defer cancel()
	start := time.Now()
	err = txr.InTx(short, func(context.Context, kernel.Tx) error { return nil })
	close(release)
	if !errors.Is(err, database.ErrBusy) || !database.Unavailable(err) {
		t.Fatalf("waiting past the deadline: %v, want ErrBusy (unavailable)", err)
	}
	if waited := time.Since(start); waited > 2*time.Second {
		t.Fatalf("waited %v for a busy writer", waited)
	}
	// Reads outside transactions do not wait for the writer.
	if err := db.QueryRowContext(ctx, "SELECT COUNT(*) FROM t").Scan(&n); err != nil {
		t.Fatal(err)
	}
}
