package wechat

import (
	"encoding/json"
	"fmt"
	"os"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/jiefen/jiefen/cases"
	"github.com/jiefen/jiefen/kernel"
)

// Config is the WeChat channel's configuration, read from the environment
// (see ConfigFromEnv for the variables).
type Config struct {
	AppID   string // WECHAT_APPID
	Secret  string // WECHAT_SECRET
	APIBase string // WECHAT_API_BASE: "" is https://api.weixin.qq.com

	PushToken  string // WECHAT_PUSH_TOKEN: message push (消息推送) token
	PushAESKey string // WECHAT_PUSH_AES_KEY: EncodingAESKey for the security mode

	Templates *Templates // WECHAT_TEMPLATES

	// Web authorisation (网页授权) through an official account (公众号), so
	// that the H5 page logs residents in by itself in WeChat's browser.
	OAAppID   string // WECHAT_OA_APPID
	OASecret  string // WECHAT_OA_SECRET
	OAuthBase string // WECHAT_OAUTH_BASE: "" is https://open.weixin.qq.com (where browsers are sent to authorise)
	PublicURL string // JIEFEN_PUBLIC_URL: this server's address as browsers see it (the OAuth redirect); "" is the request's

	DevLogin      bool   // JIEFEN_DEV_LOGIN=1: log in by name, without WeChat
	DefaultRegion string // WECHAT_DEFAULT_REGION: prefilled region code of the H5 form

	RetryBase   time.Duration // WECHAT_NOTIFY_BACKOFF: first retry delay (default 30 s, doubling, at most 1 h)
	MaxAttempts int           // WECHAT_NOTIFY_ATTEMPTS: attempts per message (default 8)
}

// Enabled reports whether a mini-program is configured (login, phone
// binding and messages need one; the resident API and H5 do not).
func (c Config) Enabled() bool { return c.AppID != "" && c.Secret != "" }

// OAuthEnabled reports whether H5 web authorisation is configured.
func (c Config) OAuthEnabled() bool { return c.OAAppID != "" && c.OASecret != "" }

// ConfigFromEnv reads the configuration.
func ConfigFromEnv(getenv func(string) string) (Config, error) {
	c := Config{
		AppID:         strings.TrimSpace(getenv("WECHAT_APPID")),
		Secret:        strings.TrimSpace(getenv("WECHAT_SECRET")),
		APIBase:       strings.TrimSpace(getenv("WECHAT_API_BASE")),
		OAAppID:       strings.TrimSpace(getenv("WECHAT_OA_APPID")),
		OASecret:      strings.TrimSpace(getenv("WECHAT_OA_SECRET")),
		OAuthBase:     strings.TrimRight(strings.TrimSpace(getenv("WECHAT_OAUTH_BASE")), "/"),
		PublicURL:     strings.TrimRight(strings.TrimSpace(getenv("JIEFEN_PUBLIC_URL")), "/"),
		PushToken:     strings.TrimSpace(getenv("WECHAT_PUSH_TOKEN")),
		PushAESKey:    strings.TrimSpace(getenv("WECHAT_PUSH_AES_KEY")),
		DevLogin:      getenv("JIEFEN_DEV_LOGIN") == "1",
		DefaultRegion: strings.TrimSpace(getenv("WECHAT_DEFAULT_REGION")),
		RetryBase:     30 * time.Second,
		MaxAttempts:   8,
	}
	if (c.AppID == "") != (c.Secret == "") {
		return c, fmt.Errorf("wechat: set both WECHAT_APPID and WECHAT_SECRET, or neither")
	}
	if (c.OAAppID == "") != (c.OASecret == "") {
		return c, fmt.Errorf("wechat: set both WECHAT_OA_APPID and WECHAT_OA_SECRET, or neither")
	}
	for name, v := range map[string]string{"WECHAT_API_BASE": c.APIBase, "WECHAT_OAUTH_BASE": c.OAuthBase, "JIEFEN_PUBLIC_URL": c.PublicURL} {
		if v != "" && !strings.HasPrefix(v, "http://") && !strings.HasPrefix(v, "https://") {
			return c, fmt.Errorf("wechat: %s must be an http(s) URL", name)
		}
	}
	if c.DefaultRegion != "" {
		code, ok := kernel.NormalizeRegionCode(c.DefaultRegion)
		if !ok {
			return c, fmt.Errorf("wechat: WECHAT_DEFAULT_REGION %q is not a region code", c.DefaultRegion)
		}
		c.DefaultRegion = code
	}
	if v := getenv("WECHAT_NOTIFY_BACKOFF"); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil || d <= 0 {
			return c, fmt.Errorf("wechat: WECHAT_NOTIFY_BACKOFF %q is not a positive duration", v)
		}
		c.RetryBase = d
	}
	if v := getenv("WECHAT_NOTIFY_ATTEMPTS"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 25 {
			return c, fmt.Errorf("wechat: WECHAT_NOTIFY_ATTEMPTS must be 1–25")
		}
		c.MaxAttempts = n
	}
	if v := strings.TrimSpace(getenv("WECHAT_TEMPLATES")); v != "" {
		raw := []byte(v)
		if !strings.HasPrefix(v, "{") {
			b, err := os.ReadFile(strings.TrimPrefix(v, "@"))
			if err != nil {
				return c, fmt.Errorf("wechat: WECHAT_TEMPLATES: %w", err)
			}
			raw = b
		}
		t, err := ParseTemplates(raw)
		if err != nil {
			return c, err
		}
		c.Templates = t
	}
	return c, nil
}

