package petition

import (
	"context"
	"fmt"
	"time"

	"github.com/jiefen/jiefen/kernel"
	"github.com/jiefen/jiefen/stats"
)

// Figures are the track's figures of a region now, for the statistics
// overview: 积案 as Backlog defines it and 督办 — the same cases the case
// list's backlog=true and supervised=true filters list.
type Figures struct {
	Backlog           int    `json:"backlog"`
	BacklogDefinition string `json:"backlog_definition"`
	Supervised        int    `json:"supervised"`
}

// FigureStore counts the figures in the region subtree of prefix.
type FigureStore interface {
	Figures(ctx context.Context, prefix string, now time.Time, b Backlog) (Figures, error)
}

// Figure is the track's contribution to the overview, under "petition".
type Figure struct {
	Store   FigureStore
	Backlog Backlog
}

var _ stats.Figure = Figure{}

// Name implements stats.Figure.
func (Figure) Name() string { return "petition" }

// Compute implements stats.Figure.
func (f Figure) Compute(ctx context.Context, q stats.Query) (any, error) {
	out, err := f.Store.Figures(ctx, kernel.RegionPrefix(q.Region), q.Now, f.Backlog)
	out.BacklogDefinition = f.Backlog.String()
	return out, err
}

// String says what the definition counts, in the dashboard's words.
func (b Backlog) String() string {
	switch {
	case b.Overdue && b.Repeats > 0:
		return fmt.Sprintf("超过办理期限仍未办结，或同一事项信访%d次及以上", b.Repeats)
	case b.Overdue:
		return "超过办理期限仍未办结"
	case b.Repeats > 0:
		return fmt.Sprintf("同一事项信访%d次及以上", b.Repeats)
	}
	return "未定义（JIEFEN_PETITION_BACKLOG=none）"
}
