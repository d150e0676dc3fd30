// Package staff holds staff accounts: password login with lockout, bearer
// tokens stored as hashes, and the region each user is confined to.
package staff

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"log/slog"
	"regexp"
	"sort"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/jiefen/jiefen/kernel"
)

// User is a staff account.
type User struct {
	ID           int64       `json:"id"`
	Username     string      `json:"username"`
	DisplayName  string      `json:"display_name"`
	Role         kernel.Role `json:"role"`
	RegionCode   string      `json:"region_code"`
	UnitID       *int64      `json:"unit_id"` // the unit (机构) the account belongs to, if any
	PasswordHash string      `json:"-"`
	FailedLogins int         `json:"-"`
	LockedUntil  *time.Time  `json:"-"`
	Disabled     bool        `json:"disabled"`
	CreatedAt    time.Time   `json:"created_at"`
	UpdatedAt    time.Time   `json:"updated_at"`
}

// Actor is the user as the case service sees them.
func (u *User) Actor() kernel.Actor {
	name := u.DisplayName
	if name == "" {
		name = u.Username
	}
	return kernel.Actor{UserID: u.ID, Name: name, Role: u.Role, RegionCode: u.RegionCode}
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
	// Transactor begins units of work on the store's database; WithTx
	// binds the store to one.
	Transactor() kernel.Transactor
	WithTx(tx kernel.Tx) Store
	CreateUser(ctx context.Context, u *User) error
	UserByUsername(ctx context.Context, username string) (*User, error)
	UserByID(ctx context.Context, id int64) (*User, error)
	// ClaimLogin counts a login attempt of username from address, in one
	// atomic statement, before its password is checked (see LoginClaim).
	ClaimLogin(ctx context.Context, username, address string, p ClaimPolicy) (LoginClaim, error)
	// ClearLogin forgets the attempts of username from address (after a
	// successful login).
	ClearLogin(ctx context.Context, username, address string) error
	// AuditLogin appends a row to the login audit log.
	AuditLogin(ctx context.Context, a LoginAudit) error
	CreateSession(ctx context.Context, s *Session) error
	// SessionUser returns the user of an unexpired session.
	SessionUser(ctx context.Context, tokenHash string, now time.Time) (*User, error)
	DeleteSession(ctx context.Context, tokenHash string) error
	DeleteExpiredSessions(ctx context.Context, now time.Time) (int, error)
	CountUsers(ctx context.Context) (int, error)
	// ListUsers returns the accounts whose region lies under prefix (a
	// region prefix, "" for all), by username.
	ListUsers(ctx context.Context, prefix string) ([]*User, error)
	// UpdateUser writes an account's name, role, region, unit, password
	// hash, disabled flag and updated time.
	UpdateUser(ctx context.Context, u *User) error
	// DeleteUserSessions ends every session of an account.
	DeleteUserSessions(ctx context.Context, userID int64) (int, error)
	// Handlers lists the enabled accounts of the given roles whose region
	// is one of codes, by username.
	Handlers(ctx context.Context, roles []kernel.Role, codes []string) ([]*User, error)
}

// HandlerFinder finds accounts by role and region (Store.Handlers).
type HandlerFinder interface {
	Handlers(ctx context.Context, roles []kernel.Role, codes []string) ([]*User, error)
}

// Covering returns the enabled accounts of the roles whose region covers
// code — the region itself or one above it — nearest region first: who may
// be given a case there, or receive visitors there.
func Covering(ctx context.Context, st HandlerFinder, roles []kernel.Role, code string) ([]*User, error) {
	codes := kernel.RegionAncestors(code)
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
	Region(ctx context.Context, code string) (*kernel.Region, error)
}

// Login throttle policy. Attempts are counted per username and source
// address (so an attacker's failures stop the attacker's address, never the
// owner signing in from theirs), before the password is checked:
//
//   - the first two attempts in a row go through at once, the third waits
//     FirstDelay after the second, later ones SecondDelay (429 with
//     Retry-After when they come sooner);
//   - the MaxFailures-th failure in a row locks that username for that
//     address for LockFor (423 with Retry-After);
//   - a success, or LockFor without an attempt, starts the count afresh.
//
// Unknown usernames are counted and answered exactly like known ones, and
// their password is checked against a dummy hash, so neither the answers
// nor their timing tell which accounts exist.
const (
	MaxFailures = 5
	LockFor     = 15 * time.Minute
	FirstDelay  = time.Second
	SecondDelay = 2 * time.Second
)

