package web

import (
	"encoding/json"
	"io"
	"log/slog"
	"net/http/httptest"
	"reflect"
	"regexp"
	"runtime"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/gofiber/fiber/v2"

	"github.com/jiefen/jiefen/cases"
	"github.com/jiefen/jiefen/kernel"
)

// quietDeps are enough to build the app: New keeps the dependencies for the
// handlers and calls none of them.
func quietDeps() Deps { return Deps{Log: slog.New(slog.NewTextHandler(io.Discard, nil))} }

// openapiDoc parses the embedded document.
func openapiDoc(t *testing.T) map[string]any {
	t.Helper()
	var doc map[string]any
	if err := json.Unmarshal(openapiJSON, &doc); err != nil {
		t.Fatalf("openapi.json is not valid JSON: %v", err)
	}
	return doc
}

func TestOpenAPIDocument(t *testing.T) {
	doc := openapiDoc(t)
	if v, _ := doc["openapi"].(string); !strings.HasPrefix(v, "3.1") {
		t.Errorf("openapi = %q, want 3.1.x", v)
	}
	info, _ := doc["info"].(map[string]any)
	if title, _ := info["title"].(string); title != "Jiefen 解纷 API" {
		t.Errorf("info.title = %q", title)
	}
	if v, _ := info["version"].(string); v == "" {
		t.Error("info.version is empty")
	}
	// operationIds are unique (webhooks included): client generators name
	// methods after them.
	seen := map[string]string{}
	ops := append(documentedOperations(t, doc), webhookOperations(doc)...)
	for _, op := range ops {
		id, _ := op.op["operationId"].(string)
		if id == "" {
			t.Errorf("%s has no operationId", op.key)
		} else if prev, dup := seen[id]; dup {
			t.Errorf("operationId %q used by %s and %s", id, prev, op.key)
		}
		seen[id] = op.key
	}
	// Every operation has declared tags, either only channel tags or none
	// (the route checks tell core and channel routes apart by them), and
	// names only declared security schemes.
	declared := map[string]bool{}
	tags, _ := doc["tags"].([]any)
	for _, tag := range tags {
		m, _ := tag.(map[string]any)
		name, _ := m["name"].(string)
		declared[name] = true
	}
	channels := channelTags(doc)
	components, _ := doc["components"].(map[string]any)
	schemes, _ := components["securitySchemes"].(map[string]any)
	for _, op := range ops {
		list, _ := op.op["tags"].([]any)
		if len(list) == 0 {
			t.Errorf("%s has no tag", op.key)
		}
		nChannel := 0
		for _, tag := range list {
			name, _ := tag.(string)
			if !declared[name] {
				t.Errorf("%s: tag %q is not declared in tags", op.key, name)
			}
			if channels[name] != "" {
				nChannel++
			}
		}
		if nChannel != 0 && nChannel != len(list) {
			t.Errorf("%s mixes channel and core tags", op.key)
		}
		security, _ := op.op["security"].([]any)
		for _, req := range security {
			m, _ := req.(map[string]any)
			for name := range m {
				if _, ok := schemes[name]; !ok {
					t.Errorf("%s: security scheme %q is not declared", op.key, name)
				}
			}
		}
	}
}

// channelTags maps the tags of routes a channel mounts (web.Deps.Mounts)
// to their channel: such tags carry "x-channel".
func channelTags(doc map[string]any) map[string]string {
	out := map[string]string{}
	tags, _ := doc["tags"].([]any)
	for _, tag := range tags {
		m, _ := tag.(map[string]any)
		name, _ := m["name"].(string)
		if ch, _ := m["x-channel"].(string); ch != "" {
			out[name] = ch
		}
	}
	return out
}

// channelOf is the channel that mounts a documented operation ("" for the
// core routes New registers itself).
func channelOf(doc map[string]any, op documentedOp) string {
	channels := channelTags(doc)
	list, _ := op.op["tags"].([]any)
	for _, tag := range list {
		name, _ := tag.(string)
		if ch := channels[name]; ch != "" {
			return ch
		}
	}
	return ""
}

// webhookOperations lists the requests Jiefen sends (OpenAPI webhooks).
func webhookOperations(doc map[string]any) []documentedOp {
	hooks, _ := doc["webhooks"].(map[string]any)
	var ops []documentedOp
	for name, v := range hooks {
		item, _ := v.(map[string]any)
		for _, m := range httpMethods {
			if op, ok := item[m].(map[string]any); ok {
				ops = append(ops, documentedOp{key: "webhook " + strings.ToUpper(m) + " " + name, path: name, item: item, op: op})
			}
		}
	}
	return ops
}

// isServed reports whether a route is part of the documented API.
func isServed(path string) bool {
	return path == "/healthz" || path == "/readyz" || path == "/api/v1" || strings.HasPrefix(path, "/api/v1/")
}

var fiberParam = regexp.MustCompile(`:([A-Za-z0-9_]+)\??`)

// openAPIPath turns /cases/:no into /cases/{no}.
func openAPIPath(p string) string { return fiberParam.ReplaceAllString(p, "{$1}") }

