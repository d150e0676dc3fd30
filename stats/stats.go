// Package stats is the read model of the dashboard, the exports and the
// monthly report: one overview of a region over a date range, computed by
// the database from daily counters and their monthly roll-ups, which the
// case events maintain in their own transaction (Notifier), and from the
// open clocks.
//
// 化解成功率 (resolution rate) = cases first resolved (办结) in the range that
// count as successfully resolved — resolved with a reply, an agreement or
// a supported/explained answer, and not reopened since (a 不满意 return
// visit that reopens the case takes its success back until it is resolved
// again; a module marks a failed outcome, e.g. 调解不成, with
// "resolution_success": false in the resolving event's data) — divided by
// all cases first resolved in the range. Rejected cases (不予受理) are not
// handled and count in neither.
package stats

import (
	"context"
	"time"

	"github.com/jiefen/jiefen/calendar"
	"github.com/jiefen/jiefen/kernel"
)

// RateDefinition is the console's and the documents' wording of 化解成功率.
const RateDefinition = "化解成功率 = 统计期内首次办结的案件中化解成功的件数 ÷ 统计期内首次办结的案件数。" +
	"化解成功：以答复、调解协议或支持/解释说明意见办结，且未因回访不满意而重新办理（重新办结后恢复）；" +
	"不予受理的案件不计入。"

// Counters are the figures counted per region and day.
type Counters struct {
	Received, Accepted, Rejected, Resolved, Closed int
	// Success counts first resolutions still counted as successful.
	Success int
	// ResolveDays sums the days from registration to first resolution.
	ResolveDays int
	Visited     int
	Satisfied   int
	Basically   int
	Unsatisfied int
}

// Add adds o to c.
func (c *Counters) Add(o Counters) {
	c.Received += o.Received
	c.Accepted += o.Accepted
	c.Rejected += o.Rejected
	c.Resolved += o.Resolved
	c.Closed += o.Closed
	c.Success += o.Success
	c.ResolveDays += o.ResolveDays
	c.Visited += o.Visited
	c.Satisfied += o.Satisfied
	c.Basically += o.Basically
	c.Unsatisfied += o.Unsatisfied
}

// Zero reports whether nothing is counted.
func (c Counters) Zero() bool { return c == Counters{} }

// Delta is a change of the counters of one case's region and day, with the
// case's channel and category for the split counters.
type Delta struct {
	Region   string
	Day      string // China date, 2006-01-02
	Channel  string
	Category string
	C        Counters
}

// Day is the China date of t as the counters key it.
func Day(t time.Time) string { return t.In(calendar.China).Format(time.DateOnly) }

// RegionRef names a region.
type RegionRef struct {
	Code string `json:"code"`
	Name string `json:"name"`
}

// RegionFigures are one child region's figures.
type RegionFigures struct {
	Code           string  `json:"code"`
	Name           string  `json:"name"`
	Received       int     `json:"received"`
	Resolved       int     `json:"resolved"`
	Overdue        int     `json:"overdue"`
	Success        int     `json:"success"`
	ResolutionRate float64 `json:"resolution_rate"`
	Satisfaction   float64 `json:"satisfaction"` // share of 满意 + 基本满意
	Evaluations    int     `json:"evaluations"`
}

// ChannelFigure is the cases received through one channel.
type ChannelFigure struct {
	Channel  string `json:"channel"`
	Label    string `json:"label"`
	Received int    `json:"received"`
}

// CategoryFigure is the cases received of one category.
type CategoryFigure struct {
	Category string `json:"category"`
	Label    string `json:"label"`
	Received int    `json:"received"`
}

// TrendPoint is one day (or week, from its Monday) of the trend.
type TrendPoint struct {
	Date     string `json:"date"`
	Received int    `json:"received"`
	Resolved int    `json:"resolved"`
}

// ClusterFigure is one group issue (群体性事项) with cases in the region:
// persons are the different people among its cases registered in the
// range, growth the cases of its registered in the last 7 days of it.
type ClusterFigure struct {
	ID      int64  `json:"id"`
	Title   string `json:"title"`
	Cases   int    `json:"cases"`
	Persons int    `json:"persons"`
	Growth  int    `json:"growth"`
}

// Satisfaction holds the shares (0–1) of the three verdicts among the
// residents' evaluations and the return visits in the range.
type Satisfaction struct {
	Satisfied   float64 `json:"satisfied"`
	Basically   float64 `json:"basically"`
	Unsatisfied float64 `json:"unsatisfied"`
	// Count is the evaluations and visits counted.
	Count int `json:"count"`
}

