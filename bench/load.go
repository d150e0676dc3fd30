package bench

import (
	"context"
	"fmt"
	"time"

	"github.com/uptrace/bun"

	"github.com/jiefen/jiefen/cases"
	"github.com/jiefen/jiefen/kernel"
	"github.com/jiefen/jiefen/pii"
)

// The bulk loader writes cases as registration stores them, without
// registering: a million registrations (detection, numbering, events one by
// one) take about an hour, a bulk load a minute or two. Each record becomes
// one case with its intake and applicant, personal data sealed and hashed
// with the application's keyring exactly as the case store does. Left out,
// because detection never reads them: events, links, the raw payload and
// the search change feed (the index is rebuilt from the tables).

type caseRow struct {
	bun.BaseModel `bun:"table:cases"`
	ID            int64      `bun:"id,pk"`
	CaseNo        string     `bun:"case_no"`
	Subject       string     `bun:"subject"`
	Category      string     `bun:"category"`
	RegionCode    string     `bun:"region_code"`
	Address       string     `bun:"address"`
	Status        string     `bun:"status"`
	Channel       string     `bun:"channel"`
	ClosedAt      *time.Time `bun:"closed_at"`
	CreatedAt     time.Time  `bun:"created_at"`
	UpdatedAt     time.Time  `bun:"updated_at"`
}

type intakeRow struct {
	bun.BaseModel `bun:"table:intakes"`
	ID            int64     `bun:"id,pk"`
	Ref           string    `bun:"ref"`
	CaseID        int64     `bun:"case_id"`
	Channel       string    `bun:"channel"`
	ExternalRef   string    `bun:"external_ref"`
	SourceKey     string    `bun:"source_key"`
	ReceivedAt    time.Time `bun:"received_at"`
	PersonName    string    `bun:"person_name"`
	IDNumberEnc   []byte    `bun:"id_number_enc"`
	IDNumberHash  string    `bun:"id_number_hash"`
	PhoneEnc      []byte    `bun:"phone_enc"`
	PhoneHash     string    `bun:"phone_hash"`
	Subject       string    `bun:"subject"`
	Content       string    `bun:"content"`
	Address       string    `bun:"address"`
	RegionCode    string    `bun:"region_code"`
	Category      string    `bun:"category"`
	NameKey       string    `bun:"name_key"`
	Decision      string    `bun:"decision"`
	CreatedAt     time.Time `bun:"created_at"`
}

type partyRow struct {
	bun.BaseModel `bun:"table:parties"`
	ID            int64  `bun:"id,pk"`
	CaseID        int64  `bun:"case_id"`
	IntakeID      int64  `bun:"intake_id"`
	Role          string `bun:"role"`
	Kind          string `bun:"kind"`
	Name          string `bun:"name"`
	IDNumberEnc   []byte `bun:"id_number_enc"`
	IDNumberHash  string `bun:"id_number_hash"`
	PhoneEnc      []byte `bun:"phone_enc"`
	PhoneHash     string `bun:"phone_hash"`
	Address       string `bun:"address"`
}

type caseSeqRow struct {
	bun.BaseModel `bun:"table:case_seqs"`
	County        string `bun:"county,pk"`
	Day           string `bun:"day,pk"`
	Last          int    `bun:"last"`
}

// Loader bulk-loads records as cases of one region.
type Loader struct {
	DB     *bun.DB
	Keys   *pii.Keyring
	Region string // region code (12 digits) of every case
	// CloseBefore: cases received before it are stored closed, as a
	// historical import with --close-after would leave them; zero: all open.
	CloseBefore time.Time
	// Rows is how many rows one INSERT statement carries.
	Rows int

	nextCase, nextIntake, nextParty int64
	seqs                            map[[2]string]int
}

// NewLoader returns a loader that numbers its rows after those already in
// the database.
func NewLoader(ctx context.Context, db *bun.DB, keys *pii.Keyring, region string) (*Loader, error) {
	code, ok := kernel.NormalizeRegionCode(region)
	if !ok {
		return nil, fmt.Errorf("bench: %q is not a region code", region)
	}
	l := &Loader{DB: db, Keys: keys, Region: code, Rows: 500, seqs: map[[2]string]int{}}
	for _, t := range []struct {
		table string
		to    *int64
	}{{"cases", &l.nextCase}, {"intakes", &l.nextIntake}, {"parties", &l.nextParty}} {
		var n *int64
		if err := db.NewSelect().TableExpr(t.table).ColumnExpr("MAX(id)").Scan(ctx, &n); err != nil {
			return nil, err
		}
		if n != nil {
			*t.to = *n
		}
	}
	var seqs []caseSeqRow
	if err := db.NewSelect().Model(&seqs).Scan(ctx); err != nil {
		return nil, err
	}
	for _, s := range seqs {
		l.seqs[[2]string{s.County, s.Day}] = s.Last
	}
	return l, nil
}

