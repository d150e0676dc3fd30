package web

import (
	"errors"
	"strconv"

	"github.com/gofiber/fiber/v2"

	"github.com/jiefen/jiefen/calendar"
	"github.com/jiefen/jiefen/kernel"
)

func (s *Server) calendarDeadline(c *fiber.Ctx) error {
	start, err := calendar.ParseDate(c.Query("start"))
	if err != nil {
		return kernel.FieldError("start", "日期格式错误，应为2025-09-16")
	}
	n, err := strconv.Atoi(c.Query("n"))
	if err != nil || n < 0 || n > calendar.MaxPeriod {
		return kernel.FieldError("n", "应为0至3650之间的整数")
	}
	unit := calendar.Unit(c.Query("unit", string(calendar.CalendarDays)))
	if !unit.Valid() {
		return kernel.FieldError("unit", "应为 calendar_days 或 working_days")
	}
	due, err := s.Calendar.Deadline(start, n, unit)
	if errors.Is(err, calendar.ErrInvalid) {
		return kernel.Errorf(kernel.EInvalid, "期限参数无效")
	} else if err != nil {
		return err
	}
	return c.JSON(fiber.Map{
		"start": start, "n": n, "unit": unit, "due": due,
		"due_day":          s.Calendar.Day(due),
		"data_covers_year": s.Calendar.Covers(due.Year),
	})
}

func (s *Server) calendarDays(c *fiber.Ctx) error {
	from, err := calendar.ParseDate(c.Query("from"))
	if err != nil {
		return kernel.FieldError("from", "日期格式错误，应为2025-09-16")
	}
	to, err := calendar.ParseDate(c.Query("to"))
	if err != nil {
		return kernel.FieldError("to", "日期格式错误，应为2025-09-16")
	}
	days, err := s.Calendar.Days(from, to)
	if err != nil {
		return kernel.FieldError("to", "日期范围无效：结束日期不得早于开始日期，且跨度不超过1098天")
	}
	return c.JSON(fiber.Map{"from": from, "to": to, "days": days})
}
