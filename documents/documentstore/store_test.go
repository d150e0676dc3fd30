package documentstore_test

import (
	"context"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/jiefen/jiefen/documents/pdftest"

	"github.com/jiefen/jiefen/calendar"
	"github.com/jiefen/jiefen/cases"
	"github.com/jiefen/jiefen/cases/casestore"
	"github.com/jiefen/jiefen/database"
	"github.com/jiefen/jiefen/database/dbtest"
	"github.com/jiefen/jiefen/documents"
	"github.com/jiefen/jiefen/documents/documentstore"
	"github.com/jiefen/jiefen/kernel"
)

// queue keeps what the notifier enqueues, in place of River.
type queue struct{ got []documents.GenerateArgs }

func (q *queue) EnqueueDocument(ctx context.Context, tx kernel.Tx, args documents.GenerateArgs) error {
	if tx == nil {
		panic("enqueued outside the decision's transaction")
	}
	q.got = append(q.got, args)
	return nil
}

type env struct {
	cases *cases.Service
	docs  *documents.Service
	store *documentstore.Store
	q     *queue
}

func setup(t *testing.T, dialect string, font bool) *env {
	t.Helper()
	db := dbtest.Open(t, dialect)
	cal, err := calendar.New()
	if err != nil {
		t.Fatal(err)
	}
	cs := cases.NewService(database.Transactor{DB: db}, casestore.New(db, dbtest.Keys(t)), cal)
	var r *documents.Renderer
	if font {
		if r, err = documents.FindFont(os.Getenv(documents.FontEnv)); err != nil {
			t.Skipf("no CJK font (%v); .ci/test.sh installs fonts-droid-fallback", err)
		}
	}
	e := &env{cases: cs, store: documentstore.New(db), q: &queue{}}
	e.docs = documents.NewService(database.Transactor{DB: db}, e.store, cs, r, e.q)
	cs.Notifier = e.docs.Notifier()
	return e
}

var clerk = kernel.Actor{UserID: 7, Name: "李窗口", Role: kernel.RoleWindowClerk, RegionCode: "610902000000"}

func (e *env) register(t *testing.T, subject string) *cases.Case {
	t.Helper()
	reg, err := e.cases.Register(context.Background(), clerk, cases.Intake{Channel: kernel.ChannelWindow,
		Person:  cases.Person{Name: "李秀英", IDNumber: "610902198001010027", Phone: "13812345678"},
		Subject: subject, Content: subject + "，多次协商无果。", Address: "汉滨区老城街道西大街",
		RegionCode: "610902001003", Category: "neighbourhood"})
	if err != nil {
		t.Fatal(err)
	}
	return reg.Case
}

// An accept and a reject decision each enqueue their notice in the
// decision's transaction; the job stores it once, with a timeline event.
func TestGenerate(t *testing.T) {
	for _, d := range dbtest.Dialects() {
		t.Run(d, func(t *testing.T) {
			ctx := context.Background()
			e := setup(t, d, true)
			a := e.register(t, "邻居违建阻挡通道")
			b := e.register(t, "楼上漏水损坏吊顶")
			if _, err := e.cases.Transition(ctx, clerk, a.No, cases.StatusAccepted, "属于人民调解受理范围"); err != nil {
				t.Fatal(err)
			}
			if _, err := e.cases.Transition(ctx, clerk, b.No, cases.StatusRejected, "已由人民法院立案受理"); err != nil {
				t.Fatal(err)
			}
			if len(e.q.got) != 2 || e.q.got[0].Doc != documents.KindAcceptNotice || e.q.got[1].Doc != documents.KindRejectNotice {
				t.Fatalf("enqueued: %+v", e.q.got)
			}
			for _, args := range e.q.got {
				d1, err := e.docs.Generate(ctx, args)
				if err != nil {
					t.Fatal(err)
				}
				d2, err := e.docs.Generate(ctx, args) // a retried job
				if err != nil || d2.ID != d1.ID {
					t.Fatalf("retry: %+v %v", d2, err)
				}
				if d1.Version != 1 || len(d1.SHA256) != 64 || d1.CreatedByName != "李窗口" || d1.CreatedBy != 7 {
					t.Errorf("document: %+v", d1)
				}
			}
			// Another version of the same kind counts on.
			if v, err := e.store.NextVersion(ctx, a.ID, documents.KindAcceptNotice); err != nil || v != 2 {
				t.Errorf("next version: %d %v", v, err)
			}

			list, err := e.docs.List(ctx, clerk, a.No)
			if err != nil || len(list) != 1 || list[0].Kind != documents.KindAcceptNotice || list[0].Title != "受理告知书" ||
				list[0].Content != nil {
				t.Fatalf("list: %+v %v", list, err)
			}
			doc, err := e.docs.Get(ctx, clerk, a.No, list[0].ID)
			if err != nil || doc.Size != len(doc.Content) || !strings.HasPrefix(string(doc.Content), "%PDF-") {
				t.Fatalf("get: %v", err)
			}
			if text := pdftest.Text(t, doc.Content); text != "" {
				for _, s := range []string{"受理告知书", a.No, "邻居违建阻挡通道", "李秀英", "汉滨区矛盾纠纷多元化解中心"} {
					if !strings.Contains(text, s) {
						t.Errorf("%q missing from %q", s, text)
					}
				}
				if strings.Contains(text, "610902198001010027") || strings.Contains(text, "13812345678") {
					t.Errorf("personal data on the notice: %q", text)
				}
			}
			// Another case's document is not found through this case.
			if _, err := e.docs.Get(ctx, clerk, b.No, list[0].ID); kernel.ErrorCode(err) != kernel.ENotFound {
				t.Errorf("other case's document: %v", err)
			}
			// Outside the region: not found.
			other := kernel.Actor{UserID: 8, Name: "周窗口", Role: kernel.RoleWindowClerk, RegionCode: "610202000000"}
			if _, err := e.docs.List(ctx, other, a.No); kernel.ErrorCode(err) != kernel.ENotFound {
				t.Errorf("out of region: %v", err)
			}

			c, err := e.cases.Get(ctx, clerk, a.No)
			if err != nil {
				t.Fatal(err)
			}
			n := 0
			for _, ev := range c.Events {
				if ev.Kind == documents.EventGenerated {
					n++
					if ev.Data["document_id"] == nil || ev.Data["kind"] != "accept_notice" {
						t.Errorf("event: %+v", ev)
					}
				}
			}
			if n != 1 {
				t.Errorf("%d document_generated events", n)
			}
		})
	}
}

