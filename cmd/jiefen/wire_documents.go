package main

import (
	"context"
	"errors"
	"os"
	"time"

	"github.com/riverqueue/river"

	"github.com/jiefen/jiefen/cases"
	"github.com/jiefen/jiefen/database"
	"github.com/jiefen/jiefen/documents"
	"github.com/jiefen/jiefen/documents/documentstore"
	"github.com/jiefen/jiefen/documents/documentweb"
	"github.com/jiefen/jiefen/jobs"
	"github.com/jiefen/jiefen/kernel"
	"github.com/jiefen/jiefen/web"
)

// Case documents (文书): the 受理告知书 and 不予受理告知书 generated as PDFs
// after each accept or reject decision.
// Environment:
//
//	JIEFEN_FONT           a CJK TrueType font (.ttf, not .ttc); unset: the
//	                      first of documents.FontCandidates found (Debian:
//	                      apt-get install fonts-droid-fallback). Without a
//	                      usable font the server still starts: decisions
//	                      go through, their documents wait (the job
//	                      retries) and the document routes answer 503.
//	JIEFEN_DOCUMENT_UNIT  the unit that signs notices, {county} for the
//	                      case's county (default {county}矛盾纠纷多元化解中心)
func init() { wirings = append(wirings, wireDocuments) }

func wireDocuments(ctx context.Context, a *App) (web.Mount, cases.Notifier, error) {
	r, err := documents.FindFont(os.Getenv(documents.FontEnv))
	if err != nil {
		a.Log.Warn("documents: no usable CJK font; set "+documents.FontEnv+" to a .ttf with Chinese glyphs. "+
			"Decisions still go through; their documents are generated once a font is configured",
			"env", documents.FontEnv, "err", err)
		r = nil
	}
	svc := documents.NewService(database.Transactor{DB: a.DB}, documentstore.New(a.DB), a.Cases, r, documentQueue{a.Jobs})
	svc.Now = func() time.Time { return a.Cases.Now() } // imports and the demo replay time
	if unit := os.Getenv("JIEFEN_DOCUMENT_UNIT"); unit != "" {
		svc.Unit = unit
	}
	jobs.Add(a.Jobs, river.Worker[documents.GenerateArgs](&documentWorker{svc: svc, app: a}))
	a.Documents = consoleDocuments{svc}
	a.Docs = svc
	return documentweb.Mount(svc), svc.Notifier(), nil
}

// consoleDocuments lists a case's documents for the console's case page.
type consoleDocuments struct{ svc *documents.Service }

func (d consoleDocuments) CaseDocuments(ctx context.Context, actor kernel.Actor, no string) ([]web.CaseDocument, error) {
	docs, err := d.svc.List(ctx, actor, no)
	if err != nil {
		return nil, err
	}
	out := make([]web.CaseDocument, len(docs))
	for i, doc := range docs {
		out[i] = web.CaseDocument{ID: doc.ID, Title: doc.Title, Version: doc.Version, CreatedAt: doc.CreatedAt}
	}
	return out, nil
}

// documentQueue enqueues generation jobs on the job queue.
type documentQueue struct{ q *jobs.Queue }

func (d documentQueue) EnqueueDocument(ctx context.Context, tx kernel.Tx, args documents.GenerateArgs) error {
	return d.q.Insert(ctx, tx, args, nil)
}

// documentWorker generates documents. A failure is retried with River's
// backoff (about three weeks of attempts), so that documents whose font
// was missing are made once one is configured; the first failure is
// noted on the case's timeline.
type documentWorker struct {
	river.WorkerDefaults[documents.GenerateArgs]
	svc *documents.Service
	app *App
}

func (w *documentWorker) Work(ctx context.Context, job *river.Job[documents.GenerateArgs]) error {
	_, err := w.svc.Generate(ctx, job.Args)
	if err == nil {
		return nil
	}
	var kerr *kernel.Error
	if errors.As(err, &kerr) && kerr.Code == kernel.ENotFound {
		return river.JobCancel(err) // the case is gone: no retry will find it
	}
	if job.Attempt == 1 {
		if nerr := w.svc.Failed(ctx, job.Args, err); nerr != nil {
			w.app.Log.Error("documents: noting a failure", "case_id", job.Args.CaseID, "err", nerr)
		}
	}
	w.app.Log.Warn("documents: generation failed", "case_id", job.Args.CaseID, "kind", job.Args.Doc,
		"attempt", job.Attempt, "err", err)
	return err
}
