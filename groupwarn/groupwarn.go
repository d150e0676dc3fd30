// Package groupwarn raises group early warnings (群体性事件预警): when the
// cases of one cluster (group issue) registered within a window come from a
// configured number of different people in one county, the supervisors and
// leaders of that region are told — once per threshold crossed (5, 10, 20,
// … doubling) — by a timeline event on the cluster's newest case there and a
// notice in the console.
package groupwarn

import (
	"context"
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/jiefen/jiefen/cases"
	"github.com/jiefen/jiefen/kernel"
)

// EventGroupWarning is the timeline event of a crossed threshold.
const EventGroupWarning = cases.EventGroupWarning

// Config is the size and window of a warning.
type Config struct {
	Persons int // the first threshold; the next ones double it
	Days    int // the window, in days back from now
}

// Default is 5 different people within 30 days.
var Default = Config{Persons: 5, Days: 30}

// String renders c as JIEFEN_GROUP_WARN takes it.
func (c Config) String() string { return fmt.Sprintf("%d,%dd", c.Persons, c.Days) }

// ParseConfig reads "persons,daysd" (e.g. "5,30d"); "" is the default.
func ParseConfig(s string) (Config, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return Default, nil
	}
	bad := fmt.Errorf("群体性事件预警配置 %q 无效：应为“人数,天数d”，人数2至10000、天数1至366，如 5,30d "+
		"(invalid group warning setting %q: want persons,days like 5,30d; persons 2–10000, days 1–366)", s, s)
	p, d, ok := strings.Cut(s, ",")
	if !ok {
		return Config{}, bad
	}
	n, err := strconv.Atoi(strings.TrimSpace(p))
	if err != nil || n < 2 || n > 10000 {
		return Config{}, bad
	}
	d = strings.TrimSuffix(strings.TrimSpace(d), "d")
	days, err := strconv.Atoi(d)
	if err != nil || days < 1 || days > 366 {
		return Config{}, bad
	}
	return Config{Persons: n, Days: days}, nil
}

// Thresholds returns the thresholds persons has reached: Persons, 2×, 4×, ….
func (c Config) Thresholds(persons int) []int {
	var out []int
	for t := c.Persons; t <= persons; t *= 2 {
		out = append(out, t)
	}
	return out
}

// Warning is one crossed threshold.
type Warning struct {
	ClusterID  int64     `json:"cluster_id"`
	County     string    `json:"county"`
	CountyName string    `json:"county_name"`
	Threshold  int       `json:"threshold"`
	Persons    int       `json:"persons"`
	PerWeek    float64   `json:"per_week"`
	At         time.Time `json:"at"`
	CaseID     int64     `json:"-"`
}

// Row is one clustered case registered within the window: its region and
// the key of its applicant (keyed ID-number hash, else phone hash, else
// pinyin name key).
type Row struct {
	ClusterID  int64
	CaseID     int64
	RegionCode string
	At         time.Time
	Person     string
}

// Key names one warning.
type Key struct {
	ClusterID int64
	County    string
	Threshold int
}

// Store keeps the warnings.
type Store interface {
	WithTx(tx kernel.Tx) Store
	// Rows lists the clustered cases registered at or after since.
	Rows(ctx context.Context, since time.Time) ([]Row, error)
	// Recorded returns the keys already recorded for these clusters.
	Recorded(ctx context.Context, clusterIDs []int64) (map[Key]bool, error)
	// Record inserts w unless its key is recorded; it reports whether it did.
	Record(ctx context.Context, w *Warning) (bool, error)
	// List returns the newest warnings (at most limit) of counties in the
	// region prefix scope, or of the county itself ("" for none).
	List(ctx context.Context, scope, county string, limit int) ([]Warning, error)
}

// Service sweeps for crossings and lists warnings.
type Service struct {
	Cases  *cases.Service
	Store  Store
	Config Config
	Now    func() time.Time
}

// CountyOf returns the padded code of the county a region lies in.
func CountyOf(region string) string {
	if len(region) < 6 {
		return ""
	}
	return kernel.CountyCode(region) + "000000"
}

// Tally is a cluster's people in one county within the window.
type Tally struct {
	ClusterID int64
	County    string
	Persons   int
	PerWeek   float64
	CaseID    int64 // the newest case
}

