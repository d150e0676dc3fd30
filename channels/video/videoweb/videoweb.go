// Package videoweb is the HTTP face of the video channel: staff plan
// reception days, book walk-ins and record sessions under /api/v1/video;
// residents book for themselves under /api/v1/me/video; the published
// schedule is public.
package videoweb

import (
	"errors"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/middleware/limiter"

	"github.com/jiefen/jiefen/cases"
	"github.com/jiefen/jiefen/channels/video"
	"github.com/jiefen/jiefen/kernel"
	"github.com/jiefen/jiefen/web"
)

// SchedulePerMinute caps requests to the public schedule per client address.
const SchedulePerMinute = 120

// Mount adds the channel's routes.
func Mount(svc *video.Service) web.Mount {
	return func(app *fiber.App, api fiber.Router, auth web.Auth, v *web.Validator) {
		h := &handler{svc: svc, v: v}
		st := auth.Staff
		api.Post("/video/days", st, h.createDay)
		api.Get("/video/days", st, h.listDays)
		api.Get("/video/days/:id", st, h.getDay)
		api.Post("/video/days/:id/publish", st, h.publish)
		api.Get("/video/agenda", st, h.agenda)
		api.Get("/video/leaders", st, h.leaders)
		api.Post("/video/bookings", st, h.book)
		api.Get("/video/bookings/:id", st, h.getBooking)
		api.Post("/video/bookings/:id/cancel", st, h.cancel)
		api.Post("/video/bookings/:id/session", st, h.recordSession)
		api.Post("/video/bookings/:id/done", st, h.done)

		// Reception times and places are published to everyone (信访工作条例).
		api.Get("/video/schedule", limiter.New(limiter.Config{
			Max:        SchedulePerMinute,
			Expiration: time.Minute,
			LimitReached: func(c *fiber.Ctx) error {
				return kernel.Errorf("too_many_requests", "请求过于频繁，请稍后再试")
			},
		}), h.schedule)

		if r := auth.Resident; r != nil {
			api.Get("/me/video/bookings", r, h.myBookings)
			api.Post("/me/video/bookings", r, h.myBook)
			api.Get("/me/video/bookings/:id", r, h.myBooking)
			api.Post("/me/video/bookings/:id/cancel", r, h.myCancel)
		}
	}
}

type handler struct {
	svc *video.Service
	v   *web.Validator
}

func actor(c *fiber.Ctx) kernel.Actor { return web.CurrentUser(c).Actor() }

func residentID(c *fiber.Ctx) int64 {
	if r := web.CurrentResident(c); r != nil {
		return r.ID
	}
	return 0
}

// labels name this channel's request fields in Chinese; the shared
// validator knows the common ones.
var labels = map[string]string{
	"leader_id": "接访领导", "date": "日期", "topic": "主题", "slots": "时段", "start": "开始时间",
	"end": "结束时间", "capacity": "名额", "slot_id": "时段", "case_no": "案件编号", "intake": "事项",
	"started_at": "开始时间", "ended_at": "结束时间", "participants": "参加人员", "summary": "接访情况",
	"outcome": "处理结果", "recording_ref": "录像编号", "role": "身份", "reason": "理由",
}

func label(path string) string {
	if l, ok := labels[path]; ok {
		return l
	}
	last := path
	if i := strings.LastIndexByte(path, '.'); i >= 0 {
		last = path[i+1:]
	}
	if i := strings.IndexByte(last, '['); i >= 0 {
		last = last[:i]
	}
	if l, ok := labels[last]; ok {
		return l
	}
	return path
}

// renames correct the shared validator's name of a field where it means
// something else here (a participant's name is a person's, 姓名).
var renames = map[string][2]string{
	"participants.name": {"名称", "姓名"}, "intake.person.name": {"名称", "姓名"},
	"intake.respondent.name": {"名称", "被反映人姓名"}, "intake.respondent.phone": {"手机号码", "被反映人电话"},
}

var indexRE = regexp.MustCompile(`\[\d+\]`)

// check validates req and puts Chinese names into messages that show a
// field's path.
func (h *handler) check(req any) error {
	err := h.v.Struct(req)
	var e *kernel.Error
	if !errors.As(err, &e) || len(e.Fields) == 0 {
		return err
	}
	for path, msg := range e.Fields {
		if l := label(path); l != path && strings.Contains(msg, path) {
			msg = strings.Replace(msg, path, l, 1)
		} else if r, ok := renames[indexRE.ReplaceAllString(path, "")]; ok {
			msg = strings.Replace(msg, r[0], r[1], 1)
		}
		e.Fields[path] = msg
	}
	return e
}