// Load stores the records in one transaction and returns each record's
// case id and intake id.
func (l *Loader) Load(ctx context.Context, recs []Record) (caseIDs, intakeIDs []int64, err error) {
	cs := make([]caseRow, len(recs))
	ins := make([]intakeRow, len(recs))
	ps := make([]partyRow, 0, len(recs))
	caseIDs, intakeIDs = make([]int64, len(recs)), make([]int64, len(recs))
	county := kernel.CountyCode(l.Region)
	used := map[[2]string]int{}
	for i := range recs {
		r := &recs[i]
		at := r.ReceivedAt.UTC()
		channel := r.Channel
		if !kernel.Channel(channel).Valid() {
			channel = string(kernel.ChannelImport)
		}
		day := at.In(cases.ChinaTime).Format("20060102")
		k := [2]string{county, day}
		seq := l.seqs[k] + used[k] + 1
		used[k]++
		l.nextCase++
		l.nextIntake++
		status, closed := cases.StatusRegistered, (*time.Time)(nil)
		if at.Before(l.CloseBefore) {
			c := at.Add(60 * 24 * time.Hour)
			status, closed = cases.StatusClosed, &c
		}
		subject := r.Subject
		if subject == "" {
			subject = truncRunes(r.Content, 40)
		}
		cs[i] = caseRow{ID: l.nextCase, CaseNo: fmt.Sprintf("%s%s%05d", county, day, seq), Subject: subject,
			Category: "other", RegionCode: l.Region, Address: r.Address, Status: string(status), Channel: channel,
			ClosedAt: closed, CreatedAt: at, UpdatedAt: at}
		p := r.Person
		ins[i] = intakeRow{ID: l.nextIntake, Ref: r.Ref, CaseID: l.nextCase, Channel: channel, ExternalRef: r.Ref,
			SourceKey: "import:" + r.Ref, ReceivedAt: at, PersonName: p.Name,
			IDNumberEnc: l.Keys.SealString(p.IDNumber), IDNumberHash: l.Keys.HashID(p.IDNumber),
			PhoneEnc: l.Keys.SealString(p.Phone), PhoneHash: l.Keys.HashPhone(p.Phone),
			Subject: r.Subject, Content: r.Content, Address: r.Address, RegionCode: l.Region, Category: "other",
			NameKey: cases.NameKey(p.Name), Decision: cases.DecisionNew, CreatedAt: at}
		if p.Name != "" || p.IDNumber != "" || p.Phone != "" {
			l.nextParty++
			ps = append(ps, partyRow{ID: l.nextParty, CaseID: l.nextCase, IntakeID: l.nextIntake,
				Role: string(cases.RoleApplicant), Kind: string(cases.KindPerson), Name: p.Name,
				IDNumberEnc: ins[i].IDNumberEnc, IDNumberHash: ins[i].IDNumberHash,
				PhoneEnc: ins[i].PhoneEnc, PhoneHash: ins[i].PhoneHash, Address: r.Address})
		}
		caseIDs[i], intakeIDs[i] = l.nextCase, l.nextIntake
	}
	err = l.DB.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		if err := insertChunks(ctx, tx, cs, l.Rows); err != nil {
			return err
		}
		if err := insertChunks(ctx, tx, ins, l.Rows); err != nil {
			return err
		}
		if err := insertChunks(ctx, tx, ps, l.Rows); err != nil {
			return err
		}
		rows := make([]caseSeqRow, 0, len(used))
		for k, n := range used {
			rows = append(rows, caseSeqRow{County: k[0], Day: k[1], Last: l.seqs[k] + n})
		}
		return insertChunks(ctx, tx, rows, l.Rows, "CONFLICT (county, day) DO UPDATE SET last = EXCLUDED.last")
	})
	if err != nil {
		// Numbers handed out in the failed transaction are not reused:
		// harmless gaps.
		return nil, nil, fmt.Errorf("bench: bulk load: %w", err)
	}
	for k, n := range used {
		l.seqs[k] += n
	}
	return caseIDs, intakeIDs, nil
}

// insertChunks inserts rows with multi-row INSERTs of up to n rows.
func insertChunks[T any](ctx context.Context, tx bun.Tx, rows []T, n int, on ...string) error {
	for i := 0; i < len(rows); i += n {
		chunk := rows[i:min(i+n, len(rows))]
		q := tx.NewInsert().Model(&chunk)
		for _, o := range on {
			q = q.On(o)
		}
		if _, err := q.Exec(ctx); err != nil {
			return err
		}
	}
	return nil
}
