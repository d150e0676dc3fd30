package videoweb_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/jiefen/jiefen/cases"
	"github.com/jiefen/jiefen/channels/video/videotest"
	"github.com/jiefen/jiefen/channels/video/videoweb"
	"github.com/jiefen/jiefen/database/dbtest"
	"github.com/jiefen/jiefen/web"
)

type client struct {
	t   *testing.T
	app *fiber.App
}

type reply struct {
	status int
	body   map[string]any
	raw    string
}

func (c *client) do(method, path, token string, body any) reply {
	c.t.Helper()
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		rd = strings.NewReader(b)
	default:
		j, _ := json.Marshal(b)
		rd = bytes.NewReader(j)
	}
	req := httptest.NewRequest(method, path, rd)
	if rd != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	res, err := c.app.Test(req, -1)
	if err != nil {
		c.t.Fatal(err)
	}
	defer res.Body.Close()
	raw, _ := io.ReadAll(res.Body)
	r := reply{status: res.StatusCode, raw: string(raw)}
	json.Unmarshal(raw, &r.body)
	return r
}

func (r reply) field(name string) string {
	e, _ := r.body["error"].(map[string]any)
	f, _ := e["fields"].(map[string]any)
	s, _ := f[name].(string)
	return s
}

func (r reply) code() string {
	e, _ := r.body["error"].(map[string]any)
	s, _ := e["code"].(string)
	return s
}

func TestAPI(t *testing.T) {
	for _, d := range dbtest.Dialects() {
		t.Run(d, func(t *testing.T) { api(t, videotest.New(t, d)) })
	}
}

