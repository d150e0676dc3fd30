// Package staffstore is the bun implementation of staff.Store.
package staffstore

import (
	"context"
	"errors"
	"time"

	"github.com/uptrace/bun"

	"github.com/jiefen/jiefen/database"
	"github.com/jiefen/jiefen/kernel"
	"github.com/jiefen/jiefen/staff"
)

type userRow struct {
	bun.BaseModel `bun:"table:users"`
	ID            int64      `bun:"id,pk,autoincrement"`
	Username      string     `bun:"username"`
	DisplayName   string     `bun:"display_name"`
	PasswordHash  string     `bun:"password_hash"`
	Role          string     `bun:"role"`
	RegionCode    string     `bun:"region_code"`
	UnitID        *int64     `bun:"unit_id"`
	FailedLogins  int        `bun:"failed_logins"`
	LockedUntil   *time.Time `bun:"locked_until"`
	Disabled      bool       `bun:"disabled"`
	CreatedAt     time.Time  `bun:"created_at"`
	UpdatedAt     time.Time  `bun:"updated_at"`
}

func (r *userRow) toUser() *staff.User {
	u := &staff.User{ID: r.ID, Username: r.Username, DisplayName: r.DisplayName, Role: kernel.Role(r.Role),
		RegionCode: r.RegionCode, UnitID: r.UnitID, PasswordHash: r.PasswordHash, FailedLogins: r.FailedLogins,
		Disabled: r.Disabled, CreatedAt: r.CreatedAt.UTC(), UpdatedAt: r.UpdatedAt.UTC()}
	if r.LockedUntil != nil {
		t := r.LockedUntil.UTC()
		u.LockedUntil = &t
	}
	return u
}

type sessionRow struct {
	bun.BaseModel `bun:"table:sessions"`
	TokenHash     string    `bun:"token_hash,pk"`
	UserID        int64     `bun:"user_id"`
	CreatedAt     time.Time `bun:"created_at"`
	ExpiresAt     time.Time `bun:"expires_at"`
}

// Store implements staff.Store.
type Store struct {
	root *bun.DB
	db   bun.IDB // the bound transaction, or root
}

var _ staff.Store = (*Store)(nil)

// New returns a store on db.
func New(db *bun.DB) *Store { return &Store{root: db, db: db} }

// Transactor implements staff.Store.
func (s *Store) Transactor() kernel.Transactor { return database.Transactor{DB: s.root} }

// WithTx implements staff.Store.
func (s *Store) WithTx(tx kernel.Tx) staff.Store {
	return &Store{root: s.root, db: database.IDB(s.root, tx)}
}

// CreateUser implements staff.Store.
func (s *Store) CreateUser(ctx context.Context, u *staff.User) error {
	row := &userRow{Username: u.Username, DisplayName: u.DisplayName, PasswordHash: u.PasswordHash,
		Role: string(u.Role), RegionCode: u.RegionCode, UnitID: u.UnitID, Disabled: u.Disabled,
		CreatedAt: u.CreatedAt, UpdatedAt: u.UpdatedAt}
	if _, err := s.db.NewInsert().Model(row).Returning("id").Exec(ctx); err != nil {
		return database.Err(err, "用户")
	}
	u.ID = row.ID
	return nil
}

// UserByUsername implements staff.Store.
func (s *Store) UserByUsername(ctx context.Context, username string) (*staff.User, error) {
	var r userRow
	if err := s.db.NewSelect().Model(&r).Where("username = ?", username).Scan(ctx); err != nil {
		return nil, database.Err(err, "用户")
	}
	return r.toUser(), nil
}

// UserByID implements staff.Store.
func (s *Store) UserByID(ctx context.Context, id int64) (*staff.User, error) {
	var r userRow
	if err := s.db.NewSelect().Model(&r).Where("id = ?", id).Scan(ctx); err != nil {
		return nil, database.Err(err, "用户")
	}
	return r.toUser(), nil
}

type throttleRow struct {
	bun.BaseModel `bun:"table:login_throttle"`
	Attempts      int        `bun:"attempts"`
	Claim         string     `bun:"claim"`
	NextAt        time.Time  `bun:"next_at"`
	LockedUntil   *time.Time `bun:"locked_until"`
}

