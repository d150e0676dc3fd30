package web

import (
	"bytes"
	"context"
	"fmt"
	"net/url"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/gofiber/fiber/v2"

	"github.com/jiefen/jiefen/calendar"
	"github.com/jiefen/jiefen/cases"
	"github.com/jiefen/jiefen/kernel"
	"github.com/jiefen/jiefen/stats/xlsx"
)

// MaxExportRows caps an export of the case list.
const MaxExportRows = 50000

// ExportLog records exports of case data (who, filters, rows): the audit log.
type ExportLog interface {
	RecordExport(ctx context.Context, actor kernel.Actor, kind, filters string, rows int) error
}

// exportColumns are the columns of the case list export.
var exportColumns = []xlsx.Column{
	{Header: "案件编号", Width: 22}, {Header: "登记时间", Width: 17}, {Header: "渠道", Width: 10},
	{Header: "类别", Width: 18}, {Header: "事项", Width: 40}, {Header: "地区", Width: 26},
	{Header: "申请人", Width: 10}, {Header: "状态", Width: 10}, {Header: "承办人", Width: 10},
	{Header: "期限", Width: 17}, {Header: "超期天数", Width: 9, Format: "0"},
}

// exportCases is GET /cases/export.xlsx: the case list with the same
// filters as GET /cases, every page of it up to MaxExportRows, as an Excel
// file; applicants' names are masked, and the export is in the audit log.
func (s *Server) exportCases(c *fiber.Ctx) error {
	f, err := s.caseFilter(c)
	if err != nil {
		return err
	}
	if s.CaseExports == nil {
		return kernel.Errorf(kernel.EUnavailable, "导出功能未启用")
	}
	ctx, a, now := c.UserContext(), actor(c), s.Now()
	f.Limit = 200
	var rows [][]any
	for len(rows) < MaxExportRows {
		page, err := s.Cases.List(ctx, a, f)
		if err != nil {
			return err
		}
		for _, cs := range page {
			if len(rows) == MaxExportRows {
				break
			}
			rows = append(rows, exportRow(cs, now))
		}
		if len(page) < f.Limit {
			break
		}
		f.BeforeID = page[len(page)-1].ID
	}
	b, err := xlsx.New()
	if err != nil {
		return err
	}
	if err := b.Sheet("案件清单", exportColumns, rows); err != nil {
		return err
	}
	var buf bytes.Buffer
	if err := b.Write(&buf); err != nil {
		return err
	}
	if err := s.CaseExports.RecordExport(ctx, a, "cases", exportFilters(c), len(rows)); err != nil {
		return err
	}
	c.Set(fiber.HeaderContentType, xlsx.ContentType)
	name := "cases-" + now.In(calendar.China).Format("20060102-1504") + ".xlsx"
	c.Set(fiber.HeaderContentDisposition, fmt.Sprintf(`attachment; filename="%s"; filename*=UTF-8''%s`, name,
		url.PathEscape("案件清单"+name[5:])))
	return c.Send(buf.Bytes())
}

func exportRow(cs *cases.Case, now time.Time) []any {
	due, days := "", 0
	if d := cs.DueAt(); d != nil {
		due = d.In(calendar.China).Format("2006-01-02 15:04")
		if now.After(*d) {
			days = int(now.Sub(*d).Hours()/24) + 1
		}
	}
	return []any{cs.No, cs.CreatedAt.In(calendar.China).Format("2006-01-02 15:04"), cs.Channel.Label(),
		cases.CategoryLabel(cs.Category), cs.Subject, cs.RegionName, MaskName(cs.ApplicantName),
		cs.Status.Label(), cs.AssigneeName, due, days}
}

// MaskName keeps a name's first character: 张** (exports leave the office).
func MaskName(name string) string {
	n := utf8.RuneCountInString(name)
	if n <= 1 {
		return name
	}
	_, size := utf8.DecodeRuneInString(name)
	return name[:size] + strings.Repeat("*", n-1)
}

// exportFilters is the query of an export, sorted, for the audit log.
func exportFilters(c *fiber.Ctx) string {
	v := url.Values{}
	c.Context().QueryArgs().VisitAll(func(k, val []byte) { v.Add(string(k), string(val)) })
	return v.Encode() // Encode sorts by key
}
