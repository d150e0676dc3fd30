package main

import (
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/jiefen/jiefen/database/dbtest"
)

// TestDetectionAPI walks the detection end to end over HTTP: a duplicate
// merges, a neighbour groups, staff see the reasons, split and undo.
func TestDetectionAPI(t *testing.T) {
	t.Parallel() // no environment, no timing: runs beside the other parallel tests
	for _, dialect := range dbtest.Dialects() {
		t.Run(dialect, func(t *testing.T) { detectionAPI(t, dialect) })
	}
}

func detectionAPI(t *testing.T, dialect string) {
	s := startServer(t, dialect)
	s.addUser("clerk", "window_clerk", "610902")
	s.addUser("leader", "leader", "6109")
	clerk, leader := s.login("clerk"), s.login("leader")
	intake := s.neighbourIntake(t, clerk)
	first := intake("孙斌", "13812345678", "window", "丽发新城附近修建搅拌站噪音灰尘污染",
		"汉滨区丽发新城小区附近新建一座混凝土搅拌站，机器日夜轰鸣，渣土车进进出出，扬尘漫天，严重影响居民休息和健康。")
	no := first.body["case_no"].(string)
	dup := intake("孙斌", "13812345678", "hotline", "丽发新城附近修建搅拌站噪音灰尘污染",
		"来电人反映：丽发新城小区附近的搅拌站机器日夜轰鸣，扬尘漫天，严重影响休息。")
	if dup.body["decision"] != "merged" || dup.body["case_no"] != no {
		t.Fatalf("duplicate: %s", dup.raw)
	}
	rel := dup.body["related"].([]any)[0].(map[string]any)
	if rel["case_no"] != no || rel["reasons"].(map[string]any)["features"] == nil {
		t.Errorf("related: %v", rel)
	}
	nb := intake("龚俊斌", "13998765432", "web", "丽发新城附近搅拌站严重影响睡眠",
		"我已经好久没睡过安稳觉了，丽发新城小区附近建了一座搅拌站，每天尘土飞扬，噪音严重，晚上睡不着。")
	if nb.body["decision"] != "grouped" || nb.body["case_no"] == no {
		t.Fatalf("neighbour: %s", nb.raw)
	}
	r := s.do("GET", "/api/v1/clusters", leader, nil)
	items, _ := r.body["items"].([]any)
	if r.status != 200 || len(items) != 1 || items[0].(map[string]any)["cases"].(float64) != 2 {
		t.Fatalf("clusters: %s", r.raw)
	}
	id := int(items[0].(map[string]any)["id"].(float64))
	if r := s.do("GET", "/api/v1/clusters/"+itoa(id), leader, nil); r.status != 200 || len(r.body["items"].([]any)) != 2 {
		t.Errorf("cluster cases: %s", r.raw)
	}
	if r := s.do("GET", "/api/v1/clusters/999999", leader, nil); r.status != 404 {
		t.Errorf("unknown cluster: %d", r.status)
	}
	r = s.do("GET", "/api/v1/cases/"+nb.body["case_no"].(string)+"/similar", clerk, nil)
	if r.status != 200 || !strings.Contains(r.raw, no) || !strings.Contains(r.raw, "subject_sim") {
		t.Errorf("similar: %s", r.raw)
	}
	r = s.do("GET", "/api/v1/search?q="+urlq("搅拌站 扬尘"), leader, nil)
	if r.status != 200 || len(r.body["items"].([]any)) != 2 {
		t.Errorf("search: %s", r.raw)
	}
	if r := s.do("GET", "/api/v1/search", leader, nil); r.status != 400 {
		t.Errorf("empty search: %d", r.status)
	}

	// Split the hotline intake out, then undo it.
	ref := dup.body["intake_ref"].(string)
	r = s.do("POST", "/api/v1/cases/"+no+"/split", clerk, map[string]string{"intake_ref": ref, "note": "不同事项"})
	if r.status != 201 || r.body["case_no"] == no {
		t.Fatalf("split: %d %s", r.status, r.raw)
	}
	r = s.do("GET", "/api/v1/cases/"+no, clerk, nil)
	evs := r.body["events"].([]any)
	ev := evs[len(evs)-1].(map[string]any)
	if ev["kind"] != "split" {
		t.Fatalf("last event %v", ev)
	}
	r = s.do("POST", "/api/v1/cases/"+no+"/undo", clerk, map[string]any{"event_id": ev["id"], "note": "拆错了"})
	if r.status != 200 || len(r.body["intakes"].([]any)) != 2 {
		t.Errorf("undo: %d %s", r.status, r.raw)
	}
	for _, bad := range []struct{ path, body string }{
		{"/split", `{"intake_ref": "nope"}`},
		{"/undo", `{"event_id": 0}`},
		{"/merge", `{"from": ""}`},
		{"/links/abc", `{"status": "confirmed"}`},
		{"/links/1", `{"status": "maybe"}`},
	} {
		if r := s.do("POST", "/api/v1/cases/"+no+bad.path, clerk, bad.body); r.status != 400 && r.status != 404 {
			t.Errorf("%s %s: %d %s", bad.path, bad.body, r.status, r.raw)
		}
	}
	if r := s.do("POST", "/api/v1/cases/"+no+"/merge", leader, map[string]string{"from": nb.body["case_no"].(string)}); r.status != 403 {
		t.Errorf("leader merge: %d", r.status)
	}
}

func itoa(n int) string { return strconv.Itoa(n) }

func urlq(s string) string { return url.QueryEscape(s) }

// neighbourIntake returns a function that registers an environmental
// complaint from 西大街社区 (610902001003) as the given clerk, failing the
// test unless it answers 201: the detection tests' way to file.
func (s *testServer) neighbourIntake(t *testing.T, clerk string) func(name, phone, channel, subject, content string) response {
	return func(name, phone, channel, subject, content string) response {
		t.Helper()
		r := s.do("POST", "/api/v1/intakes", clerk, map[string]any{
			"channel": channel, "person": map[string]any{"name": name, "phone": phone},
			"subject": subject, "content": content, "region_code": "610902001003", "category": "environment",
		})
		if r.status != 201 {
			t.Fatalf("register: %d %s", r.status, r.raw)
		}
		return r
	}
}
