package stats

import (
	"context"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/jiefen/jiefen/calendar"
	"github.com/jiefen/jiefen/cases"
	"github.com/jiefen/jiefen/kernel"
)

// Current are the figures of now (not of the range) of one child region's
// prefix: cases overdue, due within 3 working days, and in backlog (积案:
// open with the handling clock overdue).
type Current struct{ Overdue, DueSoon, Backlog int }

// Store is what statistics need from the database (statstore).
type Store interface {
	WithTx(tx kernel.Tx) Store
	// Region finds a region (ENotFound if unknown).
	Region(ctx context.Context, code string) (*kernel.Region, error)
	// Children lists a region's direct children by code.
	Children(ctx context.Context, code string) ([]kernel.Region, error)
	// Days returns the counters of region per day in [from, to] (dates),
	// received and resolved only (the trend).
	Days(ctx context.Context, region, from, to string) (map[string]Counters, error)
	// Totals returns the counters of region summed over the span (its whole
	// months from the monthly rows, the rest from the daily rows).
	Totals(ctx context.Context, region string, sp Span) (Counters, error)
	// ChildCounters returns the counters of region's children, summed over
	// the span, by child code.
	ChildCounters(ctx context.Context, region string, sp Span) (map[string]Counters, error)
	// Dims returns the received cases of region in the span by channel and
	// by category.
	Dims(ctx context.Context, region string, sp Span) (channels, categories map[string]int, err error)
	// Current counts the open cases of the subtree of prefix that are
	// overdue at now, due before soon, or in backlog, by the first
	// childLen characters of their region code.
	Current(ctx context.Context, prefix string, childLen int, now, soon time.Time) (map[string]Current, error)
	// Clusters lists the n clusters with the most cases of the subtree of
	// prefix registered in [from, to), with growth counted from week.
	Clusters(ctx context.Context, prefix string, from, to, week time.Time, n int) ([]ClusterFigure, error)
	// Add applies deltas to the counters of each delta's region and every
	// region above it.
	Add(ctx context.Context, deltas []Delta) error
	// Resolutions returns the case's resolutions before event beforeEvent.
	Resolutions(ctx context.Context, caseID, beforeEvent int64) (Resolutions, error)
	// RecordExport writes an export to the audit log.
	RecordExport(ctx context.Context, e *Export) error
}

// Export is one export of case data, as the audit log keeps it.
type Export struct {
	UserID   int64
	Username string
	Kind     string // cases | monthly
	Filters  string
	Rows     int
	At       time.Time
}

// Service answers overviews.
type Service struct {
	Store    Store
	Calendar *calendar.Calendar
	Now      func() time.Time
	// Clusters is how many group issues the overview lists (default 5).
	Clusters int

	figuresMu sync.Mutex
	figures   map[string]Figure // the modules' (Register)
}

// NewService returns the statistics on store.
func NewService(store Store, cal *calendar.Calendar) *Service {
	return &Service{Store: store, Calendar: cal, Now: time.Now, Clusters: 5}
}

