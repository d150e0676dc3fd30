package main

import (
	"bytes"
	"crypto/sha1"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"io"
	"mime/multipart"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jiefen/jiefen/channels/wechat/wechattest"
	"github.com/jiefen/jiefen/database/dbtest"
)

const wxTemplates = `{
  "miniprogram_state": "trial",
  "page": "pages/case/case?case_no={case_no}",
  "events": {
    "accepted":    {"template_id": "tpl-accepted", "data": {"character_string1": "{case_no}", "thing2": "{subject}", "phrase3": "{event}", "time4": "{time}"}},
    "in_progress": {"template_id": "tpl-progress", "data": {"character_string1": "{case_no}", "phrase2": "{event}"}},
    "resolved":    {"template_id": "tpl-resolved", "data": {"character_string1": "{case_no}", "phrase2": "{status}"}},
    "visited":     {"template_id": "tpl-visited",  "data": {"character_string1": "{case_no}", "phrase2": "{status}"}},
    "assigned":    {"template_id": "tpl-assigned", "data": {"character_string1": "{case_no}", "phrase2": "{event}"}},
    "needs_more_info": {"template_id": "tpl-more", "data": {"character_string1": "{case_no}", "thing2": "{request}"}},
    "video_reminder": {"template_id": "tpl-video", "data": {"character_string1": "{case_no}", "time2": "{session_time}", "thing3": "{leader}"}}
  }
}`

const wxPushToken = "push-token-123"

// syncBuffer collects the server's log.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// startWeChatServer runs the real server with the WeChat channel pointed
// at a fake WeChat API, and the development login on.
func startWeChatServer(t *testing.T, dialect string, env map[string]string) (*testServer, *wechattest.Server, *syncBuffer) {
	t.Helper()
	s, fake, logs, _ := startWeChatApp(t, dialect, env)
	return s, fake, logs
}

// startWeChatApp is startWeChatServer that also returns the app.
func startWeChatApp(t *testing.T, dialect string, env map[string]string) (*testServer, *wechattest.Server, *syncBuffer, *App) {
	t.Helper()
	fake := wechattest.New("wx-test-app", "wx-test-secret")
	t.Cleanup(fake.Close)
	for k, v := range map[string]string{
		"WECHAT_APPID": "wx-test-app", "WECHAT_SECRET": "wx-test-secret", "WECHAT_API_BASE": fake.URL,
		"WECHAT_TEMPLATES": wxTemplates, "WECHAT_PUSH_TOKEN": wxPushToken, "JIEFEN_DEV_LOGIN": "1",
		"WECHAT_NOTIFY_BACKOFF": "100ms", "WECHAT_NOTIFY_ATTEMPTS": "4", "WECHAT_DEFAULT_REGION": "610902",
	} {
		if _, ok := env[k]; !ok {
			t.Setenv(k, v)
		}
	}
	for k, v := range env {
		t.Setenv(k, strings.ReplaceAll(v, "{fake}", fake.URL))
	}
	if env["WECHAT_OA_APPID"] != "" {
		fake.EnableOAuth(env["WECHAT_OA_APPID"], env["WECHAT_OA_SECRET"])
	}
	logs := &syncBuffer{}
	s, app := startApp(t, dialect, logs, nil)
	return s, fake, logs, app
}

