package stats

import "sort"

// Rankings are the child regions ranked like the monthly 通报: by
// 化解成功率 (highest first, among children that resolved a case in the
// range), by cases overdue now (fewest first, among children with any case
// received, resolved or overdue) and by satisfaction (满意 + 基本满意,
// highest first, among children with an evaluation or a reached return
// visit). Equal values share a rank (1, 2, 2, 4); ties are listed by code.
type Rankings struct {
	ResolutionRate []Ranked `json:"resolution_rate"`
	Overdue        []Ranked `json:"overdue"`
	Satisfaction   []Ranked `json:"satisfaction"`
}

// Ranked is one region's place in a ranking.
type Ranked struct {
	Rank  int     `json:"rank"`
	Code  string  `json:"code"`
	Name  string  `json:"name"`
	Value float64 `json:"value"`
	// Base is what the value is a share of (resolved cases, evaluations)
	// or, for overdue, the cases received in the range.
	Base int `json:"base"`
}

// Rank ranks the child regions' figures.
func Rank(by []RegionFigures) Rankings {
	r := Rankings{ResolutionRate: []Ranked{}, Overdue: []Ranked{}, Satisfaction: []Ranked{}}
	for _, f := range by {
		if f.Resolved > 0 {
			r.ResolutionRate = append(r.ResolutionRate, Ranked{Code: f.Code, Name: f.Name, Value: f.ResolutionRate, Base: f.Resolved})
		}
		if f.Received > 0 || f.Resolved > 0 || f.Overdue > 0 {
			r.Overdue = append(r.Overdue, Ranked{Code: f.Code, Name: f.Name, Value: float64(f.Overdue), Base: f.Received})
		}
		if f.Evaluations > 0 {
			r.Satisfaction = append(r.Satisfaction, Ranked{Code: f.Code, Name: f.Name, Value: f.Satisfaction, Base: f.Evaluations})
		}
	}
	rank(r.ResolutionRate, true)
	rank(r.Overdue, false)
	rank(r.Satisfaction, true)
	return r
}

// rank sorts list (descending when high is better) and numbers it, equal
// values sharing a rank.
func rank(list []Ranked, highFirst bool) {
	sort.SliceStable(list, func(i, j int) bool {
		if list[i].Value != list[j].Value {
			return (list[i].Value > list[j].Value) == highFirst
		}
		return list[i].Code < list[j].Code
	})
	for i := range list {
		if i > 0 && list[i].Value == list[i-1].Value {
			list[i].Rank = list[i-1].Rank
		} else {
			list[i].Rank = i + 1
		}
	}
}
