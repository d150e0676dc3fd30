package wechat

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/hex"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"
	oaconfig "github.com/silenceper/wechat/v2/officialaccount/config"
	oacontext "github.com/silenceper/wechat/v2/officialaccount/context"
	"github.com/silenceper/wechat/v2/officialaccount/oauth"
)

// Web authorisation (网页授权, snsapi_base) through an official account lets
// the H5 page sign residents in by itself when it is opened in WeChat's
// browser (a menu of the official account, a QR code on a poster) rather
// than inside the mini-program's web-view:
//
//	GET /m/oauth           → 302 to WeChat's authorize page (state in a cookie)
//	GET /m/oauth/callback  → code → openid (+ unionid) → resident token
//	                       → 302 to /m/#token=… (the page keeps it, drops it from the URL)
//
// Failures land on /m/#oauth_error=<message>, which the page shows.

// OAOpenIDPrefix marks the openids of the official account: they belong to
// another app than the mini-program's, so subscribe messages cannot reach
// them.
const OAOpenIDPrefix = "oa:"

const (
	oauthCookie = "jiefen_oauth_state"
	oauthTTL    = 10 * time.Minute
	realOAuth   = "https://open.weixin.qq.com"
)

// OAuthClient exchanges a web authorisation code for the user's identity.
type OAuthClient interface {
	OAuthSession(ctx context.Context, code string) (Session, error)
}

// ErrSnapshotUser is WeChat's answer for a visitor of a snapshot page
// (朋友圈快照页): a virtual openid that must not become an account.
var ErrSnapshotUser = errors.New("wechat oauth: snapshot page user")

// OASDK implements OAuthClient with github.com/silenceper/wechat/v2's
// official account API.
type OASDK struct {
	oauth *oauth.Oauth
}

// NewOASDK returns a client for one official account (APIBase as for
// NewSDK: the SDK's base URL is process-wide). Web authorisation needs no
// access token of the account, only its app ID and secret.
func NewOASDK(cfg SDKConfig) *OASDK {
	installSDK(cfg)
	return &OASDK{oauth: oauth.NewOauth(&oacontext.Context{Config: &oaconfig.Config{AppID: cfg.AppID, AppSecret: cfg.Secret}})}
}

// OAuthSession implements OAuthClient.
func (s *OASDK) OAuthSession(ctx context.Context, code string) (Session, error) {
	if !ValidCode(code) {
		return Session{}, &APIError{API: "oauth2/access_token", Code: CodeInvalidCode, Msg: "malformed code"}
	}
	res, err := s.oauth.GetUserAccessTokenContext(ctx, code)
	if res.ErrCode != 0 {
		return Session{}, &APIError{API: "oauth2/access_token", Code: res.ErrCode, Msg: res.ErrMsg}
	}
	if err != nil {
		return Session{}, fmt.Errorf("wechat oauth2/access_token: %s", Redact(err.Error()))
	}
	if res.IsSnapShotUser == 1 {
		return Session{}, ErrSnapshotUser
	}
	if res.OpenID == "" {
		return Session{}, fmt.Errorf("wechat oauth2/access_token: no openid in the answer")
	}
	return Session{OpenID: res.OpenID, UnionID: res.UnionID}, nil
}

var _ OAuthClient = (*OASDK)(nil)

// oauthStart sends the browser to WeChat's authorize page.
func (ch *Channel) oauthStart(c *fiber.Ctx) error {
	if ch.OAuth == nil {
		return oauthFail(c, "本服务未启用微信网页授权登录，请从“解纷”小程序进入")
	}
	var b [16]byte
	if _, err := rand.Read(b[:]); err != nil {
		return err
	}
	state := hex.EncodeToString(b[:])
	c.Cookie(&fiber.Cookie{Name: oauthCookie, Value: state, Path: "/m/", MaxAge: int(oauthTTL.Seconds()),
		HTTPOnly: true, Secure: strings.HasPrefix(ch.publicBase(c), "https://"), SameSite: fiber.CookieSameSiteLaxMode})
	base := ch.Config.OAuthBase
	if base == "" {
		base = realOAuth
	}
	u := base + "/connect/oauth2/authorize?appid=" + url.QueryEscape(ch.Config.OAAppID) +
		"&redirect_uri=" + url.QueryEscape(ch.publicBase(c)+"/m/oauth/callback") +
		"&response_type=code&scope=snsapi_base&state=" + state + "#wechat_redirect"
	c.Set(fiber.HeaderCacheControl, "no-store")
	return c.Redirect(u, fiber.StatusFound)
}

// oauthCallback is where WeChat sends the browser back with a code.
func (ch *Channel) oauthCallback(c *fiber.Ctx) error {
	c.Set(fiber.HeaderCacheControl, "no-store")
	want := c.Cookies(oauthCookie)
	c.Cookie(&fiber.Cookie{Name: oauthCookie, Value: "", Path: "/m/", MaxAge: -1, HTTPOnly: true,
		SameSite: fiber.CookieSameSiteLaxMode})
	if ch.OAuth == nil {
		return oauthFail(c, "本服务未启用微信网页授权登录，请从“解纷”小程序进入")
	}
	state := c.Query("state")
	if want == "" || len(state) != len(want) || subtle.ConstantTimeCompare([]byte(state), []byte(want)) != 1 {
		return oauthFail(c, "登录已过期，请重新打开页面")
	}
	code := strings.TrimSpace(c.Query("code"))
	if code == "" {
		return oauthFail(c, "您未同意微信授权，暂时无法登录")
	}
	sess, err := ch.OAuth.OAuthSession(c.UserContext(), code)
	if err != nil {
		code, _ := ErrorCode(err)
		switch {
		case errors.Is(err, ErrSnapshotUser):
			return oauthFail(c, "请点击页面下方的“使用完整服务”后再登录")
		case code == CodeInvalidCode || code == CodeCodeUsed:
			return oauthFail(c, "微信授权已失效，请重新打开页面")
		}
		ch.logUpstream(c, "wechat oauth failed", err)
		return oauthFail(c, "微信登录服务暂时不可用，请稍后重试")
	}
	token, _, _, err := ch.Residents.Login(c.UserContext(), OAOpenIDPrefix+sess.OpenID, sess.UnionID)
	if err != nil {
		ch.logUpstream(c, "resident login failed", err)
		return oauthFail(c, "登录失败，请稍后重试")
	}
	c.Set("Referrer-Policy", "no-referrer")
	return c.Redirect("/m/#token="+url.QueryEscape(token), fiber.StatusFound)
}

// oauthFail returns the browser to the page with a message to show.
func oauthFail(c *fiber.Ctx, msg string) error {
	return c.Redirect("/m/#oauth_error="+url.QueryEscape(msg), fiber.StatusFound)
}

// publicBase is this server's origin as browsers reach it.
func (ch *Channel) publicBase(c *fiber.Ctx) string {
	if ch.Config.PublicURL != "" {
		return ch.Config.PublicURL
	}
	return c.BaseURL()
}