// ClaimPolicy is what ClaimLogin needs to count one attempt at Now.
type ClaimPolicy struct {
	Now time.Time
	// Claim is a fresh random value: the claim returned holds it when this
	// attempt was counted (and may check its password).
	Claim string
	// NextAt is when the next attempt may come, by the number of attempts
	// counted so far (1-based; the last entry serves every later one).
	NextAt []time.Time
	// LockAt attempts lock the pair until LockUntil; a pair whose last
	// counted attempt is older than StaleBefore starts afresh.
	LockAt      int
	LockUntil   time.Time
	StaleBefore time.Time
}

// LoginClaim is the state of a username and address after ClaimLogin.
type LoginClaim struct {
	Attempts    int        // counted in a row, this one included when Allowed
	Allowed     bool       // this attempt was counted and may check the password
	NextAt      time.Time  // when the next attempt may come
	LockedUntil *time.Time // set while the pair is locked
}

// Login audit outcomes.
const (
	AuditSuccess = "success" // right password
	AuditFailure = "failure" // wrong password or unknown username
	AuditLocked  = "locked"  // the failure that locked the username for the address
	AuditRefused = "refused" // refused unchecked: locked or too soon
)

// LoginAudit is one row of the login audit log.
type LoginAudit struct {
	At       time.Time
	Username string // as typed, lower-cased; may name no account
	Address  string
	UserID   int64 // 0 when no account has that name
	Outcome  string
}

// ETooManyRequests is the code of a 429 (web maps it).
const ETooManyRequests = "too_many_requests"

// RefusedError is a login refused for a time: RetryAfter says how long.
type RefusedError struct {
	Err        *kernel.Error
	RetryAfter time.Duration
}

func (e *RefusedError) Error() string { return e.Err.Error() }
func (e *RefusedError) Unwrap() error { return e.Err }

// RetryAfterSeconds is RetryAfter for a Retry-After header (at least 1).
func (e *RefusedError) RetryAfterSeconds() int {
	n := int((e.RetryAfter + time.Second - 1) / time.Second)
	return max(n, 1)
}

// Service manages accounts and sessions.
type Service struct {
	Store    Store
	Regions  Regions
	TokenTTL time.Duration
	Now      func() time.Time
	// Log receives one line per failed, locked or refused login (the audit
	// table has them all); nil is slog.Default().
	Log *slog.Logger
	// Units checks the unit an account is put in (nil: accounts take no
	// unit).
	Units Units
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
	Role        kernel.Role
	RegionCode  string // any accepted form: 6109, 610900, 610900000000
	DisplayName string
	UnitID      *int64
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
	code, ok := kernel.NormalizeRegionCode(nu.RegionCode)
	if !ok {
		fields["region"] = "行政区划代码格式错误"
	} else if _, err := s.Regions.Region(ctx, code); kernel.ErrorCode(err) == kernel.ENotFound {
		fields["region"] = "行政区划代码不存在"
	} else if err != nil {
		return nil, err
	}
	if len(fields) > 0 {
		return nil, &kernel.Error{Code: kernel.EInvalid, Message: "用户信息有误", Fields: fields}
	}
	hash, err := HashPassword(nu.Password)
	if err != nil {
		return nil, err
	}
	now := s.Now().UTC()
	u := &User{Username: strings.ToLower(nu.Username), DisplayName: strings.TrimSpace(nu.DisplayName),
		Role: nu.Role, RegionCode: code, UnitID: nu.UnitID, PasswordHash: hash, CreatedAt: now, UpdatedAt: now}
	if err := s.Store.CreateUser(ctx, u); err != nil {
		if kernel.ErrorCode(err) == kernel.EConflict {
			return nil, &kernel.Error{Code: kernel.EConflict, Message: "用户名已存在", Fields: map[string]string{"username": "用户名已存在"}}
		}
		return nil, err
	}
	return u, nil
}

// errBadLogin is deliberately the same for an unknown user and a wrong
// password, so logins do not reveal which accounts exist.
var errBadLogin = kernel.Errorf(kernel.EUnauthorized, "用户名或密码错误")

// Login checks a password and returns a new bearer token; the attempt is
// throttled as coming from no address in particular (tools and tests).
func (s *Service) Login(ctx context.Context, username, password string) (string, time.Time, *User, error) {
	return s.LoginFrom(ctx, username, password, "")
}