// claimSQL counts one attempt in one statement (an upsert, on both
// dialects): a pair that is locked, or whose next attempt is not yet due,
// is left as it is (blocked); a lock that has run out or a count gone stale
// starts afresh; otherwise the count goes up, the next attempt is put off
// and, at the limit, the pair is locked. The claim column takes this
// attempt's random value only when it was counted, which is how the caller
// knows.
const claimSQL = `INSERT INTO login_throttle AS t (username, address, attempts, claim, next_at, locked_until, updated_at)
VALUES (?0, ?1, 1, ?2, ?3, NULL, ?4)
ON CONFLICT (username, address) DO UPDATE SET
  attempts = CASE WHEN ` + blocked + ` THEN t.attempts WHEN ` + fresh + ` THEN 1 ELSE t.attempts + 1 END,
  claim = CASE WHEN ` + blocked + ` THEN t.claim ELSE ?2 END,
  next_at = CASE WHEN ` + blocked + ` THEN t.next_at WHEN ` + fresh + ` THEN ?3
    WHEN t.attempts + 1 = 2 THEN ?5 WHEN t.attempts + 1 = 3 THEN ?6 ELSE ?7 END,
  locked_until = CASE WHEN ` + blocked + ` THEN t.locked_until WHEN ` + fresh + ` THEN NULL
    WHEN t.attempts + 1 >= ?8 THEN ?9 ELSE NULL END,
  updated_at = CASE WHEN ` + blocked + ` THEN t.updated_at ELSE ?4 END
RETURNING attempts, claim, next_at, locked_until`

const (
	blocked = `((t.locked_until IS NOT NULL AND t.locked_until > ?4) OR t.next_at > ?4)`
	fresh   = `((t.locked_until IS NOT NULL AND t.locked_until <= ?4) OR (t.locked_until IS NULL AND t.updated_at <= ?10))`
)

// ClaimLogin implements staff.Store.
func (s *Store) ClaimLogin(ctx context.Context, username, address string, p staff.ClaimPolicy) (staff.LoginClaim, error) {
	next := func(n int) time.Time {
		if n > len(p.NextAt) {
			n = len(p.NextAt)
		}
		return p.NextAt[n-1].UTC()
	}
	if p.LockAt < 2 {
		return staff.LoginClaim{}, errors.New("staffstore: LockAt must be 2 or more")
	}
	var r throttleRow
	err := s.db.NewRaw(claimSQL, username, address, p.Claim, next(1), p.Now.UTC(),
		next(2), next(3), next(4), p.LockAt, p.LockUntil.UTC(), p.StaleBefore.UTC()).Scan(ctx, &r)
	if err != nil {
		return staff.LoginClaim{}, err
	}
	c := staff.LoginClaim{Attempts: r.Attempts, Allowed: r.Claim == p.Claim, NextAt: r.NextAt.UTC()}
	if r.LockedUntil != nil {
		t := r.LockedUntil.UTC()
		c.LockedUntil = &t
	}
	return c, nil
}

// ClearLogin implements staff.Store.
func (s *Store) ClearLogin(ctx context.Context, username, address string) error {
	_, err := s.db.NewDelete().Table("login_throttle").
		Where("username = ? AND address = ?", username, address).Exec(ctx)
	return err
}

type auditRow struct {
	bun.BaseModel `bun:"table:login_audit"`
	ID            int64     `bun:"id,pk,autoincrement"`
	At            time.Time `bun:"at"`
	Username      string    `bun:"username"`
	Address       string    `bun:"address"`
	UserID        *int64    `bun:"user_id"`
	Outcome       string    `bun:"outcome"`
}

// AuditLogin implements staff.Store.
func (s *Store) AuditLogin(ctx context.Context, a staff.LoginAudit) error {
	row := &auditRow{At: a.At.UTC(), Username: a.Username, Address: a.Address, Outcome: a.Outcome}
	if a.UserID != 0 {
		row.UserID = &a.UserID
	}
	_, err := s.db.NewInsert().Model(row).Exec(ctx)
	return err
}

// LoginAudit returns the audit rows of a username, oldest first (for
// tests and tools).
func (s *Store) LoginAudit(ctx context.Context, username string) ([]staff.LoginAudit, error) {
	var rows []auditRow
	if err := s.db.NewSelect().Model(&rows).Where("username = ?", username).OrderExpr("id").Scan(ctx); err != nil {
		return nil, err
	}
	out := make([]staff.LoginAudit, len(rows))
	for i, r := range rows {
		out[i] = staff.LoginAudit{At: r.At.UTC(), Username: r.Username, Address: r.Address, Outcome: r.Outcome}
		if r.UserID != nil {
			out[i].UserID = *r.UserID
		}
	}
	return out, nil
}

