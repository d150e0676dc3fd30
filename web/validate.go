package web

import (
	"encoding/json"
	"errors"
	"io"
	"net/url"
	"reflect"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/go-playground/locales/zh"
	ut "github.com/go-playground/universal-translator"
	"github.com/go-playground/validator/v10"
	zhtrans "github.com/go-playground/validator/v10/translations/zh"
	"github.com/gofiber/fiber/v2"

	"github.com/jiefen/jiefen/cases"
	"github.com/jiefen/jiefen/kernel"
)

// Validator checks request bodies at the edge and explains problems in
// Chinese, keyed by the JSON path of the field ("person.id_number").
type Validator struct {
	v     *validator.Validate
	trans ut.Translator
	now   func() time.Time
}

// NewValidator registers every tag and translation once, at start-up.
func NewValidator(now func() time.Time) *Validator {
	v := validator.New(validator.WithRequiredStructEnabled())
	v.RegisterTagNameFunc(func(f reflect.StructField) string {
		name := strings.SplitN(f.Tag.Get("json"), ",", 2)[0]
		if name == "-" {
			return ""
		}
		return name
	})
	z := zh.New()
	trans, _ := ut.New(z, z).GetTranslator("zh")
	if err := zhtrans.RegisterDefaultTranslations(v, trans); err != nil {
		panic(err)
	}
	val := &Validator{v: v, trans: trans, now: now}
	custom := []struct {
		tag, msg string
		fn       validator.Func
	}{
		{"mobile", "{0}不是有效的手机号码", func(fl validator.FieldLevel) bool { return kernel.ValidMobile(fl.Field().String()) }},
		{"idcard", "{0}无效", func(fl validator.FieldLevel) bool {
			return kernel.IDNumberProblem(fl.Field().String(), val.now()) == ""
		}},
		{"regioncode", "{0}应为2、4、6、9、12位行政区划代码或15位网格代码", func(fl validator.FieldLevel) bool {
			_, ok := kernel.NormalizeRegionCode(fl.Field().String())
			return ok
		}},
		{"category", "{0}不是已知的纠纷类别", func(fl validator.FieldLevel) bool { return cases.ValidCategory(fl.Field().String()) }},
		{"status", "{0}不是已知的案件状态", func(fl validator.FieldLevel) bool { return cases.Status(fl.Field().String()).Valid() }},
	}
	for _, c := range custom {
		if err := v.RegisterValidation(c.tag, c.fn); err != nil {
			panic(err)
		}
		msg := c.msg
		tag := c.tag
		if err := v.RegisterTranslation(tag, trans, func(ut ut.Translator) error {
			return ut.Add(tag, msg, true)
		}, func(ut ut.Translator, fe validator.FieldError) string {
			s, _ := ut.T(tag, fieldLabel(jsonPath(fe)))
			return s
		}); err != nil {
			panic(err)
		}
	}
	return val
}

// fieldLabels are the Chinese names of request fields in messages, by JSON
// path or, failing that, by field name.
var fieldLabels = map[string]string{
	"person.name": "姓名", "respondent.name": "被反映人姓名", "respondent.phone": "被反映人电话",
	"channel": "受理渠道", "received_at": "受理时间", "person": "来访人", "name": "名称",
	"id_number": "身份证号码", "phone": "手机号码", "subject": "标题", "content": "内容",
	"address": "地址", "region_code": "行政区划代码", "category": "纠纷类别", "respondent": "被反映人",
	"kind": "类型", "username": "用户名", "password": "密码", "to": "目标状态", "note": "说明",
	"reason": "理由", "from": "被并案件编号", "intake_ref": "受理记录编号", "event_id": "事件编号",
	"status": "状态", "q": "搜索内容", "code": "登录凭证", "comment": "评价内容", "rating": "评价",
}

func fieldLabel(path string) string {
	if l, ok := fieldLabels[path]; ok {
		return l
	}
	if i := strings.LastIndexByte(path, '.'); i >= 0 {
		if l, ok := fieldLabels[path[i+1:]]; ok {
			return l
		}
	}
	return path
}

