package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"

	"github.com/jiefen/jiefen/cases"
	"github.com/jiefen/jiefen/channels/video"
	"github.com/jiefen/jiefen/channels/wechat/wechattest"
	"github.com/jiefen/jiefen/database/dbtest"
)

func TestVideoEndToEnd(t *testing.T) {
	t.Setenv("JIEFEN_VIDEO_LINK", "https://meet.example.gov.cn/room/{token}?name={case_no}")
	for _, dialect := range dbtest.Dialects() {
		t.Run(dialect, func(t *testing.T) { videoEndToEnd(t, dialect) })
	}
}

func videoEndToEnd(t *testing.T, dialect string) {
	ctx := context.Background()
	s, app := startApp(t, dialect, io.Discard, nil)
	s.addUser("leader", "leader", "6109") // 安康市
	s.addUser("clerk", "window_clerk", "610902")
	s.addUser("other", "window_clerk", "610202") // 铜川市王益区
	leader, clerk, other := s.login("leader"), s.login("clerk"), s.login("other")

	// Who may receive in 汉滨区: the 安康市 leader (whose region covers it);
	// a supervisor of 汉滨区 sees the same list, a clerk may not ask, and a
	// leader lists only themselves.
	s.addUser("super", "supervisor", "610902")
	s.addUser("tongchuan", "leader", "6102") // 铜川市: does not cover 汉滨区
	super := s.login("super")
	r0 := s.do("GET", "/api/v1/video/leaders?region=610902001", super, nil)
	if items, _ := r0.body["items"].([]any); r0.status != 200 || len(items) != 1 || items[0].(map[string]any)["username"] != "leader" ||
		items[0].(map[string]any)["region_code"] != "610900000000" {
		t.Fatalf("leaders for 汉滨区: %d %s", r0.status, r0.raw)
	}
	if r := s.do("GET", "/api/v1/video/leaders", leader, nil); r.status != 200 || len(r.body["items"].([]any)) != 1 {
		t.Fatalf("a leader's own list: %d %s", r.status, r.raw)
	}
	if r := s.do("GET", "/api/v1/video/leaders?region=610202", super, nil); r.status != 400 || errorField(r, "region") == "" {
		t.Fatalf("leaders outside the scope: %d %s", r.status, r.raw)
	}
	if r := s.do("GET", "/api/v1/video/leaders", clerk, nil); r.status != 403 {
		t.Fatalf("a clerk asks for leaders: %d %s", r.status, r.raw)
	}

	// The leader plans a reception day in 汉滨区 the day after tomorrow and
	// publishes it.
	date := time.Now().In(cases.ChinaTime).AddDate(0, 0, 2).Format(time.DateOnly)
	r := s.do("POST", "/api/v1/video/days", leader, map[string]any{"region_code": "610902", "date": date,
		"topic": "城市建设专题接访", "slots": []map[string]any{
			{"start": "09:00", "end": "09:30", "capacity": 2}, {"start": "09:30", "end": "10:00", "capacity": 1}}})
	if r.status != 201 {
		t.Fatalf("create day: %d %s", r.status, r.raw)
	}
	dayID := int64(r.body["id"].(float64))
	slotID := int64(r.body["slots"].([]any)[0].(map[string]any)["id"].(float64))
	if r := s.do("POST", fmt.Sprintf("/api/v1/video/days/%d/publish", dayID), leader, nil); r.status != 200 || r.body["published"] != true {
		t.Fatalf("publish: %d %s", r.status, r.raw)
	}
	r = s.do("GET", "/api/v1/video/schedule?region=610902001003", "", nil)
	if items, _ := r.body["items"].([]any); r.status != 200 || len(items) != 1 {
		t.Fatalf("public schedule: %d %s", r.status, r.raw)
	}
	if r := s.do("GET", "/api/v1/video/days", other, nil); r.status != 200 || len(r.body["items"].([]any)) != 0 {
		t.Fatalf("another region's clerk: %d %s", r.status, r.raw)
	}

	// A clerk books a walk-in with a new matter: a video intake registered
	// through the detector.
	walkin := walkIn()
	delete(walkin, "channel")
	r = s.do("POST", "/api/v1/video/bookings", clerk, map[string]any{"slot_id": slotID, "intake": walkin})
	if r.status != 201 {
		t.Fatalf("walk-in booking: %d %s", r.status, r.raw)
	}
	walkinID := int64(r.body["id"].(float64))
	no := r.body["case_no"].(string)
	link := r.body["meeting_url"].(string)
	if reg, _ := r.body["registration"].(map[string]any); reg["decision"] != "new" || reg["case_no"] != no ||
		!strings.HasPrefix(link, "https://meet.example.gov.cn/room/") || !strings.HasSuffix(link, "?name="+no) ||
		len(link) != len("https://meet.example.gov.cn/room/?name=")+32+len(no) {
		t.Fatalf("walk-in booking: %s", r.raw)
	}
	r = s.do("GET", "/api/v1/cases/"+no, clerk, nil)
	if in := r.body["intakes"].([]any)[0].(map[string]any); in["channel"] != "video" {
		t.Fatalf("walk-in intake: %s", r.raw)
	}
	if r := s.do("POST", "/api/v1/video/bookings", other, map[string]any{"slot_id": slotID, "case_no": no}); r.status != 404 {
		t.Fatalf("booking outside the region: %d %s", r.status, r.raw)
	}

	// A resident signs in (WeChat's openid in production) and books with a
	// matter of their own.
	token, _, res, err := app.Residents.Login(ctx, "dev:x", "")
	if err != nil {
		t.Fatal(err)
	}
	r = s.do("POST", "/api/v1/me/video/bookings", token, map[string]any{"slot_id": slotID, "intake": map[string]any{
		"person":  map[string]any{"name": "陈大妈", "phone": "13911112222"},
		"subject": "楼上漏水多次协商无果", "content": "楼上住户卫生间漏水三个月，物业协调无果。", "region_code": "610902001003"}})
	if r.status != 201 || r.body["booked_via"] != "resident" {
		t.Fatalf("resident booking: %d %s", r.status, r.raw)
	}
	residentBooking := int64(r.body["id"].(float64))
	residentCase := r.body["case_no"].(string)
	if _, _, err := app.Cases.ResidentCase(ctx, res.ID, residentCase); err != nil {
		t.Fatalf("the resident's case: %v", err)
	}
	// The slot is full now.
	third := walkIn()
	delete(third, "channel")
	third["person"] = map[string]any{"name": "刘老汉", "phone": "13933334444"}
	third["subject"], third["content"] = "宅基地边界纠纷", "与邻居因宅基地边界发生争执，村委会调解未果。"
	if r := s.do("POST", "/api/v1/video/bookings", clerk, map[string]any{"slot_id": slotID, "intake": third}); r.status != 409 {
		t.Fatalf("full slot: %d %s", r.status, r.raw)
	}

	// Reminders 24 h and 1 h before each session are on the queue.
	jobs := videoJobs(t, app)
	if len(jobs) != 4 {
		t.Fatalf("%d reminder jobs, want 4", len(jobs))
	}
	// The resident cancels; then both bookings' day-before reminders run
	// at once: the live one is on the timeline, the cancelled one does
	// nothing.
	if r := s.do("POST", fmt.Sprintf("/api/v1/me/video/bookings/%d/cancel", residentBooking), token,
		map[string]string{"reason": "已与对方和解"}); r.status != 200 {
		t.Fatalf("cancel: %d %s", r.status, r.raw)
	}
	var run []int64
	for _, j := range jobs {
		var args video.ReminderArgs
		json.Unmarshal(j.EncodedArgs, &args)
		if args.LeadMinutes == 24*60 {
			run = append(run, j.ID)
			if _, err := app.Jobs.Client().JobRetry(ctx, j.ID); err != nil {
				t.Fatal(err)
			}
		}
	}
	deadline := time.Now().Add(20 * time.Second)
	for _, id := range run {
		for {
			j, err := app.Jobs.Client().JobGet(ctx, id)
			if err != nil {
				t.Fatal(err)
			}
			if j.State == rivertype.JobStateCompleted {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("reminder job %d: %s %v", id, j.State, j.Errors)
			}
			time.Sleep(50 * time.Millisecond)
		}
	}
	if ev := caseEvents(t, s, clerk, no, "video_reminder"); len(ev) != 1 || !strings.Contains(ev[0]["note"].(string), link) {
		t.Fatalf("reminder on the walk-in's timeline: %v", ev)
	}
	if ev := caseEvents(t, s, clerk, residentCase, "video_reminder"); len(ev) != 0 {
		t.Fatalf("a cancelled booking was reminded: %v", ev)
	}

	// The leader's agenda: the live booking, its case number and link.
	r = s.do("GET", "/api/v1/video/agenda?from="+date+"&to="+date, leader, nil)
	items, _ := r.body["items"].([]any)
	if r.status != 200 || len(items) != 1 || items[0].(map[string]any)["case_no"] != no || items[0].(map[string]any)["meeting_url"] != link {
		t.Fatalf("agenda: %d %s", r.status, r.raw)
	}

	// The session is recorded: a video intake on the case's timeline.
	start := time.Now().Add(-40 * time.Minute).In(cases.ChinaTime)
	r = s.do("POST", fmt.Sprintf("/api/v1/video/bookings/%d/session", walkinID), clerk, map[string]any{
		"started_at": start.Format(time.RFC3339), "ended_at": start.Add(35 * time.Minute).Format(time.RFC3339),
		"participants": []map[string]any{{"name": "王市长", "role": "接访领导"}, {"name": "李秀英", "role": "信访人"}},
		"summary":      "领导听取情况后，要求街道三日内督促拆除彩钢棚。", "outcome": "assigned", "recording_ref": "REC-0001"})
	if r.status != 201 || r.body["status"] != "done" {
		t.Fatalf("session: %d %s", r.status, r.raw)
	}
	ref := r.body["registration"].(map[string]any)["intake_ref"]
	r = s.do("GET", "/api/v1/cases/"+no, clerk, nil)
	var found map[string]any
	for _, x := range r.body["intakes"].([]any) {
		if in := x.(map[string]any); in["ref"] == ref {
			found = in
		}
	}
	if found == nil || found["channel"] != "video" || found["decision"] != "attached" || !strings.Contains(found["content"].(string), "REC-0001") {
		t.Fatalf("session intake: %s", r.raw)
	}
	if ev := caseEvents(t, s, clerk, no, "intake_added"); len(ev) != 1 {
		t.Fatalf("session on the timeline: %v", ev)
	}
}

