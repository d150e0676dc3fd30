package web

import (
	"encoding/base64"
	"encoding/json"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/jiefen/jiefen/cases"
	"github.com/jiefen/jiefen/kernel"
)

// PersonRequest is the person a staff or channel request registers for.
type PersonRequest struct {
	Name     string `json:"name" validate:"required,max=100"`
	IDNumber string `json:"id_number" validate:"omitempty,idcard"`
	Phone    string `json:"phone" validate:"required_without=IDNumber,omitempty,mobile"`
}

// RespondentRequest is whom a matter is against; JSON gives either a name
// ("王某") or an object.
type RespondentRequest struct {
	Kind    string `json:"kind" validate:"omitempty,oneof=person organisation"`
	Name    string `json:"name" validate:"required,max=100"`
	Phone   string `json:"phone" validate:"omitempty,mobile"`
	Address string `json:"address" validate:"max=500"`
}

func (r *RespondentRequest) UnmarshalJSON(b []byte) error {
	var name string
	if err := json.Unmarshal(b, &name); err == nil {
		r.Name = name
		return nil
	}
	type plain RespondentRequest
	var p plain
	if err := json.Unmarshal(b, &p); err != nil {
		return &fieldDecodeError{"respondent", "应为姓名字符串或包含 kind、name 的对象"}
	}
	*r = RespondentRequest(p)
	return nil
}

// Intake is the respondent as the case domain takes it (nil for none).
func (r *RespondentRequest) Intake() *cases.Respondent {
	if r == nil {
		return nil
	}
	return &cases.Respondent{Kind: cases.PartyKind(r.Kind), Name: r.Name, Phone: r.Phone, Address: r.Address}
}

type intakeRequest struct {
	Channel    string             `json:"channel" validate:"required,oneof=window hotline video web"`
	ReceivedAt *time.Time         `json:"received_at"`
	Person     PersonRequest      `json:"person"`
	Subject    string             `json:"subject" validate:"required,max=200"`
	Content    string             `json:"content" validate:"required,max=20000"`
	Address    string             `json:"address" validate:"max=500"`
	RegionCode string             `json:"region_code" validate:"required,regioncode"`
	Category   string             `json:"category" validate:"omitempty,category"`
	Respondent *RespondentRequest `json:"respondent"`
}

type registrationJSON struct {
	CaseNo    string         `json:"case_no"`
	IntakeRef string         `json:"intake_ref"`
	Decision  string         `json:"decision"`
	Related   []matchJSON    `json:"related"`
	Replayed  bool           `json:"replayed,omitempty"`
	Case      caseDetailJSON `json:"case"`
	// Extra are the modules' answers (cases.Registration.Extra), each a
	// field beside these, e.g. "petition".
	Extra map[string]any `json:"-"`
}

// MarshalJSON puts the modules' answers beside the registration's fields;
// a module cannot replace one of them.
func (r registrationJSON) MarshalJSON() ([]byte, error) {
	type plain registrationJSON
	b, err := json.Marshal(plain(r))
	if err != nil || len(r.Extra) == 0 {
		return b, err
	}
	var m map[string]json.RawMessage
	if err := json.Unmarshal(b, &m); err != nil {
		return nil, err
	}
	for k, v := range r.Extra {
		if _, taken := m[k]; taken {
			continue
		}
		if m[k], err = json.Marshal(v); err != nil {
			return nil, err
		}
	}
	return json.Marshal(m)
}

func (s *Server) createIntake(c *fiber.Ctx) error {
	var req intakeRequest
	if err := DecodeJSON(c.Body(), &req); err != nil {
		return err
	}
	key := strings.TrimSpace(c.Get("Idempotency-Key"))
	reg, full, err := s.registerIntake(c, &req, c.Body(), key)
	if err != nil {
		return err
	}
	status := fiber.StatusCreated
	if reg.Replayed {
		status = fiber.StatusOK
		c.Set("Idempotent-Replayed", "true")
	}
	return c.Status(status).JSON(registrationJSON{CaseNo: reg.Case.No, IntakeRef: reg.Intake.Ref,
		Decision: reg.Decision, Related: presentMatches(reg.Related), Replayed: reg.Replayed,
		Case: presentCaseDetail(full, s.Now()), Extra: reg.Extra})
}

