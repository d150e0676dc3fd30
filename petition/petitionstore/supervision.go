package petitionstore

import (
	"context"
	"time"

	"github.com/uptrace/bun"
	"github.com/uptrace/bun/dialect"

	"github.com/jiefen/jiefen/cases"
	"github.com/jiefen/jiefen/clocks"
	"github.com/jiefen/jiefen/database"
	"github.com/jiefen/jiefen/kernel"
	"github.com/jiefen/jiefen/petition"
)

var (
	_ petition.SupervisionStore = Supervision{}
	_ petition.CampaignStore    = Campaigns{}
)

// Supervision implements petition.SupervisionStore.
type Supervision struct{ s *Store }

// Supervision returns the store of owners, supervisions and marks.
func (s *Store) Supervision() Supervision { return Supervision{s} }

// WithTx implements petition.SupervisionStore.
func (v Supervision) WithTx(tx kernel.Tx) petition.SupervisionStore {
	return Supervision{&Store{db: v.s.db, idb: database.IDB(v.s.db, tx)}}
}

type ownerRow struct {
	bun.BaseModel `bun:"table:petition_owners,alias:po"`
	CaseID        int64     `bun:"case_id,pk"`
	LeaderID      int64     `bun:"leader_id"`
	LeaderName    string    `bun:"leader_name"`
	TargetOn      string    `bun:"target_on"`
	Note          string    `bun:"note"`
	CreatedAt     time.Time `bun:"created_at"`
}

// Owner implements petition.SupervisionStore.
func (v Supervision) Owner(ctx context.Context, caseID int64) (*petition.Owner, error) {
	var r ownerRow
	if err := v.s.idb.NewSelect().Model(&r).Where("case_id = ?", caseID).Scan(ctx); err != nil {
		return nil, database.Err(err, "包案")
	}
	o := petition.Owner(r.owner())
	return &o, nil
}

func (r ownerRow) owner() petition.Owner {
	return petition.Owner{CaseID: r.CaseID, LeaderID: r.LeaderID, LeaderName: r.LeaderName, TargetOn: r.TargetOn,
		Note: r.Note, CreatedAt: r.CreatedAt.UTC()}
}

// SetOwner implements petition.SupervisionStore.
func (v Supervision) SetOwner(ctx context.Context, o *petition.Owner) error {
	r := &ownerRow{CaseID: o.CaseID, LeaderID: o.LeaderID, LeaderName: o.LeaderName, TargetOn: o.TargetOn,
		Note: o.Note, CreatedAt: o.CreatedAt.UTC()}
	_, err := v.s.idb.NewInsert().Model(r).
		On("CONFLICT (case_id) DO UPDATE").
		Set("leader_id = EXCLUDED.leader_id, leader_name = EXCLUDED.leader_name, target_on = EXCLUDED.target_on, " +
			"note = EXCLUDED.note, created_at = EXCLUDED.created_at").Exec(ctx)
	return database.Err(err, "包案")
}

// OwnedBy implements petition.SupervisionStore.
func (v Supervision) OwnedBy(ctx context.Context, leaderID int64) ([]petition.OwnedCase, error) {
	var rows []struct {
		ownerRow
		CaseNo  string  `bun:"case_no"`
		Subject string  `bun:"subject"`
		Status  string  `bun:"status"`
		Stage   *string `bun:"stage"`
	}
	err := v.s.idb.NewSelect().TableExpr("petition_owners AS po").
		ColumnExpr("po.*, c.case_no, c.subject, c.status, p.stage").
		Join("JOIN cases AS c ON c.id = po.case_id").
		Join("LEFT JOIN petitions AS p ON p.case_id = po.case_id").
		Where("po.leader_id = ?", leaderID).OrderExpr("po.target_on, po.case_id").Scan(ctx, &rows)
	if err != nil {
		return nil, database.Err(err, "包案")
	}
	out := make([]petition.OwnedCase, len(rows))
	for i, r := range rows {
		out[i] = petition.OwnedCase{Owner: r.ownerRow.owner(), CaseNo: r.CaseNo, Subject: r.Subject,
			Status: cases.Status(r.Status), Stage: petition.StageRegistered}
		if r.Stage != nil {
			out[i].Stage = petition.Stage(*r.Stage)
		}
	}
	return out, nil
}

