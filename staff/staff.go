// Package staff holds staff accounts: password login with lockout, bearer
// tokens stored as hashes, and the region each user is confined to.
package staff

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"regexp"
	"sort"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/jiefen/jiefen/cases"
)

// User is a staff account.
type User struct {
	ID           int64      `json:"id"`
	Username     string     `json:"username"`
	DisplayName  string     `json:"display_name"`
	Role         cases.Role `json:"role"`
	RegionCode   string     `json:"region_code"`
	PasswordHash string     `json:"-"`
	FailedLogins int        `json:"-"`
	LockedUntil  *time.Time `json:"-"`
	Disabled     bool       `json:"disabled"`
	CreatedAt    time.Time  `json:"created_at"`
	UpdatedAt    time.Time  `json:"updated_at"`
}

// Actor is the user as the case service sees them.
func (u *User) Actor() cases.Actor {
	name := u.DisplayName
	if name == "" {
		name = u.Username
	}
	return cases.Actor{UserID: u.ID, Name: name, Role: u.Role, RegionCode: u.RegionCode}
}

// Session is a bearer token; only its hash is stored.
type Session struct {
	TokenHash string
	UserID    int64
	CreatedAt time.Time
	ExpiresAt time.Time
}

// Store is the storage the staff service needs.
type Store interface {
	CreateUser(ctx context.Context, u *User) error
	UserByUsername(ctx context.Context, username string) (*User, error)
	UserByID(ctx context.Context, id int64) (*User, error)
	// RecordFailure counts a failed login and locks the account until
	// lockUntil when the count reaches max; it returns the new count.
	RecordFailure(ctx context.Context, id int64, max int, lockUntil, now time.Time) (int, error)
	ResetFailures(ctx context.Context, id int64) error
	CreateSession(ctx context.Context, s *Session) error
	// SessionUser returns the user of an unexpired session.
	SessionUser(ctx context.Context, tokenHash string, now time.Time) (*User, error)
	DeleteSession(ctx context.Context, tokenHash string) error
	DeleteExpiredSessions(ctx context.Context, now time.Time) (int, error)
	CountUsers(ctx context.Context) (int, error)
	// Handlers lists the enabled accounts of the given roles whose region
	// is one of codes, by username.
	Handlers(ctx context.Context, roles []cases.Role, codes []string) ([]*User, error)
}

// HandlerFinder finds accounts by role and region (Store.Handlers).
type HandlerFinder interface {
	Handlers(ctx context.Context, roles []cases.Role, codes []string) ([]*User, error)
}

// Covering returns the enabled accounts of the roles whose region covers
// code — the region itself or one above it — nearest region first: who may
// be given a case there, or receive visitors there.
func Covering(ctx context.Context, st HandlerFinder, roles []cases.Role, code string) ([]*User, error) {
	codes := cases.RegionAncestors(code)
	users, err := st.Handlers(ctx, roles, codes)
	if err != nil {
		return nil, err
	}
	rank := make(map[string]int, len(codes))
	for i, c := range codes {
		rank[c] = i
	}
	sort.SliceStable(users, func(i, j int) bool { return rank[users[i].RegionCode] < rank[users[j].RegionCode] })
	return users, nil
}

// Regions checks that a region exists.
type Regions interface {
	Region(ctx context.Context, code string) (*cases.Region, error)
}

// Lockout policy.
const (
	MaxFailures = 5
	LockFor     = 15 * time.Minute
)

// Service manages accounts and sessions.
type Service struct {
	Store    Store
	Regions  Regions
	TokenTTL time.Duration
	Now      func() time.Time
}

// NewService returns a service with 12-hour tokens and the wall clock.
func NewService(store Store, regions Regions) *Service {
	return &Service{Store: store, Regions: regions, TokenTTL: 12 * time.Hour, Now: time.Now}
}

var usernameRE = regexp.MustCompile(`^[a-zA-Z0-9][a-zA-Z0-9_.-]{1,63}$`)

// NewUser describes an account to create.
type NewUser struct {
	Username    string
	Password    string
	Role        cases.Role
	RegionCode  string // any accepted form: 6109, 610900, 610900000000
	DisplayName string
}

