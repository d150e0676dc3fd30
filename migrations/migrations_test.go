package migrations_test

import (
	"context"
	"sync"
	"testing"

	"github.com/jiefen/jiefen/database/dbtest"
	"github.com/jiefen/jiefen/migrations"
)

func TestUpIsCurrentAndIdempotent(t *testing.T) {
	for _, d := range dbtest.Dialects() {
		t.Run(d, func(t *testing.T) {
			ctx := context.Background()
			db := dbtest.Open(t, d) // already migrated once
			pending, err := migrations.Pending(ctx, db)
			if err != nil || len(pending) != 0 {
				t.Fatalf("pending = %v, %v", pending, err)
			}
			// Several servers starting at once all succeed and apply nothing.
			var wg sync.WaitGroup
			errs := make([]error, 4)
			for i := range errs {
				wg.Add(1)
				go func(i int) {
					defer wg.Done()
					applied, err := migrations.Up(ctx, db)
					if err == nil && len(applied) > 0 {
						t.Errorf("re-applied %v", applied)
					}
					errs[i] = err
				}(i)
			}
			wg.Wait()
			for _, err := range errs {
				if err != nil {
					t.Fatal(err)
				}
			}
		})
	}
}
