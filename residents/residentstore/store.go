// Package residentstore is the bun implementation of residents.Store.
package residentstore

import (
	"context"
	"time"

	"github.com/uptrace/bun"

	"github.com/jiefen/jiefen/database"
	"github.com/jiefen/jiefen/pii"
	"github.com/jiefen/jiefen/residents"
)

type residentRow struct {
	bun.BaseModel `bun:"table:residents"`
	ID            int64     `bun:"id,pk,autoincrement"`
	OpenID        *string   `bun:"openid"`
	UnionID       string    `bun:"unionid"`
	Name          string    `bun:"name"`
	PhoneEnc      []byte    `bun:"phone_enc"`
	PhoneHash     string    `bun:"phone_hash"`
	PhoneVerified bool      `bun:"phone_verified"`
	CreatedAt     time.Time `bun:"created_at"`
	UpdatedAt     time.Time `bun:"updated_at"`
}

type sessionRow struct {
	bun.BaseModel `bun:"table:resident_sessions"`
	TokenHash     string    `bun:"token_hash,pk"`
	ResidentID    int64     `bun:"resident_id"`
	CreatedAt     time.Time `bun:"created_at"`
	ExpiresAt     time.Time `bun:"expires_at"`
}

// Store implements residents.Store.
type Store struct {
	db   bun.IDB
	keys *pii.Keyring
}

var _ residents.Store = (*Store)(nil)

// New returns a store on db; phone numbers are sealed with keys.
func New(db bun.IDB, keys *pii.Keyring) *Store { return &Store{db: db, keys: keys} }

func (s *Store) toResident(r *residentRow) (*residents.Resident, error) {
	phone, err := s.keys.OpenString(r.PhoneEnc)
	if err != nil {
		return nil, err
	}
	out := &residents.Resident{ID: r.ID, UnionID: r.UnionID, Name: r.Name, Phone: phone,
		PhoneVerified: r.PhoneVerified && phone != "", CreatedAt: r.CreatedAt.UTC()}
	if r.OpenID != nil {
		out.OpenID = *r.OpenID
	}
	return out, nil
}

// UpsertByOpenID implements residents.Store.
func (s *Store) UpsertByOpenID(ctx context.Context, openID, unionID string, now time.Time) (*residents.Resident, error) {
	row := &residentRow{OpenID: &openID, UnionID: unionID, CreatedAt: now, UpdatedAt: now}
	if _, err := s.db.NewInsert().Model(row).On("CONFLICT (openid) DO NOTHING").Exec(ctx); err != nil {
		return nil, database.Err(err, "群众账户") // EConflict: another account took the unionid
	}
	var r residentRow
	if err := s.db.NewSelect().Model(&r).Where("openid = ?", openID).Scan(ctx); err != nil {
		return nil, database.Err(err, "群众账户")
	}
	if unionID != "" && r.UnionID != unionID {
		r.UnionID = unionID
		if _, err := s.db.NewUpdate().Model(&r).Column("unionid").WherePK().Exec(ctx); err != nil {
			return nil, database.Err(err, "群众账户")
		}
	}
	return s.toResident(&r)
}

// ResidentByUnionID implements residents.Store.
func (s *Store) ResidentByUnionID(ctx context.Context, unionID string) (*residents.Resident, error) {
	var r residentRow
	if err := s.db.NewSelect().Model(&r).Where("unionid = ?", unionID).OrderExpr("id").Limit(1).Scan(ctx); err != nil {
		return nil, database.Err(err, "群众账户")
	}
	return s.toResident(&r)
}

// SetOpenID implements residents.Store.
func (s *Store) SetOpenID(ctx context.Context, id int64, openID string, now time.Time) error {
	_, err := s.db.NewUpdate().Model((*residentRow)(nil)).Set("openid = ?", openID).Set("updated_at = ?", now).
		Where("id = ?", id).Exec(ctx)
	return database.Err(err, "群众账户")
}

// ResidentByID implements residents.Store.
func (s *Store) ResidentByID(ctx context.Context, id int64) (*residents.Resident, error) {
	var r residentRow
	if err := s.db.NewSelect().Model(&r).Where("id = ?", id).Scan(ctx); err != nil {
		return nil, database.Err(err, "群众账户")
	}
	return s.toResident(&r)
}

// Update implements residents.Store.
func (s *Store) Update(ctx context.Context, r *residents.Resident) error {
	_, err := s.db.NewUpdate().Model(&residentRow{ID: r.ID, Name: r.Name, PhoneEnc: s.keys.SealString(r.Phone),
		PhoneHash: s.keys.HashPhone(r.Phone), PhoneVerified: r.PhoneVerified && r.Phone != "", UpdatedAt: time.Now().UTC()}).
		Column("name", "phone_enc", "phone_hash", "phone_verified", "updated_at").WherePK().Exec(ctx)
	return err
}

// CreateSession implements residents.Store.
func (s *Store) CreateSession(ctx context.Context, tokenHash string, residentID int64, created, expires time.Time) error {
	_, err := s.db.NewInsert().Model(&sessionRow{TokenHash: tokenHash, ResidentID: residentID, CreatedAt: created, ExpiresAt: expires}).Exec(ctx)
	return err
}

// SessionResident implements residents.Store.
func (s *Store) SessionResident(ctx context.Context, tokenHash string, now time.Time) (*residents.Resident, error) {
	var r residentRow
	err := s.db.NewSelect().Model(&r).Join("JOIN resident_sessions AS rs ON rs.resident_id = resident_row.id").
		Where("rs.token_hash = ? AND rs.expires_at > ?", tokenHash, now).Scan(ctx)
	if err != nil {
		return nil, database.Err(err, "会话")
	}
	return s.toResident(&r)
}

// DeleteSession implements residents.Store.
func (s *Store) DeleteSession(ctx context.Context, tokenHash string) error {
	_, err := s.db.NewDelete().Model((*sessionRow)(nil)).Where("token_hash = ?", tokenHash).Exec(ctx)
	return err
}
