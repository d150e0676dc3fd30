package hotline_test

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/jiefen/jiefen/cases"
	"github.com/jiefen/jiefen/channels/hotline"
	"github.com/jiefen/jiefen/kernel"
	"github.com/jiefen/jiefen/web"
)

// order returns a valid work order as the platform sends it, with changes.
func order(changes map[string]any) map[string]any {
	o := map[string]any{
		"order_no": "AK12345-20250916-0001", "call_id": "CALL-778899",
		"caller_number": "138-1234-5678", "caller_name": "孙斌",
		"received_at": "2025-09-16T09:12:00+08:00", "type": "投诉",
		"summary": "丽发新城附近搅拌站噪音扬尘扰民",
		"content": "来电人反映：汉滨区丽发新城小区附近新建一座混凝土搅拌站，机器日夜轰鸣，扬尘漫天，严重影响居民休息。",
		"address": "汉滨区丽发新城小区", "region_code": "610902001003", "urgency": "一般",
		"recording_url": "https://12345.example.gov.cn/rec/CALL-778899.mp3",
	}
	for k, v := range changes {
		if v == nil {
			delete(o, k)
		} else {
			o[k] = v
		}
	}
	return o
}

func mustJSON(v any) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return b
}

func TestDecodeOrder(t *testing.T) {
	v := web.NewValidator(time.Now)
	for _, tc := range []struct {
		name  string
		body  string
		field string // the field named, "" for a whole-body error
		text  string // part of the message
	}{
		{"Empty", "", "", "不能为空"},
		{"NotJSON", "order_no=1", "", "JSON"},
		{"Array", "[]", "", "JSON"},
		{"TwoObjects", string(mustJSON(order(nil))) + "{}", "", "一个JSON对象"},
		{"Truncated", string(mustJSON(order(nil)))[:40], "", "JSON"},
		{"NumberForString", string(mustJSON(order(map[string]any{"content": 12}))), "content", "类型错误"},
		{"MissingOrderNo", string(mustJSON(order(map[string]any{"order_no": nil}))), "order_no", "工单编号"},
		{"OrderNoWithSlash", string(mustJSON(order(map[string]any{"order_no": "A/1"}))), "order_no", "工单编号"},
		{"OrderNoTooLong", string(mustJSON(order(map[string]any{"order_no": strings.Repeat("9", 65)}))), "order_no", "工单编号"},
		{"MissingNumber", string(mustJSON(order(map[string]any{"caller_number": ""}))), "caller_number", "来电号码"},
		{"NumberWithLetters", string(mustJSON(order(map[string]any{"caller_number": "138abc45678"}))), "caller_number", "来电号码"},
		{"NumberTooShort", string(mustJSON(order(map[string]any{"caller_number": "1234"}))), "caller_number", "来电号码"},
		{"MissingReceivedAt", string(mustJSON(order(map[string]any{"received_at": nil}))), "received_at", "受理时间"},
		{"ReceivedAtNoZone", string(mustJSON(order(map[string]any{"received_at": "2025-09-16 09:12:00"}))), "received_at", "RFC 3339"},
		{"UnknownType", string(mustJSON(order(map[string]any{"type": "表扬"}))), "type", "诉求类型"},
		{"MissingContent", string(mustJSON(order(map[string]any{"content": "  "}))), "content", "内容"},
		{"SummaryTooLong", string(mustJSON(order(map[string]any{"summary": strings.Repeat("长", 201)}))), "summary", "诉求摘要"},
		{"MissingRegion", string(mustJSON(order(map[string]any{"region_code": nil}))), "region_code", "行政区划代码"},
		{"BadRegion", string(mustJSON(order(map[string]any{"region_code": "61090"}))), "region_code", "行政区划代码"},
		{"BadUrgency", string(mustJSON(order(map[string]any{"urgency": "十万火急"}))), "urgency", "紧急程度"},
		{"BadRecordingURL", string(mustJSON(order(map[string]any{"recording_url": "not a url"}))), "recording_url", "录音地址"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := hotline.DecodeOrder([]byte(tc.body), v)
			if kernel.ErrorCode(err) != kernel.EInvalid {
				t.Fatalf("err = %v, want invalid", err)
			}
			msg := kernel.ErrorMessage(err)
			if tc.field != "" {
				msg = kernel.ErrorFields(err)[tc.field]
			}
			if !strings.Contains(msg, tc.text) {
				t.Errorf("message %q (fields %v), want it to contain %q", msg, kernel.ErrorFields(err), tc.text)
			}
		})
	}

	t.Run("UnknownFieldsAccepted", func(t *testing.T) {
		o, err := hotline.DecodeOrder(mustJSON(order(map[string]any{"platform_version": "3.2", "urgency": nil})), v)
		if err != nil || o.OrderNo != "AK12345-20250916-0001" {
			t.Fatalf("%v %+v", err, o)
		}
	})
}