type supervisionRow struct {
	bun.BaseModel `bun:"table:petition_supervisions,alias:sv"`
	ID            int64      `bun:"id,pk,autoincrement"`
	CaseID        int64      `bun:"case_id"`
	UnitID        int64      `bun:"unit_id"`
	Listed        bool       `bun:"listed"`
	DeadlineOn    string     `bun:"deadline_on"`
	DeadlineAt    time.Time  `bun:"deadline_at"`
	Note          string     `bun:"note"`
	ByID          int64      `bun:"by_id"`
	ByName        string     `bun:"by_name"`
	RegionCode    string     `bun:"region_code"`
	CreatedAt     time.Time  `bun:"created_at"`
	Feedback      string     `bun:"feedback"`
	FeedbackBy    string     `bun:"feedback_by"`
	FeedbackAt    *time.Time `bun:"feedback_at"`
}

func (r *supervisionRow) supervision() *petition.Supervision {
	return &petition.Supervision{ID: r.ID, CaseID: r.CaseID, UnitID: r.UnitID, Listed: r.Listed, DeadlineOn: r.DeadlineOn,
		DeadlineAt: r.DeadlineAt.UTC(), Note: r.Note, ByID: r.ByID, ByName: r.ByName, RegionCode: r.RegionCode,
		CreatedAt: r.CreatedAt.UTC(), Feedback: r.Feedback, FeedbackBy: r.FeedbackBy, FeedbackAt: utc(r.FeedbackAt)}
}

// CreateSupervision implements petition.SupervisionStore.
func (v Supervision) CreateSupervision(ctx context.Context, sv *petition.Supervision) error {
	r := &supervisionRow{CaseID: sv.CaseID, UnitID: sv.UnitID, Listed: sv.Listed, DeadlineOn: sv.DeadlineOn,
		DeadlineAt: sv.DeadlineAt.UTC(), Note: sv.Note, ByID: sv.ByID, ByName: sv.ByName, RegionCode: sv.RegionCode,
		CreatedAt: sv.CreatedAt.UTC()}
	if _, err := v.s.idb.NewInsert().Model(r).ExcludeColumn("id").Returning("id").Exec(ctx); err != nil {
		return database.Err(err, "督办")
	}
	sv.ID = r.ID
	return nil
}

func scanSupervisions(rows []supervisionRow) []*petition.Supervision {
	out := make([]*petition.Supervision, len(rows))
	for i := range rows {
		out[i] = rows[i].supervision()
	}
	return out
}

// Supervisions implements petition.SupervisionStore.
func (v Supervision) Supervisions(ctx context.Context, caseID int64) ([]*petition.Supervision, error) {
	var rows []supervisionRow
	if err := v.s.idb.NewSelect().Model(&rows).Where("case_id = ?", caseID).OrderExpr("id").Scan(ctx); err != nil {
		return nil, database.Err(err, "督办")
	}
	return scanSupervisions(rows), nil
}

// AnswerSupervision implements petition.SupervisionStore.
func (v Supervision) AnswerSupervision(ctx context.Context, id int64, feedback, by string, at time.Time) (bool, error) {
	res, err := v.s.idb.NewUpdate().Table("petition_supervisions").
		Set("feedback = ?", feedback).Set("feedback_by = ?", by).Set("feedback_at = ?", at.UTC()).
		Where("id = ? AND feedback_at IS NULL", id).Exec(ctx)
	if err != nil {
		return false, database.Err(err, "督办")
	}
	n, err := res.RowsAffected()
	return n == 1, err
}

// Listings implements petition.SupervisionStore.
func (v Supervision) Listings(ctx context.Context, unitID int64, from, to time.Time) (int, error) {
	n, err := v.s.idb.NewSelect().Table("petition_supervisions").
		Where("unit_id = ? AND listed AND created_at >= ? AND created_at <= ?", unitID, from.UTC(), to.UTC()).Count(ctx)
	return int(n), database.Err(err, "督办")
}