func (h *handler) bind(c *fiber.Ctx, req any) error {
	if err := web.DecodeJSON(c.Body(), req); err != nil {
		return err
	}
	return h.check(req)
}

func idParam(c *fiber.Ctx, what string) (int64, error) {
	id, err := strconv.ParseInt(c.Params("id"), 10, 64)
	if err != nil || id <= 0 {
		return 0, kernel.Errorf(kernel.ENotFound, "%s不存在", what)
	}
	return id, nil
}

func int64Query(c *fiber.Ctx, name string) (int64, error) {
	v := c.Query(name)
	if v == "" {
		return 0, nil
	}
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil || n <= 0 {
		return 0, kernel.FieldError(name, "应为正整数")
	}
	return n, nil
}

type slotRequest struct {
	Start    string `json:"start" validate:"required,datetime=15:04"`
	End      string `json:"end" validate:"required,datetime=15:04"`
	Capacity int    `json:"capacity" validate:"required,min=1,max=100"`
}

type dayRequest struct {
	LeaderID   int64         `json:"leader_id" validate:"omitempty,min=1"`
	RegionCode string        `json:"region_code" validate:"required,regioncode"`
	Date       string        `json:"date" validate:"required,datetime=2006-01-02"`
	Topic      string        `json:"topic" validate:"max=200"`
	Slots      []slotRequest `json:"slots" validate:"required,min=1,max=48,dive"`
}

func (h *handler) createDay(c *fiber.Ctx) error {
	var req dayRequest
	if err := h.bind(c, &req); err != nil {
		return err
	}
	nd := video.NewDay{LeaderID: req.LeaderID, RegionCode: req.RegionCode, Date: req.Date, Topic: req.Topic}
	for _, s := range req.Slots {
		nd.Slots = append(nd.Slots, video.NewSlot{Start: s.Start, End: s.End, Capacity: s.Capacity})
	}
	d, err := h.svc.CreateDay(c.UserContext(), actor(c), nd)
	if err != nil {
		return err
	}
	return c.Status(fiber.StatusCreated).JSON(presentDay(d, true))
}

func (h *handler) listDays(c *fiber.Ctx) error {
	q := video.DayQuery{From: c.Query("from"), To: c.Query("to")}
	var err error
	if q.LeaderID, err = int64Query(c, "leader_id"); err != nil {
		return err
	}
	if v := c.Query("published"); v != "" {
		b, err := strconv.ParseBool(v)
		if err != nil {
			return kernel.FieldError("published", "应为 true 或 false")
		}
		q.Published = &b
	}
	days, err := h.svc.Days(c.UserContext(), actor(c), q)
	if err != nil {
		return err
	}
	out := listJSON[dayJSON]{Items: make([]dayJSON, len(days))}
	for i, d := range days {
		out.Items[i] = presentDay(d, true)
	}
	return c.JSON(out)
}

func (h *handler) getDay(c *fiber.Ctx) error {
	id, err := idParam(c, "接访日")
	if err != nil {
		return err
	}
	d, bs, err := h.svc.Day(c.UserContext(), actor(c), id)
	if err != nil {
		return err
	}
	out := presentDay(d, true)
	list := make([]bookingJSON, len(bs))
	for i, b := range bs {
		list[i] = presentBooking(b, true)
		list[i].Day = nil
	}
	out.Bookings = &list
	return c.JSON(out)
}

func (h *handler) publish(c *fiber.Ctx) error {
	id, err := idParam(c, "接访日")
	if err != nil {
		return err
	}
	d, err := h.svc.Publish(c.UserContext(), actor(c), id)
	if err != nil {
		return err
	}
	return c.JSON(presentDay(d, true))
}

func (h *handler) agenda(c *fiber.Ctx) error {
	leaderID, err := int64Query(c, "leader_id")
	if err != nil {
		return err
	}
	bs, err := h.svc.Agenda(c.UserContext(), actor(c), leaderID, c.Query("from"), c.Query("to"))
	if err != nil {
		return err
	}
	return c.JSON(presentBookings(bs, true))
}

type leaderJSON struct {
	ID         int64  `json:"id"`
	Username   string `json:"username"`
	Name       string `json:"name"`
	RegionCode string `json:"region_code"`
}

