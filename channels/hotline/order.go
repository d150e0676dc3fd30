package hotline

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"regexp"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/jiefen/jiefen/cases"
	"github.com/jiefen/jiefen/kernel"
	"github.com/jiefen/jiefen/pii"
	"github.com/jiefen/jiefen/web"
)

// Order is a work order (工单) as the 12345 platform pushes it.
type Order struct {
	OrderNo      string `json:"order_no" validate:"required,max=64"`
	CallID       string `json:"call_id" validate:"max=128"`
	CallerNumber string `json:"caller_number" validate:"required,max=32"`
	CallerName   string `json:"caller_name" validate:"max=100"`
	ReceivedAt   string `json:"received_at" validate:"required"`
	Type         string `json:"type" validate:"required,oneof=咨询 求助 投诉 举报 建议"`
	Summary      string `json:"summary" validate:"max=200"`
	Content      string `json:"content" validate:"required,max=20000"`
	Address      string `json:"address" validate:"max=500"`
	RegionCode   string `json:"region_code" validate:"required,regioncode"`
	Urgency      string `json:"urgency" validate:"omitempty,oneof=一般 紧急 特急"`
	RecordingURL string `json:"recording_url" validate:"omitempty,max=1000,url"`
}

// orderLabels name the order's fields in messages.
var orderLabels = map[string]string{
	"order_no": "工单编号", "call_id": "通话编号", "caller_number": "来电号码", "caller_name": "来电人姓名",
	"received_at": "受理时间", "type": "诉求类型", "summary": "诉求摘要", "content": "诉求内容",
	"address": "地址", "region_code": "行政区划代码", "urgency": "紧急程度", "recording_url": "录音地址",
}

// SourceKeyPrefix marks the intakes registered from platform work orders:
// their source key is the prefix and the order number.
const SourceKeyPrefix = "hotline:"

// SourceKey is the idempotency key of an order: one order, one intake.
func SourceKey(orderNo string) string { return SourceKeyPrefix + orderNo }

// orderNoPattern: order numbers appear in URL paths (the return endpoint),
// so they are kept to characters that need no escaping.
var orderNoPattern = regexp.MustCompile(`^[0-9A-Za-z][0-9A-Za-z_.:-]*$`)

// DecodeOrder parses and checks a work order. Unknown fields are accepted
// (the platform may add some; the raw body keeps them); wrong types,
// missing or malformed fields are an invalid error naming each field in
// Chinese.
func DecodeOrder(body []byte, v *web.Validator) (*Order, error) {
	if len(bytes.TrimSpace(body)) == 0 {
		return nil, kernel.Errorf(kernel.EInvalid, "请求体不能为空")
	}
	var o Order
	dec := json.NewDecoder(bytes.NewReader(body))
	if err := dec.Decode(&o); err != nil {
		var typeErr *json.UnmarshalTypeError
		if errors.As(err, &typeErr) && typeErr.Field != "" {
			return nil, relabel(kernel.FieldError(typeErr.Field, "类型错误，应为字符串"))
		}
		return nil, kernel.Errorf(kernel.EInvalid, "请求体不是有效的JSON对象")
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, kernel.Errorf(kernel.EInvalid, "请求体只能包含一个JSON对象")
	}
	o.trim()
	fields := map[string]string{}
	if err := v.Struct(&o); err != nil {
		f := kernel.ErrorFields(err)
		if f == nil {
			return nil, err
		}
		for k, m := range f {
			fields[k] = m
		}
	}
	if _, bad := fields["order_no"]; !bad && o.OrderNo != "" && !orderNoPattern.MatchString(o.OrderNo) {
		fields["order_no"] = "工单编号只能包含字母、数字和 _ . : -，且以字母或数字开头"
	}
	if _, bad := fields["caller_number"]; !bad && o.CallerNumber != "" && !validNumber(o.CallerNumber) {
		fields["caller_number"] = "来电号码应为5至20位数字，可带 + - 空格和括号"
	}
	if _, bad := fields["received_at"]; !bad && o.ReceivedAt != "" {
		if _, err := time.Parse(time.RFC3339, o.ReceivedAt); err != nil {
			fields["received_at"] = "时间格式错误，应为RFC 3339格式，如2025-09-16T09:30:00+08:00"
		}
	}
	if len(fields) > 0 {
		return nil, relabel(&kernel.Error{Code: kernel.EInvalid, Message: "工单数据有误", Fields: fields})
	}
	return &o, nil
}

func (o *Order) trim() {
	for _, s := range []*string{&o.OrderNo, &o.CallID, &o.CallerNumber, &o.CallerName, &o.ReceivedAt,
		&o.Type, &o.Summary, &o.Content, &o.Address, &o.RegionCode, &o.Urgency, &o.RecordingURL} {
		// Transcribed text is taken as signed, less the control characters
		// no database takes (refusing them would refuse the order forever).
		*s = strings.TrimSpace(web.StripControl(*s))
	}
}

// relabel puts the Chinese field names into the validator's messages,
// which name fields by their JSON key.
func relabel(e *kernel.Error) *kernel.Error {
	for k, m := range e.Fields {
		if l, ok := orderLabels[k]; ok {
			e.Fields[k] = strings.Replace(m, k, l, 1)
		}
	}
	return e
}

// validNumber accepts what call centres write for a calling number:
// digits (half or full width) with + - spaces and brackets, 5 to 20 digits.
func validNumber(s string) bool {
	for _, r := range s {
		switch {
		case r >= '0' && r <= '9', r >= '０' && r <= '９':
		case strings.ContainsRune("+- ()（）", r):
		default:
			return false
		}
	}
	n := len(pii.CanonicalPhone(s))
	return n >= 5 && n <= 20
}

// ReceivedTime is the order's received_at (checked by DecodeOrder).
func (o *Order) ReceivedTime() time.Time {
	t, _ := time.Parse(time.RFC3339, o.ReceivedAt)
	return t
}

// Intake maps the order to the intake it registers. raw is the body as
// received, kept (encrypted) with the intake.
func (o *Order) Intake(raw []byte) cases.Intake {
	return cases.Intake{
		Channel:     kernel.ChannelHotline,
		ExternalRef: o.OrderNo,
		SourceKey:   SourceKey(o.OrderNo),
		ReceivedAt:  o.ReceivedTime(),
		Person:      cases.Person{Name: o.CallerName, Phone: pii.CanonicalPhone(o.CallerNumber)},
		Subject:     o.subject(),
		Content:     o.Content,
		Address:     o.Address,
		RegionCode:  o.RegionCode,
		Category:    Category(o.Summary + "\n" + o.Content),
		Raw:         raw,
	}
}

// subjectRunes is how much of the content names a case without a summary.
const subjectRunes = 30

// subject is the summary or, without one, the type and the start of the
// content: 【投诉】小区楼下烧烤店油烟…
func (o *Order) subject() string {
	if o.Summary != "" {
		return o.Summary
	}
	s := strings.Join(strings.Fields(o.Content), " ")
	if utf8.RuneCountInString(s) > subjectRunes {
		s = string([]rune(s)[:subjectRunes]) + "…"
	}
	return "【" + o.Type + "】" + s
}