// Listed implements petition.SupervisionStore.
func (v Supervision) Listed(ctx context.Context, limit int) ([]petition.Listing, error) {
	var rows []struct {
		CaseNo     string     `bun:"case_no"`
		UnitID     int64      `bun:"unit_id"`
		UnitName   string     `bun:"unit_name"`
		DeadlineOn string     `bun:"deadline_on"`
		CreatedAt  time.Time  `bun:"created_at"`
		FeedbackAt *time.Time `bun:"feedback_at"`
	}
	err := v.s.idb.NewSelect().TableExpr("petition_supervisions AS sv").
		ColumnExpr("c.case_no, sv.unit_id, u.name AS unit_name, sv.deadline_on, sv.created_at, sv.feedback_at").
		Join("JOIN cases AS c ON c.id = sv.case_id").Join("JOIN units AS u ON u.id = sv.unit_id").Where("sv.listed").
		OrderExpr("sv.id DESC").Limit(int64(limit)).Scan(ctx, &rows)
	if err != nil {
		return nil, database.Err(err, "督办")
	}
	out := make([]petition.Listing, len(rows))
	for i, r := range rows {
		out[i] = petition.Listing{CaseNo: r.CaseNo, UnitID: r.UnitID, UnitName: r.UnitName, DeadlineOn: r.DeadlineOn, ListedAt: r.CreatedAt.UTC(),
			Answered: r.FeedbackAt != nil}
	}
	return out, nil
}

// OpenSupervisions implements petition.SupervisionStore: those the sweep
// marked already (the overdue mark once the deadline passed, else the
// reminder) are left out, so the oldest cannot hold the batch forever.
func (v Supervision) OpenSupervisions(ctx context.Context, now, to time.Time, limit int) ([]*petition.Supervision, error) {
	var rows []supervisionRow
	err := v.s.idb.NewSelect().Model(&rows).Where("feedback_at IS NULL AND deadline_at <= ?", to.UTC()).
		Where("NOT EXISTS (SELECT 1 FROM petition_marks m WHERE m.case_id = sv.case_id "+
			"AND m.kind = (CASE WHEN sv.deadline_at < ? THEN ? ELSE ? END) "+
			"AND m.ref = 'supervision:' || CAST(sv.id AS VARCHAR(20)))",
			now.UTC(), petition.MarkSupOverdue, petition.MarkReminder).
		OrderExpr("deadline_at, id").Limit(int64(limit)).Scan(ctx)
	if err != nil {
		return nil, database.Err(err, "督办")
	}
	return scanSupervisions(rows), nil
}

type markRow struct {
	bun.BaseModel `bun:"table:petition_marks,alias:pm"`
	ID            int64     `bun:"id,pk,autoincrement"`
	CaseID        int64     `bun:"case_id"`
	Kind          string    `bun:"kind"`
	Ref           string    `bun:"ref"`
	UnitID        *int64    `bun:"unit_id"`
	RegionCode    string    `bun:"region_code"`
	At            time.Time `bun:"at"`
}

// AddMark implements petition.SupervisionStore: ON CONFLICT DO NOTHING, so
// of several sweeps at once exactly one insert takes.
func (v Supervision) AddMark(ctx context.Context, m *petition.Mark) (bool, error) {
	r := &markRow{CaseID: m.CaseID, Kind: m.Kind, Ref: m.Ref, UnitID: m.UnitID, RegionCode: m.RegionCode, At: m.At.UTC()}
	res, err := v.s.idb.NewInsert().Model(r).ExcludeColumn("id").On("CONFLICT (case_id, kind, ref) DO NOTHING").Exec(ctx)
	if err != nil {
		return false, database.Err(err, "督办记录")
	}
	n, err := res.RowsAffected()
	return n == 1, err
}

// HasMark implements petition.SupervisionStore.
func (v Supervision) HasMark(ctx context.Context, caseID int64, kind string) (bool, error) {
	ok, err := v.s.idb.NewSelect().Table("petition_marks").Where("case_id = ? AND kind = ?", caseID, kind).Exists(ctx)
	return ok, database.Err(err, "督办记录")
}

func kindNames(kinds []clocks.Kind) []string {
	out := make([]string, len(kinds))
	for i, k := range kinds {
		out[i] = string(k)
	}
	return out
}

