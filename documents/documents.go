// Package documents keeps the documents (文书) generated for a case — the
// 受理告知书 and 不予受理告知书 first — as PDFs with Chinese text, versioned
// per case and kind, with their SHA-256.
//
// No state change waits on a document: a transition only enqueues a job in
// its own transaction (Notifier); the job renders the PDF and stores it with
// a timeline event, and retries while no CJK font is available.
package documents

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"time"

	"github.com/jiefen/jiefen/kernel"
)

// Kind is the kind of a document, one template each.
type Kind string

const (
	KindAcceptNotice Kind = "accept_notice" // 受理告知书
	KindRejectNotice Kind = "reject_notice" // 不予受理告知书
)

var kindTitles = map[Kind]string{
	KindAcceptNotice: "受理告知书",
	KindRejectNotice: "不予受理告知书",
}

// Define adds a kind of document a module generates (调解协议书,
// 处理意见书 …), at the module's package initialisation:
//
//	var KindAgreement = documents.Define("mediation_agreement", "人民调解协议书")
//
// It panics on a repeated or empty kind: a programming error.
func Define(k Kind, title string) Kind {
	if k == "" || title == "" || len(k) > 40 {
		panic("documents: Define needs a kind (≤ 40 bytes) and a title")
	}
	if _, ok := kindTitles[k]; ok {
		panic("documents: kind " + string(k) + " defined twice")
	}
	kindTitles[k] = title
	return k
}

// Valid reports whether k is a known kind.
func (k Kind) Valid() bool { _, ok := kindTitles[k]; return ok }

// Title is the document's Chinese title.
func (k Kind) Title() string { return kindTitles[k] }

// Timeline event kinds.
const (
	EventGenerated = "document_generated" // a document was stored for the case
	// EventFailed notes, once per document, that generating it failed and
	// will be retried (no usable font, say).
	EventFailed = "document_failed"
)

// Document is one generated document of a case. Content is loaded only
// when the document itself is asked for, not in lists.
type Document struct {
	ID      int64  `json:"id"`
	CaseID  int64  `json:"-"`
	Kind    Kind   `json:"kind"`
	Title   string `json:"title"`
	Version int    `json:"version"`
	SHA256  string `json:"sha256"`
	Size    int    `json:"size"`
	Content []byte `json:"-"`
	// SourceEventID is the timeline event the document was generated for;
	// a retried job finds the document it already stored by it.
	SourceEventID int64     `json:"-"`
	CreatedBy     int64     `json:"-"`
	CreatedByName string    `json:"created_by"`
	CreatedAt     time.Time `json:"created_at"`
}

// Seal sets the content and its digest and size.
func (d *Document) Seal(pdf []byte) {
	sum := sha256.Sum256(pdf)
	d.Content, d.SHA256, d.Size = pdf, hex.EncodeToString(sum[:]), len(pdf)
}

// Store keeps documents. The PDF bytes are rows in the database, not files:
// notices are a few kilobytes (the font is subset), and in the database they
// commit with their timeline event, are in the one backup, and every server
// of a cluster reads them without a shared disk.
type Store interface {
	WithTx(tx kernel.Tx) Store
	// Create stores d and sets its ID.
	Create(ctx context.Context, d *Document) error
	// NextVersion is one more than the highest version of the case's
	// documents of that kind (1 for the first).
	NextVersion(ctx context.Context, caseID int64, kind Kind) (int, error)
	// BySource finds the document of a kind generated for an event; nil if
	// there is none.
	BySource(ctx context.Context, caseID int64, kind Kind, eventID int64) (*Document, error)
	// List returns the case's documents, newest first, without content.
	List(ctx context.Context, caseID int64) ([]Document, error)
	// Get returns one document of the case with its content (ENotFound).
	Get(ctx context.Context, caseID, id int64) (*Document, error)
}