// Templates maps case events to subscribe message templates:
//
//	{
//	  "miniprogram_state": "formal",
//	  "page": "pages/case/case?case_no={case_no}",
//	  "events": {
//	    "accepted": {"template_id": "…", "data": {"character_string1": "{case_no}",
//	                 "thing2": "{subject}", "phrase3": "{status}", "time4": "{time}"}},
//	    "resolved": {"template_id": "…", "page": "…", "data": {…}}
//	  }
//	}
//
// Event names are the triggers of Trigger: a transition's target status
// (accepted, rejected, in_progress, suspended, resolved, visited, closed),
// resumed and reopened, or a timeline event kind (registered,
// intake_added, merged, evaluated, assigned, needs_more_info, video_reminder — a
// reminder of a video reception booking, 24 h and 1 h before — and
// mediation_reminder, a mediation session 24 h and 1 h before). Data values are text with placeholders (see
// Placeholders); each value is cut to what its WeChat field type allows.
type Templates struct {
	State  string               `json:"miniprogram_state"`
	Page   string               `json:"page"`
	Events map[string]*Template `json:"events"`
}

// Template is the message for one trigger.
type Template struct {
	TemplateID string            `json:"template_id"`
	Page       string            `json:"page"`
	Data       map[string]string `json:"data"`
}

// Placeholders are the values a template may use.
var Placeholders = map[string]string{
	"case_no":      "案件编号",
	"subject":      "事项标题",
	"status":       "案件当前状态（中文）",
	"event":        "本次进展（中文，如“已受理”）",
	"time":         "进展时间 2006-01-02 15:04（北京时间）",
	"date":         "进展日期 2006-01-02",
	"handle_due":   "办理期限 2006-01-02（已受理后）",
	"region":       "所在地区名称",
	"category":     "纠纷类别（中文）",
	"request":      "需要补充的材料（仅 needs_more_info）",
	"session_time": "接访或调解开始时间 2006-01-02 15:04（仅 video_reminder、mediation_reminder）",
	"leader":       "接访领导（仅 video_reminder）",
	"mediator":     "调解员（仅 mediation_reminder）",
	"place":        "调解地点，视频调解为“视频调解”（仅 mediation_reminder）",
}

var (
	placeholderRE = regexp.MustCompile(`\{([a-z_]+)\}`)
	dataKeyRE     = regexp.MustCompile(`^[a-z_]+[0-9]+$`)
)

// internalKinds never reach residents, whatever the configuration says.
var internalKinds = map[string]bool{
	cases.EventPIIRevealed: true, cases.EventLinked: true, cases.EventGrouped: true,
	cases.EventSplit: true, cases.EventUndone: true, NoteKind: true, "unassigned": true,
}

