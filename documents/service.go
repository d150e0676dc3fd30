package documents

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/jiefen/jiefen/cases"
	"github.com/jiefen/jiefen/kernel"
)

// GenerateArgs is a document waiting in the job queue to be generated.
type GenerateArgs struct {
	CaseID  int64 `json:"case_id"`
	Doc     Kind  `json:"kind"`
	EventID int64 `json:"event_id"` // the transition it records
}

// Kind implements river.JobArgs.
func (GenerateArgs) Kind() string { return "document_generate" }

// Enqueuer puts a generation job in the transaction of the event that
// causes it.
type Enqueuer interface {
	EnqueueDocument(ctx context.Context, tx kernel.Tx, args GenerateArgs) error
}

// DefaultUnit names the deciding unit on notices until cases carry the unit
// that handles them: {county} is the name of the case's county.
const DefaultUnit = "{county}矛盾纠纷多元化解中心"

// Service generates and serves case documents.
type Service struct {
	Tx    kernel.Transactor
	Store Store
	Cases *cases.Service
	// Renderer draws the PDFs; nil when no CJK font is usable, and then
	// documents are neither generated nor served.
	Renderer *Renderer
	Queue    Enqueuer
	// Unit is the name that signs notices; {county} is replaced by the
	// county's name.
	Unit string
	Now  func() time.Time
}

// NewService returns a service with the default unit and the wall clock.
func NewService(tx kernel.Transactor, store Store, cs *cases.Service, r *Renderer, q Enqueuer) *Service {
	return &Service{Tx: tx, Store: store, Cases: cs, Renderer: r, Queue: q, Unit: DefaultUnit, Now: time.Now}
}

// errNoFont is what staff see while no font is configured.
var errNoFont = kernel.Errorf(kernel.EUnavailable, "文书功能暂不可用：服务器未配置中文字体（"+FontEnv+"）")

// kindFor is the document a transition causes, if any.
func kindFor(e *cases.Event) (Kind, bool) {
	if e.Kind != cases.EventTransition {
		return "", false
	}
	switch e.ToStatus {
	case cases.StatusAccepted:
		return KindAcceptNotice, true
	case cases.StatusRejected:
		return KindRejectNotice, true
	}
	return "", false
}

// Notifier returns the cases.Notifier that enqueues a notice for each
// accept or reject decision, in the decision's transaction.
func (s *Service) Notifier() cases.Notifier { return notifier{s} }

type notifier struct{ s *Service }

// CaseEvent implements cases.Notifier.
func (n notifier) CaseEvent(ctx context.Context, tx cases.Store, e *cases.Event) error {
	kind, ok := kindFor(e)
	if !ok {
		return nil
	}
	return n.s.Queue.EnqueueDocument(ctx, tx.Tx(), GenerateArgs{CaseID: e.CaseID, Doc: kind, EventID: e.ID})
}

// Generate renders the document a job asks for and stores it with a
// timeline event. A retry after a stored document does nothing. Rendering
// happens before the transaction, so that no write lock waits on it.
func (s *Service) Generate(ctx context.Context, args GenerateArgs) (*Document, error) {
	if !args.Doc.Valid() {
		return nil, fmt.Errorf("documents: unknown kind %q", args.Doc)
	}
	if d, err := s.Store.BySource(ctx, args.CaseID, args.Doc, args.EventID); err != nil || d != nil {
		return d, err
	}
	if s.Renderer == nil {
		return nil, ErrNoFont
	}
	c, err := s.Cases.CaseDetails(ctx, args.CaseID)
	if err != nil {
		return nil, err
	}
	var ev *cases.Event
	for i := range c.Events {
		if c.Events[i].ID == args.EventID {
			ev = &c.Events[i]
		}
	}
	if ev == nil {
		return nil, fmt.Errorf("documents: case %d has no event %d", args.CaseID, args.EventID)
	}
	n := Notice{Kind: args.Doc, CaseNo: c.No, Subject: c.Subject, Applicant: applicant(c), ReceivedAt: c.CreatedAt,
		Reason: ev.Note, Date: ev.At, Unit: s.unit(ctx, c)}
	if len(c.Intakes) > 0 {
		n.ReceivedAt = c.Intakes[0].ReceivedAt
	}
	if args.Doc == KindAcceptNotice {
		n.Due = c.HandleDue
	}
	pdf, err := s.Renderer.Render(n)
	if err != nil {
		return nil, err
	}
	d := &Document{CaseID: c.ID, Kind: args.Doc, Title: args.Doc.Title(), SourceEventID: ev.ID,
		CreatedBy: ev.ActorID, CreatedByName: ev.ActorName, CreatedAt: s.Now().UTC()}
	d.Seal(pdf)
	err = s.Tx.InTx(ctx, func(ctx context.Context, tx kernel.Tx) error {
		st := s.Store.WithTx(tx)
		if d.Version, err = st.NextVersion(ctx, c.ID, d.Kind); err != nil {
			return err
		}
		if err := st.Create(ctx, d); err != nil {
			return err
		}
		return s.Cases.WithTx(tx).Note(ctx, kernel.SystemActor("系统"), c.ID, EventGenerated,
			fmt.Sprintf("已生成%s（第%d版）", d.Title, d.Version),
			map[string]any{"document_id": d.ID, "kind": string(d.Kind), "version": d.Version, "sha256": d.SHA256})
	})
	if err != nil {
		return nil, err
	}
	return d, nil
}

