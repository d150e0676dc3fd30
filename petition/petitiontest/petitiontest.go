// Package petitiontest wires the petition track on a fresh test database:
// the case service with the detector, clocks, documents, units, staff and
// the web app with the track's routes (and the clock and document routes
// the case page's 信访 panel reads), and a clock tests move by hand.
package petitiontest

import (
	"context"
	"io"
	"log/slog"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/uptrace/bun"

	"github.com/jiefen/jiefen/calendar"
	"github.com/jiefen/jiefen/cases"
	"github.com/jiefen/jiefen/cases/casestore"
	"github.com/jiefen/jiefen/clocks"
	"github.com/jiefen/jiefen/clocks/clockstore"
	"github.com/jiefen/jiefen/database"
	"github.com/jiefen/jiefen/database/dbtest"
	"github.com/jiefen/jiefen/documents"
	"github.com/jiefen/jiefen/documents/documentstore"
	"github.com/jiefen/jiefen/documents/documentweb"
	"github.com/jiefen/jiefen/kernel"
	"github.com/jiefen/jiefen/petition"
	"github.com/jiefen/jiefen/petition/petitionstore"
	"github.com/jiefen/jiefen/petition/petitionweb"
	"github.com/jiefen/jiefen/search"
	"github.com/jiefen/jiefen/staff"
	"github.com/jiefen/jiefen/staff/staffstore"
	"github.com/jiefen/jiefen/units"
	"github.com/jiefen/jiefen/units/unitstore"
	"github.com/jiefen/jiefen/web"
)

// Password of every test user.
const Password = "secret-pass"

// Env is the wired track.
type Env struct {
	DB       *bun.DB
	Store    *casestore.Store
	Cases    *cases.Service
	Clocks   *clocks.Service
	Docs     *documents.Service
	Staff    *staff.Service
	Petition *petition.Service
	App      *fiber.App
	Units    map[string]*units.Unit
	Users    map[string]*staff.User
	now      atomic.Int64
}

// Now is the test clock.
func (e *Env) Now() time.Time { return time.Unix(0, e.now.Load()).UTC() }

// Set moves the clock.
func (e *Env) Set(t time.Time) { e.now.Store(t.UnixNano()) }

// At sets the clock to 10:00 China time on day (YYYY-MM-DD).
func (e *Env) At(t testing.TB, day string) {
	t.Helper()
	d, err := calendar.ParseDate(day)
	if err != nil {
		t.Fatal(err)
	}
	e.Set(d.StartOfDay().Add(10 * time.Hour))
}

// Units made by New: key → name, kind, region.
var unitDefs = []struct {
	key, name string
	kind      units.Kind
	region    string
}{
	{"office", "汉滨区信访局", units.KindPetitionOffice, "610902000000"},
	{"hr", "汉滨区人力资源和社会保障局", units.KindDepartment, "610902000000"},
	{"housing", "汉滨区住房和城乡建设局", units.KindDepartment, "610902000000"},
	{"city", "安康市住房和城乡建设局", units.KindDepartment, "610900000000"},
	{"province", "陕西省住房和城乡建设厅", units.KindDepartment, "610000000000"},
	{"tcoffice", "王益区信访局", units.KindPetitionOffice, "610202000000"},
}

// Users made by New: name → role, region, unit key.
var userDefs = []struct {
	name, display string
	role          kernel.Role
	region, unit  string
}{
	{"office", "李信访", kernel.RoleWindowClerk, "610902000000", "office"},
	{"hr", "周人社", kernel.RoleWindowClerk, "610902000000", "hr"},
	{"housing", "吴住建", kernel.RoleMediator, "610902000000", "housing"},
	{"city", "郑市住建", kernel.RoleSupervisor, "610900000000", "city"},
	{"province", "冯省住建", kernel.RoleSupervisor, "610000000000", "province"},
	{"tcclerk", "陈王益", kernel.RoleWindowClerk, "610202000000", "tcoffice"},
	{"provclerk", "褚省窗口", kernel.RoleWindowClerk, "610000000000", ""},
	{"citybad", "卫市窗口", kernel.RoleWindowClerk, "610900000000", ""},
	{"leader", "王市长", kernel.RoleLeader, "610900000000", ""},
}

