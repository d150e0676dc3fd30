// Package wechattest is an httptest server standing in for the WeChat API
// (https://api.weixin.qq.com) in tests: jscode2session, the stable access
// token, subscribe messages and phone numbers. Point the real SDK at it with
// WECHAT_API_BASE (wechat.SDKConfig.APIBase). With EnableOAuth it also
// plays an official account's web authorisation: the authorize page
// browsers are sent to (WECHAT_OAUTH_BASE, open.weixin.qq.com) and the
// code exchange (/sns/oauth2/access_token).
package wechattest

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
)

// Session is what a login code stands for.
type Session struct {
	OpenID  string
	UnionID string
}

// Sent is a subscribe message the server accepted.
type Sent struct {
	ToUser     string
	TemplateID string
	Page       string
	State      string
	Data       map[string]string
}

// Server is the fake WeChat API.
type Server struct {
	*httptest.Server
	AppID, Secret string

	mu         sync.Mutex
	codes      map[string]Session
	used       map[string]bool
	loginErr   map[string]int64 // code → errcode
	phones     map[string]string
	sendErr    map[string]int64 // openid → errcode
	outage     int              // sends still to fail with HTTP 503
	tokens     map[string]bool
	tokenSeq   int
	sent       []Sent
	sendCalls  int
	tokenCalls int
	phoneCalls int
	loginCalls int

	oaAppID, oaSecret string
	oauthNext         []oauthUser // who approves the next authorize requests, in order
	oauthCodes        map[string]oauthUser
	oauthSeq          int
}

type oauthUser struct {
	Session
	Snapshot bool
}

// New starts a server for one app.
func New(appID, secret string) *Server {
	s := &Server{AppID: appID, Secret: secret, codes: map[string]Session{}, used: map[string]bool{},
		loginErr: map[string]int64{}, phones: map[string]string{}, sendErr: map[string]int64{}, tokens: map[string]bool{}}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /sns/jscode2session", s.code2session)
	mux.HandleFunc("POST /cgi-bin/stable_token", s.stableToken)
	mux.HandleFunc("GET /cgi-bin/token", s.token)
	mux.HandleFunc("POST /cgi-bin/message/subscribe/send", s.send)
	mux.HandleFunc("POST /wxa/business/getuserphonenumber", s.phone)
	mux.HandleFunc("GET /connect/oauth2/authorize", s.authorize)
	mux.HandleFunc("GET /sns/oauth2/access_token", s.oauthToken)
	s.Server = httptest.NewServer(mux)
	return s
}

// EnableOAuth makes the server an official account's web authorisation too.
func (s *Server) EnableOAuth(appID, secret string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.oaAppID, s.oaSecret, s.oauthCodes = appID, secret, map[string]oauthUser{}
}

// AuthorizeAs makes the next authorize request approve as this user (the
// page sends the browser back with a code); without one queued, the user
// refuses (back without a code). snapshot marks a snapshot-page visitor.
func (s *Server) AuthorizeAs(openID, unionID string, snapshot bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.oauthNext = append(s.oauthNext, oauthUser{Session{openID, unionID}, snapshot})
}

func (s *Server) authorize(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	q := r.URL.Query()
	redirect, err := url.Parse(q.Get("redirect_uri"))
	if q.Get("appid") != s.oaAppID || s.oaAppID == "" || q.Get("response_type") != "code" ||
		q.Get("scope") != "snsapi_base" || err != nil || !redirect.IsAbs() {
		http.Error(w, "bad authorize request", http.StatusBadRequest)
		return
	}
	back := redirect.Query()
	back.Set("state", q.Get("state"))
	if len(s.oauthNext) > 0 {
		s.oauthSeq++
		code := fmt.Sprintf("oauth-code-%d", s.oauthSeq)
		s.oauthCodes[code] = s.oauthNext[0]
		s.oauthNext = s.oauthNext[1:]
		back.Set("code", code)
	}
	redirect.RawQuery = back.Encode()
	http.Redirect(w, r, redirect.String(), http.StatusFound)
}

func (s *Server) oauthToken(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	q := r.URL.Query()
	if q.Get("appid") != s.oaAppID || s.oaAppID == "" {
		errJSON(w, 40013, "invalid appid")
		return
	}
	if q.Get("secret") != s.oaSecret {
		errJSON(w, 40125, "invalid appsecret")
		return
	}
	u, ok := s.oauthCodes[q.Get("code")]
	if !ok {
		errJSON(w, 40029, "invalid code")
		return
	}
	delete(s.oauthCodes, q.Get("code"))
	out := map[string]any{"access_token": "web-token", "expires_in": 7200, "refresh_token": "refresh",
		"openid": u.OpenID, "scope": "snsapi_base"}
	if u.UnionID != "" {
		out["unionid"] = u.UnionID
	}
	if u.Snapshot {
		out["is_snapshotuser"] = 1
	}
	writeJSON(w, out)
}

// AddCode makes a wx.login code valid once for the identity.
func (s *Server) AddCode(code, openID, unionID string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.codes[code] = Session{OpenID: openID, UnionID: unionID}
}

// FailLogin makes a login code answer with an error code.
func (s *Server) FailLogin(code string, errcode int64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.loginErr[code] = errcode
}

// AddPhoneCode makes a getPhoneNumber code valid for a number.
func (s *Server) AddPhoneCode(code, phone string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.phones[code] = phone
}

// FailSend makes every message to the openid fail with an error code
// (0 to stop).
func (s *Server) FailSend(openID string, errcode int64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.sendErr[openID] = errcode
}

