package web

import (
	"context"
	"net/url"
	"strconv"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/jiefen/jiefen/cases"
	"github.com/jiefen/jiefen/kernel"
)

// CaseDocument is one document (文书) of a case as the console lists it.
type CaseDocument struct {
	ID        int64
	Title     string
	Version   int
	CreatedAt time.Time
}

// CaseDocuments lists the documents of a case in the actor's region,
// newest first (the documents service, adapted in cmd/jiefen: documents
// imports web through documentweb, so web names only this interface). An
// error of code kernel.EUnavailable means the feature is off (no font).
type CaseDocuments interface {
	CaseDocuments(ctx context.Context, a kernel.Actor, no string) ([]CaseDocument, error)
}

// documentsPanel is the 文书 panel of the case page.
type documentsPanel struct {
	Items []documentItem
	// Notice, when set, is shown instead of the list: the feature is
	// unavailable, the list could not be loaded, or documents are pending.
	Notice string
}

type documentItem struct {
	Title   string
	Version int
	Date    string
	URL     string // the PDF, GET /api/v1/cases/{no}/documents/{id} (the console's cookie authenticates it)
}

// caseDocumentsPanel loads the 文书 panel for a case page. It never fails
// the page: nil (no panel) when documents are not wired or the case has
// none and no decision that makes one; a notice in Chinese when the
// feature is unavailable or the list cannot be loaded.
func (s *Server) caseDocumentsPanel(c *fiber.Ctx, cs *cases.Case) *documentsPanel {
	if s.Documents == nil {
		return nil
	}
	decided := false // an accept or reject decision makes a notice
	for _, e := range cs.Events {
		if e.Kind == cases.EventTransition && (e.ToStatus == cases.StatusAccepted || e.ToStatus == cases.StatusRejected) {
			decided = true
			break
		}
	}
	docs, err := s.Documents.CaseDocuments(c.UserContext(), actor(c), cs.No)
	switch {
	case err != nil && kernel.ErrorCode(err) == kernel.EUnavailable:
		if !decided {
			return nil
		}
		msg := kernel.ErrorMessage(err)
		if msg == "" {
			msg = "文书功能暂不可用"
		}
		return &documentsPanel{Notice: msg}
	case err != nil:
		rid, _ := c.Locals("requestid").(string)
		s.Log.Error("console: listing case documents", "request_id", rid, "case_no", cs.No, "err", err)
		return &documentsPanel{Notice: "文书列表暂时无法加载，请稍后刷新"}
	case len(docs) == 0 && decided:
		return &documentsPanel{Notice: "文书正在生成，请稍后刷新"}
	case len(docs) == 0:
		return nil
	}
	p := &documentsPanel{Items: make([]documentItem, len(docs))}
	for i, d := range docs {
		p.Items[i] = documentItem{Title: d.Title, Version: d.Version,
			Date: d.CreatedAt.In(cases.ChinaTime).Format("2006-01-02 15:04"),
			URL:  "/api/v1/cases/" + url.PathEscape(cs.No) + "/documents/" + strconv.FormatInt(d.ID, 10)}
	}
	return p
}
