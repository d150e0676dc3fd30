package wechat_test

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"

	"github.com/jiefen/jiefen/channels/wechat"
	"github.com/jiefen/jiefen/channels/wechat/wechattest"
)

// The real SDK against the fake WeChat API.
func TestSDK(t *testing.T) {
	ctx := context.Background()
	fake := wechattest.New("wx-app", "wx-secret")
	defer fake.Close()
	c := wechat.NewSDK(wechat.SDKConfig{AppID: "wx-app", Secret: "wx-secret", APIBase: fake.URL})

	t.Run("Code2Session", func(t *testing.T) {
		fake.AddCode("code-1", "openid-1", "union-1")
		s, err := c.Code2Session(ctx, "code-1")
		if err != nil || s.OpenID != "openid-1" || s.UnionID != "union-1" {
			t.Fatalf("%+v %v", s, err)
		}
		// A code works once.
		if _, err := c.Code2Session(ctx, "code-1"); !hasCode(err, wechat.CodeCodeUsed) {
			t.Errorf("reused code: %v", err)
		}
		if _, err := c.Code2Session(ctx, "nope"); !hasCode(err, wechat.CodeInvalidCode) {
			t.Errorf("unknown code: %v", err)
		}
		// Malformed codes never reach a URL.
		login, _, _, _ := fake.Calls()
		if _, err := c.Code2Session(ctx, "x&appid=other"); !hasCode(err, wechat.CodeInvalidCode) {
			t.Errorf("malformed code: %v", err)
		}
		if again, _, _, _ := fake.Calls(); again != login {
			t.Error("malformed code was sent")
		}
		fake.FailLogin("busy", wechat.CodeBusy)
		if _, err := c.Code2Session(ctx, "busy"); !hasCode(err, wechat.CodeBusy) {
			t.Errorf("busy: %v", err)
		}
	})

	t.Run("WrongSecret", func(t *testing.T) {
		bad := wechat.NewSDK(wechat.SDKConfig{AppID: "wx-app", Secret: "wrong", APIBase: fake.URL})
		_, err := bad.Code2Session(ctx, "whatever")
		if !hasCode(err, wechat.CodeInvalidSecret) {
			t.Errorf("wrong secret: %v", err)
		}
		err = bad.SendSubscribe(ctx, wechat.Message{ToUser: "o", TemplateID: "t", Data: map[string]string{"thing1": "x"}})
		if !hasCode(err, wechat.CodeInvalidSecret) || strings.Contains(err.Error(), "wrong") {
			t.Errorf("token with wrong secret: %v", err)
		}
	})

	t.Run("SendSubscribe", func(t *testing.T) {
		var wg sync.WaitGroup
		for i := 0; i < 8; i++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				if err := c.SendSubscribe(ctx, wechat.Message{ToUser: "openid-1", TemplateID: "tpl", Page: "pages/x",
					State: "trial", Data: map[string]string{"thing1": "你好"}}); err != nil {
					t.Error(err)
				}
			}()
		}
		wg.Wait()
		sent := fake.Sent()
		if len(sent) != 8 || sent[0].Data["thing1"] != "你好" || sent[0].State != "trial" || sent[0].Page != "pages/x" {
			t.Fatalf("sent %+v", sent)
		}
		_, tokens, _, _ := fake.Calls()
		if tokens != 1 {
			t.Errorf("%d token fetches, want 1 (cached)", tokens)
		}
		// A rejected token is dropped: the failing call reports 40001, the
		// next one fetches a new token.
		fake.ExpireTokens()
		err := c.SendSubscribe(ctx, wechat.Message{ToUser: "openid-1", TemplateID: "tpl", Data: map[string]string{"thing1": "a"}})
		if !hasCode(err, wechat.CodeInvalidToken) {
			t.Fatalf("expired token: %v", err)
		}
		if err := c.SendSubscribe(ctx, wechat.Message{ToUser: "openid-1", TemplateID: "tpl", Data: map[string]string{"thing1": "a"}}); err != nil {
			t.Fatal(err)
		}
		if _, tokens, _, _ := fake.Calls(); tokens != 2 {
			t.Errorf("%d token fetches, want 2", tokens)
		}
		fake.FailSend("refuser", wechat.CodeNotSubscribed)
		if err := c.SendSubscribe(ctx, wechat.Message{ToUser: "refuser", TemplateID: "tpl", Data: map[string]string{"thing1": "a"}}); !hasCode(err, wechat.CodeNotSubscribed) {
			t.Errorf("not subscribed: %v", err)
		}
		fake.Outage(1)
		err = c.SendSubscribe(ctx, wechat.Message{ToUser: "openid-1", TemplateID: "tpl", Data: map[string]string{"thing1": "a"}})
		var te *wechat.TransportError
		if !errors.As(err, &te) || strings.Contains(err.Error(), "token-") {
			t.Errorf("outage: %v (the access token must not leak)", err)
		}
	})

	t.Run("GetPhoneNumber", func(t *testing.T) {
		fake.AddPhoneCode("p1", "13812345678")
		p, err := c.GetPhoneNumber(ctx, "p1")
		if err != nil || p != "13812345678" {
			t.Fatalf("%q %v", p, err)
		}
		if _, err := c.GetPhoneNumber(ctx, "p1"); !hasCode(err, wechat.CodeInvalidCode) {
			t.Errorf("used phone code: %v", err)
		}
	})

	t.Run("Unreachable", func(t *testing.T) {
		down := wechattest.New("a", "b")
		down.Close()
		c := wechat.NewSDK(wechat.SDKConfig{AppID: "a", Secret: "b", APIBase: down.URL})
		_, err := c.Code2Session(ctx, "code")
		var te *wechat.TransportError
		if !errors.As(err, &te) || strings.Contains(err.Error(), "secret=b") {
			t.Errorf("unreachable: %v", err)
		}
		// Leave the process pointing at the live fake for the other tests.
		wechat.NewSDK(wechat.SDKConfig{AppID: "wx-app", Secret: "wx-secret", APIBase: fake.URL})
	})
}

func hasCode(err error, code int64) bool {
	c, ok := wechat.ErrorCode(err)
	return ok && c == code
}

func TestRedact(t *testing.T) {
	in := `Get "https://api.weixin.qq.com/sns/jscode2session?appid=wx1&secret=s3cr3t&js_code=abc&grant_type=authorization_code": dial tcp; errcode=40001`
	out := wechat.Redact(in)
	for _, s := range []string{"s3cr3t", "abc", "wx1"} {
		if strings.Contains(out, s) {
			t.Errorf("%q left in %s", s, out)
		}
	}
	if !strings.Contains(out, "errcode=40001") {
		t.Errorf("errcode lost: %s", out)
	}
}
