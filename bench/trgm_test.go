package bench

import (
	"context"
	"os"
	"slices"
	"testing"

	"github.com/jiefen/jiefen/database/dbtest"
)

// TestTrgm runs the pg_trgm baseline on the fixture when the test
// PostgreSQL server is there.
func TestTrgm(t *testing.T) {
	dsn := os.Getenv(dbtest.PostgresEnv)
	if dsn == "" {
		t.Skip(dbtest.PostgresEnv + " is not set")
	}
	ctx := context.Background()
	tg, err := OpenTrgm(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer func() {
		if err := tg.Close(ctx); err != nil {
			t.Error(err)
		}
	}()
	all := fixture(t)
	i := 0
	n, err := tg.Load(ctx, func() (int64, string, string, bool, error) {
		if i == len(all) {
			return 0, "", "", false, nil
		}
		i++
		return int64(i), all[i-1].Subject, all[i-1].Content, true, nil
	})
	if err != nil || n != int64(len(all)) {
		t.Fatalf("loaded %d: %v", n, err)
	}
	if err := tg.BuildIndex(ctx, "64MB"); err != nil {
		t.Fatal(err)
	}
	if err := tg.SetThreshold(ctx, 0.3); err != nil {
		t.Fatal(err)
	}
	ids, err := tg.Search(ctx, "罗剑村自农村合作医疗体系建立以来，年年缴费却一直没有拿到医疗本", 10)
	if err != nil {
		t.Fatal(err)
	}
	if len(ids) == 0 || !slices.Contains(ids[:min(2, len(ids))], 1) {
		t.Errorf("hits %v: want the WeChat post (1) first or second (the hotline copy is 2)", ids)
	}
	if tb, ib, err := tg.Sizes(ctx); err != nil || tb <= 0 || ib <= 0 {
		t.Errorf("sizes %d %d %v", tb, ib, err)
	}
}