// registerIntake validates a staff registration (from the API or the
// console form) and registers it; it returns the case as stored, so that a
// retry sees the same body.
func (s *Server) registerIntake(c *fiber.Ctx, req *intakeRequest, raw []byte, idemKey string) (*cases.Registration, *cases.Case, error) {
	// Staff type what the visitor says; surrounding blanks are noise.
	req.Subject, req.Content = strings.TrimSpace(req.Subject), strings.TrimSpace(req.Content)
	req.Person.Name = strings.TrimSpace(req.Person.Name)
	if err := s.validate.Struct(req); err != nil {
		return nil, nil, err
	}
	in := cases.Intake{
		Channel: kernel.Channel(req.Channel),
		Person:  cases.Person{Name: req.Person.Name, IDNumber: strings.ToUpper(req.Person.IDNumber), Phone: req.Person.Phone},
		Subject: req.Subject, Content: req.Content, Address: req.Address,
		RegionCode: req.RegionCode, Category: req.Category,
		Raw: raw,
	}
	if req.ReceivedAt != nil {
		in.ReceivedAt = *req.ReceivedAt
	}
	in.Respondent = req.Respondent.Intake()
	u := CurrentUser(c)
	if idemKey != "" {
		if len(idemKey) > 200 {
			return nil, nil, kernel.FieldError("Idempotency-Key", "幂等键不能超过200个字符")
		}
		// Keys are per user: two clerks cannot collide by accident.
		in.SourceKey = "api:" + strconv.FormatInt(u.ID, 10) + ":" + idemKey
	}
	reg, err := s.Cases.Register(c.UserContext(), u.Actor(), in)
	if err != nil {
		return nil, nil, err
	}
	full, err := s.Cases.Get(c.UserContext(), u.Actor(), reg.Case.No)
	if err != nil {
		return nil, nil, err
	}
	return reg, full, nil
}

type caseListJSON struct {
	Items      []caseJSON `json:"items"`
	NextCursor *string    `json:"next_cursor"`
}

func encodeCursor(id int64) string {
	return base64.RawURLEncoding.EncodeToString([]byte("c" + strconv.FormatInt(id, 10)))
}

func decodeCursor(s string) (int64, bool) {
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil || len(b) < 2 || b[0] != 'c' {
		return 0, false
	}
	id, err := strconv.ParseInt(string(b[1:]), 10, 64)
	return id, err == nil && id > 0
}

// parseDay reads a China date (2025-09-16) or an RFC 3339 time.
func parseDay(s string, endOfDay bool) (time.Time, bool) {
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t, true
	}
	t, err := time.ParseInLocation("2006-01-02", s, cases.ChinaTime)
	if err != nil {
		return time.Time{}, false
	}
	if endOfDay {
		t = t.AddDate(0, 0, 1)
	}
	return t, true
}

// caseFilter reads the case list's filters from the query: GET /cases
// and the exports share it. Modules add their own (ListFilters).
func (s *Server) caseFilter(c *fiber.Ctx) (cases.CaseFilter, error) {
	f := cases.CaseFilter{
		Region:   c.Query("region"),
		Channel:  kernel.Channel(c.Query("channel")),
		Category: c.Query("category"),
		Q:        strings.TrimSpace(c.Query("q")),
	}
	if v := c.Query("status"); v != "" {
		for _, st := range strings.Split(v, ",") {
			f.Statuses = append(f.Statuses, cases.Status(strings.TrimSpace(st)))
		}
	}
	if v := c.Query("overdue"); v != "" {
		b, err := strconv.ParseBool(v)
		if err != nil {
			return f, kernel.FieldError("overdue", "应为 true 或 false")
		}
		f.Overdue = &b
	}
	if v := c.Query("due_within"); v != "" {
		n, err := strconv.Atoi(strings.TrimSuffix(v, "d"))
		if err != nil || n < 0 || n > 366 {
			return f, kernel.FieldError("due_within", "应为0至366之间的天数，例如 3d")
		}
		f.DueWithin = &n
	}
	if v := c.Query("created_from"); v != "" {
		t, ok := parseDay(v, false)
		if !ok {
			return f, kernel.FieldError("created_from", "日期格式错误，应为2025-09-16")
		}
		f.CreatedFrom = &t
	}
	if v := c.Query("created_to"); v != "" {
		t, ok := parseDay(v, true)
		if !ok {
			return f, kernel.FieldError("created_to", "日期格式错误，应为2025-09-16")
		}
		f.CreatedTo = &t
	}
	if err := s.assigneeFilter(c, &f); err != nil {
		return f, err
	}
	if v := c.Query("awaiting_info"); v != "" {
		b, err := strconv.ParseBool(v)
		if err != nil {
			return f, kernel.FieldError("awaiting_info", "应为 true 或 false")
		}
		f.AwaitingInfo = b
	}
	if v := c.Query("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 200 {
			return f, kernel.FieldError("limit", "应为1至200之间的整数")
		}
		f.Limit = n
	} else {
		f.Limit = 50
	}
	if v := c.Query("cursor"); v != "" {
		id, ok := decodeCursor(v)
		if !ok {
			return f, kernel.FieldError("cursor", "分页游标无效")
		}
		f.BeforeID = id
	}
	for _, lf := range s.ListFilters {
		v := strings.TrimSpace(c.Query(lf.Param))
		if v == "" {
			continue
		}
		cond, err := lf.Parse(v, s.Now())
		if err != nil {
			return f, err
		}
		f.Conds = append(f.Conds, cond)
	}
	return f, nil
}

