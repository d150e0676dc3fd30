package petitionstore

import (
	"context"
	"time"

	"github.com/uptrace/bun"

	"github.com/jiefen/jiefen/cases"
	"github.com/jiefen/jiefen/database"
	"github.com/jiefen/jiefen/kernel"
	"github.com/jiefen/jiefen/petition"
)

// Campaigns implements petition.CampaignStore.
type Campaigns struct{ s *Store }

// Campaigns returns the store of 专项行动.
func (s *Store) Campaigns() Campaigns { return Campaigns{s} }

// WithTx implements petition.CampaignStore.
func (v Campaigns) WithTx(tx kernel.Tx) petition.CampaignStore {
	return Campaigns{&Store{db: v.s.db, idb: database.IDB(v.s.db, tx)}}
}

type campaignRow struct {
	bun.BaseModel `bun:"table:petition_campaigns,alias:pc"`
	ID            int64     `bun:"id,pk,autoincrement"`
	Name          string    `bun:"name"`
	RegionCode    string    `bun:"region_code"`
	StartsOn      string    `bun:"starts_on"`
	EndsOn        string    `bun:"ends_on"`
	Note          string    `bun:"note"`
	CreatedBy     string    `bun:"created_by"`
	CreatedAt     time.Time `bun:"created_at"`
	UpdatedAt     time.Time `bun:"updated_at"`
}

func (r *campaignRow) campaign() *petition.Campaign {
	return &petition.Campaign{ID: r.ID, Name: r.Name, RegionCode: r.RegionCode, StartsOn: r.StartsOn, EndsOn: r.EndsOn,
		Note: r.Note, CreatedBy: r.CreatedBy, CreatedAt: r.CreatedAt.UTC(), UpdatedAt: r.UpdatedAt.UTC()}
}

func toCampaignRow(c *petition.Campaign) *campaignRow {
	return &campaignRow{ID: c.ID, Name: c.Name, RegionCode: c.RegionCode, StartsOn: c.StartsOn, EndsOn: c.EndsOn,
		Note: c.Note, CreatedBy: c.CreatedBy, CreatedAt: c.CreatedAt.UTC(), UpdatedAt: c.UpdatedAt.UTC()}
}

// CreateCampaign implements petition.CampaignStore.
func (v Campaigns) CreateCampaign(ctx context.Context, c *petition.Campaign) error {
	r := toCampaignRow(c)
	if _, err := v.s.idb.NewInsert().Model(r).ExcludeColumn("id").Returning("id").Exec(ctx); err != nil {
		return database.Err(err, "专项行动")
	}
	c.ID = r.ID
	return nil
}

// UpdateCampaign implements petition.CampaignStore.
func (v Campaigns) UpdateCampaign(ctx context.Context, c *petition.Campaign) error {
	_, err := v.s.idb.NewUpdate().Model(toCampaignRow(c)).Column("name", "starts_on", "ends_on", "note", "updated_at").
		WherePK().Exec(ctx)
	return database.Err(err, "专项行动")
}

// DeleteCampaign implements petition.CampaignStore.
func (v Campaigns) DeleteCampaign(ctx context.Context, id int64) error {
	if _, err := v.s.idb.NewDelete().Table("petition_campaign_cases").Where("campaign_id = ?", id).Exec(ctx); err != nil {
		return database.Err(err, "专项行动")
	}
	_, err := v.s.idb.NewDelete().Table("petition_campaigns").Where("id = ?", id).Exec(ctx)
	return database.Err(err, "专项行动")
}

// Campaign implements petition.CampaignStore.
func (v Campaigns) Campaign(ctx context.Context, id int64) (*petition.Campaign, error) {
	var r campaignRow
	if err := v.s.idb.NewSelect().Model(&r).Where("id = ?", id).Scan(ctx); err != nil {
		return nil, database.Err(err, "专项行动")
	}
	return r.campaign(), nil
}

// Campaigns implements petition.CampaignStore.
func (v Campaigns) Campaigns(ctx context.Context) ([]*petition.Campaign, error) {
	var rows []campaignRow
	if err := v.s.idb.NewSelect().Model(&rows).OrderExpr("id DESC").Scan(ctx); err != nil {
		return nil, database.Err(err, "专项行动")
	}
	out := make([]*petition.Campaign, len(rows))
	for i := range rows {
		out[i] = rows[i].campaign()
	}
	return out, nil
}

type campaignCaseRow struct {
	bun.BaseModel `bun:"table:petition_campaign_cases,alias:pcc"`
	CampaignID    int64     `bun:"campaign_id,pk"`
	CaseID        int64     `bun:"case_id,pk"`
	TargetOn      string    `bun:"target_on"`
	AddedAt       time.Time `bun:"added_at"`
}

// AddCase implements petition.CampaignStore: a case tagged twice is
// EConflict.
func (v Campaigns) AddCase(ctx context.Context, cc *petition.CampaignCase) error {
	r := &campaignCaseRow{CampaignID: cc.CampaignID, CaseID: cc.CaseID, TargetOn: cc.TargetOn, AddedAt: cc.AddedAt.UTC()}
	res, err := v.s.idb.NewInsert().Model(r).On("CONFLICT (campaign_id, case_id) DO NOTHING").Exec(ctx)
	if err != nil {
		return database.Err(err, "专项行动")
	}
	if n, err := res.RowsAffected(); err != nil {
		return err
	} else if n == 0 {
		return kernel.Errorf(kernel.EConflict, "该案件已在专项行动中")
	}
	return nil
}

// RemoveCase implements petition.CampaignStore.
func (v Campaigns) RemoveCase(ctx context.Context, campaignID, caseID int64) (bool, error) {
	res, err := v.s.idb.NewDelete().Table("petition_campaign_cases").
		Where("campaign_id = ? AND case_id = ?", campaignID, caseID).Exec(ctx)
	if err != nil {
		return false, database.Err(err, "专项行动")
	}
	n, err := res.RowsAffected()
	return n == 1, err
}

// CampaignCases implements petition.CampaignStore.
func (v Campaigns) CampaignCases(ctx context.Context, campaignID int64) ([]petition.CampaignCase, error) {
	var rows []struct {
		CaseID     int64     `bun:"case_id"`
		CaseNo     string    `bun:"case_no"`
		Subject    string    `bun:"subject"`
		RegionCode string    `bun:"region_code"`
		Status     string    `bun:"status"`
		TargetOn   string    `bun:"target_on"`
		AddedAt    time.Time `bun:"added_at"`
	}
	err := v.s.idb.NewSelect().TableExpr("petition_campaign_cases AS pcc").
		ColumnExpr("pcc.case_id, c.case_no, c.subject, c.region_code, c.status, pcc.target_on, pcc.added_at").
		Join("JOIN cases AS c ON c.id = pcc.case_id").
		Where("pcc.campaign_id = ?", campaignID).OrderExpr("pcc.target_on, c.case_no").Scan(ctx, &rows)
	if err != nil {
		return nil, database.Err(err, "专项行动")
	}
	out := make([]petition.CampaignCase, len(rows))
	for i, r := range rows {
		out[i] = petition.CampaignCase{CampaignID: campaignID, CaseID: r.CaseID, CaseNo: r.CaseNo, Subject: r.Subject,
			RegionCode: r.RegionCode, Status: cases.Status(r.Status), TargetOn: r.TargetOn, AddedAt: r.AddedAt.UTC()}
	}
	return out, nil
}
