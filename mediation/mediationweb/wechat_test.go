package mediationweb_test

import (
	"context"
	"fmt"
	"sync"
	"testing"

	"github.com/riverqueue/river"

	"github.com/jiefen/jiefen/cases"
	"github.com/jiefen/jiefen/channels/wechat"
	"github.com/jiefen/jiefen/database/dbtest"
	"github.com/jiefen/jiefen/kernel"
	"github.com/jiefen/jiefen/mediation"
	"github.com/jiefen/jiefen/mediation/mediationtest"
	"github.com/jiefen/jiefen/residents"
	"github.com/jiefen/jiefen/residents/residentstore"
)

// wechatQueue records the WeChat messages the notifier enqueues.
type wechatQueue struct {
	mu   sync.Mutex
	jobs []wechat.NotifyArgs
	inTx []bool
}

func (q *wechatQueue) Insert(_ context.Context, tx kernel.Tx, args river.JobArgs, _ *river.InsertOpts) error {
	q.mu.Lock()
	defer q.mu.Unlock()
	q.jobs = append(q.jobs, args.(wechat.NotifyArgs))
	q.inTx = append(q.inTx, tx != nil)
	return nil
}

// A session reminder reaches the resident who filed through WeChat as a
// subscribe message (trigger mediation_reminder, with the session's time,
// place and mediator); a case filed at the window gets the timeline note
// only.
func TestReminderThroughWeChat(t *testing.T) {
	for _, d := range dbtest.Dialects() {
		t.Run(d, func(t *testing.T) {
			e := mediationtest.New(t, d)
			ctx := context.Background()
			profiles(t, e)
			tpls, err := wechat.ParseTemplates([]byte(`{"page": "pages/case/case?case_no={case_no}", "events": {"mediation_reminder":
				{"template_id": "tpl-mediation", "data": {"character_string1": "{case_no}", "time2": "{session_time}",
				 "thing3": "{place}", "name4": "{mediator}", "phrase5": "{event}"}}}}`))
			if err != nil {
				t.Fatal(err)
			}
			q := &wechatQueue{}
			e.Cases.Notifier = &wechat.Notifier{Templates: tpls, Store: wechat.NewStore(e.DB), Queue: q, MaxAttempts: 3}
			res := residents.NewService(residentstore.New(e.DB, dbtest.Keys(t)))
			_, _, resident, err := res.Login(ctx, "o-mediation-resident", "")
			if err != nil {
				t.Fatal(err)
			}
			reg, err := e.Cases.Register(ctx, kernel.SystemActor("群众（微信）"), cases.Intake{Channel: kernel.ChannelWeChat,
				ResidentID: resident.ID, Person: cases.Person{Name: "李秀英", Phone: "13800138000"},
				Subject: "邻居违建阻挡通道", Content: "邻居在楼道搭建彩钢棚，堵住了出行通道，多次协商无果，请求调解。",
				RegionCode: "610902001003", Category: "neighbourhood", Respondent: &cases.Respondent{Kind: cases.KindPerson, Name: "王建国"}})
			if err != nil {
				t.Fatal(err)
			}
			window := e.Register(t, "张桂兰", "13700137000", "", "刘德明")
			sessions := map[string]int64{}
			for _, no := range []string{reg.Case.No, window.No} {
				m, err := e.Mediation.Open(ctx, e.Actor("clerk"), no, mediation.OpenInput{UnitID: e.Unit["village"], Flow: mediation.FlowPeople})
				if err != nil {
					t.Fatal(err)
				}
				o := m.PendingOffer()
				if m, err = e.Mediation.Accept(ctx, e.Actor(o.Mediator), m.ID, o.ID); err != nil {
					t.Fatal(err)
				}
				ss, err := e.Mediation.AddSession(ctx, e.Actor(o.Mediator), m.ID, mediation.NewSession{Kind: "in_person",
					StartsAt: at("2025-12-03 09:30"), Place: "西大街社区调解室",
					Participants: []mediation.Participant{{Name: "当事人", Role: "applicant"}}})
				if err != nil {
					t.Fatal(err)
				}
				sessions[no] = ss.ID
			}
			if len(q.jobs) != 0 {
				t.Fatalf("messages before any reminder: %+v", q.jobs)
			}
			// The 24-hour reminders run.
			e.Set(at("2025-12-02 09:30"))
			for _, no := range []string{reg.Case.No, window.No} {
				if err := e.Mediation.Remind(ctx, mediation.ReminderArgs{SessionID: sessions[no], LeadMinutes: 24 * 60}); err != nil {
					t.Fatal(err)
				}
				if note, _ := lastEvent(t, e, no, "mediation_reminder"); note == "" {
					t.Errorf("%s: no reminder on the timeline", no)
				}
			}
			if len(q.jobs) != 1 {
				t.Fatalf("%d messages, want one to the WeChat resident: %+v", len(q.jobs), q.jobs)
			}
			a := q.jobs[0]
			want := map[string]string{"character_string1": reg.Case.No, "time2": "2025-12-03 09:30", "thing3": "西大街社区调解室",
				"name4": e.Users["med1"].DisplayName, "phrase5": "调解提醒"}
			if a.Trigger != "mediation_reminder" || a.Label != "调解提醒" || a.ResidentID != resident.ID || a.CaseNo != reg.Case.No ||
				a.TemplateID != "tpl-mediation" || a.Page != "pages/case/case?case_no="+reg.Case.No || !q.inTx[0] {
				t.Errorf("message %+v", a)
			}
			if fmt.Sprint(a.Data) != fmt.Sprint(want) {
				t.Errorf("message data %v, want %v", a.Data, want)
			}
			// A reminder after the session started sends nothing.
			e.Set(at("2025-12-03 09:31"))
			if err := e.Mediation.Remind(ctx, mediation.ReminderArgs{SessionID: sessions[reg.Case.No], LeadMinutes: 60}); err != nil {
				t.Fatal(err)
			}
			if len(q.jobs) != 1 {
				t.Errorf("a late reminder sent a message: %d", len(q.jobs))
			}
		})
	}
}