// leaders lists who may receive in ?region= (default: the user's own).
func (h *handler) leaders(c *fiber.Ctx) error {
	a := actor(c)
	region := c.Query("region")
	if region == "" {
		region = a.RegionCode
	}
	users, err := h.svc.Leaders(c.UserContext(), a, region)
	if err != nil {
		return err
	}
	out := listJSON[leaderJSON]{Items: make([]leaderJSON, len(users))}
	for i, u := range users {
		out.Items[i] = leaderJSON{ID: u.ID, Username: u.Username, Name: u.Actor().Name, RegionCode: u.RegionCode}
	}
	return c.JSON(out)
}

func presentBookings(bs []*video.Booking, staff bool) listJSON[bookingJSON] {
	out := listJSON[bookingJSON]{Items: make([]bookingJSON, len(bs))}
	for i, b := range bs {
		out.Items[i] = presentBooking(b, staff)
	}
	return out
}

func (h *handler) schedule(c *fiber.Ctx) error {
	days, err := h.svc.Schedule(c.UserContext(), c.Query("region"), c.Query("from"), c.Query("to"))
	if err != nil {
		return err
	}
	out := listJSON[dayJSON]{Items: make([]dayJSON, len(days))}
	for i, d := range days {
		out.Items[i] = presentDay(d, false)
	}
	return c.JSON(out)
}

type intakeRequest struct {
	Person     web.PersonRequest      `json:"person"`
	Subject    string                 `json:"subject" validate:"required,max=200"`
	Content    string                 `json:"content" validate:"required,max=20000"`
	Address    string                 `json:"address" validate:"max=500"`
	RegionCode string                 `json:"region_code" validate:"required,regioncode"`
	Category   string                 `json:"category" validate:"omitempty,category"`
	Respondent *web.RespondentRequest `json:"respondent"`
}

type bookRequest struct {
	SlotID int64          `json:"slot_id" validate:"required,min=1"`
	CaseNo string         `json:"case_no" validate:"max=32"`
	Intake *intakeRequest `json:"intake"`
}

// decodeBooking reads a booking request; fill completes it (a resident's
// profile) before validation.
func (h *handler) decodeBooking(c *fiber.Ctx, fill func(*intakeRequest)) (video.BookRequest, error) {
	var req bookRequest
	if err := web.DecodeJSON(c.Body(), &req); err != nil {
		return video.BookRequest{}, err
	}
	req.CaseNo = strings.TrimSpace(req.CaseNo)
	if in := req.Intake; in != nil {
		in.Subject, in.Content = strings.TrimSpace(in.Subject), strings.TrimSpace(in.Content)
		in.Person.Name = strings.TrimSpace(in.Person.Name)
		if fill != nil {
			fill(in)
		}
	}
	if err := h.check(&req); err != nil {
		return video.BookRequest{}, err
	}
	out := video.BookRequest{SlotID: req.SlotID, CaseNo: req.CaseNo}
	if in := req.Intake; in != nil {
		ci := &cases.Intake{
			Person:  cases.Person{Name: in.Person.Name, IDNumber: strings.ToUpper(in.Person.IDNumber), Phone: in.Person.Phone},
			Subject: in.Subject, Content: in.Content, Address: in.Address, RegionCode: in.RegionCode,
			Category: in.Category, Raw: c.Body(),
		}
		ci.Respondent = in.Respondent.Intake()
		out.Intake = ci
	}
	return out, nil
}

func (h *handler) book(c *fiber.Ctx) error {
	req, err := h.decodeBooking(c, nil)
	if err != nil {
		return err
	}
	b, reg, err := h.svc.Book(c.UserContext(), actor(c), req)
	if err != nil {
		return err
	}
	out := presentBooking(b, true)
	out.Registration = presentRegistration(reg)
	return c.Status(fiber.StatusCreated).JSON(out)
}

func (h *handler) getBooking(c *fiber.Ctx) error {
	id, err := idParam(c, "预约")
	if err != nil {
		return err
	}
	b, err := h.svc.Booking(c.UserContext(), actor(c), id)
	if err != nil {
		return err
	}
	return c.JSON(presentBooking(b, true))
}

type cancelRequest struct {
	Reason string `json:"reason" validate:"max=500"`
}

// cancelReason reads the optional body of a cancellation.
func (h *handler) cancelReason(c *fiber.Ctx) (string, error) {
	if len(c.Body()) == 0 {
		return "", nil
	}
	var req cancelRequest
	if err := h.bind(c, &req); err != nil {
		return "", err
	}
	return req.Reason, nil
}

