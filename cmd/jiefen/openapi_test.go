package main

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http/httptest"
	"reflect"
	"regexp"
	"runtime"
	"slices"
	"strings"
	"testing"

	"github.com/gofiber/fiber/v2"

	"github.com/jiefen/jiefen/cases"
	"github.com/jiefen/jiefen/channels/hotline"
	"github.com/jiefen/jiefen/channels/video"
	"github.com/jiefen/jiefen/channels/wechat"
	"github.com/jiefen/jiefen/kernel"
	"github.com/jiefen/jiefen/web"
)

// The OpenAPI document (web/openapi.json) against the app the server
// runs, channels mounted. web/openapi_test.go checks the core routes with
// web.New alone; the routes the channels mount are only here.

// Authentication of a route, and the security schemes that document it.
const (
	authPublic   = "public"
	authStaff    = "staff"
	authResident = "resident"
)

// schemeAuth says which authentication each security scheme of the
// document stands for. "signed" requests (the hotline's HMAC) are checked
// by the handler, on routes without an authentication middleware. A new
// scheme must be added here.
var schemeAuth = map[string]string{
	"bearerAuth":     authStaff,
	"cookieAuth":     authStaff,
	"residentBearer": authResident,
	"hmacSignature":  "signed",
	"hmacTimestamp":  "signed",
}

// openFullApp opens the app on a temporary data directory with every
// channel configured, so that each mounts all its routes.
func openFullApp(t *testing.T) *fiber.App {
	t.Helper()
	for k, v := range map[string]string{
		"HOTLINE_SECRET":       "openapi-test-secret",
		"HOTLINE_CALLBACK_URL": "http://127.0.0.1:9/12345/callback",
		"WECHAT_APPID":         "wx-openapi-test",
		"WECHAT_SECRET":        "wx-openapi-secret",
		"WECHAT_API_BASE":      "http://127.0.0.1:9",
		"WECHAT_PUSH_TOKEN":    "openapi-push-token",
		"WECHAT_TEMPLATES":     `{"events":{"accepted":{"template_id":"tpl-accepted","data":{"thing1":"{subject}"}}}}`,
		"JIEFEN_DEV_LOGIN":     "1",
		"JIEFEN_VIDEO_LINK":    "https://meet.example.gov.cn/room/{token}",
	} {
		t.Setenv(k, v)
	}
	app, err := OpenApp(context.Background(), Config{DataDir: t.TempDir()}, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { app.Close() })
	return app.Handler()
}

// servedDoc fetches the document the app serves.
func servedDoc(t *testing.T, app *fiber.App) map[string]any {
	t.Helper()
	res, err := app.Test(httptest.NewRequest(fiber.MethodGet, "/api/v1/openapi.json", nil), -1)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	body, _ := io.ReadAll(res.Body)
	if res.StatusCode != fiber.StatusOK {
		t.Fatalf("GET /api/v1/openapi.json: %d %s", res.StatusCode, body)
	}
	var doc map[string]any
	if err := json.Unmarshal(body, &doc); err != nil {
		t.Fatalf("served document: %v", err)
	}
	return doc
}

var fiberParam = regexp.MustCompile(`:([A-Za-z0-9_]+)\??`)

// routeAuth returns the documented API routes of app ("GET
// /api/v1/cases/{no}", as in the document) with the authentication each
// sits behind. Like appRoutes in web/openapi_test.go, which this mirrors
// rather than exporting a test helper from web.
func routeAuth(t *testing.T, app *fiber.App) map[string]string {
	t.Helper()
	name := func(h fiber.Handler) string { return runtime.FuncForPC(reflect.ValueOf(h).Pointer()).Name() }
	kind := func(hs []fiber.Handler) string {
		out := authPublic
		for _, h := range hs {
			switch n := name(h); {
			case strings.Contains(n, "(*Server).authenticate"):
				out = authStaff
			case strings.HasPrefix(n, "github.com/jiefen/jiefen/web.") && strings.Contains(n, "ResidentAuth"):
				// web.ResidentAuth's closure: web.ResidentAuth.func1, or
				// web.New.ResidentAuth.func6 when inlined into New.
				out = authResident
			}
		}
		return out
	}
	plain := map[string]bool{}
	for _, r := range app.GetRoutes(true) { // without Use middleware
		plain[r.Method+" "+r.Path] = true
	}
	type guard struct{ prefix, kind string }
	guarded := map[string][]guard{} // authentication by Use, in stack order
	routes := map[string]string{}
	for _, r := range app.GetRoutes() {
		if r.Method == fiber.MethodHead { // fiber adds HEAD to every GET
			continue
		}
		if !plain[r.Method+" "+r.Path] {
			if k := kind(r.Handlers); k != authPublic {
				guarded[r.Method] = append(guarded[r.Method], guard{r.Path, k})
			}
			continue
		}
		if r.Path != "/healthz" && r.Path != "/readyz" && r.Path != "/api/v1" && !strings.HasPrefix(r.Path, "/api/v1/") {
			continue
		}
		k := kind(r.Handlers)
		for _, g := range guarded[r.Method] {
			if r.Path == g.prefix || strings.HasPrefix(r.Path, strings.TrimSuffix(g.prefix, "/")+"/") {
				k = g.kind
			}
		}
		routes[r.Method+" "+fiberParam.ReplaceAllString(r.Path, "{$1}")] = k
	}
	return routes
}