func wxPNG(t testing.TB) []byte {
	img := image.NewRGBA(image.Rect(0, 0, 64, 48))
	for x := 0; x < 64; x++ {
		for y := 0; y < 48; y++ {
			img.Set(x, y, color.RGBA{R: uint8(x * 4), G: uint8(y * 5), B: 120, A: 255})
		}
	}
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func wxJPEG(t testing.TB) []byte {
	img := image.NewRGBA(image.Rect(0, 0, 32, 32))
	var b bytes.Buffer
	if err := jpeg.Encode(&b, img, nil); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// upload posts one file as multipart/form-data.
func (s *testServer) upload(token, field, name string, data []byte) response {
	s.t.Helper()
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	fw, _ := mw.CreateFormFile(field, name)
	fw.Write(data)
	mw.Close()
	req, _ := http.NewRequest("POST", s.url+"/api/v1/me/uploads", &body)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		return response{status: -1, raw: err.Error()}
	}
	defer res.Body.Close()
	raw, _ := io.ReadAll(res.Body)
	r := response{status: res.StatusCode, header: res.Header, raw: string(raw)}
	json.Unmarshal(raw, &r.body)
	return r
}

func (s *testServer) getBytes(path, token string) (int, string, []byte) {
	s.t.Helper()
	req, _ := http.NewRequest("GET", s.url+path, nil)
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		s.t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res.StatusCode, res.Header.Get("Content-Type"), b
}

func (s *testServer) devLogin(name string) string {
	s.t.Helper()
	r := s.do("POST", "/api/v1/wechat/dev-login", "", map[string]string{"name": name})
	tok, _ := r.body["token"].(string)
	if r.status != 200 || tok == "" {
		s.t.Fatalf("dev login %s: %d %s", name, r.status, r.raw)
	}
	return tok
}

// staffEvents returns the case's timeline as staff see it.
func (s *testServer) staffEvents(token, no string) []map[string]any {
	s.t.Helper()
	r := s.do("GET", "/api/v1/cases/"+no, token, nil)
	if r.status != 200 {
		s.t.Fatalf("get case: %d %s", r.status, r.raw)
	}
	var out []map[string]any
	for _, e := range r.body["events"].([]any) {
		out = append(out, e.(map[string]any))
	}
	return out
}

// waitNote waits for a WeChat delivery note on the timeline containing
// text, and returns it.
func (s *testServer) waitNote(token, no, text string) map[string]any {
	s.t.Helper()
	deadline := time.Now().Add(45 * time.Second)
	for time.Now().Before(deadline) {
		for _, e := range s.staffEvents(token, no) {
			if e["kind"] == "wechat_notify" && strings.Contains(fmt.Sprint(e["note"]), text) {
				return e
			}
		}
		time.Sleep(100 * time.Millisecond)
	}
	s.t.Fatalf("no wechat_notify note with %q on %s: %v", text, no, s.staffEvents(token, no))
	return nil
}

func wxSign(timestamp, nonce string) string {
	parts := []string{wxPushToken, timestamp, nonce}
	sort.Strings(parts)
	sum := sha1.Sum([]byte(strings.Join(parts, "")))
	return hex.EncodeToString(sum[:])
}

func TestWeChat(t *testing.T) {
	for _, dialect := range dbtest.Dialects() {
		t.Run(dialect, func(t *testing.T) { weChatEndToEnd(t, dialect) })
	}
}

func weChatEndToEnd(t *testing.T, dialect string) {
	s, fake, logs := startWeChatServer(t, dialect, nil)
	s.addUser("clerk", "window_clerk", "610902")
	s.addUser("other", "window_clerk", "610202") // 铜川市王益区
	clerk, other := s.login("clerk"), s.login("other")

	// ------------------------------------------------------------ login
	fake.AddCode("code-alice", "o-alice", "union-alice")
	r := s.do("POST", "/api/v1/wechat/login", "", map[string]string{"code": "code-alice"})
	alice, _ := r.body["token"].(string)
	if r.status != 200 || alice == "" || r.body["expires_at"] == nil {
		t.Fatalf("wechat login: %d %s", r.status, r.raw)
	}
	if r := s.do("POST", "/api/v1/wechat/login", "", map[string]string{"code": "code-alice"}); r.status != 401 {
		t.Errorf("reused code: %d %s", r.status, r.raw)
	}
	if r := s.do("POST", "/api/v1/wechat/login", "", map[string]string{"code": "expired-code"}); r.status != 401 || errorCode(r) != "unauthorized" {
		t.Errorf("invalid code: %d %s", r.status, r.raw)
	}
	if r := s.do("POST", "/api/v1/wechat/login", "", map[string]string{}); r.status != 400 || errorField(r, "code") == "" {
		t.Errorf("missing code: %d %s", r.status, r.raw)
	}
	fake.FailLogin("code-busy", -1)
	r = s.do("POST", "/api/v1/wechat/login", "", map[string]string{"code": "code-busy"})
	e, _ := r.body["error"].(map[string]any)
	rid, _ := e["request_id"].(string)
	if r.status != 502 || errorCode(r) != "upstream_unavailable" || rid == "" || !strings.Contains(fmt.Sprint(e["message"]), "微信") {
		t.Errorf("wechat busy: %d %s", r.status, r.raw)
	}
	if !strings.Contains(logs.String(), rid) || !strings.Contains(logs.String(), "errcode=-1") {
		t.Errorf("the failure is not logged with request ID %s", rid)
	}
	if strings.Contains(logs.String(), "wx-test-secret") {
		t.Error("the app secret is in the log")
	}

	// ------------------------------------------------------------ profile
	fake.AddPhoneCode("phone-1", "13812345678")
	r = s.do("POST", "/api/v1/me/phone", alice, map[string]string{"code": "phone-1"})
	if r.status != 200 || r.body["phone"] != "138****5678" || r.body["has_phone"] != true {
		t.Fatalf("bind phone: %d %s", r.status, r.raw)
	}
	if r := s.do("POST", "/api/v1/me/phone", alice, map[string]string{"code": "phone-1"}); r.status != 400 || errorField(r, "code") == "" {
		t.Errorf("used phone code: %d %s", r.status, r.raw)
	}
	if r := s.do("PUT", "/api/v1/me/profile", alice, map[string]string{"name": "李秀英"}); r.status != 200 || r.body["name"] != "李秀英" {
		t.Errorf("profile: %d %s", r.status, r.raw)
	}
	if r := s.do("GET", "/api/v1/me/profile", "", nil); r.status != 401 {
		t.Errorf("profile without token: %d", r.status)
	}
	if r := s.do("GET", "/api/v1/me/profile", clerk, nil); r.status != 401 {
		t.Errorf("a staff token is not a resident token: %d", r.status)
	}

	// ------------------------------------------------------------ uploads
	pngData, jpegData := wxPNG(t), wxJPEG(t)
	up1 := s.upload(alice, "file", "scene.png", pngData)
	up2 := s.upload(alice, "file", "notes.txt", jpegData) // the content decides, not the name
	if up1.status != 201 || up1.body["content_type"] != "image/png" || up2.status != 201 || up2.body["content_type"] != "image/jpeg" {
		t.Fatalf("uploads: %d %s / %d %s", up1.status, up1.raw, up2.status, up2.raw)
	}
	img1, img2 := up1.body["id"].(string), up2.body["id"].(string)
	if r := s.upload(alice, "file", "evil.jpg", []byte("<html><script>alert(1)</script></html>")); r.status != 400 || errorField(r, "file") == "" {
		t.Errorf("non-image: %d %s", r.status, r.raw)
	}
	big := append(append([]byte{}, pngData...), make([]byte, 5<<20)...)
	if r := s.upload(alice, "file", "big.png", big); r.status != 400 || !strings.Contains(errorField(r, "file"), "5MB") {
		t.Errorf("image over 5 MiB: %d %s", r.status, r.raw)
	}
	if r := s.upload(alice, "file", "huge.png", make([]byte, 8<<20)); r.status != 413 && r.status != -1 {
		t.Errorf("8 MiB body: %d %s", r.status, r.raw)
	}
	if r := s.upload(alice, "photo", "scene.png", pngData); r.status != 400 {
		t.Errorf("wrong field: %d %s", r.status, r.raw)
	}
	if r := s.upload("", "file", "scene.png", pngData); r.status != 401 {
		t.Errorf("upload without login: %d", r.status)
	}
	// The 1 MiB limit still holds elsewhere.
	req, _ := http.NewRequest("POST", s.url+"/api/v1/me/intakes", strings.NewReader(`{"subject":"`+strings.Repeat("长", 400000)+`"}`))
	req.Header.Set("Authorization", "Bearer "+alice)
	req.Header.Set("Content-Type", "application/json")
	if res, err := http.DefaultClient.Do(req); err == nil {
		res.Body.Close()
		if res.StatusCode != 413 {
			t.Errorf("1.2 MB intake body: %d", res.StatusCode)
		}
	} // else the server closed the connection while the body was still being sent: refused too

	// ------------------------------------------------------------ filing
	matter := map[string]any{
		"subject": "楼上邻居夜间噪音扰民", "content": "楼上住户每晚十一点后搬动家具、大声喧哗，多次沟通无果，影响老人休息。",
		"address": "汉滨区老城街道西大街12号", "region_code": "610902001003", "category": "neighbourhood",
		"images": []string{img1, img2},
	}
	r = s.do("POST", "/api/v1/me/intakes", alice, matter, "Idempotency-Key", "form-1")
	no, _ := r.body["case_no"].(string)
	if r.status != 201 || !strings.HasPrefix(no, "610902") || r.body["status"] != "registered" || !strings.Contains(fmt.Sprint(r.body["message"]), no) {
		t.Fatalf("file: %d %s", r.status, r.raw)
	}
	again := s.do("POST", "/api/v1/me/intakes", alice, matter, "Idempotency-Key", "form-1")
	if again.status != 200 || again.body["case_no"] != no || again.body["intake_ref"] != r.body["intake_ref"] {
		t.Errorf("retry with the same key: %d %s", again.status, again.raw)
	}
	changed := map[string]any{}
	for k, v := range matter {
		changed[k] = v
	}
	changed["content"] = "另一件事"
	changed["images"] = []string{}
	if r := s.do("POST", "/api/v1/me/intakes", alice, changed, "Idempotency-Key", "form-1"); r.status != 409 {
		t.Errorf("same key, other content: %d %s", r.status, r.raw)
	}
	// The images are taken: a second matter cannot reuse them.
	changed["images"] = []string{img1}
	if r := s.do("POST", "/api/v1/me/intakes", alice, changed); r.status != 400 || errorField(r, "images[0]") == "" {
		t.Errorf("reused image: %d %s", r.status, r.raw)
	}
	bad := map[string]any{"subject": "", "content": "有事反映", "region_code": "999", "category": "gossip",
		"person": map[string]string{"name": "李秀英", "phone": "12345"}}
	r = s.do("POST", "/api/v1/me/intakes", alice, bad)
	if r.status != 400 || errorField(r, "subject") == "" || !strings.Contains(errorField(r, "region_code"), "行政区划代码") ||
		!strings.Contains(errorField(r, "person.phone"), "手机号码") || errorField(r, "category") == "" {
		t.Errorf("invalid matter: %d %s", r.status, r.raw)
	}
	ten := map[string]any{"subject": "a", "content": "b", "region_code": "610902",
		"images": []string{"1", "2", "3", "4", "5", "6", "7", "8", "9", "10"}}
	if r := s.do("POST", "/api/v1/me/intakes", alice, ten); r.status != 400 || !strings.Contains(errorField(r, "images"), "9") {
		t.Errorf("ten images: %d %s", r.status, r.raw)
	}
	if r := s.do("POST", "/api/v1/me/intakes", alice, map[string]any{"subject": "a", "content": "b", "region_code": "610902", "secret": 1}); r.status != 400 || errorField(r, "secret") == "" {
		t.Errorf("unknown field: %d %s", r.status, r.raw)
	}

	// ------------------------------------------------------------ another resident
	bob := s.devLogin("王五")
	if r := s.do("GET", "/api/v1/me/cases", bob, nil); r.status != 200 || len(r.body["items"].([]any)) != 0 {
		t.Errorf("bob's cases: %d %s", r.status, r.raw)
	}
	if r := s.do("GET", "/api/v1/me/cases/"+no, bob, nil); r.status != 404 {
		t.Errorf("bob reads alice's case: %d %s", r.status, r.raw)
	}
	if code, _, _ := s.getBytes("/api/v1/me/images/"+img1, bob); code != 404 {
		t.Errorf("bob reads alice's image: %d", code)
	}
	if r := s.do("POST", "/api/v1/me/intakes", bob, map[string]any{"subject": "a", "content": "b", "region_code": "610902",
		"person": map[string]string{"phone": "13900001111"}, "images": []string{img2}}); r.status != 400 || errorField(r, "images[0]") == "" {
		t.Errorf("bob attaches alice's image: %d %s", r.status, r.raw)
	}
	// Without a phone in the profile, the form must give one.
	if r := s.do("POST", "/api/v1/me/intakes", bob, map[string]any{"subject": "a", "content": "b", "region_code": "610902"}); r.status != 400 || !strings.Contains(errorField(r, "person.phone"), "手机号码") {
		t.Errorf("bob without phone: %d %s", r.status, r.raw)
	}

	// ------------------------------------------------------------ alice's view
	r = s.do("GET", "/api/v1/me/cases", alice, nil)
	if items, _ := r.body["items"].([]any); r.status != 200 || len(items) != 1 || items[0].(map[string]any)["status_label"] != "已登记" {
		t.Fatalf("alice's cases: %d %s", r.status, r.raw)
	}
	r = s.do("GET", "/api/v1/me/cases/"+no, alice, nil)
	subs, _ := r.body["submissions"].([]any)
	if r.status != 200 || len(subs) != 1 || r.body["can_evaluate"] != false {
		t.Fatalf("alice's case: %d %s", r.status, r.raw)
	}
	sub := subs[0].(map[string]any)
	imgs, _ := sub["images"].([]any)
	if len(imgs) != 2 || sub["phone"] != "138****5678" || sub["name"] != "李秀英" {
		t.Fatalf("submission %v", sub)
	}
	code, ct, got := s.getBytes(imgs[0].(map[string]any)["url"].(string), alice)
	if code != 200 || ct != "image/png" || !bytes.Equal(got, pngData) {
		t.Errorf("image: %d %s %d bytes", code, ct, len(got))
	}

	// ------------------------------------------------------------ staff
	r = s.do("GET", "/api/v1/cases/"+no+"/images", clerk, nil)
	items, _ := r.body["items"].([]any)
	if r.status != 200 || len(items) != 2 {
		t.Fatalf("staff images: %d %s", r.status, r.raw)
	}
	if code, ct, got := s.getBytes(items[1].(map[string]any)["url"].(string), clerk); code != 200 || ct != "image/jpeg" || !bytes.Equal(got, jpegData) {
		t.Errorf("staff image: %d %s", code, ct)
	}
	if r := s.do("GET", "/api/v1/cases/"+no+"/images", other, nil); r.status != 404 {
		t.Errorf("staff of another region: %d", r.status)
	}
	if r := s.do("GET", "/api/v1/cases/"+no+"/images", alice, nil); r.status != 401 {
		t.Errorf("resident token on a staff route: %d", r.status)
	}
	r = s.do("GET", "/api/v1/cases/"+no, clerk, nil)
	if in := r.body["intakes"].([]any)[0].(map[string]any); in["channel"] != "wechat" {
		t.Errorf("intake channel %v", in["channel"])
	}

	// ------------------------------------------------------------ messages
	transition := func(to, note string) {
		t.Helper()
		if r := s.do("POST", "/api/v1/cases/"+no+"/transitions", clerk, map[string]string{"to": to, "note": note}); r.status != 200 {
			t.Fatalf("transition %s: %d %s", to, r.status, r.raw)
		}
	}
	transition("accepted", "内部备注：申请人情绪激动，注意沟通方式")
	ev := s.waitNote(clerk, no, "已通过微信订阅消息告知群众：已受理")
	if ev["actor"] != "微信消息推送" {
		t.Errorf("note actor %v", ev["actor"])
	}
	sent := fake.Sent()
	if len(sent) != 1 || sent[0].ToUser != "o-alice" || sent[0].TemplateID != "tpl-accepted" ||
		sent[0].Data["character_string1"] != no || sent[0].Data["phrase3"] != "已受理" || sent[0].State != "trial" ||
		sent[0].Page != "pages/case/case?case_no="+no {
		t.Fatalf("sent %+v", sent)
	}

	// ------------------------------------------------------------ assignment
	s.addUser("boss", "supervisor", "610902")
	s.addUser("med", "mediator", "610902")
	boss, med := s.login("boss"), s.login("med")
	r = s.do("GET", "/api/v1/cases/"+no+"/assignees", boss, nil)
	var names []string
	for _, it := range r.body["items"].([]any) {
		names = append(names, it.(map[string]any)["username"].(string))
	}
	if r.status != 200 || strings.Join(names, ",") != "boss,clerk,med" {
		t.Errorf("assignees %v: %d %s", names, r.status, r.raw)
	}
	assign := map[string]string{"assignee": "med", "note": "内部交办：尽快上门"}
	if r := s.do("POST", "/api/v1/cases/"+no+"/assignment", clerk, assign); r.status != 403 {
		t.Errorf("a clerk assigns: %d %s", r.status, r.raw)
	}
	if r := s.do("POST", "/api/v1/cases/"+no+"/assignment", boss, map[string]string{"assignee": "nobody"}); r.status != 400 || errorField(r, "assignee") == "" {
		t.Errorf("unknown assignee: %d %s", r.status, r.raw)
	}
	if r := s.do("POST", "/api/v1/cases/"+no+"/assignment", boss, map[string]string{"assignee": "other"}); r.status != 400 || !strings.Contains(errorField(r, "assignee"), "管辖") {
		t.Errorf("assignee of another region: %d %s", r.status, r.raw)
	}
	r = s.do("POST", "/api/v1/cases/"+no+"/assignment", boss, assign)
	if a, _ := r.body["assignee"].(map[string]any); r.status != 200 || a["name"] != "med" {
		t.Fatalf("assign: %d %s", r.status, r.raw)
	}
	s.waitNote(clerk, no, "已分派承办人")
	r = s.do("GET", "/api/v1/cases?assignee=me", med, nil)
	if items, _ := r.body["items"].([]any); r.status != 200 || len(items) != 1 || items[0].(map[string]any)["case_no"] != no {
		t.Errorf("the mediator's caseload: %d %s", r.status, r.raw)
	}
	if r := s.do("GET", "/api/v1/cases?assignee=none", clerk, nil); r.status != 200 || len(r.body["items"].([]any)) != 0 {
		t.Errorf("unassigned cases: %d %s", r.status, r.raw)
	}

	// ------------------------------------------------------------ more information
	request := "请补充噪音发生的具体时间段，以及楼上住户的门牌号。"
	if r := s.do("POST", "/api/v1/cases/"+no+"/info-requests", med, map[string]string{"request": " "}); r.status != 400 || errorField(r, "request") == "" {
		t.Errorf("empty request: %d %s", r.status, r.raw)
	}
	r = s.do("POST", "/api/v1/cases/"+no+"/info-requests", med, map[string]string{"request": request})
	if ir, _ := r.body["info_request"].(map[string]any); r.status != 200 || ir["request"] != request || r.body["info_requested_at"] == nil {
		t.Fatalf("info request: %d %s", r.status, r.raw)
	}
	s.waitNote(clerk, no, "需要补充材料")
	if r := s.do("GET", "/api/v1/cases?awaiting_info=true", clerk, nil); r.status != 200 || len(r.body["items"].([]any)) != 1 {
		t.Errorf("cases awaiting information: %d %s", r.status, r.raw)
	}
	var more *wechattest.Sent
	for _, m := range fake.Sent() {
		if m.TemplateID == "tpl-more" {
			more = &m
		}
	}
	if more == nil || !strings.HasPrefix(request, strings.TrimSuffix(more.Data["thing2"], "…")) || more.Data["character_string1"] != no {
		t.Errorf("needs_more_info message %+v", more)
	}
	r = s.do("GET", "/api/v1/me/cases/"+no, alice, nil)
	if ir, _ := r.body["info_request"].(map[string]any); r.status != 200 || ir["request"] != request || r.body["can_supplement"] != true {
		t.Fatalf("alice sees the request: %d %s", r.status, r.raw)
	}
	supplement := map[string]any{"content": "每晚23点至次日1点，楼上是12号3单元502室。", "images": []string{s.upload(alice, "file", "s.png", pngData).body["id"].(string)}}
	if r := s.do("POST", "/api/v1/me/cases/"+no+"/supplements", bob, map[string]string{"content": "我也补充"}); r.status != 404 {
		t.Errorf("bob supplements alice's case: %d %s", r.status, r.raw)
	}
	r = s.do("POST", "/api/v1/me/cases/"+no+"/supplements", alice, supplement, "Idempotency-Key", "sup-1")
	if r.status != 201 || r.body["case_no"] != no || len(r.body["images"].([]any)) != 1 {
		t.Fatalf("supplement: %d %s", r.status, r.raw)
	}
	if again := s.do("POST", "/api/v1/me/cases/"+no+"/supplements", alice, supplement, "Idempotency-Key", "sup-1"); again.status != 200 || again.body["intake_ref"] != r.body["intake_ref"] {
		t.Errorf("supplement retried: %d %s", again.status, again.raw)
	}
	r = s.do("GET", "/api/v1/cases/"+no, clerk, nil)
	ins, _ := r.body["intakes"].([]any)
	if r.status != 200 || len(ins) != 2 || ins[1].(map[string]any)["decision"] != "attached" || r.body["info_request"] != nil {
		t.Fatalf("staff view after the supplement: %d %s", r.status, r.raw)
	}
	if r := s.do("GET", "/api/v1/cases/"+no+"/images", clerk, nil); len(r.body["items"].([]any)) != 3 {
		t.Errorf("staff images after the supplement: %s", r.raw)
	}

	// An outage: the first try fails, the timeline says so, the retry
	// delivers.
	fake.Outage(1)
	before := len(fake.Sent())
	transition("in_progress", "")
	s.waitNote(clerk, no, "暂时失败")
	s.waitNote(clerk, no, "正在办理（第2次尝试）")
	if len(fake.Sent()) != before+1 {
		t.Errorf("after the outage: %d sent", len(fake.Sent()))
	}

	// The resident has not subscribed: recorded, not retried.
	fake.FailSend("o-alice", 43101)
	_, _, sends, _ := fake.Calls()
	transition("resolved", "")
	s.waitNote(clerk, no, "43101")
	time.Sleep(1500 * time.Millisecond)
	if _, _, now, _ := fake.Calls(); now != sends+1 {
		t.Errorf("a refused message was tried %d times", now-sends)
	}
	fake.FailSend("o-alice", 0)

	// The resident refused the template in the popup (message push): no
	// call to WeChat at all.
	ts, nonce := "1700000000", "n0nce"
	push := fmt.Sprintf(`{"ToUserName":"gh_jiefen","FromUserName":"o-alice","CreateTime":%d,"MsgType":"event",`+
		`"Event":"subscribe_msg_popup_event","List":[{"TemplateId":"tpl-visited","SubscribeStatusString":"reject","PopupScene":"0"}]}`,
		time.Now().Unix())
	path := "/api/v1/wechat/push?signature=" + wxSign(ts, nonce) + "&timestamp=" + ts + "&nonce=" + nonce
	req, _ = http.NewRequest("POST", s.url+path, strings.NewReader(push))
	req.Header.Set("Content-Type", "application/json")
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != 200 || string(body) != "success" {
		t.Fatalf("push: %d %s", res.StatusCode, body)
	}
	_, _, sends, _ = fake.Calls()
	transition("visited", "")
	s.waitNote(clerk, no, "已拒绝接收")
	if _, _, now, _ := fake.Calls(); now != sends {
		t.Errorf("a refused template was sent")
	}

	// ------------------------------------------------------------ the resident's timeline
	r = s.do("GET", "/api/v1/me/cases/"+no, alice, nil)
	for _, hidden := range []string{"内部备注", "微信消息推送", "43101", "clerk", "wechat_notify", "注意沟通方式", "内部交办", "med"} {
		if strings.Contains(r.raw, hidden) {
			t.Errorf("resident sees %q: %s", hidden, r.raw)
		}
	}
	var titles []string
	for _, e := range r.body["timeline"].([]any) {
		titles = append(titles, e.(map[string]any)["title"].(string))
	}
	if strings.Join(titles, ",") != "事项已登记,已受理,已确定承办人,需要您补充材料,收到您补充的材料,正在办理,已办结,已回访" || r.body["can_evaluate"] != true {
		t.Errorf("timeline %v, can_evaluate %v", titles, r.body["can_evaluate"])
	}

	// ------------------------------------------------------------ evaluation
	if r := s.do("POST", "/api/v1/me/cases/"+no+"/evaluation", bob, map[string]string{"rating": "满意"}); r.status != 404 {
		t.Errorf("bob evaluates alice's case: %d", r.status)
	}
	if r := s.do("POST", "/api/v1/me/cases/"+no+"/evaluation", alice, map[string]string{"rating": "很好"}); r.status != 400 {
		t.Errorf("unknown rating: %d %s", r.status, r.raw)
	}
	r = s.do("POST", "/api/v1/me/cases/"+no+"/evaluation", alice, map[string]string{"rating": "满意", "comment": "处理及时，谢谢"})
	if r.status != 201 || r.body["rating"] != "satisfied" || r.body["rating_label"] != "满意" {
		t.Fatalf("evaluate: %d %s", r.status, r.raw)
	}
	if r := s.do("POST", "/api/v1/me/cases/"+no+"/evaluation", alice, map[string]string{"rating": "dissatisfied"}); r.status != 409 {
		t.Errorf("second evaluation: %d %s", r.status, r.raw)
	}
	r = s.do("GET", "/api/v1/me/cases/"+no, alice, nil)
	if ev, _ := r.body["evaluation"].(map[string]any); ev["rating_label"] != "满意" || r.body["can_evaluate"] != false {
		t.Errorf("after evaluating: %s", r.raw)
	}

	// ------------------------------------------------------------ logout
	if r := s.do("POST", "/api/v1/me/logout", bob, nil); r.status != 204 {
		t.Errorf("logout: %d", r.status)
	}
	if r := s.do("GET", "/api/v1/me/cases", bob, nil); r.status != 401 {
		t.Errorf("after logout: %d", r.status)
	}
}

// TestWeChatPush checks the message push endpoint's handshake and
// signatures.
func TestWeChatPush(t *testing.T) {
	s, _, _ := startWeChatServer(t, "sqlite", nil)
	ts, nonce := "1700000000", "abc"
	get := func(sig string) (int, string) {
		code, _, b := s.getBytes("/api/v1/wechat/push?signature="+sig+"&timestamp="+ts+"&nonce="+nonce+"&echostr=hello-echo", "")
		return code, string(b)
	}
	if code, body := get(wxSign(ts, nonce)); code != 200 || body != "hello-echo" {
		t.Errorf("handshake: %d %q", code, body)
	}
	if code, body := get("0000"); code != 403 || strings.Contains(body, "hello-echo") {
		t.Errorf("bad signature: %d %q", code, body)
	}
	r := s.do("POST", "/api/v1/wechat/push?signature=bad&timestamp="+ts+"&nonce="+nonce, "", `{"MsgType":"event"}`)
	if r.status != 403 {
		t.Errorf("unsigned push: %d", r.status)
	}
	r = s.do("POST", "/api/v1/wechat/push?signature="+wxSign(ts, nonce)+"&timestamp="+ts+"&nonce="+nonce, "", `not json`)
	if r.status != 400 {
		t.Errorf("garbage push: %d %s", r.status, r.raw)
	}
}

// TestWeChatOff: without configuration there is no WeChat login, no dev
// login and no push, but the resident API and the page are there.
func TestWeChatOff(t *testing.T) {
	s, _, _ := startWeChatServer(t, "sqlite", map[string]string{"WECHAT_APPID": "", "WECHAT_SECRET": "",
		"WECHAT_TEMPLATES": "", "WECHAT_PUSH_TOKEN": "", "JIEFEN_DEV_LOGIN": "", "WECHAT_DEFAULT_REGION": ""})
	for _, p := range []string{"/api/v1/wechat/login", "/api/v1/wechat/dev-login"} {
		if r := s.do("POST", p, "", map[string]string{"code": "x", "name": "x"}); r.status != 404 {
			t.Errorf("%s: %d %s", p, r.status, r.raw)
		}
	}
	if code, _, _ := s.getBytes("/api/v1/wechat/push?echostr=x", ""); code != 404 {
		t.Errorf("push: %d", code)
	}
	r := s.do("GET", "/api/v1/wechat/config", "", nil)
	if r.status != 200 || r.body["dev_login"] != false || r.body["wechat_login"] != false || r.body["default_region"] != nil {
		t.Errorf("config: %d %s", r.status, r.raw)
	}
	if r := s.do("GET", "/api/v1/me/cases", "", nil); r.status != 401 {
		t.Errorf("resident API: %d", r.status)
	}
	code, ct, body := s.getBytes("/m/", "")
	if code != 200 || !strings.HasPrefix(ct, "text/html") || !strings.Contains(string(body), "解纷") {
		t.Errorf("/m/: %d %s", code, ct)
	}
	res, err := (&http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}).Get(s.url + "/m")
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != 301 || res.Header.Get("Location") != "/m/" {
		t.Errorf("/m: %d %s", res.StatusCode, res.Header.Get("Location"))
	}
	if code, ct, _ := s.getBytes("/m/app.js", ""); code != 200 || !strings.Contains(ct, "javascript") {
		t.Errorf("app.js: %d %s", code, ct)
	}
	if code, _, _ := s.getBytes("/m/nope.js", ""); code != 404 {
		t.Errorf("missing asset: %d", code)
	}
}

