package wechat

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/silenceper/wechat/v2/miniprogram"
	"github.com/silenceper/wechat/v2/miniprogram/business"
	mpconfig "github.com/silenceper/wechat/v2/miniprogram/config"
	"github.com/silenceper/wechat/v2/miniprogram/subscribe"
	"github.com/silenceper/wechat/v2/util"
)

// Client is what Jiefen asks of the WeChat mini-program API. The SDK
// implementation talks to WeChat (or WECHAT_API_BASE); tests and handlers
// depend on this interface only.
type Client interface {
	// Code2Session exchanges a wx.login code for the user's identity.
	Code2Session(ctx context.Context, code string) (Session, error)
	// GetPhoneNumber exchanges a getPhoneNumber code for the user's phone
	// number (without country code).
	GetPhoneNumber(ctx context.Context, code string) (string, error)
	// SendSubscribe sends a subscribe message (订阅消息).
	SendSubscribe(ctx context.Context, m Message) error
}

// Session is who a login code belongs to. WeChat's session_key is not kept:
// Jiefen issues its own tokens and decrypts nothing on the client's behalf.
type Session struct {
	OpenID  string
	UnionID string
}

// Message is one subscribe message.
type Message struct {
	ToUser     string
	TemplateID string
	Page       string
	State      string // developer | trial | formal ("" is formal)
	Data       map[string]string
}

// APIError is an error code WeChat answered with (errcode ≠ 0).
type APIError struct {
	API  string
	Code int64
	Msg  string
}

func (e *APIError) Error() string {
	return fmt.Sprintf("wechat %s: errcode=%d errmsg=%s", e.API, e.Code, e.Msg)
}

// WeChat error codes Jiefen treats specially.
const (
	CodeBusy             = -1    // 系统繁忙
	CodeInvalidToken     = 40001 // access_token 无效
	CodeInvalidOpenID    = 40003 // openid 无效
	CodeInvalidAppID     = 40013
	CodeTokenMismatch    = 40014 // 不合法的 access_token
	CodeInvalidCode      = 40029 // js_code / 手机号 code 无效
	CodeInvalidTemplate  = 40037 // template_id 不正确
	CodeInvalidSecret    = 40125
	CodeCodeUsed         = 40163 // code 已被使用
	CodeRiskyUser        = 40226 // 高风险用户，登录拦截
	CodeInvalidPage      = 41030 // page 路径不正确
	CodeTokenExpired     = 42001 // access_token 超时
	CodeNotSubscribed    = 43101 // 用户拒绝接受消息（未订阅或次数用完）
	CodeDailyQuota       = 45009 // 接口调用超过每日限额
	CodeFrequencyLimit   = 45011 // 接口调用频率超限（按分钟）
	CodeTemplateArgument = 47003 // 模板参数不准确
)

// ErrorCode returns the WeChat error code of err, if it is one.
func ErrorCode(err error) (int64, bool) {
	var ae *APIError
	if errors.As(err, &ae) {
		return ae.Code, true
	}
	return 0, false
}

// SDKConfig configures the SDK client.
type SDKConfig struct {
	AppID  string
	Secret string
	// APIBase replaces https://api.weixin.qq.com (a gateway, or a test
	// server); "" is the real API.
	APIBase string
	// Timeout bounds every call to WeChat (default 10 s): the SDK's Send
	// takes no context.
	Timeout time.Duration
}

// SDK implements Client with github.com/silenceper/wechat/v2/miniprogram.
// Access tokens come from the stable-token endpoint (several servers share
// one token without invalidating each other) and are cached in memory.
type SDK struct {
	mp    *miniprogram.MiniProgram
	cache *tokenCache
}

var _ Client = (*SDK)(nil)

// The SDK has no per-client base URL or HTTP client: util.SetURIModifier
// and util.DefaultHTTPClient are process-wide. They are installed once; the
// base they rewrite to is the last configured (one WeChat API per process).
var (
	sdkOnce sync.Once
	apiBase atomic.Pointer[string]
)

const realAPI = "https://api.weixin.qq.com"

// rewrite points an SDK URI at the configured API base.
func rewrite(uri string) string {
	b := apiBase.Load()
	if b == nil || *b == "" || !strings.HasPrefix(uri, realAPI) {
		return uri
	}
	return *b + uri[len(realAPI):]
}

// installSDK sets the SDK's process-wide HTTP client and base URL.
func installSDK(cfg SDKConfig) {
	timeout := cfg.Timeout
	if timeout <= 0 {
		timeout = 10 * time.Second
	}
	sdkOnce.Do(func() {
		util.DefaultHTTPClient = &http.Client{Timeout: timeout}
		util.SetURIModifier(rewrite)
	})
	base := strings.TrimRight(strings.TrimSpace(cfg.APIBase), "/")
	apiBase.Store(&base)
}

// NewSDK returns a client for one mini-program.
func NewSDK(cfg SDKConfig) *SDK {
	installSDK(cfg)
	c := &tokenCache{data: map[string]cached{}}
	mp := miniprogram.NewMiniProgram(&mpconfig.Config{
		AppID: cfg.AppID, AppSecret: cfg.Secret, Cache: c, UseStableAK: true,
	})
	return &SDK{mp: mp, cache: c}
}

