// Package videotest wires the video channel on a fresh test database: the
// case service, staff and residents, the job queue (not started) and a
// clock tests move by hand.
package videotest

import (
	"context"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"
	"github.com/uptrace/bun"

	"github.com/jiefen/jiefen/calendar"
	"github.com/jiefen/jiefen/cases"
	"github.com/jiefen/jiefen/cases/casestore"
	"github.com/jiefen/jiefen/channels/video"
	"github.com/jiefen/jiefen/channels/video/videostore"
	"github.com/jiefen/jiefen/database"
	"github.com/jiefen/jiefen/database/dbtest"
	"github.com/jiefen/jiefen/jobs"
	"github.com/jiefen/jiefen/kernel"
	"github.com/jiefen/jiefen/residents"
	"github.com/jiefen/jiefen/residents/residentstore"
	"github.com/jiefen/jiefen/staff"
	"github.com/jiefen/jiefen/staff/staffstore"
)

// Start is the tests' "now": Monday 1 December 2025, 10:00 China time.
var Start = time.Date(2025, 12, 1, 10, 0, 0, 0, calendar.China)

// Password of every test user.
const Password = "secret-pass"

// Env is the wired channel.
type Env struct {
	DB        *bun.DB
	Store     *casestore.Store
	Cases     *cases.Service
	Staff     *staff.Service
	Residents *residents.Service
	Video     *video.Service
	VideoDB   *videostore.Store
	Queue     *jobs.Queue
	Users     map[string]*staff.User
	now       atomic.Int64
}

// Now is the test clock.
func (e *Env) Now() time.Time { return time.Unix(0, e.now.Load()).UTC() }

// Set moves the clock.
func (e *Env) Set(t time.Time) { e.now.Store(t.UnixNano()) }

var (
	hashOnce sync.Once
	hash     string
)

// Users made by New: name → role and region.
var users = []struct {
	name, display string
	role          kernel.Role
	region        string
}{
	{"leader", "王市长", kernel.RoleLeader, "610900000000"},         // 安康市
	{"leader2", "赵区长", kernel.RoleLeader, "610202000000"},        // 铜川市王益区
	{"hbleader", "钱区长", kernel.RoleLeader, "610902000000"},       // 汉滨区
	{"supervisor", "孙科长", kernel.RoleSupervisor, "610900000000"}, // 安康市
	{"clerk", "李窗口", kernel.RoleWindowClerk, "610902000000"},     // 汉滨区
	{"other", "周窗口", kernel.RoleWindowClerk, "610202000000"},     // 铜川市王益区
	{"admin", "", kernel.RoleAdmin, "610000000000"},
}

// New wires the channel on a fresh database of the dialect.
func New(t testing.TB, dialect string) *Env {
	t.Helper()
	ctx := context.Background()
	e := &Env{DB: dbtest.Open(t, dialect), Users: map[string]*staff.User{}}
	e.Set(Start)
	cal, err := calendar.New()
	if err != nil {
		t.Fatal(err)
	}
	e.Store = casestore.New(e.DB, dbtest.Keys(t))
	e.Cases = cases.NewService(database.Transactor{DB: e.DB}, e.Store, cal)
	e.Cases.Now = e.Now
	e.Staff = staff.NewService(staffstore.New(e.DB), e.Store)
	e.Staff.Now = e.Now
	e.Residents = residents.NewService(residentstore.New(e.DB, dbtest.Keys(t)))
	e.Residents.Now = e.Now
	if err := jobs.Migrate(ctx, e.DB); err != nil {
		t.Fatal(err)
	}
	if e.Queue, err = jobs.New(e.DB, jobs.Options{}); err != nil {
		t.Fatal(err)
	}
	e.VideoDB = videostore.New(e.DB)
	e.Video = video.NewService(e.Cases, e.VideoDB, e.Staff.Store)
	e.Video.Now = e.Now
	e.Video.Scheduler = jobs.At[video.ReminderArgs]{Q: e.Queue}
	jobs.Add(e.Queue, river.Worker[video.ReminderArgs](&jobs.Func[video.ReminderArgs]{Do: e.Video.Remind}))
	e.Video.Link, err = video.ParseLinkTemplate("https://meet.example.gov.cn/room/{token}?case={case_no}&b={booking}")
	if err != nil {
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
	return e
}

// Actor is a test user as the services see them.
func (e *Env) Actor(name string) kernel.Actor { return e.Users[name].Actor() }

// Reminders lists the reminder jobs enqueued, oldest first.
func (e *Env) Reminders(t testing.TB) []*rivertype.JobRow {
	t.Helper()
	res, err := e.Queue.Client().JobList(context.Background(),
		river.NewJobListParams().Kinds(video.ReminderArgs{}.Kind()).First(1000))
	if err != nil {
		t.Fatal(err)
	}
	return res.Jobs
}

// Walkin is a new matter in 汉滨区's 西大街社区.
func Walkin(name, phone, subject string) *cases.Intake {
	return &cases.Intake{
		Person:  cases.Person{Name: name, Phone: phone},
		Subject: subject, Content: subject + "，多次反映未解决，希望领导接访时当面说明情况。",
		Address: "汉滨区老城街道西大街", RegionCode: "610902001003", Category: "neighbourhood",
	}
}

// Register registers a matter through the clerk and returns its case.
func (e *Env) Register(t testing.TB, in *cases.Intake, residentID int64) *cases.Case {
	t.Helper()
	x := *in
	x.Channel, x.ResidentID = kernel.ChannelWindow, residentID
	reg, err := e.Cases.Register(context.Background(), e.Actor("clerk"), x)
	if err != nil {
		t.Fatal(err)
	}
	return reg.Case
}

// Day plans and publishes a day on 2025-12-03 for a leader in 汉滨区 with
// slots 09:00–09:30 (1 seat), 09:30–10:00 (2 seats), 14:00–15:00 (3 seats).
func (e *Env) Day(t testing.TB, leader string) *video.Day {
	t.Helper()
	ctx := context.Background()
	d, err := e.Video.CreateDay(ctx, e.Actor("supervisor"), video.NewDay{
		LeaderID: e.Users[leader].ID, RegionCode: "610902", Date: "2025-12-03", Topic: "城市建设专题接访",
		Slots: []video.NewSlot{{Start: "09:00", End: "09:30", Capacity: 1}, {Start: "09:30", End: "10:00", Capacity: 2},
			{Start: "14:00", End: "15:00", Capacity: 3}},
	})
	if err != nil {
		t.Fatal(err)
	}
	if d, err = e.Video.Publish(ctx, e.Actor("supervisor"), d.ID); err != nil {
		t.Fatal(err)
	}
	return d
}