func endedStages() []string {
	out := make([]string, len(petition.EndedStages))
	for i, s := range petition.EndedStages {
		out[i] = string(s)
	}
	return out
}

// watched selects staff clocks of cases on the track whose stage is not
// ended.
func (v Supervision) watched(kinds []clocks.Kind) *bun.SelectQuery {
	return v.s.idb.NewSelect().TableExpr("case_clocks AS k").
		ColumnExpr("k.id AS clock_id, k.case_id, c.case_no, k.kind, k.due_at, k.status, p.unit_id, c.region_code").
		Join("JOIN petitions AS p ON p.case_id = k.case_id").
		Join("JOIN cases AS c ON c.id = k.case_id").
		Where("k.kind IN (?)", bun.In(kindNames(kinds))).
		Where("k.ended_at IS NULL").
		Where("p.stage NOT IN (?)", bun.In(endedStages()))
}

type watchedRow struct {
	ClockID    int64     `bun:"clock_id"`
	CaseID     int64     `bun:"case_id"`
	CaseNo     string    `bun:"case_no"`
	Kind       string    `bun:"kind"`
	DueAt      time.Time `bun:"due_at"`
	Status     string    `bun:"status"`
	UnitID     *int64    `bun:"unit_id"`
	RegionCode string    `bun:"region_code"`
}

func watchedOut(rows []watchedRow) []petition.WatchedClock {
	out := make([]petition.WatchedClock, len(rows))
	for i, r := range rows {
		out[i] = petition.WatchedClock{ClockID: r.ClockID, CaseID: r.CaseID, CaseNo: r.CaseNo, Kind: clocks.Kind(r.Kind),
			Due: r.DueAt.UTC(), Status: clocks.Status(r.Status), UnitID: r.UnitID, RegionCode: r.RegionCode}
	}
	return out
}

// dueDay is the SQL of the China date (YYYY-MM-DD) of k.due_at, as
// calendar.DateOf gives it: China keeps UTC+8 all year.
func (v Supervision) dueDay() string {
	if v.s.db.Dialect().Name() == dialect.PG {
		return "to_char(k.due_at AT TIME ZONE 'Asia/Shanghai', 'YYYY-MM-DD')"
	}
	return "date(k.due_at, '+8 hours')"
}

// DueClocks implements petition.SupervisionStore: clocks already reminded
// of for their due day (the sweep's mark "kind@YYYY-MM-DD") are left out,
// so the oldest cannot hold the batch forever.
func (v Supervision) DueClocks(ctx context.Context, kinds []clocks.Kind, from, to time.Time, limit int) ([]petition.WatchedClock, error) {
	var rows []watchedRow
	err := v.watched(kinds).Where("k.status = 'running' AND k.due_at >= ? AND k.due_at <= ?", from.UTC(), to.UTC()).
		Where("NOT EXISTS (SELECT 1 FROM petition_marks m WHERE m.case_id = k.case_id AND m.kind = ? "+
			"AND m.ref = k.kind || '@' || "+v.dueDay()+")", petition.MarkReminder).
		OrderExpr("k.due_at, k.id").Limit(int64(limit)).Scan(ctx, &rows)
	if err != nil {
		return nil, database.Err(err, "期限")
	}
	return watchedOut(rows), nil
}

// OverdueClocks implements petition.SupervisionStore.
func (v Supervision) OverdueClocks(ctx context.Context, kinds []clocks.Kind, to time.Time, limit int) ([]petition.WatchedClock, error) {
	var rows []watchedRow
	err := v.watched(kinds).Where("k.status IN ('running', 'missed') AND k.due_at < ?", to.UTC()).
		Where("NOT EXISTS (SELECT 1 FROM petition_marks m WHERE m.case_id = k.case_id AND m.kind = ? "+
			"AND m.ref = CAST(k.id AS VARCHAR(20)))", petition.MarkEscalation).
		OrderExpr("k.due_at, k.id").Limit(int64(limit)).Scan(ctx, &rows)
	if err != nil {
		return nil, database.Err(err, "期限")
	}
	return watchedOut(rows), nil
}
