// Package residents holds the accounts of residents who file and follow
// their own matters (WeChat mini-program, the resident web page): who they
// are (an openid), their bearer tokens, and a bound phone number.
package residents

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/jiefen/jiefen/kernel"
	"github.com/jiefen/jiefen/staff"
)

// Resident is a resident's account.
type Resident struct {
	ID      int64  `json:"id"`
	OpenID  string `json:"-"`
	UnionID string `json:"-"`
	Name    string `json:"name"`
	Phone   string `json:"-"` // personal data: masked when shown
	// PhoneVerified: WeChat vouched for Phone (getPhoneNumber), rather than
	// the resident typing it. Only a verified phone lets the resident's
	// intakes join a case registered with that phone (a walk-in).
	PhoneVerified bool      `json:"-"`
	CreatedAt     time.Time `json:"created_at"`
}

// Store is the storage the service needs.
type Store interface {
	// ResidentByOpenID creates the account on first sight (idempotent under
	// concurrent logins) and returns it.
	UpsertByOpenID(ctx context.Context, openID, unionID string, now time.Time) (*Resident, error)
	// ResidentByUnionID returns the oldest account with the unionid
	// (ENotFound if none).
	ResidentByUnionID(ctx context.Context, unionID string) (*Resident, error)
	// SetOpenID changes the openid an account is known by.
	SetOpenID(ctx context.Context, id int64, openID string, now time.Time) error
	ResidentByID(ctx context.Context, id int64) (*Resident, error)
	Update(ctx context.Context, r *Resident) error
	CreateSession(ctx context.Context, tokenHash string, residentID int64, created, expires time.Time) error
	SessionResident(ctx context.Context, tokenHash string, now time.Time) (*Resident, error)
	DeleteSession(ctx context.Context, tokenHash string) error
}

// Service signs residents in and keeps their accounts.
type Service struct {
	Store    Store
	TokenTTL time.Duration
	Now      func() time.Time
}

// NewService returns a service with 30-day tokens (residents come back to
// follow their cases) and the wall clock.
func NewService(store Store) *Service {
	return &Service{Store: store, TokenTTL: 30 * 24 * time.Hour, Now: time.Now}
}

// Login signs in the resident an identity provider vouched for (WeChat's
// openid), creating the account on first sight, and returns a new token.
func (s *Service) Login(ctx context.Context, openID, unionID string) (string, time.Time, *Resident, error) {
	openID = strings.TrimSpace(openID)
	if openID == "" {
		return "", time.Time{}, nil, kernel.Errorf(kernel.EUnauthorized, "登录凭证无效")
	}
	now := s.Now().UTC()
	unionID = strings.TrimSpace(unionID)
	r, err := s.account(ctx, openID, unionID, now)
	if kernel.ErrorCode(err) == kernel.EConflict && unionID != "" {
		// Another first login of this person (through the other app) made
		// the account a moment ago: it is theirs.
		r, err = s.account(ctx, openID, unionID, now)
	}
	if err != nil {
		return "", time.Time{}, nil, err
	}
	var b [32]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", time.Time{}, nil, err
	}
	token := base64.RawURLEncoding.EncodeToString(b[:])
	exp := now.Add(s.TokenTTL)
	if err := s.Store.CreateSession(ctx, staff.HashToken(token), r.ID, now, exp); err != nil {
		return "", time.Time{}, nil, err
	}
	return token, exp, r, nil
}

// account finds or creates the resident's account. One person reaches
// Jiefen through several WeChat apps (the mini-program, the official
// account's web pages), each with its own openid; the unionid (given when
// the apps share an open platform account) is the same, so it finds the
// account, and their cases, whichever way they came first. The
// mini-program's openid is the one kept: subscribe messages need it.
func (s *Service) account(ctx context.Context, openID, unionID string, now time.Time) (*Resident, error) {
	if unionID != "" {
		r, err := s.Store.ResidentByUnionID(ctx, unionID)
		switch {
		case err == nil:
			if r.OpenID != openID && !miniProgram(r.OpenID) && miniProgram(openID) {
				// A conflict: an older account of this openid without the
				// unionid. The one the unionid found stays as it is.
				err := s.Store.SetOpenID(ctx, r.ID, openID, now)
				if err == nil {
					r.OpenID = openID
				} else if kernel.ErrorCode(err) != kernel.EConflict {
					return nil, err
				}
			}
			return r, nil
		case kernel.ErrorCode(err) != kernel.ENotFound:
			return nil, err
		}
	}
	return s.Store.UpsertByOpenID(ctx, openID, unionID, now)
}

// miniProgram reports whether an openid is the mini-program's: the others
// carry a prefix naming where they come from ("oa:", "dev:").
func miniProgram(openID string) bool { return openID != "" && !strings.Contains(openID, ":") }

// Authenticate returns the resident a bearer token belongs to.
func (s *Service) Authenticate(ctx context.Context, token string) (*Resident, error) {
	if token == "" {
		return nil, kernel.Errorf(kernel.EUnauthorized, "请先登录")
	}
	r, err := s.Store.SessionResident(ctx, staff.HashToken(token), s.Now().UTC())
	if kernel.ErrorCode(err) == kernel.ENotFound {
		return nil, kernel.Errorf(kernel.EUnauthorized, "登录已失效，请重新登录")
	}
	return r, err
}

// Logout ends a session.
func (s *Service) Logout(ctx context.Context, token string) error {
	return s.Store.DeleteSession(ctx, staff.HashToken(token))
}

// SetProfile records the resident's name and, when given, a phone number
// (validated) for staff to call back.
func (s *Service) SetProfile(ctx context.Context, id int64, name, phone string) (*Resident, error) {
	r, err := s.Store.ResidentByID(ctx, id)
	if err != nil {
		return nil, err
	}
	name = strings.TrimSpace(name)
	if utf8.RuneCountInString(name) > 100 {
		return nil, kernel.FieldError("name", "姓名不能超过100个字符")
	}
	if phone != "" && !kernel.ValidMobile(phone) {
		return nil, kernel.FieldError("phone", "手机号码格式错误")
	}
	if name != "" {
		r.Name = name
	}
	if phone != "" && phone != r.Phone {
		r.Phone, r.PhoneVerified = phone, false
	}
	return r, s.Store.Update(ctx, r)
}

// BindPhone records a phone number WeChat verified for the resident.
func (s *Service) BindPhone(ctx context.Context, id int64, phone string) (*Resident, error) {
	if !kernel.ValidMobile(phone) {
		return nil, kernel.FieldError("phone", "手机号码格式错误")
	}
	r, err := s.Store.ResidentByID(ctx, id)
	if err != nil {
		return nil, err
	}
	r.Phone, r.PhoneVerified = phone, true
	return r, s.Store.Update(ctx, r)
}

// VerifiedPhone is the phone WeChat verified for the resident, "" if none.
func (r *Resident) VerifiedPhone() string {
	if r.PhoneVerified {
		return r.Phone
	}
	return ""
}