// codeRE is what wx.login and getPhoneNumber codes look like; anything else
// is refused before it reaches a URL.
var codeRE = regexp.MustCompile(`^[A-Za-z0-9_\-]{1,128}$`)

// ValidCode reports whether s looks like a WeChat code.
func ValidCode(s string) bool { return codeRE.MatchString(s) }

// Code2Session implements Client.
func (s *SDK) Code2Session(ctx context.Context, code string) (Session, error) {
	if !ValidCode(code) {
		return Session{}, &APIError{API: "jscode2session", Code: CodeInvalidCode, Msg: "malformed code"}
	}
	res, err := s.mp.GetAuth().Code2SessionContext(ctx, code)
	if res.ErrCode != 0 {
		return Session{}, &APIError{API: "jscode2session", Code: res.ErrCode, Msg: res.ErrMsg}
	}
	if err != nil {
		return Session{}, s.wrap("jscode2session", err)
	}
	if res.OpenID == "" {
		return Session{}, fmt.Errorf("wechat jscode2session: no openid in the answer")
	}
	return Session{OpenID: res.OpenID, UnionID: res.UnionID}, nil
}

// GetPhoneNumber implements Client.
func (s *SDK) GetPhoneNumber(ctx context.Context, code string) (string, error) {
	if !ValidCode(code) {
		return "", &APIError{API: "getuserphonenumber", Code: CodeInvalidCode, Msg: "malformed code"}
	}
	info, err := s.mp.GetBusiness().GetPhoneNumberWithContext(ctx, &business.GetPhoneNumberRequest{Code: code})
	if err != nil {
		return "", s.wrap("getuserphonenumber", err)
	}
	if info.PurePhoneNumber != "" {
		return info.PurePhoneNumber, nil
	}
	return info.PhoneNumber, nil
}

// SendSubscribe implements Client.
func (s *SDK) SendSubscribe(ctx context.Context, m Message) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	data := make(map[string]*subscribe.DataItem, len(m.Data))
	for k, v := range m.Data {
		data[k] = &subscribe.DataItem{Value: v}
	}
	err := s.mp.GetSubscribe().Send(&subscribe.Message{
		ToUser: m.ToUser, TemplateID: m.TemplateID, Page: m.Page, Data: data,
		MiniprogramState: m.State, Lang: "zh_CN",
	})
	return s.wrap("subscribe.send", err)
}

// wrap turns the SDK's errors into APIError where WeChat answered with a
// code, drops a rejected access token so the next call fetches a new one,
// and strips secrets from anything else (the SDK puts URIs with the app
// secret or the access token into its error texts).
func (s *SDK) wrap(api string, err error) error {
	if err == nil {
		return nil
	}
	var ce *util.CommonError
	if errors.As(err, &ce) {
		err = &APIError{API: api, Code: ce.ErrCode, Msg: ce.ErrMsg}
	} else if code, msg, ok := parseErrcode(err.Error()); ok {
		// Token fetches report codes only in their text.
		err = &APIError{API: api, Code: code, Msg: msg}
	} else {
		return &TransportError{API: api, Msg: Redact(err.Error())}
	}
	if code, _ := ErrorCode(err); code == CodeInvalidToken || code == CodeTokenExpired || code == CodeTokenMismatch {
		s.cache.clear()
	}
	return err
}

// TransportError is a failure to reach WeChat or to read its answer.
type TransportError struct {
	API string
	Msg string
}

func (e *TransportError) Error() string { return "wechat " + e.API + ": " + e.Msg }

var errcodeRE = regexp.MustCompile(`errcode\s*=\s*(-?\d+)\s*,\s*err(?:or)?msg\s*=\s*(.*)$`)

func parseErrcode(s string) (int64, string, bool) {
	m := errcodeRE.FindStringSubmatch(s)
	if m == nil {
		return 0, "", false
	}
	code, err := strconv.ParseInt(m[1], 10, 64)
	if err != nil || code == 0 {
		return 0, "", false
	}
	return code, strings.TrimSpace(m[2]), true
}

var secretRE = regexp.MustCompile(`(?i)([?&](?:secret|access_token|js_code|code|appid))=[^&\s"]*`)

// Redact hides credentials in URIs inside an error text.
func Redact(s string) string { return secretRE.ReplaceAllString(s, "$1=***") }

// tokenCache is the SDK's cache for access tokens. The SDK's own memory
// cache reads its map without the lock, which races when several jobs
// fetch a token at once.
type tokenCache struct {
	mu   sync.Mutex
	data map[string]cached
}

type cached struct {
	v   any
	exp time.Time
}

func (c *tokenCache) Get(key string) any {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.data[key]
	if !ok || time.Now().After(e.exp) {
		delete(c.data, key)
		return nil
	}
	return e.v
}

func (c *tokenCache) Set(key string, v any, timeout time.Duration) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.data[key] = cached{v: v, exp: time.Now().Add(timeout)}
	return nil
}

func (c *tokenCache) IsExist(key string) bool { return c.Get(key) != nil }

func (c *tokenCache) Delete(key string) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	delete(c.data, key)
	return nil
}

func (c *tokenCache) clear() {
	c.mu.Lock()
	defer c.mu.Unlock()
	clear(c.data)
}