// CreateSession implements staff.Store.
func (s *Store) CreateSession(ctx context.Context, sess *staff.Session) error {
	_, err := s.db.NewInsert().Model(&sessionRow{TokenHash: sess.TokenHash, UserID: sess.UserID,
		CreatedAt: sess.CreatedAt, ExpiresAt: sess.ExpiresAt}).Exec(ctx)
	return database.Err(err, "会话")
}

// SessionUser implements staff.Store.
func (s *Store) SessionUser(ctx context.Context, tokenHash string, now time.Time) (*staff.User, error) {
	var r userRow
	err := s.db.NewSelect().Model(&r).
		Join("JOIN sessions AS s ON s.user_id = user_row.id").
		Where("s.token_hash = ? AND s.expires_at > ?", tokenHash, now).Scan(ctx)
	if err != nil {
		return nil, database.Err(err, "会话")
	}
	return r.toUser(), nil
}

// DeleteSession implements staff.Store.
func (s *Store) DeleteSession(ctx context.Context, tokenHash string) error {
	_, err := s.db.NewDelete().Model((*sessionRow)(nil)).Where("token_hash = ?", tokenHash).Exec(ctx)
	return err
}

// DeleteExpiredSessions implements staff.Store.
func (s *Store) DeleteExpiredSessions(ctx context.Context, now time.Time) (int, error) {
	res, err := s.db.NewDelete().Model((*sessionRow)(nil)).Where("expires_at <= ?", now).Exec(ctx)
	if err != nil {
		return 0, err
	}
	n, _ := res.RowsAffected()
	return int(n), nil
}

// CountUsers returns how many accounts exist.
func (s *Store) CountUsers(ctx context.Context) (int, error) {
	n, err := s.db.NewSelect().Model((*userRow)(nil)).Count(ctx)
	return int(n), err
}

// Handlers implements staff.Store.
func (s *Store) Handlers(ctx context.Context, roles []kernel.Role, codes []string) ([]*staff.User, error) {
	if len(roles) == 0 || len(codes) == 0 {
		return nil, nil
	}
	var rows []userRow
	if err := s.db.NewSelect().Model(&rows).
		Where("role IN (?)", bun.In(roles)).Where("region_code IN (?)", bun.In(codes)).Where("NOT disabled").
		OrderExpr("username").Scan(ctx); err != nil {
		return nil, err
	}
	out := make([]*staff.User, len(rows))
	for i := range rows {
		out[i] = rows[i].toUser()
	}
	return out, nil
}

// ListUsers implements staff.Store.
func (s *Store) ListUsers(ctx context.Context, prefix string) ([]*staff.User, error) {
	var rows []userRow
	q := s.db.NewSelect().Model(&rows)
	if prefix != "" {
		// A range, not LIKE: it uses the index on both dialects.
		q = q.Where("region_code >= ? AND region_code < ?", prefix, prefix+":")
	}
	if err := q.OrderExpr("username").Scan(ctx); err != nil {
		return nil, err
	}
	out := make([]*staff.User, len(rows))
	for i := range rows {
		out[i] = rows[i].toUser()
	}
	return out, nil
}

// UpdateUser implements staff.Store.
func (s *Store) UpdateUser(ctx context.Context, u *staff.User) error {
	res, err := s.db.NewUpdate().Model(&userRow{ID: u.ID, DisplayName: u.DisplayName, Role: string(u.Role),
		RegionCode: u.RegionCode, UnitID: u.UnitID, PasswordHash: u.PasswordHash, Disabled: u.Disabled,
		UpdatedAt: u.UpdatedAt.UTC()}).
		Column("display_name", "role", "region_code", "unit_id", "password_hash", "disabled", "updated_at").
		WherePK().Exec(ctx)
	if err != nil {
		return database.Err(err, "用户")
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return kernel.Errorf(kernel.ENotFound, "用户不存在")
	}
	return nil
}

// DeleteUserSessions implements staff.Store.
func (s *Store) DeleteUserSessions(ctx context.Context, userID int64) (int, error) {
	res, err := s.db.NewDelete().Model((*sessionRow)(nil)).Where("user_id = ?", userID).Exec(ctx)
	if err != nil {
		return 0, err
	}
	n, _ := res.RowsAffected()
	return int(n), nil
}