// ParseQuery checks an overview's parameters as the API receives them:
// region (any common code form; empty: the actor's), from and to (China
// dates, inclusive; default: the current month up to today). A region
// outside the actor's is not found.
func (s *Service) ParseQuery(ctx context.Context, actor kernel.Actor, region, from, to string) (Query, *kernel.Region, error) {
	now := s.Now()
	q := Query{Now: now}
	code := actor.RegionCode
	if r := strings.TrimSpace(region); r != "" {
		c, ok := kernel.NormalizeRegionCode(r)
		if !ok {
			return q, nil, kernel.FieldError("region", "行政区划代码格式错误，应为2、4、6、9或12位数字")
		}
		code = c
	}
	if code == "" {
		code = "610000000000"
	}
	if !actor.Sees(code) {
		return q, nil, kernel.Errorf(kernel.ENotFound, "地区不存在或不在您的管辖范围内")
	}
	reg, err := s.Store.Region(ctx, code)
	if err != nil {
		return q, nil, err
	}
	q.Region = code
	y, m, d := now.In(calendar.China).Date()
	q.From = time.Date(y, m, 1, 0, 0, 0, 0, calendar.China)
	q.To = time.Date(y, m, d, 0, 0, 0, 0, calendar.China)
	if from != "" {
		t, err := time.ParseInLocation(time.DateOnly, from, calendar.China)
		if err != nil {
			return q, nil, kernel.FieldError("from", "日期格式错误，应为2025-12-01")
		}
		q.From = t
	}
	if to != "" {
		t, err := time.ParseInLocation(time.DateOnly, to, calendar.China)
		if err != nil {
			return q, nil, kernel.FieldError("to", "日期格式错误，应为2025-12-31")
		}
		q.To = t
	}
	if q.To.Before(q.From) {
		return q, nil, kernel.FieldError("to", "结束日期不能早于开始日期")
	}
	if q.To.Sub(q.From) > 3*366*24*time.Hour {
		return q, nil, kernel.FieldError("from", "统计区间不能超过三年")
	}
	return q, reg, nil
}

// Overview computes the figures of q (checked by ParseQuery).
func (s *Service) Overview(ctx context.Context, q Query, reg *kernel.Region) (*Overview, error) {
	from, to := Day(q.From), Day(q.To)
	o := &Overview{Region: RegionRef{Code: reg.Code, Name: reg.Name}, From: from, To: to,
		RateDefinition: RateDefinition, ByRegion: []RegionFigures{}, ByChannel: []ChannelFigure{},
		ByCategory: []CategoryFigure{}, Trend: []TrendPoint{}, Clusters: []ClusterFigure{}}
	sp := SplitSpan(q.From, q.To)
	tot, err := s.Store.Totals(ctx, q.Region, sp)
	if err != nil {
		return nil, err
	}
	days, err := s.Store.Days(ctx, q.Region, from, to)
	if err != nil {
		return nil, err
	}
	o.Received, o.Accepted, o.Rejected, o.Resolved, o.Closed = tot.Received, tot.Accepted, tot.Rejected, tot.Resolved, tot.Closed
	o.Visited, o.Success = tot.Visited, tot.Success
	o.ResolutionRate = rate(tot.Success, tot.Resolved)
	if tot.Resolved > 0 {
		o.AvgResolveDays = float64(int(float64(tot.ResolveDays)/float64(tot.Resolved)*10+0.5)) / 10
	}
	n := tot.Satisfied + tot.Basically + tot.Unsatisfied
	o.Satisfaction = Satisfaction{Satisfied: rate(tot.Satisfied, n), Basically: rate(tot.Basically, n),
		Unsatisfied: rate(tot.Unsatisfied, n), Count: n}
	o.Trend, o.TrendUnit = trend(days, q.From, q.To)

	children, err := s.Store.Children(ctx, q.Region)
	if err != nil {
		return nil, err
	}
	byChild, err := s.Store.ChildCounters(ctx, q.Region, sp)
	if err != nil {
		return nil, err
	}
	soon, err := s.Calendar.DueAt(q.Now, 3, calendar.WorkingDays)
	if err != nil {
		return nil, err
	}
	end := childEnd(q.Region)
	cur, err := s.Store.Current(ctx, kernel.RegionPrefix(q.Region), end, q.Now.UTC(), soon.UTC())
	if err != nil {
		return nil, err
	}
	for _, c := range cur {
		o.Overdue += c.Overdue
		o.DueSoon += c.DueSoon
		o.Backlog += c.Backlog
	}
	for _, ch := range children {
		c := byChild[ch.Code]
		ev := c.Satisfied + c.Basically + c.Unsatisfied
		o.ByRegion = append(o.ByRegion, RegionFigures{Code: ch.Code, Name: ch.Name, Received: c.Received,
			Resolved: c.Resolved, Success: c.Success, Overdue: cur[prefixOf(ch.Code, end)].Overdue,
			ResolutionRate: rate(c.Success, c.Resolved), Satisfaction: rate(c.Satisfied+c.Basically, ev), Evaluations: ev})
	}
	o.Rankings = Rank(o.ByRegion)
	chans, cats, err := s.Store.Dims(ctx, q.Region, sp)
	if err != nil {
		return nil, err
	}
	for _, ch := range kernel.Channels {
		if n := chans[string(ch)]; n > 0 {
			o.ByChannel = append(o.ByChannel, ChannelFigure{Channel: string(ch), Label: ch.Label(), Received: n})
		}
	}
	for _, code := range cases.CategoryCodes() {
		if n := cats[code]; n > 0 {
			o.ByCategory = append(o.ByCategory, CategoryFigure{Category: code, Label: cases.CategoryLabel(code), Received: n})
		}
	}
	week := q.End().AddDate(0, 0, -7)
	if week.Before(q.Start()) {
		week = q.Start()
	}
	n = s.Clusters
	if n <= 0 {
		n = 5
	}
	if o.Clusters, err = s.Store.Clusters(ctx, kernel.RegionPrefix(q.Region), q.Start().UTC(), q.End().UTC(), week.UTC(), n); err != nil {
		return nil, err
	}
	if o.Clusters == nil {
		o.Clusters = []ClusterFigure{}
	}
	for _, f := range s.registered() {
		v, err := f.Compute(ctx, q)
		if err != nil {
			return nil, err
		}
		if o.Modules == nil {
			o.Modules = map[string]any{}
		}
		o.Modules[f.Name()] = v
	}
	return o, nil
}

