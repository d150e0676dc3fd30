package clocks

import (
	"encoding/json"
	"fmt"
	"os"
	"sort"
	"strings"
	"sync"

	"github.com/jiefen/jiefen/calendar"
)

// Rule is one row of the configuration table: how long a kind of clock
// runs, in which unit, and the provision that says so.
type Rule struct {
	Kind   Kind          `json:"kind"`
	Label  string        `json:"label,omitempty"` // Chinese name, e.g. 受理审查期限
	Days   int           `json:"days"`
	Unit   calendar.Unit `json:"unit"`
	Source string        `json:"source"`
	// ExtendVia, if set, names the module's route that extends this kind
	// (a mediation clock needs the parties' agreement): the core route
	// refuses it and points there.
	ExtendVia string `json:"-"`
}

// The kinds of the case core. Modules add theirs with Define.
var (
	AcceptDecision = Define(Rule{Kind: "accept_decision", Label: "受理审查期限", Days: 15,
		Unit: calendar.CalendarDays, Source: "《信访工作条例》第二十三条"})
	Handling = Define(Rule{Kind: "handling", Label: "办理期限", Days: 60,
		Unit: calendar.CalendarDays, Source: "《信访工作条例》第三十四条"})
)

var (
	definedMu sync.Mutex
	defined   = map[Kind]Rule{}
)

// Define adds a kind and its national rule to the configuration table, at
// package initialisation of the module that owns the kind:
//
//	var Mediation = clocks.Define(clocks.Rule{Kind: "mediation", Label: "调解期限",
//		Days: 30, Unit: calendar.CalendarDays, Source: "《人民调解法》第…条"})
//
// It panics on an invalid or repeated rule: a programming error.
func Define(r Rule) Kind {
	if err := r.check(); err != nil {
		panic(err)
	}
	definedMu.Lock()
	defer definedMu.Unlock()
	if _, ok := defined[r.Kind]; ok {
		panic(fmt.Sprintf("clocks: kind %q defined twice", r.Kind))
	}
	defined[r.Kind] = r
	return r.Kind
}

func (r Rule) check() error {
	switch {
	case r.Kind == "" || strings.TrimSpace(string(r.Kind)) != string(r.Kind):
		return fmt.Errorf("clocks: rule without a kind")
	case r.Days < 0 || r.Days > calendar.MaxPeriod:
		return fmt.Errorf("clocks: rule %s: days %d out of 0..%d", r.Kind, r.Days, calendar.MaxPeriod)
	case !r.Unit.Valid():
		return fmt.Errorf("clocks: rule %s: unit %q (want calendar_days or working_days)", r.Kind, r.Unit)
	case strings.TrimSpace(r.Source) == "":
		return fmt.Errorf("clocks: rule %s: no legal source", r.Kind)
	}
	return nil
}

// Rules is the configuration table in force: the defined rules with a
// province's overrides.
type Rules struct{ byKind map[Kind]Rule }

// DefaultRules returns the table of the defined rules.
func DefaultRules() *Rules {
	definedMu.Lock()
	defer definedMu.Unlock()
	t := &Rules{byKind: make(map[Kind]Rule, len(defined))}
	for k, r := range defined {
		t.byKind[k] = r
	}
	return t
}

// Rule returns the rule of kind k.
func (t *Rules) Rule(k Kind) (Rule, bool) { r, ok := t.byKind[k]; return r, ok }

// All lists the rules by kind.
func (t *Rules) All() []Rule {
	out := make([]Rule, 0, len(t.byKind))
	for _, r := range t.byKind {
		out = append(out, r)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Kind < out[j].Kind })
	return out
}

// LoadRules returns the defined rules overridden by the JSON file at path
// (a province's regulation), e.g.
//
//	[{"kind": "handling", "days": 30, "unit": "calendar_days",
//	  "source": "《陕西省信访条例》第三十九条"}]
//
// A row replaces the days, unit and source of a defined kind; an unknown
// kind is an error (a typo would otherwise be ignored). Empty path: the
// defined rules.
func LoadRules(path string) (*Rules, error) {
	t := DefaultRules()
	if path == "" {
		return t, nil
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("期限配置文件 %s：%w", path, err)
	}
	var rows []Rule
	if err := json.Unmarshal(b, &rows); err != nil {
		return nil, fmt.Errorf("期限配置文件 %s 格式错误（应为JSON数组）：%w", path, err)
	}
	for i, r := range rows {
		base, ok := t.byKind[r.Kind]
		if !ok {
			return nil, fmt.Errorf("期限配置文件 %s 第%d项：未知的期限种类 %q", path, i+1, r.Kind)
		}
		if r.Label == "" {
			r.Label = base.Label
		}
		r.ExtendVia = base.ExtendVia // a province changes periods, not who extends
		if err := r.check(); err != nil {
			return nil, fmt.Errorf("期限配置文件 %s 第%d项：%w", path, i+1, err)
		}
		t.byKind[r.Kind] = r
	}
	return t, nil
}
