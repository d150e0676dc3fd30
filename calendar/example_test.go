package calendar_test

import (
	"fmt"
	"strings"
	"time"

	"github.com/jiefen/jiefen/calendar"
)

func ExampleCalendar_Deadline() {
	c := calendar.Default()
	start, _ := calendar.ParseDate("2025-09-16")
	due, _ := c.Deadline(start, 15, calendar.CalendarDays)
	fmt.Println(due, due.Weekday())

	start, _ = calendar.ParseDate("2025-09-26")
	due, _ = c.Deadline(start, 5, calendar.WorkingDays)
	fmt.Println(due, due.Weekday())
	// Output:
	// 2025-10-09 Thursday
	// 2025-10-10 Friday
}

func ExampleCalendar_DueAt() {
	// A request received at 14:30 Beijing time must be answered within five
	// working days.
	received := time.Date(2025, 9, 26, 14, 30, 0, 0, calendar.China)
	due, _ := calendar.Default().DueAt(received, 5, calendar.WorkingDays)
	fmt.Println(due.Format("2006-01-02 15:04:05.000 MST"))
	// Output: 2025-10-10 23:59:59.999 CST
}

func ExampleNew() {
	file := `# 2027 (from the State Council notice)
2027-01-01,holiday,元旦
`
	c, err := calendar.New(calendar.WithOverridesFrom(strings.NewReader(file)))
	if err != nil {
		panic(err)
	}
	d, _ := calendar.ParseDate("2027-01-01")
	fmt.Printf("%+v\n", c.Day(d))
	// Output: {Date:2027-01-01 Kind:holiday Name:元旦 Working:false}
}
