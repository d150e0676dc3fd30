package web

import (
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/gofiber/fiber/v2"

	"github.com/jiefen/jiefen/calendar"
	"github.com/jiefen/jiefen/clocks"
	"github.com/jiefen/jiefen/kernel"
)

// Clocks mounts the deadlines of cases (GET /cases/{no}/clocks) and the
// calendar overrides administrators enter (/calendar/overrides/{year}).
func Clocks(svc *clocks.Service) Mount {
	return func(app *fiber.App, api fiber.Router, auth Auth, v *Validator) {
		h := clocksHandler{svc: svc, v: v}
		api.Get("/cases/:no/clocks", auth.Staff, h.caseClocks)
		api.Post("/cases/:no/clocks/:kind/extensions", auth.Staff, h.extend)
		api.Get("/calendar/overrides/:year", auth.Staff, h.overrides)
		api.Put("/calendar/overrides/:year", auth.Staff, h.setOverrides)
	}
}

type clocksHandler struct {
	svc *clocks.Service
	v   *Validator
}

func (h clocksHandler) caseClocks(c *fiber.Ctx) error {
	items, err := h.svc.OfCase(c.UserContext(), CurrentUser(c).Actor(), c.Params("no"))
	if err != nil {
		return err
	}
	return c.JSON(fiber.Map{"items": items})
}

// extend lengthens a clock; the domain checks the values, naming the
// fields in Chinese.
func (h clocksHandler) extend(c *fiber.Ctx) error {
	var req struct {
		Days   int    `json:"days"`
		Unit   string `json:"unit"`
		Reason string `json:"reason"`
	}
	if err := DecodeJSON(c.Body(), &req); err != nil {
		return err
	}
	if req.Unit == "" {
		req.Unit = string(calendar.CalendarDays)
	}
	v, err := h.svc.Extend(c.UserContext(), CurrentUser(c).Actor(), c.Params("no"), clocks.Kind(c.Params("kind")),
		req.Days, calendar.Unit(req.Unit), req.Reason)
	if err != nil {
		return err
	}
	return c.JSON(v)
}

func overrideYear(c *fiber.Ctx) (int, error) {
	y, err := strconv.Atoi(c.Params("year"))
	if err != nil || y < clocks.MinYear || y > clocks.MaxYear {
		return 0, kernel.FieldError("year", fmt.Sprintf("年份应为%d至%d之间的四位数字", clocks.MinYear, clocks.MaxYear))
	}
	return y, nil
}

// overrideJSON is one day of an override request or answer.
// The days are checked here and in the service rather than by tags, so
// that an error names the day (days[3].date) in Chinese.
type overrideJSON struct {
	Date string `json:"date"`
	Kind string `json:"kind"`
	Name string `json:"name,omitempty"`
}

func presentOverrides(year int, list []calendar.Override) fiber.Map {
	days := make([]overrideJSON, len(list))
	for i, o := range list {
		kind := string(o.Kind)
		if o.Kind.Working() {
			kind = "workday"
		}
		days[i] = overrideJSON{Date: o.Date.String(), Kind: kind, Name: o.Name}
	}
	return fiber.Map{"year": year, "days": days}
}

func (h clocksHandler) overrides(c *fiber.Ctx) error {
	year, err := overrideYear(c)
	if err != nil {
		return err
	}
	list, err := h.svc.Overrides(c.UserContext(), year)
	if err != nil {
		return err
	}
	return c.JSON(presentOverrides(year, list))
}

func (h clocksHandler) setOverrides(c *fiber.Ctx) error {
	if err := CurrentUser(c).Actor().Require(kernel.PermManage); err != nil {
		return err
	}
	year, err := overrideYear(c)
	if err != nil {
		return err
	}
	// An empty list clears the year's overrides; a missing one is a mistake.
	var req struct {
		Days []overrideJSON `json:"days" validate:"required,max=366"`
	}
	if err := Bind(c, h.v, &req); err != nil {
		return err
	}
	list := make([]calendar.Override, len(req.Days))
	for i, d := range req.Days {
		date, err := calendar.ParseDate(strings.TrimSpace(d.Date))
		if err != nil {
			return kernel.FieldError(fmt.Sprintf("days[%d].date", i), fmt.Sprintf("日期格式错误，应为%d-10-01这样的有效日期", year))
		}
		if utf8.RuneCountInString(d.Name) > 50 {
			return kernel.FieldError(fmt.Sprintf("days[%d].name", i), "名称不能超过50个字符")
		}
		list[i] = calendar.Override{Date: date, Kind: calendar.DayKind(d.Kind), Name: strings.TrimSpace(d.Name)}
	}
	if err := h.svc.SetOverrides(c.UserContext(), CurrentUser(c).Actor(), year, list); err != nil {
		return err
	}
	saved, err := h.svc.Overrides(c.UserContext(), year)
	if err != nil {
		return err
	}
	return c.JSON(presentOverrides(year, saved))
}
