package main

import (
	"fmt"
	"strings"
	"testing"

	"github.com/jiefen/jiefen/database/dbtest"
)

// Issue 12, item 1: a resident who knows a complainant's name and phone
// cannot attach themselves to the complainant's case, WeChat-filed or a
// walk-in. Their intake becomes a case of its own with a suggested link
// for staff, the answer says nothing of the other case, and no merge they
// did not make themselves (staff's included) lets them read, supplement or
// evaluate it. Merging into the resident's own cases still works, and so
// does joining a walk-in case with the phone WeChat verified for them.
func TestSecurityResidentMerge(t *testing.T) {
	for _, dialect := range dbtest.Dialects() {
		t.Run(dialect, func(t *testing.T) { securityResidentMerge(t, dialect) })
	}
}

func securityResidentMerge(t *testing.T, dialect string) {
	s, fake, _ := startWeChatServer(t, dialect, nil)
	s.addUser("clerk", "window_clerk", "610902")
	clerk := s.login("clerk")

	var lastRef string
	file := func(token string, body map[string]any) (string, string) {
		t.Helper()
		r := s.do("POST", "/api/v1/me/intakes", token, body)
		no, _ := r.body["case_no"].(string)
		if r.status != 201 || no == "" {
			t.Fatalf("file: %d %s", r.status, r.raw)
		}
		lastRef, _ = r.body["intake_ref"].(string)
		return no, fmt.Sprint(r.body["message"])
	}
	transition := func(no string, to ...string) {
		t.Helper()
		for _, st := range to {
			if r := s.do("POST", "/api/v1/cases/"+no+"/transitions", clerk, map[string]string{"to": st}); r.status != 200 {
				t.Fatalf("transition %s to %s: %d %s", no, st, r.status, r.raw)
			}
		}
	}
	// suggested reports whether staff see a suggested link between the cases.
	suggested := func(no, other string) bool {
		t.Helper()
		r := s.do("GET", "/api/v1/cases/"+no, clerk, nil)
		links, _ := r.body["links"].([]any)
		for _, l := range links {
			if l := l.(map[string]any); l["case_no"] == other && l["status"] == "suggested" {
				return true
			}
		}
		return false
	}
	// shut checks that the resident can neither read, supplement nor
	// evaluate the case, nor find it in their list, nor learn its number.
	shut := func(who, token, no string) {
		t.Helper()
		if r := s.do("GET", "/api/v1/me/cases/"+no, token, nil); r.status != 404 {
			t.Errorf("%s reads %s: %d %s", who, no, r.status, r.raw)
		}
		if r := s.do("POST", "/api/v1/me/cases/"+no+"/supplements", token, map[string]any{"content": "补充：对方又来闹事"}); r.status != 404 {
			t.Errorf("%s supplements %s: %d %s", who, no, r.status, r.raw)
		}
		if r := s.do("POST", "/api/v1/me/cases/"+no+"/evaluation", token, map[string]string{"rating": "不满意"}); r.status != 404 {
			t.Errorf("%s evaluates %s: %d %s", who, no, r.status, r.raw)
		}
		if r := s.do("GET", "/api/v1/me/cases", token, nil); r.status != 200 || strings.Contains(r.raw, no) {
			t.Errorf("%s's list shows %s: %d %s", who, no, r.status, r.raw)
		}
	}

	// ---------------------------------------------- a case filed on WeChat
	victim := map[string]any{"name": "张桂兰", "phone": "13987654321"}
	matter := map[string]any{
		"subject": "楼下餐馆油烟直排扰民", "content": "楼下川味餐馆的排烟管道直通我家窗户，每天中午晚上油烟熏得无法开窗，家中老人咳嗽加重，找老板协商多次无果。",
		"address": "汉滨区老城街道北大街88号", "region_code": "610902001003", "category": "neighbourhood", "person": victim,
	}
	r1 := s.devLogin("张桂兰")
	a, msg := file(r1, matter)
	if !strings.Contains(msg, a) {
		t.Errorf("R1's answer: %s", msg)
	}
	// R1 filing the same matter again joins R1's own case.
	again := map[string]any{}
	for k, v := range matter {
		again[k] = v
	}
	again["content"] = "楼下川味餐馆的排烟管道直通我家窗户，每天中午晚上油烟熏得无法开窗，老人咳嗽加重，请尽快处理。"
	if no, msg := file(r1, again); no != a || !strings.Contains(msg, "合并") {
		t.Errorf("R1 again: %s %s, want merged into %s", no, msg, a)
	}

	// R2, the restaurant's side, files in R1's name and phone.
	r2 := s.devLogin("王老板")
	attack := map[string]any{}
	for k, v := range matter {
		attack[k] = v
	}
	attack["content"] = "楼下川味餐馆排烟管道直通窗户，每天中午晚上油烟熏得无法开窗，老人咳嗽加重，协商无果。"
	b, msg := file(r2, attack)
	attackRef := lastRef
	if b == a || strings.Contains(msg, a) || strings.Contains(msg, "合并") {
		t.Fatalf("R2 joined R1's case: %s %s", b, msg)
	}
	shut("R2", r2, a)
	if !suggested(b, a) {
		t.Errorf("staff see no suggested link from %s to %s", b, a)
	}
	// R2 is not mentioned to R1 either.
	if r := s.do("GET", "/api/v1/me/cases/"+a, r1, nil); r.status != 200 || strings.Contains(r.raw, b) || strings.Contains(r.raw, "王老板") {
		t.Errorf("R1's case: %d %s", r.status, r.raw)
	}

	// Handled: R1 evaluates; R2 could not have.
	transition(a, "accepted", "in_progress", "resolved")
	shut("R2", r2, a)
	if r := s.do("POST", "/api/v1/me/cases/"+a+"/evaluation", r1, map[string]string{"rating": "满意"}); r.status != 201 {
		t.Errorf("R1 evaluates: %d %s", r.status, r.raw)
	}

	// Staff find it is the same matter after all and merge R2's case into
	// R1's: R2 keeps their own number, shown as merged, and nothing more.
	if r := s.do("POST", "/api/v1/cases/"+a+"/merge", clerk, map[string]string{"from": b, "note": "同一事项"}); r.status != 200 {
		t.Fatalf("staff merge: %d %s", r.status, r.raw)
	}
	shut("R2 after staff's merge", r2, a)
	if r := s.do("GET", "/api/v1/me/cases/"+b, r2, nil); r.status != 200 || r.body["status"] != "merged" || strings.Contains(r.raw, a) {
		t.Errorf("R2's merged case: %d %s", r.status, r.raw)
	}
	// Split out again, R2's intake is a case of R2's own.
	sp := s.do("POST", "/api/v1/cases/"+a+"/split", clerk, map[string]string{"intake_ref": attackRef, "note": "并非同一事项"})
	split, _ := sp.body["case_no"].(string)
	if sp.status != 201 || split == "" || split == a {
		t.Fatalf("split: %d %s", sp.status, sp.raw)
	}
	if r := s.do("GET", "/api/v1/me/cases/"+split, r2, nil); r.status != 200 || len(r.body["submissions"].([]any)) != 1 {
		t.Errorf("R2's split-out case: %d %s", r.status, r.raw)
	}
	shut("R2 after the split", r2, a)

	// ---------------------------------------------- a walk-in case
	walk := s.do("POST", "/api/v1/intakes", clerk, walkIn())
	w, _ := walk.body["case_no"].(string)
	if walk.status != 201 || w == "" {
		t.Fatalf("walk-in: %d %s", walk.status, walk.raw)
	}
	wi := walkIn()
	like := map[string]any{"subject": wi["subject"], "content": "隔壁王某在巷道加盖彩钢棚，堵住出行通道，协商多次都没有结果。",
		"address": wi["address"], "region_code": wi["region_code"], "category": wi["category"],
		"person": map[string]any{"name": "李秀英", "phone": "13812345678"}}

	// The applicant herself, with the phone WeChat verified for her, joins it.
	fake.AddCode("code-li", "o-li", "")
	login := s.do("POST", "/api/v1/wechat/login", "", map[string]string{"code": "code-li"})
	li, _ := login.body["token"].(string)
	fake.AddPhoneCode("phone-li", "13812345678")
	if r := s.do("POST", "/api/v1/me/phone", li, map[string]string{"code": "phone-li"}); r.status != 200 {
		t.Fatalf("bind phone: %d %s", r.status, r.raw)
	}
	if no, msg := file(li, like); no != w || !strings.Contains(msg, "合并") {
		t.Errorf("the applicant with her verified phone: %s %s, want merged into %s", no, msg, w)
	}
	if r := s.do("GET", "/api/v1/me/cases/"+w, li, nil); r.status != 200 {
		t.Errorf("the applicant reads %s: %d %s", w, r.status, r.raw)
	}

	// The neighbour who typed her name and phone does not.
	r3 := s.devLogin("王某")
	c, msg := file(r3, like)
	if c == w || strings.Contains(msg, w) || strings.Contains(msg, "合并") {
		t.Fatalf("R3 joined the walk-in case: %s %s", c, msg)
	}
	shut("R3", r3, w)
	if !suggested(c, w) {
		t.Errorf("staff see no suggested link from %s to %s", c, w)
	}
	// Nor does a phone typed into the profile, unverified.
	r4 := s.devLogin("李秀英")
	if r := s.do("PUT", "/api/v1/me/profile", r4, map[string]string{"phone": "13812345678"}); r.status != 200 {
		t.Fatalf("profile: %d %s", r.status, r.raw)
	}
	if d, msg := file(r4, like); d == w || strings.Contains(msg, w) {
		t.Errorf("a typed phone joined the walk-in case: %s %s", d, msg)
	}
	shut("R4", r4, w)
}