// AddUser creates an account.
func (s *Service) AddUser(ctx context.Context, nu NewUser) (*User, error) {
	fields := map[string]string{}
	if !usernameRE.MatchString(nu.Username) {
		fields["username"] = "用户名为2至64位字母、数字、下划线、点或连字符，以字母或数字开头"
	}
	if n := utf8.RuneCountInString(nu.Password); n < 8 || n > 128 {
		fields["password"] = "密码长度应为8至128个字符"
	}
	if !nu.Role.Valid() {
		fields["role"] = "角色应为 window_clerk、hotline_agent、mediator、supervisor、leader 或 admin"
	}
	if utf8.RuneCountInString(nu.DisplayName) > 64 {
		fields["display_name"] = "姓名不能超过64个字符"
	}
	code, ok := cases.NormalizeRegionCode(nu.RegionCode)
	if !ok {
		fields["region"] = "行政区划代码格式错误"
	} else if _, err := s.Regions.Region(ctx, code); cases.ErrorCode(err) == cases.ENotFound {
		fields["region"] = "行政区划代码不存在"
	} else if err != nil {
		return nil, err
	}
	if len(fields) > 0 {
		return nil, &cases.Error{Code: cases.EInvalid, Message: "用户信息有误", Fields: fields}
	}
	hash, err := HashPassword(nu.Password)
	if err != nil {
		return nil, err
	}
	now := s.Now().UTC()
	u := &User{Username: strings.ToLower(nu.Username), DisplayName: strings.TrimSpace(nu.DisplayName),
		Role: nu.Role, RegionCode: code, PasswordHash: hash, CreatedAt: now, UpdatedAt: now}
	if err := s.Store.CreateUser(ctx, u); err != nil {
		if cases.ErrorCode(err) == cases.EConflict {
			return nil, &cases.Error{Code: cases.EConflict, Message: "用户名已存在", Fields: map[string]string{"username": "用户名已存在"}}
		}
		return nil, err
	}
	return u, nil
}

// errBadLogin is deliberately the same for an unknown user and a wrong
// password, so logins do not reveal which accounts exist.
var errBadLogin = cases.Errorf(cases.EUnauthorized, "用户名或密码错误")

// Login checks a password and returns a new bearer token.
func (s *Service) Login(ctx context.Context, username, password string) (string, time.Time, *User, error) {
	now := s.Now().UTC()
	u, err := s.Store.UserByUsername(ctx, strings.ToLower(strings.TrimSpace(username)))
	if cases.ErrorCode(err) == cases.ENotFound {
		CheckPassword(dummyHash, password) // same cost as a real check
		return "", time.Time{}, nil, errBadLogin
	} else if err != nil {
		return "", time.Time{}, nil, err
	}
	if u.LockedUntil != nil && now.Before(*u.LockedUntil) {
		mins := int(u.LockedUntil.Sub(now).Minutes()) + 1
		return "", time.Time{}, nil, cases.Errorf(cases.ELocked, "登录失败次数过多，账户已锁定，请%d分钟后再试", mins)
	}
	if u.Disabled || !CheckPassword(u.PasswordHash, password) {
		n, err := s.Store.RecordFailure(ctx, u.ID, MaxFailures, now.Add(LockFor), now)
		if err != nil {
			return "", time.Time{}, nil, err
		}
		if n >= MaxFailures {
			return "", time.Time{}, nil, cases.Errorf(cases.ELocked, "登录失败次数过多，账户已锁定%d分钟", int(LockFor.Minutes()))
		}
		return "", time.Time{}, nil, errBadLogin
	}
	if u.FailedLogins > 0 || u.LockedUntil != nil {
		if err := s.Store.ResetFailures(ctx, u.ID); err != nil {
			return "", time.Time{}, nil, err
		}
	}
	token, hash := newToken()
	sess := &Session{TokenHash: hash, UserID: u.ID, CreatedAt: now, ExpiresAt: now.Add(s.TokenTTL)}
	if err := s.Store.CreateSession(ctx, sess); err != nil {
		return "", time.Time{}, nil, err
	}
	return token, sess.ExpiresAt, u, nil
}

// Authenticate returns the user a bearer token belongs to.
func (s *Service) Authenticate(ctx context.Context, token string) (*User, error) {
	if token == "" {
		return nil, cases.Errorf(cases.EUnauthorized, "请先登录")
	}
	u, err := s.Store.SessionUser(ctx, HashToken(token), s.Now().UTC())
	if cases.ErrorCode(err) == cases.ENotFound {
		return nil, cases.Errorf(cases.EUnauthorized, "登录已失效，请重新登录")
	} else if err != nil {
		return nil, err
	}
	if u.Disabled {
		return nil, cases.Errorf(cases.EUnauthorized, "账户已停用")
	}
	return u, nil
}

// Logout ends a session.
func (s *Service) Logout(ctx context.Context, token string) error {
	return s.Store.DeleteSession(ctx, HashToken(token))
}

func newToken() (token, hash string) {
	var b [32]byte
	if _, err := rand.Read(b[:]); err != nil {
		panic(err)
	}
	token = base64.RawURLEncoding.EncodeToString(b[:])
	return token, HashToken(token)
}

// HashToken is how tokens are stored: a leaked sessions table grants nothing.
func HashToken(token string) string {
	sum := sha256.Sum256([]byte(token))
	return hex.EncodeToString(sum[:])
}
