package wechat

import (
	"crypto/subtle"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/middleware/adaptor"
	"github.com/jiefen/jiefen/kernel"
	"github.com/silenceper/wechat/v2/miniprogram"
	mpconfig "github.com/silenceper/wechat/v2/miniprogram/config"
	"github.com/silenceper/wechat/v2/miniprogram/message"
	"github.com/silenceper/wechat/v2/util"
)

// The mini-program's message push (消息推送): WeChat calls
// GET /api/v1/wechat/push?signature&timestamp&nonce&echostr once to check
// the URL, then POSTs events. Both are signed with WECHAT_PUSH_TOKEN:
// signature = sha1(sort(token, timestamp, nonce)). Jiefen keeps what users
// decide about message subscriptions (accept / reject), so the notifier
// does not ask WeChat to send what a user refused.

// validSignature checks a push's signature.
func (ch *Channel) validSignature(c *fiber.Ctx) bool {
	if ch.Config.PushToken == "" {
		return false
	}
	want := util.Signature(ch.Config.PushToken, c.Query("timestamp"), c.Query("nonce"))
	got := c.Query("signature")
	return len(got) == len(want) && subtle.ConstantTimeCompare([]byte(got), []byte(want)) == 1
}

// pushVerify answers WeChat's URL check with the echostr.
func (ch *Channel) pushVerify(c *fiber.Ctx) error {
	if ch.Config.PushToken == "" {
		return kernel.Errorf(kernel.ENotFound, "未启用微信消息推送")
	}
	if !ch.validSignature(c) {
		return kernel.Errorf(kernel.EForbidden, "签名错误")
	}
	c.Set(fiber.HeaderContentType, fiber.MIMETextPlainCharsetUTF8)
	return c.SendString(c.Query("echostr"))
}

// pushReceive takes an event push (JSON or XML, plain or AES-encrypted),
// parsed by the SDK's push receiver.
func (ch *Channel) pushReceive(c *fiber.Ctx) error {
	if ch.Config.PushToken == "" {
		return kernel.Errorf(kernel.ENotFound, "未启用微信消息推送")
	}
	if !ch.validSignature(c) {
		return kernel.Errorf(kernel.EForbidden, "签名错误")
	}
	req, err := adaptor.ConvertRequest(c, false)
	if err != nil {
		return err
	}
	mp := miniprogram.NewMiniProgram(&mpconfig.Config{AppID: ch.Config.AppID, Token: ch.Config.PushToken,
		EncodingAESKey: ch.Config.PushAESKey, Cache: &tokenCache{data: map[string]cached{}}})
	msgType, event, data, err := mp.GetMessageReceiver().GetMsgData(req)
	if err != nil {
		return kernel.Errorf(kernel.EInvalid, "无法解析推送内容")
	}
	if msgType != message.MsgTypeEvent {
		return c.SendString("success")
	}
	ctx := c.UserContext()
	now := ch.Now().UTC()
	at := func(ts int64) time.Time {
		if ts > 0 {
			return time.Unix(ts, 0).UTC()
		}
		return now
	}
	var n int
	switch d := data.(type) {
	case *message.PushDataSubscribePopup:
		for _, e := range d.GetSubscribeMsgPopupEvents() {
			if err := ch.Store.SetSubscription(ctx, d.FromUserName, e.TemplateID, e.SubscribeStatusString, at(d.CreateTime)); err != nil {
				return err
			}
			n++
		}
	case *message.PushDataSubscribeMsgChange:
		for _, e := range d.GetSubscribeMsgChangeEvents() {
			if err := ch.Store.SetSubscription(ctx, d.FromUserName, e.TemplateID, e.SubscribeStatusString, at(d.CreateTime)); err != nil {
				return err
			}
			n++
		}
	case *message.PushDataSubscribeMsgSent:
		for _, e := range d.GetSubscribeMsgSentEvents() {
			if e.ErrorCode != "0" && e.ErrorCode != "" {
				ch.Log.Warn("wechat: subscribe message not delivered", "template_id", e.TemplateID,
					"msg_id", e.MsgID, "errcode", e.ErrorCode, "status", e.ErrorStatus)
			}
		}
	}
	ch.Log.Info("wechat push", "event", string(event), "subscriptions", n)
	return c.SendString("success")
}
