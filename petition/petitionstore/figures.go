package petitionstore

import (
	"context"
	"strings"
	"time"

	"github.com/jiefen/jiefen/petition"
)

var _ petition.FigureStore = (*Store)(nil)

// Figures implements petition.FigureStore. Each count starts from the small
// tables (open clocks past due, confirmed repeat links, supervisions and
// escalation marks) and joins the cases of the region, so a city of a
// million cases is not scanned case by case; the conditions are the case
// list filters' (petitionweb.Filters).
func (s *Store) Figures(ctx context.Context, prefix string, now time.Time, b petition.Backlog) (petition.Figures, error) {
	var out petition.Figures
	hi := prefix + ":"
	var parts []string
	var args []any
	if b.Overdue {
		parts = append(parts, `SELECT k.case_id FROM case_clocks k JOIN cases c ON c.id = k.case_id
			WHERE k.ended_at IS NULL AND (k.status = 'missed' OR (k.status = 'running' AND k.due_at < ?))
			  AND c.status IN `+petition.BacklogOpen+`
			  AND c.region_code >= ? AND c.region_code < ?`)
		args = append(args, now.UTC(), prefix, hi)
	}
	if b.Repeats > 0 {
		parts = append(parts, `SELECT l.case_id FROM links l JOIN cases c ON c.id = l.case_id
			WHERE l.kind = 'repeat' AND l.status = 'confirmed' AND c.region_code >= ? AND c.region_code < ?
			GROUP BY l.case_id HAVING COUNT(*) >= ?`)
		args = append(args, prefix, hi, b.Repeats-1)
	}
	if len(parts) > 0 {
		q := "SELECT COUNT(*) FROM (" + strings.Join(parts, " UNION ") + ") backlog"
		if err := s.idb.QueryRowContext(ctx, q, args...).Scan(&out.Backlog); err != nil {
			return out, err
		}
	}
	err := s.idb.QueryRowContext(ctx, `SELECT COUNT(*) FROM (
		SELECT sv.case_id FROM petition_supervisions sv JOIN cases c ON c.id = sv.case_id
		WHERE (sv.feedback_at IS NULL OR sv.listed) AND c.region_code >= ? AND c.region_code < ?
		UNION
		SELECT sm.case_id FROM petition_marks sm JOIN cases c ON c.id = sm.case_id
		WHERE sm.kind = 'escalation' AND c.region_code >= ? AND c.region_code < ?) supervised`,
		prefix, hi, prefix, hi).Scan(&out.Supervised)
	return out, err
}
