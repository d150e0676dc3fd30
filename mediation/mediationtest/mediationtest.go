// Package mediationtest wires the mediation module on a fresh test
// database: the case service with its clocks, staff, units, documents
// (with the system's CJK font, if any), the job queue (not started), the
// HTTP app with the module mounted, and a clock tests move by hand.
package mediationtest

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http/httptest"
	"os"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"
	"github.com/uptrace/bun"

	"github.com/jiefen/jiefen/calendar"
	"github.com/jiefen/jiefen/cases"
	"github.com/jiefen/jiefen/cases/casestore"
	"github.com/jiefen/jiefen/channels/video"
	"github.com/jiefen/jiefen/clocks"
	"github.com/jiefen/jiefen/clocks/clockstore"
	"github.com/jiefen/jiefen/database"
	"github.com/jiefen/jiefen/database/dbtest"
	"github.com/jiefen/jiefen/documents"
	"github.com/jiefen/jiefen/documents/documentstore"
	"github.com/jiefen/jiefen/jobs"
	"github.com/jiefen/jiefen/kernel"
	"github.com/jiefen/jiefen/mediation"
	"github.com/jiefen/jiefen/mediation/mediationstore"
	"github.com/jiefen/jiefen/mediation/mediationweb"
	"github.com/jiefen/jiefen/staff"
	"github.com/jiefen/jiefen/staff/staffstore"
	"github.com/jiefen/jiefen/units"
	"github.com/jiefen/jiefen/units/unitstore"
	"github.com/jiefen/jiefen/web"
)

// Start is the tests' "now": Monday 1 December 2025, 10:00 China time.
var Start = time.Date(2025, 12, 1, 10, 0, 0, 0, calendar.China)

// Password of every test user.
const Password = "secret-pass"

// Env is the wired module.
type Env struct {
	DB        *bun.DB
	Store     *casestore.Store
	Cases     *cases.Service
	Clocks    *clocks.Service
	Staff     *staff.Service
	Units     *units.Service
	Docs      *documents.Service
	Mediation *mediation.Service
	Queue     *jobs.Queue
	App       *fiber.App
	Users     map[string]*staff.User
	// Unit ids by key: village (西大街社区调委会), street (老城街道调委会),
	// medical (区医疗纠纷调委会), court (汉滨区人民法院), far (铜川的派出所).
	Unit   map[string]int64
	tokens map[string]string
	now    atomic.Int64
}

// Now is the test clock.
func (e *Env) Now() time.Time { return time.Unix(0, e.now.Load()).UTC() }

// Set moves the clock; sessions begun before expire with time, so users
// log in again.
func (e *Env) Set(t time.Time) {
	e.now.Store(t.UnixNano())
	e.tokens = map[string]string{}
}

var (
	hashOnce sync.Once
	hash     string
)

var users = []struct {
	name, display string
	role          kernel.Role
	region        string
}{
	{"supervisor", "孙科长", kernel.RoleSupervisor, "610900000000"},
	{"clerk", "李窗口", kernel.RoleWindowClerk, "610902000000"},
	{"leader", "王市长", kernel.RoleLeader, "610900000000"},
	{"admin", "", kernel.RoleAdmin, "610000000000"},
	{"med1", "赵调解", kernel.RoleMediator, "610902000000"},
	{"med2", "钱调解", kernel.RoleMediator, "610902000000"},
	{"med3", "孙调解", kernel.RoleMediator, "610902000000"},
	{"other", "周窗口", kernel.RoleWindowClerk, "610202000000"},
}