// Without a font the decision still commits and enqueues; generating
// fails (the job retries) and the routes answer unavailable.
func TestNoFont(t *testing.T) {
	for _, d := range dbtest.Dialects() {
		t.Run(d, func(t *testing.T) {
			ctx := context.Background()
			e := setup(t, d, false)
			a := e.register(t, "邻居违建阻挡通道")
			if _, err := e.cases.Transition(ctx, clerk, a.No, cases.StatusAccepted, ""); err != nil {
				t.Fatal(err)
			}
			if len(e.q.got) != 1 {
				t.Fatalf("enqueued: %+v", e.q.got)
			}
			if _, err := e.docs.Generate(ctx, e.q.got[0]); err != documents.ErrNoFont {
				t.Fatalf("generate: %v", err)
			}
			if err := e.docs.Failed(ctx, e.q.got[0], documents.ErrNoFont); err != nil {
				t.Fatal(err)
			}
			if _, err := e.docs.List(ctx, clerk, a.No); kernel.ErrorCode(err) != kernel.EUnavailable {
				t.Errorf("list: %v", err)
			}
			c, _ := e.cases.Get(ctx, clerk, a.No)
			if last := c.Events[len(c.Events)-1]; last.Kind != documents.EventFailed || !strings.Contains(last.Note, documents.FontEnv) {
				t.Errorf("last event: %+v", last)
			}
			if c.Status != cases.StatusAccepted {
				t.Errorf("status %s", c.Status)
			}
		})
	}
}

// The store refuses a second document for one event and a reused version.
func TestStoreUnique(t *testing.T) {
	for _, d := range dbtest.Dialects() {
		t.Run(d, func(t *testing.T) {
			ctx := context.Background()
			e := setup(t, d, false)
			a := e.register(t, "邻居违建阻挡通道")
			at := time.Date(2025, 12, 6, 2, 0, 0, 0, time.UTC)
			doc := func(version int, event int64) *documents.Document {
				d := &documents.Document{CaseID: a.ID, Kind: documents.KindAcceptNotice, Title: "受理告知书",
					Version: version, SourceEventID: event, CreatedAt: at}
				d.Seal([]byte("%PDF-1.3 test"))
				return d
			}
			first := doc(1, 11)
			if err := e.store.Create(ctx, first); err != nil || first.ID == 0 {
				t.Fatal(err)
			}
			if err := e.store.Create(ctx, doc(2, 11)); kernel.ErrorCode(err) != kernel.EConflict {
				t.Errorf("same event: %v", err)
			}
			if err := e.store.Create(ctx, doc(1, 12)); kernel.ErrorCode(err) != kernel.EConflict {
				t.Errorf("same version: %v", err)
			}
			got, err := e.store.BySource(ctx, a.ID, documents.KindAcceptNotice, 11)
			if err != nil || got == nil || got.ID != first.ID || !got.CreatedAt.Equal(at) || got.Content != nil {
				t.Errorf("by source: %+v %v", got, err)
			}
			if got, err := e.store.BySource(ctx, a.ID, documents.KindAcceptNotice, 99); got != nil || err != nil {
				t.Errorf("no document: %+v %v", got, err)
			}
			full, err := e.store.Get(ctx, a.ID, first.ID)
			if err != nil || string(full.Content) != "%PDF-1.3 test" || full.SHA256 != first.SHA256 {
				t.Errorf("get: %+v %v", full, err)
			}
			if _, err := e.store.Get(ctx, a.ID, first.ID+100); kernel.ErrorCode(err) != kernel.ENotFound {
				t.Errorf("missing: %v", err)
			}
		})
	}
}