func TestOrderIntake(t *testing.T) {
	v := web.NewValidator(time.Now)
	raw := mustJSON(order(map[string]any{"caller_number": "+86 138-1234-5678", "caller_name": " 孙斌 "}))
	o, err := hotline.DecodeOrder(raw, v)
	if err != nil {
		t.Fatal(err)
	}
	in := o.Intake(raw)
	want := cases.Intake{
		Channel: kernel.ChannelHotline, ExternalRef: "AK12345-20250916-0001", SourceKey: "hotline:AK12345-20250916-0001",
		ReceivedAt: time.Date(2025, 9, 16, 9, 12, 0, 0, cases.ChinaTime),
		Person:     cases.Person{Name: "孙斌", Phone: "13812345678"},
		Subject:    "丽发新城附近搅拌站噪音扬尘扰民", Content: order(nil)["content"].(string),
		Address: "汉滨区丽发新城小区", RegionCode: "610902001003", Category: "environment",
	}
	if !in.ReceivedAt.Equal(want.ReceivedAt) {
		t.Errorf("received at %v", in.ReceivedAt)
	}
	in.ReceivedAt = want.ReceivedAt
	if string(in.Raw) != string(raw) {
		t.Errorf("raw payload not kept as received")
	}
	in.Raw = nil
	if g, w := mustJSON(in), mustJSON(want); string(g) != string(w) || in.SourceKey != want.SourceKey || in.ExternalRef != want.ExternalRef {
		t.Errorf("intake\n got %s %s\nwant %s %s", g, in.SourceKey, w, want.SourceKey)
	}

	// Without a summary: the type and the start of the content.
	o, err = hotline.DecodeOrder(mustJSON(order(map[string]any{"summary": nil, "type": "求助",
		"content": "家里老人走失，  穿蓝色外套，最后出现在汉滨区老城街道西大街附近，请求帮助寻找联系。"})), v)
	if err != nil {
		t.Fatal(err)
	}
	if s := o.Intake(nil).Subject; s != "【求助】家里老人走失， 穿蓝色外套，最后出现在汉滨区老城街道西大街附…" {
		t.Errorf("subject %q", s)
	}
}

func TestCategory(t *testing.T) {
	for text, want := range map[string]string{
		"公司拖欠三个月工资不发":     "labour",
		"包工头拖欠工程款":        "construction",
		"小区物业乱收停车费":       "property_management",
		"楼上邻居深夜噪音扰民":      "neighbourhood",
		"搅拌站扬尘污染":         "environment",
		"宅基地界址与邻村有争议":     "homestead",
		"咨询低保申请条件":        "social_security",
		"健身房预付卡老板跑路无法退费":  "consumer",
		"建议在西大街增设公交站点":    "other",
		"离婚后前夫不支付抚养费":     "marriage_family",
		"骑电动车被撞，对方不赔偿医药费": "traffic",
		"朋友借款两万元一直不还":     "debt_contract",
		"责任田被村委会收回另行发包":   "land_contract",
		"修路占了我家承包地却没有补偿款": "land_acquisition",
	} {
		if got := hotline.Category(text); got != want {
			t.Errorf("Category(%s) = %s, want %s", text, got, want)
		}
		if !cases.ValidCategory(hotline.Category(text)) {
			t.Errorf("Category(%s) is not a category", text)
		}
	}
}