// Tallies groups rows by cluster and county. Growth is the people per
// week since the first of these cases, over at least one week.
func Tallies(rows []Row, now time.Time) []Tally {
	type acc struct {
		Tally
		persons map[string]bool
		first   time.Time
		last    time.Time
	}
	byKey := map[[2]string]*acc{}
	var order []*acc
	for _, r := range rows {
		county := CountyOf(r.RegionCode)
		k := [2]string{strconv.FormatInt(r.ClusterID, 10), county}
		a := byKey[k]
		if a == nil {
			a = &acc{Tally: Tally{ClusterID: r.ClusterID, County: county}, persons: map[string]bool{}, first: r.At}
			byKey[k] = a
			order = append(order, a)
		}
		if r.Person != "" {
			a.persons[r.Person] = true
		}
		if r.At.Before(a.first) {
			a.first = r.At
		}
		if !r.At.Before(a.last) {
			a.last, a.CaseID = r.At, r.CaseID
		}
	}
	out := make([]Tally, 0, len(order))
	for _, a := range order {
		a.Persons = len(a.persons)
		weeks := math.Max(1, now.Sub(a.first).Hours()/(24*7))
		a.PerWeek = math.Round(float64(a.Persons)/weeks*10) / 10
		out = append(out, a.Tally)
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].ClusterID != out[j].ClusterID {
			return out[i].ClusterID < out[j].ClusterID
		}
		return out[i].County < out[j].County
	})
	return out
}

// Sweep records every threshold crossed and not yet recorded, each in its
// own transaction with its timeline event. Servers may sweep at once: the
// unique key lets one of them record a crossing. It returns how many this
// call recorded.
func (s *Service) Sweep(ctx context.Context) (int, error) {
	now := s.Now().UTC()
	rows, err := s.Store.Rows(ctx, now.AddDate(0, 0, -s.Config.Days))
	if err != nil {
		return 0, err
	}
	tallies := Tallies(rows, now)
	var ids []int64
	for _, t := range tallies {
		if t.Persons >= s.Config.Persons && (len(ids) == 0 || ids[len(ids)-1] != t.ClusterID) {
			ids = append(ids, t.ClusterID)
		}
	}
	if len(ids) == 0 {
		return 0, nil
	}
	done, err := s.Store.Recorded(ctx, ids)
	if err != nil {
		return 0, err
	}
	n := 0
	for _, t := range tallies {
		for _, th := range s.Config.Thresholds(t.Persons) {
			if done[Key{t.ClusterID, t.County, th}] {
				continue
			}
			w := &Warning{ClusterID: t.ClusterID, County: t.County, Threshold: th, Persons: t.Persons,
				PerWeek: t.PerWeek, At: now, CaseID: t.CaseID}
			err := s.Cases.Tx.InTx(ctx, func(ctx context.Context, tx kernel.Tx) error {
				ok, err := s.Store.WithTx(tx).Record(ctx, w)
				if err != nil || !ok {
					return err
				}
				n++
				bound := s.Cases.WithTx(tx)
				name := t.County
				if r, err := bound.Store.Region(ctx, t.County); err == nil {
					name = r.Name
				}
				return bound.RecordEvent(ctx, bound.Store, &cases.Event{CaseID: t.CaseID, At: now, ActorName: "系统",
					Kind: EventGroupWarning,
					Note: fmt.Sprintf("群体性事件预警：本事项%d日内在%s已有%d人反映（达到%d人），平均每周%.1f人",
						s.Config.Days, name, t.Persons, th, t.PerWeek),
					Data: map[string]any{"cluster_id": t.ClusterID, "county": t.County, "threshold": th,
						"persons": t.Persons, "per_week": t.PerWeek}})
			})
			if err != nil {
				return n, err
			}
		}
	}
	return n, nil
}

// List returns the warnings the actor's region covers, or of the county
// the actor works in, newest first.
func (s *Service) List(ctx context.Context, actor kernel.Actor) ([]Warning, error) {
	scope := actor.Scope()
	county := ""
	if kernel.RegionLevel(actor.RegionCode) > 3 {
		county = CountyOf(actor.RegionCode)
	}
	list, err := s.Store.List(ctx, scope, county, 200)
	if err != nil {
		return nil, err
	}
	for i := range list {
		list[i].At = list[i].At.In(cases.ChinaTime)
	}
	return list, nil
}
