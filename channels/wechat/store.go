package wechat

import (
	"context"
	"database/sql"
	"time"

	"github.com/jiefen/jiefen/kernel"

	"github.com/uptrace/bun"

	"github.com/jiefen/jiefen/database"
)

// Store keeps the channel's own rows: residents' uploaded images and what
// WeChat told us about their message subscriptions. It also finds whom to
// notify about a case, inside the case event's transaction.
type Store struct {
	db *bun.DB
}

// NewStore returns a store on db.
func NewStore(db *bun.DB) *Store { return &Store{db: db} }

// Upload is one image a resident uploaded.
type Upload struct {
	ID          int64
	PublicID    string // what clients see and ask for
	ResidentID  int64
	IntakeID    int64 // 0 until attached to an intake
	IntakeRef   string
	BlobKey     string
	ContentType string
	Size        int64
	SHA256      string
	CreatedAt   time.Time
	AttachedAt  *time.Time
}

type uploadRow struct {
	bun.BaseModel `bun:"table:resident_uploads,alias:u"`
	ID            int64      `bun:"id,pk,autoincrement"`
	PublicID      string     `bun:"public_id"`
	ResidentID    int64      `bun:"resident_id"`
	IntakeID      *int64     `bun:"intake_id"`
	BlobKey       string     `bun:"blob_key"`
	ContentType   string     `bun:"content_type"`
	SizeBytes     int64      `bun:"size_bytes"`
	SHA256        string     `bun:"sha256"`
	CreatedAt     time.Time  `bun:"created_at"`
	AttachedAt    *time.Time `bun:"attached_at"`
	IntakeRef     string     `bun:"intake_ref,scanonly"`
}

func (r *uploadRow) toUpload() Upload {
	u := Upload{ID: r.ID, PublicID: r.PublicID, ResidentID: r.ResidentID, IntakeRef: r.IntakeRef, BlobKey: r.BlobKey,
		ContentType: r.ContentType, Size: r.SizeBytes, SHA256: r.SHA256, CreatedAt: r.CreatedAt.UTC()}
	if r.IntakeID != nil {
		u.IntakeID = *r.IntakeID
	}
	if r.AttachedAt != nil {
		t := r.AttachedAt.UTC()
		u.AttachedAt = &t
	}
	return u
}

func toUploads(rows []uploadRow) []Upload {
	out := make([]Upload, len(rows))
	for i := range rows {
		out[i] = rows[i].toUpload()
	}
	return out
}

// CreateUpload stores an upload's row.
func (s *Store) CreateUpload(ctx context.Context, u *Upload) error {
	r := &uploadRow{PublicID: u.PublicID, ResidentID: u.ResidentID, BlobKey: u.BlobKey, ContentType: u.ContentType,
		SizeBytes: u.Size, SHA256: u.SHA256, CreatedAt: u.CreatedAt.UTC()}
	if _, err := s.db.NewInsert().Model(r).Returning("id").Exec(ctx); err != nil {
		return database.Err(err, "图片")
	}
	u.ID = r.ID
	return nil
}

// Upload finds an upload by its public ID.
func (s *Store) Upload(ctx context.Context, publicID string) (*Upload, error) {
	var r uploadRow
	if err := s.db.NewSelect().Model(&r).Where("u.public_id = ?", publicID).Scan(ctx); err != nil {
		return nil, database.Err(err, "图片")
	}
	u := r.toUpload()
	return &u, nil
}

// ResidentUploads returns the resident's uploads among the public IDs.
func (s *Store) ResidentUploads(ctx context.Context, residentID int64, publicIDs []string) ([]Upload, error) {
	if len(publicIDs) == 0 {
		return nil, nil
	}
	var rows []uploadRow
	err := s.db.NewSelect().Model(&rows).Where("u.resident_id = ?", residentID).
		Where("u.public_id IN (?)", bun.In(publicIDs)).Scan(ctx)
	return toUploads(rows), err
}

// PendingUploads counts the resident's uploads not yet attached, since a
// time (a cap on what one account may leave lying around).
func (s *Store) PendingUploads(ctx context.Context, residentID int64, since time.Time) (int, error) {
	n, err := s.db.NewSelect().Model((*uploadRow)(nil)).Where("u.resident_id = ?", residentID).
		Where("u.intake_id IS NULL").Where("u.created_at > ?", since.UTC()).Count(ctx)
	return int(n), err
}

// AttachUploads attaches the resident's unattached uploads to an intake
// (uploads already on that intake stay; a retry is harmless).
func (s *Store) AttachUploads(ctx context.Context, residentID, intakeID int64, publicIDs []string, now time.Time) error {
	if len(publicIDs) == 0 {
		return nil
	}
	_, err := s.db.NewUpdate().Model((*uploadRow)(nil)).
		Set("intake_id = ?", intakeID).Set("attached_at = ?", now.UTC()).
		Where("resident_id = ?", residentID).Where("public_id IN (?)", bun.In(publicIDs)).
		Where("intake_id IS NULL").Exec(ctx)
	return err
}