// Failed notes on the case's timeline that a document could not be
// generated yet; the job calls it on its first failed attempt only.
func (s *Service) Failed(ctx context.Context, args GenerateArgs, cause error) error {
	note := fmt.Sprintf("%s生成失败，将自动重试", args.Doc.Title())
	if errors.Is(cause, ErrNoFont) {
		note = fmt.Sprintf("%s暂未生成：服务器未配置中文字体（%s），将自动重试", args.Doc.Title(), FontEnv)
	}
	return s.Cases.Note(ctx, kernel.SystemActor("系统"), args.CaseID, EventFailed, note,
		map[string]any{"kind": string(args.Doc), "event_id": args.EventID})
}

// applicant is the name the notice is addressed to: the first applicant.
func applicant(c *cases.Case) string {
	for _, p := range c.Parties {
		if p.Role == cases.RoleApplicant && p.Name != "" {
			return p.Name
		}
	}
	return c.ApplicantName
}

// unit names the deciding unit; a county whose name cannot be read leaves
// the placeholder empty rather than failing the notice.
func (s *Service) unit(ctx context.Context, c *cases.Case) string {
	if !strings.Contains(s.Unit, "{county}") {
		return s.Unit
	}
	name := ""
	if code, ok := kernel.NormalizeRegionCode(kernel.CountyCode(c.RegionCode)); ok {
		if r, err := s.Cases.LookupRegion(ctx, code); err == nil {
			name = r.Name
		}
	}
	return strings.ReplaceAll(s.Unit, "{county}", name)
}

// Render draws a module's document with the configured font; without one
// it answers 503 (EUnavailable).
func (s *Service) Render(sh Sheet) ([]byte, error) {
	if s.Renderer == nil {
		return nil, errNoFont
	}
	return s.Renderer.RenderSheet(sh)
}

// Save stores a PDF a module rendered for a case as the next version of
// its kind, in the module's unit of work (tx), with a timeline event.
// sourceEventID, if not 0, is the module's event the document records: a
// second Save for it returns the stored document.
func (s *Service) Save(ctx context.Context, tx kernel.Tx, caseID int64, kind Kind, pdf []byte, actor kernel.Actor, sourceEventID int64) (*Document, error) {
	if !kind.Valid() {
		return nil, fmt.Errorf("documents: unknown kind %q", kind)
	}
	st := s.Store.WithTx(tx)
	if sourceEventID != 0 {
		if d, err := st.BySource(ctx, caseID, kind, sourceEventID); err != nil || d != nil {
			return d, err
		}
	}
	d := &Document{CaseID: caseID, Kind: kind, Title: kind.Title(), SourceEventID: sourceEventID,
		CreatedBy: actor.UserID, CreatedByName: actor.Name, CreatedAt: s.Now().UTC()}
	d.Seal(pdf)
	var err error
	if d.Version, err = st.NextVersion(ctx, caseID, kind); err != nil {
		return nil, err
	}
	if err := st.Create(ctx, d); err != nil {
		return nil, err
	}
	err = s.Cases.WithTx(tx).Note(ctx, kernel.SystemActor("系统"), caseID, EventGenerated,
		fmt.Sprintf("已生成%s（第%d版）", d.Title, d.Version),
		map[string]any{"document_id": d.ID, "kind": string(d.Kind), "version": d.Version, "sha256": d.SHA256})
	return d, err
}

// Latest returns the newest document of kind of a case with its content;
// nil if there is none.
func (s *Service) Latest(ctx context.Context, caseID int64, kind Kind) (*Document, error) {
	list, err := s.Store.List(ctx, caseID)
	if err != nil {
		return nil, err
	}
	for _, d := range list { // newest first
		if d.Kind == kind {
			return s.Store.Get(ctx, caseID, d.ID)
		}
	}
	return nil, nil
}

// caseInScope finds the actor's case; one outside their region is not found.
func (s *Service) caseInScope(ctx context.Context, actor kernel.Actor, no string) (*cases.Case, error) {
	if s.Renderer == nil {
		return nil, errNoFont
	}
	return s.Cases.Find(ctx, actor, no)
}

// List returns the documents of a case in the actor's region, newest first.
func (s *Service) List(ctx context.Context, actor kernel.Actor, no string) ([]Document, error) {
	c, err := s.caseInScope(ctx, actor, no)
	if err != nil {
		return nil, err
	}
	return s.Store.List(ctx, c.ID)
}

// Get returns one document of a case in the actor's region, with its PDF.
func (s *Service) Get(ctx context.Context, actor kernel.Actor, no string, id int64) (*Document, error) {
	c, err := s.caseInScope(ctx, actor, no)
	if err != nil {
		return nil, err
	}
	return s.Store.Get(ctx, c.ID, id)
}