// New wires the module on a fresh database of the dialect.
func New(t testing.TB, dialect string) *Env {
	t.Helper()
	ctx := context.Background()
	e := &Env{DB: dbtest.Open(t, dialect), Users: map[string]*staff.User{}, Unit: map[string]int64{}, tokens: map[string]string{}}
	e.Set(Start)
	cal, err := calendar.New()
	if err != nil {
		t.Fatal(err)
	}
	tx := database.Transactor{DB: e.DB}
	e.Store = casestore.New(e.DB, dbtest.Keys(t))
	e.Cases = cases.NewService(tx, e.Store, cal)
	e.Cases.Now = e.Now
	e.Clocks = clocks.NewService(e.Cases, clockstore.New(e.DB), nil)
	e.Clocks.Now = e.Now
	e.Cases.Clocks = e.Clocks
	e.Staff = staff.NewService(staffstore.New(e.DB), e.Store)
	e.Staff.Now = e.Now
	e.Units = units.NewService(unitstore.New(e.DB), e.Store, tx)
	e.Units.Now = e.Now
	e.Staff.Units = e.Units
	r, err := documents.FindFont(os.Getenv(documents.FontEnv))
	if err != nil {
		t.Logf("no CJK font (%v): agreements are not rendered", err)
		r = nil
	}
	e.Docs = documents.NewService(tx, documentstore.New(e.DB), e.Cases, r, nil)
	e.Docs.Now = e.Now
	if err := jobs.Migrate(ctx, e.DB); err != nil {
		t.Fatal(err)
	}
	if e.Queue, err = jobs.New(e.DB, jobs.Options{}); err != nil {
		t.Fatal(err)
	}
	e.Mediation = mediation.NewService(e.Cases, mediationstore.New(e.DB), unitstore.New(e.DB), e.Clocks, e.Docs, e.Staff.Store, dbtest.Keys(t))
	e.Mediation.Now = e.Now
	e.Mediation.Scheduler = jobs.At[mediation.ReminderArgs]{Q: e.Queue}
	jobs.Add(e.Queue, river.Worker[mediation.ReminderArgs](&jobs.Func[mediation.ReminderArgs]{Do: e.Mediation.Remind}))
	if e.Mediation.Link, err = video.ParseLinkTemplate("https://meet.example.gov.cn/room/{token}?case={case_no}"); err != nil {
		t.Fatal(err)
	}

	hashOnce.Do(func() { hash, err = staff.HashPassword(Password) })
	if err != nil {
		t.Fatal(err)
	}
	for _, u := range users {
		su := &staff.User{Username: u.name, DisplayName: u.display, Role: u.role, RegionCode: u.region,
			PasswordHash: hash, CreatedAt: Start, UpdatedAt: Start}
		if err := e.Staff.Store.CreateUser(ctx, su); err != nil {
			t.Fatal(err)
		}
		e.Users[u.name] = su
	}
	sys := kernel.SystemActor("test")
	for _, nu := range []struct {
		key string
		u   units.NewUnit
	}{
		{"village", units.NewUnit{Name: "西大街社区人民调解委员会", Kind: units.KindPeopleCommittee, RegionCode: "610902001003"}},
		{"street", units.NewUnit{Name: "老城街道人民调解委员会", Kind: units.KindPeopleCommittee, RegionCode: "610902001000"}},
		{"medical", units.NewUnit{Name: "汉滨区医疗纠纷人民调解委员会", Kind: units.KindIndustryCommittee,
			Specialty: units.SpecialtyMedical, RegionCode: "610902000000"}},
		{"court", units.NewUnit{Name: "汉滨区人民法院", Kind: units.KindCourt, RegionCode: "610902000000"}},
		{"far", units.NewUnit{Name: "王益区公安分局", Kind: units.KindPolice, RegionCode: "610202000000"}},
	} {
		u, err := e.Units.Create(ctx, sys, nu.u)
		if err != nil {
			t.Fatalf("unit %s: %v", nu.u.Name, err)
		}
		e.Unit[nu.key] = u.ID
	}
	e.App = web.New(web.Deps{Cases: e.Cases, Staff: e.Staff, Calendar: cal, Now: e.Now,
		Log: slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelError})), Unavailable: database.Unavailable,
		Mounts: []web.Mount{mediationweb.Mount(e.Mediation), web.Clocks(e.Clocks)},
		Pages:  mediationweb.Pages, CasePanels: []web.CasePanel{mediationweb.Panel},
		OpenAPI: [][]byte{mediationweb.OpenAPI}})
	return e
}

// Actor is a test user as the services see them.
func (e *Env) Actor(name string) kernel.Actor { return e.Users[name].Actor() }

// Token logs a test user in once and returns their bearer token.
func (e *Env) Token(t testing.TB, name string) string {
	t.Helper()
	if tok, ok := e.tokens[name]; ok {
		return tok
	}
	tok, _, _, err := e.Staff.Login(context.Background(), name, Password)
	if err != nil {
		t.Fatalf("login %s: %v", name, err)
	}
	e.tokens[name] = tok
	return tok
}

// Reply is an HTTP answer.
type Reply struct {
	Status int
	Body   []byte
	Type   string
}

// JSON decodes the body.
func (r Reply) JSON(t testing.TB) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(r.Body, &m); err != nil {
		t.Fatalf("reply %d %s: %v", r.Status, r.Body, err)
	}
	return m
}

// Field is the error message of a field of an error reply.
func (r Reply) Field(t testing.TB, name string) string {
	t.Helper()
	m := r.JSON(t)
	e, _ := m["error"].(map[string]any)
	f, _ := e["fields"].(map[string]any)
	s, _ := f[name].(string)
	return s
}

// Do sends a request as user (a name, "" for none).
func (e *Env) Do(t testing.TB, user, method, path string, body any) Reply {
	t.Helper()
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			t.Fatal(err)
		}
		rd = bytes.NewReader(b)
	}
	req := httptest.NewRequest(method, path, rd)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if user != "" {
		req.Header.Set("Authorization", "Bearer "+e.Token(t, user))
	}
	res, err := e.App.Test(req, -1)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return Reply{Status: res.StatusCode, Body: b, Type: res.Header.Get("Content-Type")}
}

// Reminders lists the reminder jobs enqueued, oldest first.
func (e *Env) Reminders(t testing.TB) []*rivertype.JobRow {
	t.Helper()
	res, err := e.Queue.Client().JobList(context.Background(),
		river.NewJobListParams().Kinds(mediation.ReminderArgs{}.Kind()).First(1000))
	if err != nil {
		t.Fatal(err)
	}
	return res.Jobs
}

// Register registers a neighbourhood dispute in 西大街社区 through the
// clerk: applicant name/phone/ID against respondent.
func (e *Env) Register(t testing.TB, applicant, phone, idNumber, respondent string) *cases.Case {
	t.Helper()
	in := cases.Intake{Channel: kernel.ChannelWindow,
		Person:  cases.Person{Name: applicant, Phone: phone, IDNumber: idNumber},
		Subject: "邻居违建阻挡通道", Content: "邻居在楼道搭建彩钢棚，堵住了出行通道，多次协商无果，请求调解。",
		Address: "汉滨区老城街道西大街", RegionCode: "610902001003", Category: "neighbourhood",
		Respondent: &cases.Respondent{Kind: cases.KindPerson, Name: respondent}}
	reg, err := e.Cases.Register(context.Background(), e.Actor("clerk"), in)
	if err != nil {
		t.Fatal(err)
	}
	return reg.Case
}
