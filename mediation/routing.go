package mediation

import (
	"fmt"
	"sort"

	"github.com/jiefen/jiefen/cases"
	"github.com/jiefen/jiefen/kernel"
	"github.com/jiefen/jiefen/units"
)

// Route is one row of the routing table: a category's suggested flow and
// kind of body. Local rows want the committee of the case's own village or
// community (or the nearest one above it).
type Route struct {
	Flow      Flow            `json:"flow"`
	Kind      units.Kind      `json:"kind"`
	Specialty units.Specialty `json:"specialty,omitempty"`
	Local     bool            `json:"local,omitempty"`
	Label     string          `json:"label"`
}

// Routes is the routing table: category → suggested flows and bodies, best
// first. Categories not listed go to the people's committee of the region.
var Routes = map[string][]Route{
	"labour": {{Flow: FlowIndustry, Kind: units.KindIndustryCommittee, Specialty: units.SpecialtyLabour, Label: "劳动争议调解委员会"},
		{Flow: FlowAdministrative, Kind: units.KindDepartment, Label: "劳动人事争议仲裁院调解"}},
	"medical":             {{Flow: FlowIndustry, Kind: units.KindIndustryCommittee, Specialty: units.SpecialtyMedical, Label: "医疗纠纷人民调解委员会"}},
	"traffic":             {{Flow: FlowIndustry, Kind: units.KindIndustryCommittee, Specialty: units.SpecialtyTraffic, Label: "道路交通事故纠纷调解委员会"}},
	"property_management": {{Flow: FlowIndustry, Kind: units.KindIndustryCommittee, Specialty: units.SpecialtyProperty, Label: "物业纠纷调解委员会"}},
	"land_acquisition":    {{Flow: FlowIndustry, Kind: units.KindIndustryCommittee, Specialty: units.SpecialtyLandAcquisition, Label: "征地拆迁纠纷调解委员会"}},
	"environment":         {{Flow: FlowIndustry, Kind: units.KindIndustryCommittee, Specialty: units.SpecialtyEnvironment, Label: "环境纠纷调解委员会"}},
	"consumer":            {{Flow: FlowIndustry, Kind: units.KindIndustryCommittee, Specialty: units.SpecialtyConsumer, Label: "消费纠纷调解委员会"}},
	"neighbourhood":       {{Flow: FlowPeople, Kind: units.KindPeopleCommittee, Local: true, Label: "村（居）人民调解委员会"}},
	"marriage_family":     {{Flow: FlowPeople, Kind: units.KindPeopleCommittee, Local: true, Label: "村（居）人民调解委员会"}},
	"debt_contract":       {{Flow: FlowJudicial, Kind: units.KindCourt, Label: "人民法院诉前调解"}},
	"administrative":      {{Flow: FlowAdministrative, Kind: units.KindDepartment, Label: "行政调解"}},
}

// defaultRoute is the route of categories without a row.
var defaultRoute = Route{Flow: FlowPeople, Kind: units.KindPeopleCommittee, Local: true, Label: "人民调解委员会"}

// RoutesOf returns the routing rows of a category.
func RoutesOf(category string) []Route {
	if r, ok := Routes[category]; ok {
		return r
	}
	return []Route{defaultRoute}
}

// Suggestion is a body suggested for a case, with why.
type Suggestion struct {
	UnitID  int64      `json:"unit_id"`
	Name    string     `json:"name"`
	Flow    Flow       `json:"flow"`
	Kind    units.Kind `json:"kind"`
	Region  string     `json:"region_code"`
	Reasons []string   `json:"reasons"`
	Score   int        `json:"score"`
	// Mediators with spare capacity on the body.
	Available int `json:"available_mediators"`
}

// rank orders the mediating bodies of the case's region chain (the units
// whose region contains the case's) for the case: the routing table's
// match first, then the nearer region, then the body with mediators free.
func rank(c *cases.Case, bodies []*units.Unit, free map[int64]int) []Suggestion {
	routes := RoutesOf(c.Category)
	level := kernel.RegionLevel(c.RegionCode)
	var out []Suggestion
	for _, u := range bodies {
		flow := FlowOf(u.Kind)
		if flow == "" || !u.Active || !kernel.InRegion(c.RegionCode, u.RegionCode) {
			continue
		}
		s := Suggestion{UnitID: u.ID, Name: u.Name, Flow: flow, Kind: u.Kind, Region: u.RegionCode, Available: free[u.ID]}
		for i, r := range routes {
			if r.Kind == u.Kind && (r.Specialty == "" || r.Specialty == u.Specialty) {
				s.Score += 100 - 10*i
				s.Reasons = append(s.Reasons, fmt.Sprintf("“%s”类纠纷建议由%s调解（%s）", cases.CategoryLabel(c.Category), r.Label, r.Flow.Label()))
				break
			}
		}
		dist := level - kernel.RegionLevel(u.RegionCode)
		s.Score += 20 - 4*dist
		if dist == 0 {
			s.Reasons = append(s.Reasons, "位于本案所在地")
		} else {
			s.Reasons = append(s.Reasons, fmt.Sprintf("位于本案所在地的上%d级区划", dist))
		}
		if s.Available > 0 {
			s.Score += 5
			s.Reasons = append(s.Reasons, fmt.Sprintf("有%d名调解员尚有空余名额", s.Available))
		} else {
			s.Reasons = append(s.Reasons, "暂无有空余名额的调解员")
		}
		out = append(out, s)
	}
	sort.SliceStable(out, func(i, j int) bool {
		if out[i].Score != out[j].Score {
			return out[i].Score > out[j].Score
		}
		return out[i].UnitID < out[j].UnitID
	})
	return out
}
