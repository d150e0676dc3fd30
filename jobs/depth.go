package jobs

import (
	"context"

	"github.com/uptrace/bun"
)

// unfinished are the states of jobs still to run (or running).
var unfinished = []string{"available", "scheduled", "retryable", "running"}

type depthRow struct {
	Kind  string `bun:"kind"`
	State string `bun:"state"`
	N     int64  `bun:"n"`
}

// Depth counts the unfinished jobs in River's table by kind and state, keyed
// [kind, state]: the queue depth the metrics export. It reads the table
// directly (one grouped query on River's state index), the same on SQLite
// and PostgreSQL.
func Depth(ctx context.Context, db bun.IDB) (map[[2]string]int64, error) {
	var rows []depthRow
	err := db.NewSelect().TableExpr("river_job").
		ColumnExpr("kind, state, count(*) AS n").
		Where("state IN (?)", bun.In(unfinished)).
		GroupExpr("kind, state").
		Scan(ctx, &rows)
	if err != nil {
		return nil, err
	}
	out := make(map[[2]string]int64, len(rows))
	for _, r := range rows {
		out[[2]string{r.Kind, r.State}] = r.N
	}
	return out, nil
}
