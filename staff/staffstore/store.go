// Package staffstore is the bun implementation of staff.Store.
package staffstore

import (
	"context"
	"time"

	"github.com/uptrace/bun"

	"github.com/jiefen/jiefen/cases"
	"github.com/jiefen/jiefen/database"
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
	FailedLogins  int        `bun:"failed_logins"`
	LockedUntil   *time.Time `bun:"locked_until"`
	Disabled      bool       `bun:"disabled"`
	CreatedAt     time.Time  `bun:"created_at"`
	UpdatedAt     time.Time  `bun:"updated_at"`
}

func (r *userRow) toUser() *staff.User {
	u := &staff.User{ID: r.ID, Username: r.Username, DisplayName: r.DisplayName, Role: cases.Role(r.Role),
		RegionCode: r.RegionCode, PasswordHash: r.PasswordHash, FailedLogins: r.FailedLogins,
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
type Store struct{ db bun.IDB }

var _ staff.Store = (*Store)(nil)

// New returns a store on db.
func New(db bun.IDB) *Store { return &Store{db: db} }

// CreateUser implements staff.Store.
func (s *Store) CreateUser(ctx context.Context, u *staff.User) error {
	row := &userRow{Username: u.Username, DisplayName: u.DisplayName, PasswordHash: u.PasswordHash,
		Role: string(u.Role), RegionCode: u.RegionCode, CreatedAt: u.CreatedAt, UpdatedAt: u.UpdatedAt}
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

// RecordFailure implements staff.Store. The count is bumped in one
// statement, so concurrent guesses cannot slip past it; a lock that has run
// out is cleared and the count starts afresh.
func (s *Store) RecordFailure(ctx context.Context, id int64, max int, lockUntil, now time.Time) (int, error) {
	var n int
	err := s.db.NewUpdate().Model((*userRow)(nil)).
		Set("failed_logins = CASE WHEN locked_until IS NOT NULL AND locked_until <= ? THEN 1 ELSE failed_logins + 1 END", now).
		Set("locked_until = CASE WHEN locked_until IS NOT NULL AND locked_until <= ? THEN NULL ELSE locked_until END", now).
		Set("updated_at = ?", now).
		Where("id = ?", id).
		Returning("failed_logins").Scan(ctx, &n)
	if err != nil || n < max {
		return n, err
	}
	_, err = s.db.NewUpdate().Model((*userRow)(nil)).
		Set("locked_until = ?", lockUntil).
		Where("id = ? AND failed_logins >= ?", id, max).Exec(ctx)
	return n, err
}

// ResetFailures implements staff.Store.
func (s *Store) ResetFailures(ctx context.Context, id int64) error {
	_, err := s.db.NewUpdate().Model((*userRow)(nil)).
		Set("failed_logins = 0").Set("locked_until = NULL").Where("id = ?", id).Exec(ctx)
	return err
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
func (s *Store) Handlers(ctx context.Context, roles []cases.Role, codes []string) ([]*staff.User, error) {
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