// Struct validates s and returns a domain invalid error naming each field.
func (v *Validator) Struct(s any) error {
	err := v.v.Struct(s)
	if err == nil {
		return nil
	}
	var verrs validator.ValidationErrors
	if !errors.As(err, &verrs) {
		return err
	}
	fields := make(map[string]string, len(verrs))
	for _, fe := range verrs {
		path := jsonPath(fe)
		msg := fe.Translate(v.trans)
		if fe.Tag() == "idcard" {
			// Say exactly what is wrong: length, birth date or check digit.
			if p := kernel.IDNumberProblem(fe.Value().(string), v.now()); p != "" {
				msg = p
			}
		}
		// The zh translations name the Go field; use the Chinese label.
		msg = strings.Replace(msg, fe.Field(), fieldLabel(path), 1)
		fields[path] = msg
	}
	return &kernel.Error{Code: kernel.EInvalid, Message: "提交的数据有误", Fields: fields}
}

// jsonPath is the field's JSON path without the struct's own name.
func jsonPath(fe validator.FieldError) string {
	path := fe.Namespace()
	if i := strings.IndexByte(path, '.'); i >= 0 {
		path = path[i+1:]
	}
	return path
}

// bind decodes a JSON request body into req and validates it.
func (s *Server) bind(c *fiber.Ctx, req any) error { return Bind(c, s.validate, req) }

// Bind decodes a JSON request body into req and validates it with v:
// what every handler, the channels' too, does first.
func Bind(c *fiber.Ctx, v *Validator, req any) error {
	if err := DecodeJSON(c.Body(), req); err != nil {
		return err
	}
	return v.Struct(req)
}

// DecodeJSON decodes a request body strictly and turns decoding problems
// into field errors.
func DecodeJSON(body []byte, dst any) error {
	if len(body) == 0 {
		return kernel.Errorf(kernel.EInvalid, "请求体不能为空")
	}
	if !utf8.Valid(body) {
		return kernel.Errorf(kernel.EInvalid, "请求体不是有效的UTF-8文本")
	}
	dec := json.NewDecoder(strings.NewReader(string(body)))
	dec.DisallowUnknownFields()
	err := dec.Decode(dst)
	if err == nil {
		if dec.More() {
			return kernel.Errorf(kernel.EInvalid, "请求体只能包含一个JSON对象")
		}
		return checkJSONText(body)
	}
	var typeErr *json.UnmarshalTypeError
	var timeErr *time.ParseError
	switch {
	case errors.As(err, &typeErr):
		return kernel.FieldError(typeErr.Field, "类型错误，应为"+jsonTypeName(typeErr.Type))
	case errors.As(err, &timeErr):
		return kernel.FieldError("received_at", "时间格式错误，应为RFC 3339格式，如2025-09-16T09:30:00+08:00")
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		field := strings.Trim(strings.TrimPrefix(err.Error(), "json: unknown field "), `"`)
		return kernel.FieldError(field, "未知字段")
	}
	var fe *fieldDecodeError
	if errors.As(err, &fe) {
		return kernel.FieldError(fe.field, fe.msg)
	}
	return kernel.Errorf(kernel.EInvalid, "请求体不是有效的JSON")
}

// fieldDecodeError is returned by custom UnmarshalJSON methods.
type fieldDecodeError struct{ field, msg string }

func (e *fieldDecodeError) Error() string { return e.field + ": " + e.msg }

func jsonTypeName(t reflect.Type) string {
	switch t.Kind() {
	case reflect.String:
		return "字符串"
	case reflect.Bool:
		return "布尔值"
	case reflect.Int, reflect.Int64, reflect.Int32, reflect.Float64:
		return "数字"
	case reflect.Slice:
		return "数组"
	}
	return "对象"
}

// Control characters. Text may hold newlines, tabs and carriage returns;
// any other C0 or C1 control character (NUL above all: SQLite's inlining
// and PostgreSQL's text type refuse it) is refused at the edge with a 400,
// never passed on to become a 500.

// controlRune reports whether r is a control character text may not hold.
func controlRune(r rune) bool {
	switch {
	case r == '\n' || r == '\t' || r == '\r':
		return false
	case r < 0x20, r == 0x7f, r >= 0x80 && r <= 0x9f:
		return true
	}
	return false
}

// TextProblem says what is wrong with s as text ("" when nothing is):
// invalid UTF-8 or a control character other than newline and tab.
func TextProblem(s string) string {
	if !utf8.ValidString(s) {
		return "不是有效的UTF-8文本"
	}
	for _, r := range s {
		if controlRune(r) {
			return "不能包含控制字符"
		}
	}
	return ""
}