// TestVideoReminderWeChat: a resident who booked in the mini-program gets
// the reminder as a subscribe message saying when and with whom.
func TestVideoReminderWeChat(t *testing.T) {
	ctx := context.Background()
	s, fake, _, app := startWeChatApp(t, "sqlite", nil)
	s.addUser("leader", "leader", "6109")
	leader := s.login("leader")
	date := time.Now().In(cases.ChinaTime).AddDate(0, 0, 2).Format(time.DateOnly)
	r := s.do("POST", "/api/v1/video/days", leader, map[string]any{"region_code": "610902", "date": date,
		"topic": "物业管理专题接访", "slots": []map[string]any{{"start": "09:00", "end": "09:30", "capacity": 2}}})
	if r.status != 201 {
		t.Fatalf("create day: %d %s", r.status, r.raw)
	}
	dayID := int64(r.body["id"].(float64))
	slotID := int64(r.body["slots"].([]any)[0].(map[string]any)["id"].(float64))
	if r := s.do("POST", fmt.Sprintf("/api/v1/video/days/%d/publish", dayID), leader, nil); r.status != 200 {
		t.Fatalf("publish: %d %s", r.status, r.raw)
	}
	fake.AddCode("code-chen", "o-chen", "")
	token := s.do("POST", "/api/v1/wechat/login", "", map[string]string{"code": "code-chen"}).body["token"].(string)
	r = s.do("POST", "/api/v1/me/video/bookings", token, map[string]any{"slot_id": slotID, "intake": map[string]any{
		"person":  map[string]any{"name": "陈大妈", "phone": "13911112222"},
		"subject": "楼上漏水多次协商无果", "content": "楼上住户卫生间漏水三个月，物业协调无果。", "region_code": "610902001003"}})
	if r.status != 201 {
		t.Fatalf("book: %d %s", r.status, r.raw)
	}
	no := r.body["case_no"].(string)

	// Run the day-before reminder now.
	for _, j := range videoJobs(t, app) {
		var args video.ReminderArgs
		json.Unmarshal(j.EncodedArgs, &args)
		if args.LeadMinutes == 24*60 {
			if _, err := app.Jobs.Client().JobRetry(ctx, j.ID); err != nil {
				t.Fatal(err)
			}
		}
	}
	s.addUser("clerk", "window_clerk", "610902")
	s.waitNote(s.login("clerk"), no, "视频接访提醒")
	var got *wechattest.Sent
	for _, m := range fake.Sent() {
		if m.TemplateID == "tpl-video" {
			got = &m
		}
	}
	if got == nil || got.ToUser != "o-chen" || got.Data["character_string1"] != no ||
		got.Data["time2"] != date+" 09:00" || got.Data["thing3"] != "leader" {
		t.Fatalf("reminder message: %+v (all: %+v)", got, fake.Sent())
	}
}

func videoJobs(t *testing.T, app *App) []*rivertype.JobRow {
	t.Helper()
	res, err := app.Jobs.Client().JobList(context.Background(),
		river.NewJobListParams().Kinds(video.ReminderArgs{}.Kind()).First(100))
	if err != nil {
		t.Fatal(err)
	}
	return res.Jobs
}

func caseEvents(t *testing.T, s *testServer, token, no, kind string) []map[string]any {
	t.Helper()
	r := s.do("GET", "/api/v1/cases/"+no, token, nil)
	if r.status != 200 {
		t.Fatalf("case %s: %d %s", no, r.status, r.raw)
	}
	var out []map[string]any
	for _, x := range r.body["events"].([]any) {
		if ev := x.(map[string]any); ev["kind"] == kind {
			out = append(out, ev)
		}
	}
	return out
}