func api(t *testing.T, e *videotest.Env) {
	ctx := context.Background()
	app := web.New(web.Deps{Cases: e.Cases, Staff: e.Staff, Residents: e.Residents, Now: e.Now,
		Log: slog.New(slog.NewTextHandler(io.Discard, nil)), Mounts: []web.Mount{videoweb.Mount(e.Video)}})
	c := &client{t: t, app: app}
	login := func(name string) string {
		tok, _, _, err := e.Staff.Login(ctx, name, videotest.Password)
		if err != nil {
			t.Fatal(err)
		}
		return tok
	}
	supervisor, clerk, leader, other := login("supervisor"), login("clerk"), login("leader"), login("other")
	resTok, _, res, err := e.Residents.Login(ctx, "dev:h5-user", "")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.Residents.SetProfile(ctx, res.ID, "陈大妈", "13911112222"); err != nil {
		t.Fatal(err)
	}

	// Authentication per route kind.
	if r := c.do("GET", "/api/v1/video/days", "", nil); r.status != 401 || r.code() != "unauthorized" {
		t.Fatalf("no token: %d %s", r.status, r.raw)
	}
	if r := c.do("GET", "/api/v1/video/days", resTok, nil); r.status != 401 {
		t.Fatalf("resident token on a staff route: %d", r.status)
	}
	if r := c.do("GET", "/api/v1/me/video/bookings", clerk, nil); r.status != 401 {
		t.Fatalf("staff token on a resident route: %d", r.status)
	}

	// Validation in Chinese, per field.
	r := c.do("POST", "/api/v1/video/days", supervisor, map[string]any{
		"leader_id": e.Users["leader"].ID, "region_code": "61090", "date": "2025-12-3",
		"slots": []map[string]any{{"start": "9点", "end": "09:30", "capacity": 0}},
	})
	if r.status != 400 || !strings.Contains(r.field("date"), "日期") || !strings.Contains(r.field("slots[0].capacity"), "名额") ||
		!strings.Contains(r.field("slots[0].start"), "开始时间") || !strings.Contains(r.field("region_code"), "行政区划代码") {
		t.Fatalf("validation: %d %s", r.status, r.raw)
	}
	if r := c.do("POST", "/api/v1/video/days", supervisor, `{"date":"2025-12-03","colour":"red"}`); r.field("colour") != "未知字段" {
		t.Fatalf("unknown field: %s", r.raw)
	}
	day := map[string]any{"leader_id": e.Users["leader"].ID, "region_code": "610902", "date": "2025-12-03",
		"topic": "城市建设专题接访", "slots": []map[string]any{
			{"start": "09:00", "end": "09:30", "capacity": 1}, {"start": "09:30", "end": "10:00", "capacity": 2}}}
	if r := c.do("POST", "/api/v1/video/days", clerk, day); r.status != 403 {
		t.Fatalf("clerk plans: %d %s", r.status, r.raw)
	}
	r = c.do("POST", "/api/v1/video/days", supervisor, day)
	if r.status != 201 || r.body["published"] != false || r.body["leader_name"] != "王市长" {
		t.Fatalf("create day: %d %s", r.status, r.raw)
	}
	dayID := int64(r.body["id"].(float64))
	slots := r.body["slots"].([]any)
	slot0 := slots[0].(map[string]any)
	if slot0["start"] != "09:00" || slot0["starts_at"] != "2025-12-03T09:00:00+08:00" || slot0["remaining"] != 1.0 {
		t.Fatalf("slot JSON %v", slot0)
	}
	slotID := func(i int) int64 { return int64(slots[i].(map[string]any)["id"].(float64)) }

	// Unpublished: not offered, not bookable.
	if r := c.do("GET", "/api/v1/video/schedule", "", nil); r.status != 200 || len(r.body["items"].([]any)) != 0 {
		t.Fatalf("schedule before publishing: %d %s", r.status, r.raw)
	}
	if r := c.do("POST", fmt.Sprintf("/api/v1/video/days/%d/publish", dayID), other, nil); r.status != 403 {
		t.Fatalf("clerk publishes: %d", r.status)
	}
	if r := c.do("POST", fmt.Sprintf("/api/v1/video/days/%d/publish", dayID), leader, nil); r.status != 200 || r.body["published"] != true {
		t.Fatalf("publish: %d %s", r.status, r.raw)
	}
	if r := c.do("GET", fmt.Sprintf("/api/v1/video/days/%d", dayID), other, nil); r.status != 404 {
		t.Fatalf("a day outside the scope: %d", r.status)
	}

	// The public schedule: no leader id, no booking counts.
	r = c.do("GET", "/api/v1/video/schedule?region=610902001003", "", nil)
	items, _ := r.body["items"].([]any)
	if r.status != 200 || len(items) != 1 || strings.Contains(r.raw, "leader_id") || strings.Contains(r.raw, `"booked"`) ||
		strings.Contains(r.raw, "published") {
		t.Fatalf("schedule: %d %s", r.status, r.raw)
	}
	if r := c.do("GET", "/api/v1/video/schedule?region=6x", "", nil); r.status != 400 || r.field("region") == "" {
		t.Fatalf("bad region: %s", r.raw)
	}

	// A resident files a new matter with the booking; the profile supplies
	// the name and phone.
	r = c.do("POST", "/api/v1/me/video/bookings", resTok, map[string]any{"slot_id": slotID(0), "intake": map[string]any{
		"subject": "楼上漏水多次协商无果", "content": "楼上住户卫生间漏水三个月，物业协调无果。", "region_code": "610902001003",
		"respondent": "楼上住户"}})
	if r.status != 201 || r.body["booked_via"] != "resident" || r.body["registration"] == nil || r.body["meeting_url"] == "" ||
		r.body["booked_by_name"] != nil {
		t.Fatalf("resident books: %d %s", r.status, r.raw)
	}
	myID := int64(r.body["id"].(float64))
	myCase := r.body["case_no"].(string)
	// The seat is gone; the case's own booking on the day is unique.
	r = c.do("POST", "/api/v1/me/video/bookings", resTok, map[string]any{"slot_id": slotID(0), "case_no": myCase})
	if r.status != 409 || r.code() != "conflict" {
		t.Fatalf("full slot: %d %s", r.status, r.raw)
	}
	if r := c.do("POST", "/api/v1/me/video/bookings", resTok, map[string]any{"slot_id": slotID(1)}); r.status != 400 || r.field("case_no") == "" {
		t.Fatalf("neither case nor matter: %d %s", r.status, r.raw)
	}
	if r := c.do("GET", "/api/v1/me/video/bookings", resTok, nil); r.status != 200 || len(r.body["items"].([]any)) != 1 {
		t.Fatalf("my bookings: %d %s", r.status, r.raw)
	}

	// A clerk books a walk-in with a case number.
	walkin := e.Register(t, videotest.Walkin("李秀英", "13812345678", "邻居违建阻挡通道"), 0)
	r = c.do("POST", "/api/v1/video/bookings", clerk, map[string]any{"slot_id": slotID(1), "case_no": walkin.No})
	if r.status != 201 || r.body["booked_via"] != "staff" || r.body["booked_by_name"] != "李窗口" || r.body["registration"] != nil {
		t.Fatalf("walk-in: %d %s", r.status, r.raw)
	}
	walkinID := int64(r.body["id"].(float64))
	if r := c.do("POST", "/api/v1/video/bookings", other, map[string]any{"slot_id": slotID(1), "case_no": walkin.No}); r.status != 404 {
		t.Fatalf("a slot outside the scope: %d %s", r.status, r.raw)
	}
	if r := c.do("GET", fmt.Sprintf("/api/v1/video/bookings/%d", walkinID), other, nil); r.status != 404 {
		t.Fatalf("a booking outside the scope: %d", r.status)
	}
	if r := c.do("GET", fmt.Sprintf("/api/v1/me/video/bookings/%d", walkinID), resTok, nil); r.status != 404 {
		t.Fatalf("someone else's booking: %d", r.status)
	}

	// The leader's agenda lists both, by time, with links.
	r = c.do("GET", "/api/v1/video/agenda?from=2025-12-03&to=2025-12-03", leader, nil)
	items, _ = r.body["items"].([]any)
	if r.status != 200 || len(items) != 2 || items[0].(map[string]any)["case_no"] != myCase ||
		items[1].(map[string]any)["meeting_url"] == "" {
		t.Fatalf("agenda: %d %s", r.status, r.raw)
	}
	if r := c.do("GET", "/api/v1/video/agenda?from=2025-12-03&to=2026-12-03", leader, nil); r.status != 400 || r.field("to") == "" {
		t.Fatalf("long agenda: %d %s", r.status, r.raw)
	}

	// The resident cancels (no body needed); the seat is free again.
	if r := c.do("POST", fmt.Sprintf("/api/v1/me/video/bookings/%d/cancel", myID), resTok, nil); r.status != 200 || r.body["status"] != "cancelled" {
		t.Fatalf("cancel: %d %s", r.status, r.raw)
	}
	if r := c.do("POST", fmt.Sprintf("/api/v1/me/video/bookings/%d/cancel", myID), resTok, `{"reason":"x"}`); r.status != 409 {
		t.Fatalf("cancel again: %d %s", r.status, r.raw)
	}
	r = c.do("GET", fmt.Sprintf("/api/v1/video/days/%d", dayID), clerk, nil)
	if r.status != 200 || len(r.body["bookings"].([]any)) != 2 || r.body["slots"].([]any)[0].(map[string]any)["remaining"] != 1.0 {
		t.Fatalf("day detail: %d %s", r.status, r.raw)
	}

	// Recording the session.
	e.Set(time.Date(2025, 12, 3, 10, 30, 0, 0, cases.ChinaTime))
	clerk, leader = login("clerk"), login("leader") // staff tokens last 12 hours
	path := fmt.Sprintf("/api/v1/video/bookings/%d/session", walkinID)
	r = c.do("POST", path, clerk, map[string]any{"started_at": "2025-12-03 09:30", "ended_at": "2025-12-03T10:05:00+08:00",
		"participants": []map[string]any{{"name": ""}}, "summary": "听取情况", "outcome": "unknown"})
	if r.status != 400 || !strings.Contains(r.field("participants[0].name"), "姓名") || !strings.Contains(r.field("outcome"), "处理结果") {
		t.Fatalf("session validation: %d %s", r.status, r.raw)
	}
	session := map[string]any{"started_at": "2025-12-03T09:31:00+08:00", "ended_at": "2025-12-03T10:05:00+08:00",
		"participants": []map[string]any{{"name": "王市长", "role": "接访领导"}, {"name": "李秀英", "role": "信访人"}},
		"summary":      "领导要求街道三日内拆除违建。", "outcome": "assigned", "recording_ref": "REC-7"}
	if r := c.do("POST", path, clerk, map[string]any{"started_at": "09:31", "ended_at": "2025-12-03T10:05:00+08:00",
		"participants": session["participants"], "summary": "x", "outcome": "assigned"}); r.field("started_at") == "" {
		t.Fatalf("bad time: %s", r.raw)
	}
	if r := c.do("POST", path, leader, session); r.status != 403 {
		t.Fatalf("leader records: %d %s", r.status, r.raw)
	}
	r = c.do("POST", path, clerk, session)
	reg, _ := r.body["registration"].(map[string]any)
	sess, _ := r.body["session"].(map[string]any)
	if r.status != 201 || r.body["status"] != "done" || reg["decision"] != "attached" || sess["outcome_label"] != "交办处理" ||
		sess["intake_ref"] != reg["intake_ref"] {
		t.Fatalf("session: %d %s", r.status, r.raw)
	}
	if r := c.do("POST", path, clerk, session); r.status != 409 {
		t.Fatalf("second record: %d %s", r.status, r.raw)
	}
	if r := c.do("GET", "/api/v1/video/bookings/abc", clerk, nil); r.status != 404 {
		t.Fatalf("bad id: %d", r.status)
	}
}
