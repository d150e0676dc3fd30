package statsweb

import (
	"io"
	"sort"
	"time"

	"github.com/jiefen/jiefen/calendar"
	"github.com/jiefen/jiefen/cases"
	"github.com/jiefen/jiefen/stats"
	"github.com/jiefen/jiefen/stats/xlsx"
)

// Sheet names of the monthly report.
const (
	SheetSummary  = "汇总"
	SheetRegions  = "分地区"
	SheetCategory = "分类别"
	SheetChannel  = "分渠道"
	SheetOverdue  = "超期案件"
	SheetClusters = "群体性事项"
)

// Monthly writes the monthly report (月报) of an overview: the summary, the
// regions ranked like the 通报 (by resolution rate, with their overdue and
// satisfaction ranks), categories, channels,
// the overdue cases and the group issues.
func Monthly(w io.Writer, o *stats.Overview, overdue []*cases.Case, month string, now time.Time) error {
	b, err := xlsx.New()
	if err != nil {
		return err
	}
	pct, n := "0.00%", "0"
	summary := [][]any{
		{"地区", o.Region.Name}, {"月份", month}, {"统计区间", o.From + " 至 " + o.To},
		{"收件数", o.Received}, {"受理数", o.Accepted}, {"不予受理数", o.Rejected}, {"办结数", o.Resolved},
		{"化解成功数", o.Success}, {"化解成功率", o.ResolutionRate}, {"结案数", o.Closed}, {"回访数", o.Visited},
		{"当前超期", o.Overdue}, {"3个工作日内到期", o.DueSoon}, {"积案", o.Backlog},
		{"平均办结天数", o.AvgResolveDays}, {"满意率", o.Satisfaction.Satisfied}, {"基本满意率", o.Satisfaction.Basically},
		{"不满意率", o.Satisfaction.Unsatisfied}, {"评价及回访数", o.Satisfaction.Count},
		{"化解成功率口径", stats.RateDefinition},
	}
	if err := b.Sheet(SheetSummary, []xlsx.Column{{Header: "指标", Width: 22}, {Header: "数值", Width: 60}}, summary); err != nil {
		return err
	}
	// The 通报 ranking: the regions ranked by 化解成功率 first (the others
	// after them, by code), with their ranks by overdue and satisfaction.
	rk := o.Rankings
	if rk.ResolutionRate == nil {
		rk = stats.Rank(o.ByRegion)
	}
	ranks := func(list []stats.Ranked) map[string]int {
		m := map[string]int{}
		for _, r := range list {
			m[r.Code] = r.Rank
		}
		return m
	}
	byRate, byOverdue, bySat := ranks(rk.ResolutionRate), ranks(rk.Overdue), ranks(rk.Satisfaction)
	regions := append([]stats.RegionFigures(nil), o.ByRegion...)
	sort.SliceStable(regions, func(i, j int) bool {
		ri, rj := byRate[regions[i].Code], byRate[regions[j].Code]
		if (ri == 0) != (rj == 0) {
			return ri != 0
		}
		return ri < rj
	})
	orBlank := func(n int) any {
		if n == 0 {
			return ""
		}
		return n
	}
	var rows [][]any
	for _, r := range regions {
		rows = append(rows, []any{orBlank(byRate[r.Code]), r.Code, r.Name, r.Received, r.Resolved, r.Success, r.ResolutionRate,
			r.Overdue, r.Satisfaction, r.Evaluations, orBlank(byOverdue[r.Code]), orBlank(bySat[r.Code])})
	}
	if err := b.Sheet(SheetRegions, []xlsx.Column{{Header: "化解成功率排名", Width: 8, Format: n}, {Header: "区划代码", Width: 15},
		{Header: "地区", Width: 24}, {Header: "收件数", Format: n}, {Header: "办结数", Format: n}, {Header: "化解成功数", Format: n},
		{Header: "化解成功率", Format: pct}, {Header: "当前超期", Format: n}, {Header: "满意率", Format: pct}, {Header: "评价数", Format: n},
		{Header: "超期排名", Width: 8, Format: n}, {Header: "满意率排名", Width: 8, Format: n}}, rows); err != nil {
		return err
	}
	rows = nil
	for _, c := range o.ByCategory {
		rows = append(rows, []any{c.Label, c.Received, share(c.Received, o.Received)})
	}
	if err := b.Sheet(SheetCategory, []xlsx.Column{{Header: "类别", Width: 24}, {Header: "收件数", Format: n}, {Header: "占比", Format: pct}}, rows); err != nil {
		return err
	}
	rows = nil
	for _, c := range o.ByChannel {
		rows = append(rows, []any{c.Label, c.Received, share(c.Received, o.Received)})
	}
	if err := b.Sheet(SheetChannel, []xlsx.Column{{Header: "渠道", Width: 16}, {Header: "收件数", Format: n}, {Header: "占比", Format: pct}}, rows); err != nil {
		return err
	}
	rows = nil
	for _, c := range overdue {
		var due any = ""
		days := 0
		if d := c.DueAt(); d != nil {
			due = d.In(calendar.China).Format("2006-01-02 15:04")
			days = int(now.Sub(*d).Hours() / 24)
		}
		rows = append(rows, []any{c.No, c.CreatedAt.In(calendar.China).Format("2006-01-02 15:04"), c.Subject,
			cases.CategoryLabel(c.Category), c.RegionName, c.Status.Label(), c.AssigneeName, due, days})
	}
	if err := b.Sheet(SheetOverdue, []xlsx.Column{{Header: "案件编号", Width: 22}, {Header: "登记时间", Width: 17},
		{Header: "事项", Width: 40}, {Header: "类别", Width: 16}, {Header: "地区", Width: 24}, {Header: "状态", Width: 10},
		{Header: "承办人", Width: 10}, {Header: "期限", Width: 17}, {Header: "超期天数", Format: n}}, rows); err != nil {
		return err
	}
	rows = nil
	for _, c := range o.Clusters {
		rows = append(rows, []any{c.ID, c.Title, c.Cases, c.Persons, c.Growth})
	}
	if err := b.Sheet(SheetClusters, []xlsx.Column{{Header: "编号", Width: 8, Format: n}, {Header: "事项", Width: 40},
		{Header: "案件数", Format: n}, {Header: "人数", Format: n}, {Header: "近7日新增", Format: n}}, rows); err != nil {
		return err
	}
	return b.Write(w)
}

func share(n, d int) float64 {
	if d == 0 {
		return 0
	}
	return float64(n) / float64(d)
}