type documentedOp struct {
	key  string // "GET /api/v1/cases/{no}"
	path string
	item map[string]any
	op   map[string]any
}

var httpMethods = []string{"get", "put", "post", "delete", "options", "head", "patch", "trace"}

func documentedOperations(t *testing.T, doc map[string]any) []documentedOp {
	t.Helper()
	paths, ok := doc["paths"].(map[string]any)
	if !ok || len(paths) == 0 {
		t.Fatal("document has no paths")
	}
	var ops []documentedOp
	for path, v := range paths {
		item, _ := v.(map[string]any)
		for _, m := range httpMethods {
			if op, ok := item[m].(map[string]any); ok {
				ops = append(ops, documentedOp{key: strings.ToUpper(m) + " " + path, path: path, item: item, op: op})
			}
		}
	}
	sort.Slice(ops, func(i, j int) bool { return ops[i].key < ops[j].key })
	return ops
}

func handlerName(h fiber.Handler) string {
	return runtime.FuncForPC(reflect.ValueOf(h).Pointer()).Name()
}

// appRoutes returns the served routes of the app, keyed like documentedOp,
// with whether each one sits behind the authenticate middleware.
func appRoutes(t *testing.T, app *fiber.App) map[string]bool {
	t.Helper()
	isAuth := func(h fiber.Handler) bool { return strings.Contains(handlerName(h), "authenticate") }
	plain := map[string]bool{}
	for _, r := range app.GetRoutes(true) { // without Use middleware
		plain[r.Method+" "+r.Path] = true
	}
	routes := map[string]bool{}
	sawAuth := false
	// guarded holds, per method, the prefixes of the authenticate middleware
	// registered so far; GetRoutes() lists routes in stack (matching) order.
	guarded := map[string][]string{}
	for _, r := range app.GetRoutes() {
		if r.Method == fiber.MethodHead { // fiber adds HEAD to every GET
			continue
		}
		if !plain[r.Method+" "+r.Path] {
			// Use middleware: remember where authentication starts.
			if slices.ContainsFunc(r.Handlers, isAuth) {
				guarded[r.Method] = append(guarded[r.Method], r.Path)
				sawAuth = true
			}
			continue
		}
		if !isServed(r.Path) {
			continue
		}
		auth := slices.ContainsFunc(r.Handlers, isAuth)
		for _, prefix := range guarded[r.Method] {
			if r.Path == prefix || strings.HasPrefix(r.Path, strings.TrimSuffix(prefix, "/")+"/") {
				auth = true
			}
		}
		sawAuth = sawAuth || auth
		routes[r.Method+" "+openAPIPath(r.Path)] = auth
	}
	if !sawAuth {
		t.Fatal("found no route behind (*Server).authenticate; update appRoutes to how authentication is wired")
	}
	return routes
}

// TestOpenAPIRoutes keeps the document and the router in step: every API
// route is documented with the same method, nothing stale is documented, and
// exactly the routes behind authentication declare a security requirement.
//
// The app here has no Mounts: the channels (hotline, WeChat, video) add
// their routes from packages web cannot import without a cycle. Their
// operations are tagged with a tag that has "x-channel"; here they must not
// be registered by New itself, and everything else about them (that each
// exists, with its method and security, and that nothing they mount is
// undocumented) is checked against the real mounts by TestOpenAPIAllRoutes
// in cmd/jiefen, which builds the app the server runs.
func TestOpenAPIRoutes(t *testing.T) {
	doc := openapiDoc(t)
	routes := appRoutes(t, New(quietDeps()))
	if len(routes) < 10 {
		t.Fatalf("only %d API routes found: %v", len(routes), routes)
	}
	var globalSecurity []any
	if s, ok := doc["security"].([]any); ok {
		globalSecurity = s
	}
	documented := map[string]bool{}
	for _, op := range documentedOperations(t, doc) {
		documented[op.key] = true
		auth, served := routes[op.key]
		if ch := channelOf(doc, op); ch != "" {
			if served {
				t.Errorf("%s is tagged as a %s channel route (x-channel) but New registers it", op.key, ch)
			}
			checkPathParams(t, doc, op)
			continue
		}
		if !served {
			t.Errorf("%s is documented but no such route is registered", op.key)
			continue
		}
		security := globalSecurity
		if s, ok := op.op["security"]; ok {
			security, _ = s.([]any)
		}
		public := len(security) == 0
		for _, req := range security {
			if m, _ := req.(map[string]any); len(m) == 0 {
				public = true // {} makes authentication optional
			}
		}
		if auth && public {
			t.Errorf("%s requires a token but is documented as public", op.key)
		} else if !auth && !public {
			t.Errorf("%s is public but is documented with a security requirement", op.key)
		}
		checkPathParams(t, doc, op)
	}
	for key := range routes {
		if !documented[key] {
			t.Errorf("route %s is not in openapi.json", key)
		}
	}
}

var templateParam = regexp.MustCompile(`\{([^}]+)\}`)