func (s *Server) listCases(c *fiber.Ctx) error {
	f, err := s.caseFilter(c)
	if err != nil {
		return err
	}
	list, err := s.Cases.List(c.UserContext(), actor(c), f)
	if err != nil {
		return err
	}
	now := s.Now()
	out := caseListJSON{Items: make([]caseJSON, len(list))}
	for i, cs := range list {
		out.Items[i] = presentCase(cs, now)
	}
	if len(list) == f.Limit {
		next := encodeCursor(list[len(list)-1].ID)
		out.NextCursor = &next
	}
	return c.JSON(out)
}

func (s *Server) getCase(c *fiber.Ctx) error {
	cs, err := s.Cases.Get(c.UserContext(), actor(c), c.Params("no"))
	if err != nil {
		return err
	}
	return c.JSON(presentCaseDetail(cs, s.Now()))
}

type transitionRequest struct {
	To   string `json:"to" validate:"required,status"`
	Note string `json:"note" validate:"max=2000"`
}

func (s *Server) transition(c *fiber.Ctx) error {
	var req transitionRequest
	if err := s.bind(c, &req); err != nil {
		return err
	}
	return s.caseAction(c, func(a kernel.Actor) error {
		_, err := s.Cases.Transition(c.UserContext(), a, c.Params("no"), cases.Status(req.To), req.Note)
		return err
	})
}

type revealRequest struct {
	Reason string `json:"reason" validate:"required,max=500"`
}

func (s *Server) reveal(c *fiber.Ctx) error {
	var req revealRequest
	if err := s.bind(c, &req); err != nil {
		return err
	}
	parties, err := s.Cases.Reveal(c.UserContext(), actor(c), c.Params("no"), req.Reason)
	if err != nil {
		return err
	}
	out := make([]partyJSON, len(parties))
	for i, p := range parties {
		out[i] = presentParty(p, true)
	}
	// Unmasked personal data must not linger in shared caches.
	c.Set(fiber.HeaderCacheControl, "no-store")
	return c.JSON(fiber.Map{"parties": out})
}

func (s *Server) categories(c *fiber.Ctx) error {
	return c.JSON(fiber.Map{"items": cases.Categories})
}

func (s *Server) getRegion(c *fiber.Ctx) error {
	r, err := s.Cases.Region(c.UserContext(), actor(c), c.Params("code"))
	if err != nil {
		return err
	}
	return c.JSON(r)
}

type gridRequest struct {
	Name string `json:"name" validate:"required,max=64"`
}

func (s *Server) createGrid(c *fiber.Ctx) error {
	var req gridRequest
	if err := s.bind(c, &req); err != nil {
		return err
	}
	g, err := s.Cases.AddGrid(c.UserContext(), actor(c), c.Params("code"), req.Name)
	if err != nil {
		return err
	}
	return c.Status(fiber.StatusCreated).JSON(g)
}