// TestWeChatOAuth: the H5 page's own login in WeChat's browser (web
// authorisation through an official account) against the fake WeChat:
// the same person as in the mini-program (one unionid) finds their cases;
// refusals, snapshot-page visitors, stale states and WeChat failures land
// back on the page with a message; residents known only from the web pages
// get no subscribe messages, and staff see why.
func TestWeChatOAuth(t *testing.T) {
	s, fake, logs := startWeChatServer(t, "sqlite", map[string]string{"WECHAT_OA_APPID": "wx-test-oa",
		"WECHAT_OA_SECRET": "wx-test-oa-secret", "WECHAT_OAUTH_BASE": "{fake}"})
	s.addUser("clerk", "window_clerk", "610902")
	clerk := s.login("clerk")
	if r := s.do("GET", "/api/v1/wechat/config", "", nil); r.body["oauth_login"] != true {
		t.Fatalf("config: %s", r.raw)
	}

	// login runs the browser's part: /m/oauth → WeChat's authorize page →
	// /m/oauth/callback → /m/#token=… or /m/#oauth_error=….
	login := func(start string) (token, failure string) {
		t.Helper()
		jar, _ := cookiejar.New(nil)
		client := &http.Client{Jar: jar, CheckRedirect: func(req *http.Request, via []*http.Request) error {
			if req.URL.Path == "/m/" {
				return http.ErrUseLastResponse // the page: the fragment is the answer
			}
			return nil
		}}
		res, err := client.Get(s.url + start)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		loc, err := url.Parse(res.Header.Get("Location"))
		if res.StatusCode != http.StatusFound || err != nil || loc.Path != "/m/" {
			t.Fatalf("%s: %d %q", start, res.StatusCode, res.Header.Get("Location"))
		}
		frag, _ := url.ParseQuery(loc.Fragment)
		return frag.Get("token"), frag.Get("oauth_error")
	}

	// 李秀英 uses the mini-program (unionid u-li) and files a matter.
	fake.AddCode("code-li", "mp-li", "u-li")
	li := s.do("POST", "/api/v1/wechat/login", "", map[string]string{"code": "code-li"}).body["token"].(string)
	matter := map[string]any{"subject": "小区门口占道经营", "content": "每天傍晚小区门口被摊贩占满，车辆无法进出。",
		"region_code": "610902001003", "person": map[string]any{"name": "李秀英", "phone": "13912345678"}}
	r := s.do("POST", "/api/v1/me/intakes", li, matter)
	if r.status != 201 {
		t.Fatalf("file: %d %s", r.status, r.raw)
	}
	no := r.body["case_no"].(string)

	// Later she opens the H5 link from the official account's menu.
	fake.AuthorizeAs("oa-li", "u-li", false)
	token, failure := login("/m/oauth")
	if token == "" || failure != "" {
		t.Fatalf("web authorisation: token %q, error %q", token, failure)
	}
	r = s.do("GET", "/api/v1/me/cases", token, nil)
	if items, _ := r.body["items"].([]any); r.status != 200 || len(items) != 1 || items[0].(map[string]any)["case_no"] != no {
		t.Fatalf("her cases through the web login: %d %s", r.status, r.raw)
	}

	// 王建国 has never used the mini-program: a new account, no cases.
	fake.AuthorizeAs("oa-wang", "", false)
	wang, _ := login("/m/oauth")
	if r := s.do("GET", "/api/v1/me/cases", wang, nil); r.status != 200 || len(r.body["items"].([]any)) != 0 {
		t.Fatalf("a new resident's cases: %d %s", r.status, r.raw)
	}
	matter["subject"], matter["person"] = "楼道堆放杂物", map[string]any{"name": "王建国", "phone": "13712345678"}
	r = s.do("POST", "/api/v1/me/intakes", wang, matter)
	if r.status != 201 {
		t.Fatalf("file (web login): %d %s", r.status, r.raw)
	}
	wangNo := r.body["case_no"].(string)
	// Staff accept both: 李秀英 gets the message in the mini-program;
	// 王建国 cannot, and the timeline says so.
	for _, n := range []string{no, wangNo} {
		if r := s.do("POST", "/api/v1/cases/"+n+"/transitions", clerk, map[string]string{"to": "accepted"}); r.status != 200 {
			t.Fatalf("accept %s: %d %s", n, r.status, r.raw)
		}
	}
	s.waitNote(clerk, wangNo, "仅通过公众号网页登录")
	s.waitNote(clerk, no, "已通过微信订阅消息告知群众")
	for _, m := range fake.Sent() {
		if m.ToUser != "mp-li" {
			t.Errorf("a message went to %q", m.ToUser)
		}
	}

	// Failures come back to the page with a reason.
	for _, tc := range []struct {
		name, want string
		prepare    func()
	}{
		{"refused", "未同意", func() {}},
		{"snapshot page", "使用完整服务", func() { fake.AuthorizeAs("oa-snap", "", true) }},
	} {
		tc.prepare()
		if token, failure := login("/m/oauth"); token != "" || !strings.Contains(failure, tc.want) {
			t.Errorf("%s: token %q, error %q", tc.name, token, failure)
		}
	}
	// A callback without the state cookie (forged, or a stale tab).
	fake.AuthorizeAs("oa-li", "u-li", false)
	if token, failure := login("/m/oauth/callback?code=oauth-code-1&state=00"); token != "" || !strings.Contains(failure, "过期") {
		t.Errorf("no state: token %q, error %q", token, failure)
	}
	if strings.Contains(logs.String(), "wx-test-oa-secret") {
		t.Error("the official account's secret is in the log")
	}

	// Without an official account configured, /m/oauth says so.
	off, _, _ := startWeChatServer(t, "sqlite", map[string]string{"WECHAT_OA_APPID": "", "WECHAT_OA_SECRET": ""})
	if r := off.do("GET", "/api/v1/wechat/config", "", nil); r.body["oauth_login"] != false {
		t.Errorf("config without an official account: %s", r.raw)
	}
	res, err := (&http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}).Get(off.url + "/m/oauth")
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if loc := res.Header.Get("Location"); res.StatusCode != 302 || !strings.Contains(loc, "oauth_error=") {
		t.Errorf("/m/oauth without an official account: %d %s", res.StatusCode, loc)
	}
}