// checkPathParams checks that every {param} of the path is declared.
func checkPathParams(t *testing.T, doc map[string]any, op documentedOp) {
	t.Helper()
	declared := map[string]bool{}
	for _, list := range []any{op.item["parameters"], op.op["parameters"]} {
		params, _ := list.([]any)
		for _, p := range params {
			pm, _ := p.(map[string]any)
			if ref, ok := pm["$ref"].(string); ok {
				resolved, err := resolveRef(doc, ref)
				if err != "" {
					continue // reported by TestOpenAPIRefs
				}
				pm, _ = resolved.(map[string]any)
			}
			if pm["in"] == "path" {
				name, _ := pm["name"].(string)
				declared[name] = true
				if pm["required"] != true {
					t.Errorf("%s: path parameter %q must be required", op.key, name)
				}
			}
		}
	}
	for _, m := range templateParam.FindAllStringSubmatch(op.path, -1) {
		if !declared[m[1]] {
			t.Errorf("%s: path parameter %q is not declared", op.key, m[1])
		}
	}
}

// resolveRef follows a local JSON pointer such as #/components/schemas/Case.
func resolveRef(doc map[string]any, ref string) (any, string) {
	if !strings.HasPrefix(ref, "#/") {
		return nil, "not a local reference"
	}
	var cur any = doc
	for _, tok := range strings.Split(ref[2:], "/") {
		tok = strings.ReplaceAll(strings.ReplaceAll(tok, "~1", "/"), "~0", "~")
		m, ok := cur.(map[string]any)
		if !ok {
			return nil, "walks into a non-object"
		}
		if cur, ok = m[tok]; !ok {
			return nil, "no " + tok
		}
	}
	return cur, ""
}

func TestOpenAPIRefs(t *testing.T) {
	doc := openapiDoc(t)
	n := 0
	var walk func(v any, at string)
	walk = func(v any, at string) {
		switch x := v.(type) {
		case map[string]any:
			if ref, ok := x["$ref"].(string); ok {
				n++
				if _, err := resolveRef(doc, ref); err != "" {
					t.Errorf("%s: $ref %q does not resolve: %s", at, ref, err)
				}
			}
			for k, e := range x {
				walk(e, at+"/"+k)
			}
		case []any:
			for _, e := range x {
				walk(e, at+"/[]")
			}
		}
	}
	walk(doc, "#")
	if n == 0 {
		t.Error("document has no $ref at all")
	}
}

// TestOpenAPIEnums keeps the documented code lists equal to the Go ones.
func TestOpenAPIEnums(t *testing.T) {
	doc := openapiDoc(t)
	schema := func(name string) map[string]any {
		s, err := resolveRef(doc, "#/components/schemas/"+name)
		if err != "" {
			t.Fatalf("schema %s: %s", name, err)
		}
		return s.(map[string]any)
	}
	enum := func(s map[string]any) []string {
		var out []string
		list, _ := s["enum"].([]any)
		for _, v := range list {
			str, _ := v.(string)
			out = append(out, str)
		}
		return out
	}
	strs := func(v any) []string {
		rv := reflect.ValueOf(v)
		out := make([]string, rv.Len())
		for i := range out {
			out[i] = rv.Index(i).String()
		}
		return out
	}
	validateOneOf := func(v any, field string) []string {
		f, _ := reflect.TypeOf(v).FieldByName(field)
		for _, rule := range strings.Split(f.Tag.Get("validate"), ",") {
			if after, ok := strings.CutPrefix(rule, "oneof="); ok {
				return strings.Fields(after)
			}
		}
		t.Fatalf("%T.%s has no oneof rule", v, field)
		return nil
	}
	for _, c := range []struct {
		name      string
		doc, want []string
	}{
		{"CategoryCode", enum(schema("CategoryCode")), cases.CategoryCodes()},
		{"Status", enum(schema("Status")), strs(cases.Statuses)},
		{"Role", enum(schema("Role")), strs(kernel.Roles)},
		{"Channel", enum(schema("Channel")), strs(kernel.Channels)},
		{"IntakeChannel", enum(schema("IntakeChannel")), validateOneOf(intakeRequest{}, "Channel")},
		{"RespondentObject.kind", enum(schema("RespondentObject")["properties"].(map[string]any)["kind"].(map[string]any)),
			validateOneOf(RespondentRequest{}, "Kind")},
	} {
		if !slices.Equal(c.doc, c.want) {
			t.Errorf("%s enum = %v, want %v", c.name, c.doc, c.want)
		}
	}
}

func TestOpenAPIServed(t *testing.T) {
	app := New(quietDeps())
	res, err := app.Test(httptest.NewRequest(fiber.MethodGet, "/api/v1/openapi.json", nil), -1)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	body, _ := io.ReadAll(res.Body)
	if res.StatusCode != fiber.StatusOK {
		t.Fatalf("status %d: %s", res.StatusCode, body)
	}
	if ct := res.Header.Get(fiber.HeaderContentType); !strings.HasPrefix(ct, fiber.MIMEApplicationJSON) {
		t.Errorf("Content-Type = %q, want application/json", ct)
	}
	if string(body) != string(openapiJSON) {
		t.Error("served document differs from the embedded one")
	}
}