// ParseTemplates reads and checks a template configuration.
func ParseTemplates(raw []byte) (*Templates, error) {
	var t Templates
	dec := json.NewDecoder(strings.NewReader(string(raw)))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&t); err != nil {
		return nil, fmt.Errorf("wechat: WECHAT_TEMPLATES: %w", err)
	}
	switch t.State {
	case "", "formal", "trial", "developer":
	default:
		return nil, fmt.Errorf("wechat: WECHAT_TEMPLATES: miniprogram_state must be formal, trial or developer")
	}
	if err := checkPlaceholders("page", t.Page); err != nil {
		return nil, err
	}
	for name, tpl := range t.Events {
		if internalKinds[name] {
			return nil, fmt.Errorf("wechat: WECHAT_TEMPLATES: %q is internal and never sent to residents", name)
		}
		if tpl == nil || strings.TrimSpace(tpl.TemplateID) == "" {
			return nil, fmt.Errorf("wechat: WECHAT_TEMPLATES: %s: template_id is required", name)
		}
		if len(tpl.Data) == 0 {
			return nil, fmt.Errorf("wechat: WECHAT_TEMPLATES: %s: data is required", name)
		}
		if err := checkPlaceholders(name+".page", tpl.Page); err != nil {
			return nil, err
		}
		for k, v := range tpl.Data {
			if !dataKeyRE.MatchString(k) {
				return nil, fmt.Errorf("wechat: WECHAT_TEMPLATES: %s: %q is not a template field (like thing1)", name, k)
			}
			if err := checkPlaceholders(name+"."+k, v); err != nil {
				return nil, err
			}
		}
	}
	return &t, nil
}

func checkPlaceholders(where, s string) error {
	for _, m := range placeholderRE.FindAllStringSubmatch(s, -1) {
		if _, ok := Placeholders[m[1]]; !ok {
			return fmt.Errorf("wechat: WECHAT_TEMPLATES: %s: unknown placeholder {%s}", where, m[1])
		}
	}
	return nil
}

// For returns the template of a trigger.
func (t *Templates) For(trigger string) (*Template, bool) {
	if t == nil || internalKinds[trigger] {
		return nil, false
	}
	tpl, ok := t.Events[trigger]
	return tpl, ok && tpl != nil
}

// IDs lists the configured template IDs (the mini-program asks the user to
// subscribe to them with wx.requestSubscribeMessage).
func (t *Templates) IDs() []string {
	if t == nil {
		return []string{}
	}
	seen := map[string]bool{}
	out := []string{}
	for _, tpl := range t.Events {
		if !seen[tpl.TemplateID] {
			seen[tpl.TemplateID] = true
			out = append(out, tpl.TemplateID)
		}
	}
	sort.Strings(out)
	return out
}

// expand replaces placeholders with values.
func expand(s string, vars map[string]string) string {
	return placeholderRE.ReplaceAllStringFunc(s, func(m string) string {
		return vars[m[1:len(m)-1]]
	})
}

// Render fills the template's fields, each cut to the length its WeChat
// field type allows (thing 20, phrase 5, name 10, character_string 32…).
func (tpl *Template) Render(vars map[string]string) map[string]string {
	out := make(map[string]string, len(tpl.Data))
	for k, v := range tpl.Data {
		out[k] = fitField(k, expand(v, vars))
	}
	return out
}

// fieldLimits are WeChat's length limits per field type, in characters.
var fieldLimits = map[string]int{
	"thing": 20, "phrase": 5, "name": 10, "character_string": 32, "number": 32,
	"letter": 32, "symbol": 5, "phone_number": 17, "car_number": 8, "amount": 10,
}

func fitField(key, v string) string {
	typ := strings.TrimRight(key, "0123456789")
	max, ok := fieldLimits[typ]
	if !ok || utf8.RuneCountInString(v) <= max {
		return v
	}
	r := []rune(v)
	if typ == "thing" || typ == "name" {
		return string(r[:max-1]) + "…"
	}
	return string(r[:max])
}

// PageFor is the page a message opens.
func (t *Templates) PageFor(tpl *Template, vars map[string]string) string {
	p := tpl.Page
	if p == "" {
		p = t.Page
	}
	return expand(p, vars)
}
