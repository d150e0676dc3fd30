package casestore

import (
	"time"

	"github.com/uptrace/bun"

	"github.com/jiefen/jiefen/cases"
	"github.com/jiefen/jiefen/kernel"
)

type regionRow struct {
	bun.BaseModel `bun:"table:regions"`
	Code          string `bun:"code,pk"`
	Name          string `bun:"name"`
	Level         int    `bun:"level"`
	ParentCode    string `bun:"parent_code,nullzero"`
}

type caseRow struct {
	bun.BaseModel `bun:"table:cases"`
	ID            int64      `bun:"id,pk,autoincrement"`
	CaseNo        string     `bun:"case_no"`
	Subject       string     `bun:"subject"`
	Category      string     `bun:"category"`
	RegionCode    string     `bun:"region_code"`
	Address       string     `bun:"address"`
	Status        string     `bun:"status"`
	Channel       string     `bun:"channel"`
	AcceptDueAt   *time.Time `bun:"accept_due_at"`
	HandleDueAt   *time.Time `bun:"handle_due_at"`
	SuspendedAt   *time.Time `bun:"suspended_at"`
	ResolvedAt    *time.Time `bun:"resolved_at"`
	ClosedAt      *time.Time `bun:"closed_at"`
	CreatedAt     time.Time  `bun:"created_at"`
	UpdatedAt     time.Time  `bun:"updated_at"`
	CreatedBy     int64      `bun:"created_by"`
	Version       int        `bun:"version"`
	ClusterID     *int64     `bun:"cluster_id"`
	MergedIntoID  *int64     `bun:"merged_into_id"`
	AssigneeID    *int64     `bun:"assignee_id"`
	AssigneeName  string     `bun:"assignee_name"`
	InfoRequested *time.Time `bun:"info_requested_at"`
	RegionName    string     `bun:"region_name,scanonly"`
	ApplicantName string     `bun:"applicant_name,scanonly"`
}

func (r *caseRow) toCase() *cases.Case {
	return &cases.Case{
		ID: r.ID, No: r.CaseNo, Subject: r.Subject, Category: r.Category, RegionCode: r.RegionCode,
		Address: r.Address, Status: cases.Status(r.Status), Channel: kernel.Channel(r.Channel),
		AcceptDue: utc(r.AcceptDueAt), HandleDue: utc(r.HandleDueAt), SuspendedAt: utc(r.SuspendedAt),
		ResolvedAt: utc(r.ResolvedAt), ClosedAt: utc(r.ClosedAt),
		CreatedAt: r.CreatedAt.UTC(), UpdatedAt: r.UpdatedAt.UTC(), CreatedBy: r.CreatedBy,
		Version: r.Version, RegionName: r.RegionName, ApplicantName: r.ApplicantName,
		ClusterID: r.ClusterID, MergedInto: r.MergedIntoID,
		AssigneeID: r.AssigneeID, AssigneeName: r.AssigneeName, InfoRequestedAt: utc(r.InfoRequested),
	}
}

func utc(t *time.Time) *time.Time {
	if t == nil {
		return nil
	}
	u := t.UTC()
	return &u
}

type intakeRow struct {
	bun.BaseModel  `bun:"table:intakes"`
	ID             int64     `bun:"id,pk,autoincrement"`
	Ref            string    `bun:"ref"`
	CaseID         int64     `bun:"case_id"`
	Channel        string    `bun:"channel"`
	ExternalRef    string    `bun:"external_ref"`
	SourceKey      *string   `bun:"source_key"`
	SourceHash     string    `bun:"source_hash"`
	ReceivedAt     time.Time `bun:"received_at"`
	PersonName     string    `bun:"person_name"`
	IDNumberEnc    []byte    `bun:"id_number_enc"`
	IDNumberHash   string    `bun:"id_number_hash"`
	PhoneEnc       []byte    `bun:"phone_enc"`
	PhoneHash      string    `bun:"phone_hash"`
	Subject        string    `bun:"subject"`
	Content        string    `bun:"content"`
	Address        string    `bun:"address"`
	RegionCode     string    `bun:"region_code"`
	Category       string    `bun:"category"`
	RespondentKind string    `bun:"respondent_kind"`
	RespondentName string    `bun:"respondent_name"`
	RawEnc         []byte    `bun:"raw_enc"`
	NameKey        string    `bun:"name_key"`
	Decision       string    `bun:"decision"`
	ResidentID     int64     `bun:"resident_id"`
	CreatedAt      time.Time `bun:"created_at"`
	CreatedBy      int64     `bun:"created_by"`
}

type partyRow struct {
	bun.BaseModel `bun:"table:parties"`
	ID            int64  `bun:"id,pk,autoincrement"`
	CaseID        int64  `bun:"case_id"`
	IntakeID      int64  `bun:"intake_id,nullzero"`
	Role          string `bun:"role"`
	Kind          string `bun:"kind"`
	Name          string `bun:"name"`
	IDNumberEnc   []byte `bun:"id_number_enc"`
	IDNumberHash  string `bun:"id_number_hash"`
	PhoneEnc      []byte `bun:"phone_enc"`
	PhoneHash     string `bun:"phone_hash"`
	Address       string `bun:"address"`
}

type eventRow struct {
	bun.BaseModel `bun:"table:events"`
	ID            int64          `bun:"id,pk,autoincrement"`
	CaseID        int64          `bun:"case_id"`
	At            time.Time      `bun:"at"`
	ActorID       int64          `bun:"actor_id"`
	ActorName     string         `bun:"actor_name"`
	Kind          string         `bun:"kind"`
	FromStatus    string         `bun:"from_status"`
	ToStatus      string         `bun:"to_status"`
	Note          string         `bun:"note"`
	Data          map[string]any `bun:"data,type:json"`
}

type linkRow struct {
	bun.BaseModel `bun:"table:links"`
	ID            int64              `bun:"id,pk,autoincrement"`
	CaseID        int64              `bun:"case_id"`
	OtherCaseID   int64              `bun:"other_case_id"`
	Kind          string             `bun:"kind"`
	Status        string             `bun:"status"`
	Score         float64            `bun:"score"`
	Reasons       *cases.Explanation `bun:"reasons,type:json"`
	CreatedAt     time.Time          `bun:"created_at"`
	CreatedBy     int64              `bun:"created_by"`
	OtherCaseNo   string             `bun:"other_case_no,scanonly"`
}

type caseSeqRow struct {
	bun.BaseModel `bun:"table:case_seqs"`
	County        string `bun:"county,pk"`
	Day           string `bun:"day,pk"`
	Last          int    `bun:"last"`
}

type clusterRow struct {
	bun.BaseModel `bun:"table:clusters"`
	ID            int64     `bun:"id,pk,autoincrement"`
	Title         string    `bun:"title"`
	CreatedAt     time.Time `bun:"created_at"`
	UpdatedAt     time.Time `bun:"updated_at"`
}

type changeRow struct {
	bun.BaseModel `bun:"table:search_changes"`
	Seq           int64     `bun:"seq,pk,autoincrement"`
	XID           int64     `bun:"xid,scanonly"`
	CaseID        int64     `bun:"case_id"`
	At            time.Time `bun:"at"`
}