// Overview is GET /stats/overview.
type Overview struct {
	Region         RegionRef       `json:"region"`
	From           string          `json:"from"`
	To             string          `json:"to"`
	Received       int             `json:"received"`
	Accepted       int             `json:"accepted"`
	Rejected       int             `json:"rejected"`
	Resolved       int             `json:"resolved"`
	Closed         int             `json:"closed"`
	Visited        int             `json:"visited"`
	Overdue        int             `json:"overdue"`
	DueSoon        int             `json:"due_soon"`
	Backlog        int             `json:"backlog"`
	Success        int             `json:"success"`
	ResolutionRate float64         `json:"resolution_rate"`
	RateDefinition string          `json:"resolution_rate_definition"`
	AvgResolveDays float64         `json:"avg_resolve_days"`
	Satisfaction   Satisfaction    `json:"satisfaction"`
	ByRegion       []RegionFigures `json:"by_region"`
	// Rankings rank ByRegion like the monthly 通报 (Rank).
	Rankings   Rankings         `json:"rankings"`
	ByChannel  []ChannelFigure  `json:"by_channel"`
	ByCategory []CategoryFigure `json:"by_category"`
	TrendUnit  string           `json:"trend_unit"` // day | week
	Trend      []TrendPoint     `json:"trend"`
	Clusters   []ClusterFigure  `json:"clusters"`
	// Modules are the figures modules contribute (Register), by name.
	Modules map[string]any `json:"modules,omitempty"`
}

// Query selects an overview: a region (padded code) and a range of China
// dates, inclusive.
type Query struct {
	Region   string
	From, To time.Time // midnight China time of the first and the last day
	Now      time.Time
}

// Start and End bound the range as instants: [Start, End).
func (q Query) Start() time.Time { return q.From }

// End is the midnight after the last day.
func (q Query) End() time.Time { return q.To.AddDate(0, 0, 1) }

// Figure is a module's contribution to the overview (petition: 积案 and
// 督办 as the track defines them …): a name and its figures for a query,
// computed by the module from its own tables. A module's wiring registers
// it on the app's service (Service.Register), without touching the others.
type Figure interface {
	Name() string
	Compute(ctx context.Context, q Query) (any, error)
}

// rate is n/d rounded to four decimals, 0 when d is 0.
func rate(n, d int) float64 {
	if d == 0 {
		return 0
	}
	return float64(int(float64(n)/float64(d)*10000+0.5)) / 10000
}

// childEnd is the length of the significant prefix of code's children.
func childEnd(code string) int {
	ends := [...]int{2, 4, 6, 9, 12, 15}
	l := kernel.RegionLevel(code)
	if l >= len(ends) {
		return 15
	}
	return ends[l]
}

// Span is a range of China dates as the counters read it: the whole
// calendar months inside it from the monthly roll-up rows (stat_months,
// stat_dim_months), the days before and after them from the daily rows. A
// monthly row is the sum of its month's daily rows (the same deltas, in the
// same transaction), so a span sums to the same figures as the days of
// [From, To] — a year reads 12 monthly rows and at most two partial months
// of daily rows per region instead of 365 daily rows.
type Span struct {
	From, To string // the range, China dates, inclusive
	// Head and Tail are the days (2006-01-02, inclusive) before the first
	// and after the last whole month; Months the whole months (2006-01,
	// inclusive). An empty part is {"", ""}.
	Head, Months, Tail [2]string
}

// SplitSpan splits the days from..to (midnights in China time, inclusive)
// into partial months at the ends and whole months between.
func SplitSpan(from, to time.Time) Span {
	from, to = from.In(calendar.China), to.In(calendar.China)
	sp := Span{From: Day(from), To: Day(to)}
	fy, fm, fd := from.Date()
	first := time.Date(fy, fm, 1, 0, 0, 0, 0, calendar.China) // first day of the first whole month
	if fd != 1 {
		first = first.AddDate(0, 1, 0)
	}
	ty, tm, _ := to.Date()
	after := time.Date(ty, tm, 1, 0, 0, 0, 0, calendar.China) // first day after the last whole month
	if to.AddDate(0, 0, 1).Day() == 1 {
		after = after.AddDate(0, 1, 0)
	}
	if !first.Before(after) { // no whole month
		sp.Head = [2]string{sp.From, sp.To}
		return sp
	}
	if from.Before(first) {
		sp.Head = [2]string{sp.From, Day(first.AddDate(0, 0, -1))}
	}
	sp.Months = [2]string{first.Format("2006-01"), after.AddDate(0, -1, 0).Format("2006-01")}
	if !after.After(to) {
		sp.Tail = [2]string{Day(after), sp.To}
	}
	return sp
}

// Daily is the span read from the daily rows alone (the reference the
// monthly roll-ups must agree with).
func (s Span) Daily() Span { return Span{From: s.From, To: s.To, Head: [2]string{s.From, s.To}} }

// Month is the roll-up key (2006-01) of a China date key (2006-01-02).
func Month(day string) string { return day[:7] }