// StripControl removes the control characters text may not hold (and
// invalid UTF-8) from s: for text that must be taken as it came, such as a
// signed order transcribed by a call centre.
func StripControl(s string) string {
	if TextProblem(s) == "" {
		return s
	}
	var b strings.Builder
	for _, r := range strings.ToValidUTF8(s, "") {
		if !controlRune(r) {
			b.WriteRune(r)
		}
	}
	return b.String()
}

// textError is the 400 for a field holding what text may not.
func textError(field, problem string) error {
	return kernel.FieldError(field, fieldLabel(field)+problem)
}

// checkJSONText walks every string of a JSON document (keys too) and
// refuses control characters, naming the field by its JSON path
// ("person.name", "images[1]"). Escapes (\u0000, \b, \f) are what
// matter: raw control bytes are already a syntax error.
func checkJSONText(body []byte) error {
	if !strings.Contains(string(body), `\`) && TextProblem(string(body)) == "" {
		return nil
	}
	type frame struct {
		obj     bool
		wantKey bool
		key     string
		idx     int
	}
	var stack []frame
	path := func() string {
		var b strings.Builder
		for _, f := range stack {
			if f.obj {
				if b.Len() > 0 {
					b.WriteByte('.')
				}
				b.WriteString(f.key)
			} else {
				b.WriteString("[" + strconv.Itoa(f.idx) + "]")
			}
		}
		return b.String()
	}
	afterValue := func() {
		if n := len(stack); n > 0 {
			if stack[n-1].obj {
				stack[n-1].wantKey = true
			} else {
				stack[n-1].idx++
			}
		}
	}
	dec := json.NewDecoder(strings.NewReader(string(body)))
	dec.UseNumber()
	for {
		tok, err := dec.Token()
		if err == io.EOF || err != nil {
			return nil // the decoder proper has judged the syntax
		}
		if n := len(stack); n > 0 && stack[n-1].obj && stack[n-1].wantKey {
			if k, ok := tok.(string); ok {
				stack[n-1].key, stack[n-1].wantKey = k, false
				if p := TextProblem(k); p != "" {
					return kernel.FieldError(path(), "字段名"+p)
				}
				continue
			}
		}
		switch v := tok.(type) {
		case json.Delim:
			switch v {
			case '{':
				stack = append(stack, frame{obj: true, wantKey: true})
			case '[':
				stack = append(stack, frame{})
			default:
				stack = stack[:len(stack)-1]
				afterValue()
			}
			continue
		case string:
			if p := TextProblem(v); p != "" {
				return textError(path(), p)
			}
		}
		afterValue()
	}
}

// idempotencyKeyProblem: the key is stored and compared; printable text only.
func idempotencyKeyProblem(k string) string {
	if !utf8.ValidString(k) {
		return "只能包含可打印字符（不是有效的UTF-8文本）"
	}
	for _, r := range k {
		if r < 0x20 || r == 0x7f || r >= 0x80 && r <= 0x9f {
			return "只能包含可打印字符"
		}
	}
	return ""
}

// CheckInput refuses, with a 400 naming the parameter, control characters
// and invalid UTF-8 in the path, the query parameters, form fields and the
// Idempotency-Key header of every request. JSON bodies are checked where
// they are decoded (DecodeJSON).
func CheckInput(c *fiber.Ctx) error {
	if p, err := url.PathUnescape(c.Path()); err == nil && TextProblem(p) != "" || TextProblem(c.Path()) != "" {
		return kernel.Errorf(kernel.EInvalid, "请求路径不能包含控制字符")
	}
	var bad error
	visit := func(k, v []byte) {
		if bad != nil {
			return
		}
		key := string(k)
		if p := TextProblem(key); p != "" {
			bad = &kernel.Error{Code: kernel.EInvalid, Message: "参数名" + p}
		} else if p := TextProblem(string(v)); p != "" {
			bad = textError(key, p)
		}
	}
	c.Request().URI().QueryArgs().VisitAll(visit)
	if bad == nil && strings.HasPrefix(strings.ToLower(c.Get(fiber.HeaderContentType)), fiber.MIMEApplicationForm) {
		c.Request().PostArgs().VisitAll(visit)
	}
	if bad != nil {
		return bad
	}
	if k := c.Get("Idempotency-Key"); k != "" {
		if p := idempotencyKeyProblem(k); p != "" {
			return kernel.FieldError("Idempotency-Key", "幂等键（Idempotency-Key）"+p)
		}
	}
	return c.Next()
}