var (
	hashOnce sync.Once
	hash     string
)

// New wires the track on a fresh database of the dialect, the clock at
// 2026-07-27 10:00 China time.
func New(t testing.TB, dialect string) *Env {
	t.Helper()
	ctx := context.Background()
	e := &Env{DB: dbtest.Open(t, dialect), Units: map[string]*units.Unit{}, Users: map[string]*staff.User{}}
	e.At(t, "2026-07-27")
	cal, err := calendar.New()
	if err != nil {
		t.Fatal(err)
	}
	tx := database.Transactor{DB: e.DB}
	e.Store = casestore.New(e.DB, dbtest.Keys(t))
	e.Cases = cases.NewService(tx, e.Store, cal)
	e.Cases.Now = e.Now
	e.Cases.Detector = &search.Detector{Stats: search.NewCounts(), Config: search.DefaultConfig}
	e.Clocks = clocks.NewService(e.Cases, clockstore.New(e.DB), nil)
	e.Clocks.Now = e.Now
	e.Cases.Clocks = e.Clocks
	font, err := documents.FindFont("")
	if err != nil {
		t.Skip("no CJK font for the 处理意见书:", err)
	}
	e.Docs = documents.NewService(tx, documentstore.New(e.DB), e.Cases, font, nil)
	e.Docs.Now = e.Now
	e.Staff = staff.NewService(staffstore.New(e.DB), e.Store)
	// Sessions run on the wall clock: the test clock jumps months.
	us := unitstore.New(e.DB)
	ps := petitionstore.New(e.DB)
	e.Petition = petition.NewService(tx, ps, e.Cases, e.Clocks, e.Docs, us)
	e.Petition.Supervision, e.Petition.Campaigns = ps.Supervision(), ps.Campaigns()
	e.Petition.Supervisors = petition.StaffSupervisors(e.Staff.Store)
	e.Petition.Now = e.Now
	e.Cases.Hooks = append(e.Cases.Hooks, e.Petition.Hook())

	for _, d := range unitDefs {
		u := &units.Unit{Name: d.name, Kind: d.kind, RegionCode: d.region, Active: true, CreatedAt: e.Now(), UpdatedAt: e.Now()}
		if err := us.Create(ctx, u); err != nil {
			t.Fatal(err)
		}
		e.Units[d.key] = u
	}
	hashOnce.Do(func() { hash, err = staff.HashPassword(Password) })
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range userDefs {
		su := &staff.User{Username: d.name, DisplayName: d.display, Role: d.role, RegionCode: d.region,
			PasswordHash: hash, CreatedAt: e.Now(), UpdatedAt: e.Now()}
		if d.unit != "" {
			su.UnitID = &e.Units[d.unit].ID
		}
		if err := e.Staff.Store.CreateUser(ctx, su); err != nil {
			t.Fatal(err)
		}
		e.Users[d.name] = su
	}
	e.App = web.New(web.Deps{Cases: e.Cases, Staff: e.Staff, Calendar: cal, Now: e.Now,
		Log:         slog.New(slog.NewTextHandler(io.Discard, nil)),
		Mounts:      []web.Mount{petitionweb.Mount(e.Petition), web.Clocks(e.Clocks), documentweb.Mount(e.Docs)},
		ListFilters: petitionweb.Filters(e.Petition.Backlog), Pages: petitionweb.Pages, OpenAPI: [][]byte{petitionweb.OpenAPI},
		CasePanels: []web.CasePanel{petitionweb.Panel}})
	return e
}

// Staff is a test user as the track sees them.
func (e *Env) Member(name string) petition.Staff {
	u := e.Users[name]
	st := petition.Staff{Actor: u.Actor()}
	if u.UnitID != nil {
		st.UnitID = *u.UnitID
	}
	return st
}

// Token logs a user in.
func (e *Env) Token(t testing.TB, name string) string {
	t.Helper()
	tok, _, _, err := e.Staff.Login(context.Background(), name, Password)
	if err != nil {
		t.Fatal(err)
	}
	return tok
}