type docOp struct {
	key string
	op  map[string]any
}

var methods = []string{"get", "put", "post", "delete", "options", "head", "patch", "trace"}

func docOperations(doc map[string]any) []docOp {
	paths, _ := doc["paths"].(map[string]any)
	var out []docOp
	for path, v := range paths {
		item, _ := v.(map[string]any)
		for _, m := range methods {
			if op, ok := item[m].(map[string]any); ok {
				out = append(out, docOp{key: strings.ToUpper(m) + " " + path, op: op})
			}
		}
	}
	return out
}

// channelOf is the channel or module whose tag (one with "x-channel" or
// "x-module") an operation carries, "" for a core operation.
func channelOf(doc map[string]any, op map[string]any) string {
	channels := map[string]string{}
	tags, _ := doc["tags"].([]any)
	for _, tag := range tags {
		m, _ := tag.(map[string]any)
		n, _ := m["name"].(string)
		channels[n], _ = m["x-channel"].(string)
		if mod, _ := m["x-module"].(string); mod != "" {
			channels[n] = mod
		}
	}
	list, _ := op["tags"].([]any)
	for _, tag := range list {
		if ch := channels[tag.(string)]; ch != "" {
			return ch
		}
	}
	return ""
}

// documentedAuth is what an operation's security requirement says:
// public, staff, resident or signed; "" when it mixes them.
func documentedAuth(t *testing.T, doc map[string]any, key string, op map[string]any) string {
	t.Helper()
	var security []any
	if s, ok := doc["security"].([]any); ok {
		security = s
	}
	if s, ok := op["security"]; ok {
		security, _ = s.([]any)
	}
	if len(security) == 0 {
		return authPublic
	}
	kinds := map[string]bool{}
	for _, req := range security {
		m, _ := req.(map[string]any)
		if len(m) == 0 {
			kinds[authPublic] = true // {} makes authentication optional
		}
		for name := range m {
			k, ok := schemeAuth[name]
			if !ok {
				t.Errorf("%s: security scheme %q: add it to schemeAuth in cmd/jiefen/openapi_test.go", key, name)
			}
			kinds[k] = true
		}
	}
	if len(kinds) != 1 {
		return ""
	}
	for k := range kinds {
		return k
	}
	return ""
}

// TestOpenAPIAllRoutes checks the document both ways against the app with
// every channel mounted: each route is documented with its method, nothing
// stale is documented, each operation's security matches the middleware in
// front of its handler (staff token, resident token, or none: public or
// signed), and exactly the routes the channels add are tagged as channel
// routes.
func TestOpenAPIAllRoutes(t *testing.T) {
	app := openFullApp(t)
	doc := servedDoc(t, app)
	routes := routeAuth(t, app)
	core := routeAuth(t, web.New(web.Deps{Log: slog.New(slog.NewTextHandler(io.Discard, nil))}))

	counts := map[string]int{}
	for _, k := range routes {
		counts[k]++
	}
	if counts[authStaff] < 10 || counts[authResident] < 5 || counts[authPublic] < 5 {
		t.Fatalf("routes by authentication: %v; update routeAuth to how authentication is wired", counts)
	}
	for _, prefix := range []string{"/api/v1/channels/hotline/", "/api/v1/wechat/", "/api/v1/me/", "/api/v1/video/"} {
		n := 0
		for key := range routes {
			if strings.Contains(key, " "+prefix) {
				n++
			}
		}
		if n == 0 {
			t.Errorf("no route under %s: is every channel mounted?", prefix)
		}
	}

	documented := map[string]bool{}
	for _, op := range docOperations(doc) {
		documented[op.key] = true
		auth, served := routes[op.key]
		if !served {
			t.Errorf("%s is documented but no such route is registered", op.key)
			continue
		}
		_, isCore := core[op.key]
		switch ch := channelOf(doc, op.op); {
		case ch != "" && isCore:
			t.Errorf("%s is tagged as a %s channel route but web.New registers it", op.key, ch)
		case ch == "" && !isCore:
			t.Errorf("%s is mounted by a channel: tag it with its channel's tag (x-channel)", op.key)
		}
		switch want := documentedAuth(t, doc, op.key, op.op); {
		case want == "":
			t.Errorf("%s mixes security schemes of different kinds", op.key)
		case auth == authStaff && want != authStaff:
			t.Errorf("%s requires a staff token but is documented as %s", op.key, want)
		case auth == authResident && want != authResident:
			t.Errorf("%s requires a resident token but is documented as %s", op.key, want)
		case auth == authPublic && want != authPublic && want != "signed":
			t.Errorf("%s has no authentication middleware but is documented as %s", op.key, want)
		}
	}
	for key := range routes {
		if !documented[key] {
			t.Errorf("route %s is not in openapi.json", key)
		}
	}
}