// prefixOf is the significant prefix of a child code (its first end
// characters).
func prefixOf(code string, end int) string {
	if len(code) < end {
		return code
	}
	return code[:end]
}

// trend is the series by day, or by week (from Mondays) when the range is
// longer than 62 days, with zeros where nothing happened.
func trend(days map[string]Counters, from, to time.Time) ([]TrendPoint, string) {
	unit := "day"
	if to.Sub(from) > 62*24*time.Hour {
		unit = "week"
	}
	var out []TrendPoint
	idx := map[string]int{}
	for d := from; !d.After(to); d = d.AddDate(0, 0, 1) {
		key := Day(d)
		bucket := key
		if unit == "week" {
			wd := (int(d.Weekday()) + 6) % 7 // Monday 0
			bucket = Day(d.AddDate(0, 0, -wd))
			if bucket < Day(from) {
				bucket = Day(from)
			}
		}
		i, ok := idx[bucket]
		if !ok {
			i = len(out)
			idx[bucket] = i
			out = append(out, TrendPoint{Date: bucket})
		}
		c := days[key]
		out[i].Received += c.Received
		out[i].Resolved += c.Resolved
	}
	return out, unit
}

// RecordExport writes an export to the audit log (in tx when bound).
func (s *Service) RecordExport(ctx context.Context, actor kernel.Actor, kind, filters string, rows int) error {
	return s.Store.RecordExport(ctx, &Export{UserID: actor.UserID, Username: actor.Name, Kind: kind,
		Filters: filters, Rows: rows, At: s.Now().UTC()})
}

// Register adds a module's figure to every overview of this service (a
// second figure of the same name replaces the first). The figures belong to
// the service, not the process: two apps in one process (tests) keep theirs.
func (s *Service) Register(f Figure) {
	s.figuresMu.Lock()
	defer s.figuresMu.Unlock()
	if s.figures == nil {
		s.figures = map[string]Figure{}
	}
	s.figures[f.Name()] = f
}

func (s *Service) registered() []Figure {
	s.figuresMu.Lock()
	defer s.figuresMu.Unlock()
	out := make([]Figure, 0, len(s.figures))
	for _, f := range s.figures {
		out = append(out, f)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name() < out[j].Name() })
	return out
}