func (h *handler) cancel(c *fiber.Ctx) error {
	id, err := idParam(c, "预约")
	if err != nil {
		return err
	}
	reason, err := h.cancelReason(c)
	if err != nil {
		return err
	}
	b, err := h.svc.Cancel(c.UserContext(), actor(c), id, reason)
	if err != nil {
		return err
	}
	return c.JSON(presentBooking(b, true))
}

func (h *handler) done(c *fiber.Ctx) error {
	id, err := idParam(c, "预约")
	if err != nil {
		return err
	}
	b, err := h.svc.Done(c.UserContext(), actor(c), id)
	if err != nil {
		return err
	}
	return c.JSON(presentBooking(b, true))
}

type participantRequest struct {
	Name string `json:"name" validate:"required,max=100"`
	Role string `json:"role" validate:"max=50"`
}

type sessionRequest struct {
	StartedAt    string               `json:"started_at" validate:"required"`
	EndedAt      string               `json:"ended_at" validate:"required"`
	Participants []participantRequest `json:"participants" validate:"required,min=1,max=30,dive"`
	Summary      string               `json:"summary" validate:"required,max=5000"`
	Outcome      string               `json:"outcome" validate:"required,oneof=resolved assigned answered referred follow_up"`
	RecordingRef string               `json:"recording_ref" validate:"max=200"`
}

func (h *handler) recordSession(c *fiber.Ctx) error {
	id, err := idParam(c, "预约")
	if err != nil {
		return err
	}
	var req sessionRequest
	if err := web.DecodeJSON(c.Body(), &req); err != nil {
		return err
	}
	req.Summary = strings.TrimSpace(req.Summary)
	if err := h.check(&req); err != nil {
		return err
	}
	in := video.SessionInput{Summary: req.Summary, Outcome: req.Outcome, RecordingRef: req.RecordingRef}
	fields := map[string]string{}
	parse := func(name, v string) time.Time {
		t, err := time.Parse(time.RFC3339, v)
		if err != nil {
			fields[name] = "时间格式错误，应为RFC 3339格式，如2025-12-01T09:30:00+08:00"
		}
		return t
	}
	in.StartedAt, in.EndedAt = parse("started_at", req.StartedAt), parse("ended_at", req.EndedAt)
	if len(fields) > 0 {
		return &kernel.Error{Code: kernel.EInvalid, Message: "提交的数据有误", Fields: fields}
	}
	for _, p := range req.Participants {
		in.Participants = append(in.Participants, video.Participant{Name: p.Name, Role: p.Role})
	}
	b, reg, err := h.svc.RecordSession(c.UserContext(), actor(c), id, in)
	if err != nil {
		return err
	}
	out := presentBooking(b, true)
	out.Registration = presentRegistration(reg)
	return c.Status(fiber.StatusCreated).JSON(out)
}

// Residents.

func (h *handler) myBookings(c *fiber.Ctx) error {
	bs, err := h.svc.ResidentBookings(c.UserContext(), residentID(c))
	if err != nil {
		return err
	}
	return c.JSON(presentBookings(bs, false))
}

func (h *handler) myBook(c *fiber.Ctx) error {
	r := web.CurrentResident(c)
	req, err := h.decodeBooking(c, func(in *intakeRequest) {
		// What the resident's profile holds needs no typing again.
		if in.Person.Name == "" {
			in.Person.Name = r.Name
		}
		if in.Person.Phone == "" && in.Person.IDNumber == "" {
			in.Person.Phone = r.Phone
		}
	})
	if err != nil {
		return err
	}
	b, reg, err := h.svc.BookForResident(c.UserContext(), r.ID, req)
	if err != nil {
		return err
	}
	out := presentBooking(b, false)
	out.Registration = presentRegistration(reg)
	return c.Status(fiber.StatusCreated).JSON(out)
}

func (h *handler) myBooking(c *fiber.Ctx) error {
	id, err := idParam(c, "预约")
	if err != nil {
		return err
	}
	b, err := h.svc.ResidentBooking(c.UserContext(), residentID(c), id)
	if err != nil {
		return err
	}
	return c.JSON(presentBooking(b, false))
}

func (h *handler) myCancel(c *fiber.Ctx) error {
	id, err := idParam(c, "预约")
	if err != nil {
		return err
	}
	reason, err := h.cancelReason(c)
	if err != nil {
		return err
	}
	b, err := h.svc.CancelForResident(c.UserContext(), residentID(c), id, reason)
	if err != nil {
		return err
	}
	return c.JSON(presentBooking(b, false))
}