// TestOpenAPIChannelEnums keeps the channels' documented codes and limits
// equal to the Go ones.
func TestOpenAPIChannelEnums(t *testing.T) {
	doc := servedDoc(t, openFullApp(t))
	at := func(path ...string) any {
		var cur any = doc
		for _, p := range path {
			m, ok := cur.(map[string]any)
			if !ok {
				t.Fatalf("%v: no %s", path, p)
			}
			cur = m[p]
		}
		return cur
	}
	schema := func(name string, props ...string) map[string]any {
		path := []string{"components", "schemas", name}
		for _, p := range props {
			path = append(path, "properties", p)
		}
		m, _ := at(path...).(map[string]any)
		if m == nil {
			t.Fatalf("no schema %v", path)
		}
		return m
	}
	enum := func(s map[string]any) []string {
		var out []string
		list, _ := s["enum"].([]any)
		for _, v := range list {
			out = append(out, v.(string))
		}
		return out
	}
	oneOf := func(v any, field string) []string {
		f, _ := reflect.TypeOf(v).FieldByName(field)
		for _, rule := range strings.Split(f.Tag.Get("validate"), ",") {
			if after, ok := strings.CutPrefix(rule, "oneof="); ok {
				return strings.Fields(after)
			}
		}
		t.Fatalf("%T.%s has no oneof rule", v, field)
		return nil
	}
	statuses := []video.BookingStatus{video.StatusBooked, video.StatusCancelled, video.StatusDone}
	var statusCodes, statusLabels []string
	for _, s := range statuses {
		statusCodes, statusLabels = append(statusCodes, string(s)), append(statusLabels, s.Label())
	}
	for _, c := range []struct {
		name      string
		doc, want []string
	}{
		{"HotlineOrder.type", enum(schema("HotlineOrder", "type")), oneOf(hotline.Order{}, "Type")},
		{"HotlineOrder.urgency", enum(schema("HotlineOrder", "urgency")), oneOf(hotline.Order{}, "Urgency")},
		{"HotlineCallback.result", enum(schema("HotlineCallback", "result")), []string{hotline.ResultResolved, hotline.ResultReturned}},
		{"SessionOutcome", enum(schema("SessionOutcome")), video.Outcomes},
		{"BookingStatus", enum(schema("BookingStatus")), statusCodes},
		{"VideoBooking.status_label", enum(schema("VideoBooking", "status_label")), statusLabels},
	} {
		if !slices.Equal(c.doc, c.want) {
			t.Errorf("%s enum = %v, want %v", c.name, c.doc, c.want)
		}
	}
	var ratingLabels []string
	for _, r := range enum(schema("Rating")) {
		if cases.RatingLabel(r) == "" {
			t.Errorf("Rating %q is not a rating", r)
		}
		ratingLabels = append(ratingLabels, cases.RatingLabel(r))
	}
	if got := enum(schema("Evaluation", "rating_label")); !slices.Equal(got, ratingLabels) {
		t.Errorf("Evaluation.rating_label enum = %v, want %v", got, ratingLabels)
	}
	for _, o := range video.Outcomes {
		if video.OutcomeLabel(o) == "" {
			t.Errorf("outcome %q has no label", o)
		}
	}
	// Codes and kinds the channels produce are listed where the core's are.
	codes := enum(at("components", "schemas", "Error", "properties", "error", "properties", "code").(map[string]any))
	for _, c := range []string{kernel.EUnavailable, kernel.EUpstream} {
		if !slices.Contains(codes, c) {
			t.Errorf("Error.code has no %q", c)
		}
	}
	kinds := enum(schema("Event", "kind"))
	for _, k := range []string{cases.EventEvaluated, hotline.EventReturned, hotline.EventCallback, wechat.NoteKind,
		video.EventBooked, video.EventCancelled, video.EventDone, video.EventReminder} {
		if !slices.Contains(kinds, k) {
			t.Errorf("Event.kind has no %q", k)
		}
	}
	for name, c := range map[string]struct {
		doc  any
		want int
	}{
		"WeChatConfig.max_images":               {schema("WeChatConfig", "max_images")["const"], wechat.MaxImages},
		"WeChatConfig.max_image_bytes":          {schema("WeChatConfig", "max_image_bytes")["const"], wechat.MaxImageBytes},
		"ResidentIntakeRequest.images maxItems": {schema("ResidentIntakeRequest", "images")["maxItems"], wechat.MaxImages},
		"VideoDayRequest.slots maxItems":        {schema("VideoDayRequest", "slots")["maxItems"], video.MaxSlots},
		"SlotRequest.capacity maximum":          {schema("SlotRequest", "capacity")["maximum"], video.MaxCapacity},
		"VideoSessionRequest.participants":      {schema("VideoSessionRequest", "participants")["maxItems"], video.MaxPeople},
	} {
		if f, _ := c.doc.(float64); int(f) != c.want {
			t.Errorf("%s = %v, want %d", name, c.doc, c.want)
		}
	}
}