// Outage makes the next n sends fail with HTTP 503.
func (s *Server) Outage(n int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.outage = n
}

// ExpireTokens makes every access token issued so far invalid (40001).
func (s *Server) ExpireTokens() {
	s.mu.Lock()
	defer s.mu.Unlock()
	clear(s.tokens)
}

// Sent returns the messages accepted so far.
func (s *Server) Sent() []Sent {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Sent(nil), s.sent...)
}

// Calls returns how many times each endpoint was called.
func (s *Server) Calls() (login, token, send, phone int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.loginCalls, s.tokenCalls, s.sendCalls, s.phoneCalls
}

func writeJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	json.NewEncoder(w).Encode(v)
}

func errJSON(w http.ResponseWriter, code int64, msg string) {
	writeJSON(w, map[string]any{"errcode": code, "errmsg": msg})
}

func (s *Server) code2session(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.loginCalls++
	q := r.URL.Query()
	if q.Get("appid") != s.AppID {
		errJSON(w, 40013, "invalid appid")
		return
	}
	if q.Get("secret") != s.Secret {
		errJSON(w, 40125, "invalid appsecret")
		return
	}
	code := q.Get("js_code")
	if e, ok := s.loginErr[code]; ok {
		errJSON(w, e, "fake error")
		return
	}
	sess, ok := s.codes[code]
	switch {
	case !ok:
		errJSON(w, 40029, "invalid code")
	case s.used[code]:
		errJSON(w, 40163, "code been used")
	default:
		s.used[code] = true
		out := map[string]any{"openid": sess.OpenID, "session_key": "c2Vzc2lvbi1rZXk="}
		if sess.UnionID != "" {
			out["unionid"] = sess.UnionID
		}
		writeJSON(w, out)
	}
}

func (s *Server) issueToken() map[string]any {
	s.tokenCalls++
	s.tokenSeq++
	tok := fmt.Sprintf("token-%d", s.tokenSeq)
	s.tokens[tok] = true
	return map[string]any{"access_token": tok, "expires_in": 7200}
}

func (s *Server) stableToken(w http.ResponseWriter, r *http.Request) {
	var req struct {
		GrantType string `json:"grant_type"`
		AppID     string `json:"appid"`
		Secret    string `json:"secret"`
	}
	json.NewDecoder(r.Body).Decode(&req)
	s.mu.Lock()
	defer s.mu.Unlock()
	if req.AppID != s.AppID || req.Secret != s.Secret || req.GrantType != "client_credential" {
		errJSON(w, 40125, "invalid appsecret")
		return
	}
	writeJSON(w, s.issueToken())
}

func (s *Server) token(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	q := r.URL.Query()
	if q.Get("appid") != s.AppID || q.Get("secret") != s.Secret {
		errJSON(w, 40125, "invalid appsecret")
		return
	}
	writeJSON(w, s.issueToken())
}

// validToken checks the access_token query parameter; the caller holds mu.
func (s *Server) validToken(w http.ResponseWriter, r *http.Request) bool {
	if !s.tokens[r.URL.Query().Get("access_token")] {
		errJSON(w, 40001, "invalid credential, access_token is invalid or not latest")
		return false
	}
	return true
}

func (s *Server) send(w http.ResponseWriter, r *http.Request) {
	var req struct {
		ToUser     string `json:"touser"`
		TemplateID string `json:"template_id"`
		Page       string `json:"page"`
		State      string `json:"miniprogram_state"`
		Data       map[string]struct {
			Value any `json:"value"`
		} `json:"data"`
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.sendCalls++
	if s.outage > 0 {
		s.outage--
		http.Error(w, "service unavailable", http.StatusServiceUnavailable)
		return
	}
	if !s.validToken(w, r) {
		return
	}
	if err := json.NewDecoder(r.Body).Decode(&req); err != nil || req.ToUser == "" || req.TemplateID == "" {
		errJSON(w, 47001, "data format error")
		return
	}
	if e := s.sendErr[req.ToUser]; e != 0 {
		errJSON(w, e, "fake refusal")
		return
	}
	msg := Sent{ToUser: req.ToUser, TemplateID: req.TemplateID, Page: req.Page, State: req.State, Data: map[string]string{}}
	for k, v := range req.Data {
		msg.Data[k] = fmt.Sprint(v.Value)
		if strings.HasPrefix(k, "thing") && len([]rune(msg.Data[k])) > 20 {
			errJSON(w, 47003, "argument invalid! data.thing.value exceeds limit")
			return
		}
	}
	s.sent = append(s.sent, msg)
	writeJSON(w, map[string]any{"errcode": 0, "errmsg": "ok", "msgid": len(s.sent)})
}

func (s *Server) phone(w http.ResponseWriter, r *http.Request) {
	var req struct {
		Code string `json:"code"`
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.phoneCalls++
	if !s.validToken(w, r) {
		return
	}
	json.NewDecoder(r.Body).Decode(&req)
	p, ok := s.phones[req.Code]
	if !ok {
		errJSON(w, 40029, "invalid code")
		return
	}
	delete(s.phones, req.Code)
	writeJSON(w, map[string]any{"errcode": 0, "errmsg": "ok", "phone_info": map[string]any{
		"phoneNumber": "+86" + p, "purePhoneNumber": p, "countryCode": "86",
		"watermark": map[string]any{"appid": s.AppID, "timestamp": 1700000000}}})
}