// IntakeUploads lists the uploads attached to intakes, oldest first.
func (s *Store) IntakeUploads(ctx context.Context, intakeIDs []int64) ([]Upload, error) {
	if len(intakeIDs) == 0 {
		return nil, nil
	}
	var rows []uploadRow
	err := s.db.NewSelect().Model(&rows).ColumnExpr("u.*").ColumnExpr("i.ref AS intake_ref").
		Join("JOIN intakes AS i ON i.id = u.intake_id").
		Where("u.intake_id IN (?)", bun.In(intakeIDs)).OrderExpr("u.id").Scan(ctx)
	return toUploads(rows), err
}

// CaseUploads lists the uploads attached to any intake of a case.
func (s *Store) CaseUploads(ctx context.Context, caseID int64) ([]Upload, error) {
	var rows []uploadRow
	err := s.db.NewSelect().Model(&rows).ColumnExpr("u.*").ColumnExpr("i.ref AS intake_ref").
		Join("JOIN intakes AS i ON i.id = u.intake_id").
		Where("i.case_id = ?", caseID).OrderExpr("u.id").Scan(ctx)
	return toUploads(rows), err
}

// OrphanUploads lists uploads never attached, created before a time.
func (s *Store) OrphanUploads(ctx context.Context, before time.Time, limit int) ([]Upload, error) {
	var rows []uploadRow
	err := s.db.NewSelect().Model(&rows).Where("u.intake_id IS NULL").Where("u.created_at < ?", before.UTC()).
		OrderExpr("u.id").Limit(int64(limit)).Scan(ctx)
	return toUploads(rows), err
}

// DeleteUpload deletes an unattached upload's row (false if it was
// attached meanwhile).
func (s *Store) DeleteUpload(ctx context.Context, id int64) (bool, error) {
	res, err := s.db.NewDelete().Model((*uploadRow)(nil)).Where("id = ?", id).Where("intake_id IS NULL").Exec(ctx)
	if err != nil {
		return false, err
	}
	n, _ := res.RowsAffected()
	return n > 0, nil
}

// Recipient is a resident to tell about a case.
type Recipient struct {
	ResidentID int64
}

// Recipients lists the residents who own the case — opened it through the
// resident API (a matter, a video booking with a new matter) or joined it
// by a merge registration allowed — and have a WeChat identity (not dev
// logins).
// tx is the case event's unit of work (nil outside one).
func (s *Store) Recipients(ctx context.Context, tx kernel.Tx, caseID int64) ([]Recipient, error) {
	// The case's owners (case_residents), not everyone whose intake is on
	// it: staff may merge a resident's intake into someone else's case, and
	// that must not bring them news of it.
	q := s.db.NewSelect().TableExpr("case_residents AS o").ColumnExpr("DISTINCT r.id").
		Join("JOIN residents AS r ON r.id = o.resident_id").
		Where("o.case_id = ?", caseID).
		Where("r.openid IS NOT NULL").Where("r.openid NOT LIKE ?", DevOpenIDPrefix+"%").OrderExpr("r.id")
	if sqlTx := database.SQLTx(tx); sqlTx != nil {
		q = q.Conn(sqlTx)
	}
	var ids []int64
	if err := q.Scan(ctx, &ids); err != nil {
		return nil, err
	}
	out := make([]Recipient, len(ids))
	for i, id := range ids {
		out[i] = Recipient{ResidentID: id}
	}
	return out, nil
}

type subscriptionRow struct {
	bun.BaseModel `bun:"table:wechat_subscriptions,alias:ws"`
	OpenID        string    `bun:"openid,pk"`
	TemplateID    string    `bun:"template_id,pk"`
	Status        string    `bun:"status"`
	UpdatedAt     time.Time `bun:"updated_at"`
}

// SetSubscription records what WeChat pushed about a user's subscription to
// a template; an older push never overwrites a newer one.
func (s *Store) SetSubscription(ctx context.Context, openID, templateID, status string, at time.Time) error {
	_, err := s.db.NewInsert().Model(&subscriptionRow{OpenID: openID, TemplateID: templateID, Status: status, UpdatedAt: at.UTC()}).
		On("CONFLICT (openid, template_id) DO UPDATE").
		Set("status = EXCLUDED.status").Set("updated_at = EXCLUDED.updated_at").
		Where("ws.updated_at <= EXCLUDED.updated_at").Exec(ctx)
	return err
}

// Subscription returns the last status WeChat pushed ("" if none).
func (s *Store) Subscription(ctx context.Context, openID, templateID string) (string, error) {
	var r subscriptionRow
	err := s.db.NewSelect().Model(&r).Where("openid = ? AND template_id = ?", openID, templateID).Scan(ctx)
	if err == sql.ErrNoRows {
		return "", nil
	}
	return r.Status, err
}