// LoginFrom checks a password sent from address (the client's IP) and
// returns a new bearer token. The attempt is counted first, atomically: a
// refused attempt (*RefusedError: 429 too soon, 423 locked) checks nothing.
func (s *Service) LoginFrom(ctx context.Context, username, password, address string) (string, time.Time, *User, error) {
	now := s.Now().UTC()
	name := strings.ToLower(strings.TrimSpace(username))
	if utf8.RuneCountInString(name) > 64 {
		name = string([]rune(name)[:64]) // no account has a longer name
	}
	claim, err := s.Store.ClaimLogin(ctx, name, address, ClaimPolicy{
		Now: now, Claim: newClaim(),
		NextAt: []time.Time{now, now, now.Add(FirstDelay), now.Add(SecondDelay)},
		LockAt: MaxFailures, LockUntil: now.Add(LockFor), StaleBefore: now.Add(-LockFor),
	})
	if err != nil {
		return "", time.Time{}, nil, err
	}
	audit := LoginAudit{At: now, Username: name, Address: address}
	u, err := s.Store.UserByUsername(ctx, name)
	if err != nil && kernel.ErrorCode(err) != kernel.ENotFound {
		return "", time.Time{}, nil, err
	}
	if u != nil {
		audit.UserID = u.ID
	}
	if !claim.Allowed {
		s.audit(ctx, audit, AuditRefused)
		if claim.LockedUntil != nil && claim.LockedUntil.After(now) {
			return "", time.Time{}, nil, locked(claim.LockedUntil.Sub(now))
		}
		return "", time.Time{}, nil, &RefusedError{RetryAfter: claim.NextAt.Sub(now),
			Err: &kernel.Error{Code: ETooManyRequests, Message: "登录尝试过于频繁，请稍后再试"}}
	}
	hash := dummyHash
	if u != nil {
		hash = u.PasswordHash
	}
	ok := CheckPassword(hash, password) // the same cost for every name
	if u == nil || u.Disabled || !ok {
		if claim.Attempts >= MaxFailures {
			s.audit(ctx, audit, AuditLocked)
			return "", time.Time{}, nil, locked(LockFor)
		}
		s.audit(ctx, audit, AuditFailure)
		return "", time.Time{}, nil, errBadLogin
	}
	if err := s.Store.ClearLogin(ctx, name, address); err != nil {
		return "", time.Time{}, nil, err
	}
	s.audit(ctx, audit, AuditSuccess)
	token, th := newToken()
	sess := &Session{TokenHash: th, UserID: u.ID, CreatedAt: now, ExpiresAt: now.Add(s.TokenTTL)}
	if err := s.Store.CreateSession(ctx, sess); err != nil {
		return "", time.Time{}, nil, err
	}
	return token, sess.ExpiresAt, u, nil
}

// locked is the 423 for a username locked for an address.
func locked(d time.Duration) error {
	mins := int((d + time.Minute - 1) / time.Minute)
	return &RefusedError{RetryAfter: d, Err: kernel.Errorf(kernel.ELocked,
		"登录失败次数过多，已暂停该用户名从此地址登录，请%d分钟后再试", mins)}
}

// audit records a login outcome in the audit table and, unless it is a
// success, in the log. A failure to write the audit row is logged, not
// returned: the answer to the client must not depend on it.
func (s *Service) audit(ctx context.Context, a LoginAudit, outcome string) {
	a.Outcome = outcome
	log := s.Log
	if log == nil {
		log = slog.Default()
	}
	if outcome != AuditSuccess {
		log.Warn("login "+outcome, "audit", "login", "username", a.Username, "address", a.Address,
			"user_id", a.UserID, "outcome", outcome)
	}
	if err := s.Store.AuditLogin(context.WithoutCancel(ctx), a); err != nil {
		log.Error("login audit not written", "username", a.Username, "address", a.Address, "outcome", outcome, "err", err)
	}
}

func newClaim() string {
	var b [12]byte
	if _, err := rand.Read(b[:]); err != nil {
		panic(err)
	}
	return hex.EncodeToString(b[:])
}

// Authenticate returns the user a bearer token belongs to.
func (s *Service) Authenticate(ctx context.Context, token string) (*User, error) {
	if token == "" {
		return nil, kernel.Errorf(kernel.EUnauthorized, "请先登录")
	}
	u, err := s.Store.SessionUser(ctx, HashToken(token), s.Now().UTC())
	if kernel.ErrorCode(err) == kernel.ENotFound {
		return nil, kernel.Errorf(kernel.EUnauthorized, "登录已失效，请重新登录")
	} else if err != nil {
		return nil, err
	}
	if u.Disabled {
		return nil, kernel.Errorf(kernel.EUnauthorized, "账户已停用")
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

// User returns the account with a username (ENotFound if none): who a
// case is given to, whose caseload is listed.
func (s *Service) User(ctx context.Context, username string) (*User, error) {
	return s.Store.UserByUsername(ctx, username)
}
