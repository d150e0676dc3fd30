package mediation

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/jiefen/jiefen/calendar"
	"github.com/jiefen/jiefen/cases"
	"github.com/jiefen/jiefen/documents"
	"github.com/jiefen/jiefen/kernel"
	"github.com/jiefen/jiefen/units"
)

// TermInput is one obligation of an agreement as submitted.
type TermInput struct {
	Party      string
	Obligation string
	Due        string // YYYY-MM-DD
}

// OutcomeInput is the one outcome of a mediation.
type OutcomeInput struct {
	Kind   string
	Form   string
	Facts  string
	Issues string
	Method string
	Terms  []TermInput
	Reason string
	Target string
	Note   string
}

func (in *OutcomeInput) check(now time.Time) (map[string]string, []Term) {
	fields := map[string]string{}
	var terms []Term
	switch in.Kind {
	case OutcomeAgreement:
		if in.Form != "written" && in.Form != "oral" {
			fields["form"] = "协议形式应为 written（书面）或 oral（口头）"
		}
		if strings.TrimSpace(in.Facts) == "" {
			fields["facts"] = "请填写纠纷的主要事实和争议事项"
		} else if tooLong(in.Facts, 5000) {
			fields["facts"] = "长度不能超过5000个字符"
		}
		if len(in.Terms) == 0 {
			fields["terms"] = "请至少填写一项当事人的权利义务"
		} else if len(in.Terms) > 50 {
			fields["terms"] = "协议条款不能超过50项"
		}
		for i, t := range in.Terms {
			p := fmt.Sprintf("terms[%d].", i)
			if strings.TrimSpace(t.Party) == "" || tooLong(t.Party, 100) {
				fields[p+"party"] = "请填写履行义务的当事人"
			}
			if strings.TrimSpace(t.Obligation) == "" || tooLong(t.Obligation, 2000) {
				fields[p+"obligation"] = "请填写应履行的义务（不超过2000个字）"
			}
			if d, err := time.ParseInLocation(time.DateOnly, t.Due, cases.ChinaTime); err != nil {
				fields[p+"due"] = "履行期限格式错误，应为2025-12-01"
			} else if d.Before(calendar.DateOf(now).StartOfDay()) {
				fields[p+"due"] = "履行期限不能早于今天"
			}
			terms = append(terms, Term{Seq: i + 1, Party: strings.TrimSpace(t.Party),
				Obligation: strings.TrimSpace(t.Obligation), Due: t.Due})
		}
	case OutcomeFailure:
		if _, ok := FailureReasons[in.Reason]; !ok {
			fields["reason"] = "调解不成的原因应为：withdrawn、unreachable、one_side_refuses、too_far_apart、time_limit、refused_to_sign、other"
		} else if in.Reason == "other" && strings.TrimSpace(in.Note) == "" {
			fields["note"] = "原因为“其他”时请说明"
		}
	case OutcomeReferral:
		if _, ok := ReferralTargets[in.Target]; !ok {
			fields["target"] = "转处去向应为 litigation、arbitration、administrative 或 petition"
		}
	default:
		fields["kind"] = "调解结果应为 agreement、failure 或 referral"
	}
	if tooLong(in.Note, 2000) {
		fields["note"] = "长度不能超过2000个字符"
	}
	if tooLong(in.Issues, 5000) {
		fields["issues"] = "长度不能超过5000个字符"
	}
	if tooLong(in.Method, 2000) {
		fields["method"] = "长度不能超过2000个字符"
	}
	return fields, terms
}

// RecordOutcome records the one outcome of a mediation. An agreement
// resolves the case, stops the mediation clock, starts the judicial
// confirmation clock and generates the 调解协议书; a referral resolves the
// case; a failure gives the case back to the handling queue.
func (s *Service) RecordOutcome(ctx context.Context, actor kernel.Actor, id int64, in OutcomeInput) (*Mediation, error) {
	now := s.now()
	fields, terms := in.check(now)
	if err := invalid(fields); err != nil {
		return nil, err
	}
	err := s.inTx(ctx, func(t *txn) error {
		m, err := s.load(t.ctx, t.store, actor, id)
		if err != nil {
			return err
		}
		if m.Outcome != nil || !m.Status.Open() {
			return kernel.Errorf(kernel.EConflict, "该调解已有结果（%s），不能再次记录", m.Status.Label())
		}
		if !handles(actor, m) {
			return kernel.Errorf(kernel.EForbidden, "只有承办调解员或督办员可以记录调解结果")
		}
		if m.Status != StatusActive {
			return kernel.Errorf(kernel.EInvalid, "调解尚未由调解员接受")
		}
		o := &Outcome{Kind: in.Kind, Form: in.Form, Facts: strings.TrimSpace(in.Facts), Issues: strings.TrimSpace(in.Issues),
			Method: strings.TrimSpace(in.Method), Reason: in.Reason, Target: in.Target, Note: strings.TrimSpace(in.Note), At: now}
		m.Outcome, m.EndedAt = o, &now
		var note string
		data := map[string]any{"mediation_id": m.ID, "kind": in.Kind}
		if _, err := s.Clocks.StopIn(t.ctx, t.tx, m.CaseID, m.ClockKind, now, false); err != nil && kernel.ErrorCode(err) != kernel.ENotFound {
			return err
		}
		switch in.Kind {
		case OutcomeAgreement:
			m.Status = StatusAgreed
			for i := range terms {
				terms[i].MediationID = m.ID
				if err := t.store.CreateTerm(t.ctx, &terms[i]); err != nil {
					return err
				}
			}
			m.Terms = terms
			k, err := s.Clocks.StartIn(t.ctx, t.tx, m.CaseID, ClockConfirmation, now)
			if err != nil {
				return err
			}
			note = fmt.Sprintf("达成调解协议（%s，%d项），可于%s前申请司法确认", formLabel(in.Form), len(terms),
				k.Due.In(cases.ChinaTime).Format("2006年1月2日"))
			data["judicial_confirmation_due"] = k.Due
		case OutcomeFailure:
			m.Status = StatusFailed
			note = "调解不成：" + FailureReasons[in.Reason] + suffix(o.Note) + "，案件退回办理"
			data["reason"] = in.Reason
		case OutcomeReferral:
			m.Status = StatusReferred
			note = "调解转处：" + ReferralTargets[in.Target] + suffix(o.Note)
			data["target"] = in.Target
		}
		if err := t.store.UpdateMediation(t.ctx, m); err != nil {
			return err
		}
		if err := t.note(actor, m.CaseID, EventOutcome, note, data); err != nil {
			return err
		}
		switch in.Kind {
		case OutcomeAgreement, OutcomeReferral:
			// 化解成功 is a resolution by agreement; a referral resolves the
			// case here without settling the dispute.
			extra := map[string]any{"resolution_success": in.Kind == OutcomeAgreement}
			if _, err := t.cases.TransitionWith(t.ctx, module(actor), m.CaseNo, cases.StatusResolved, note, extra); err != nil {
				return err
			}
		case OutcomeFailure:
			if _, err := t.cases.Assign(t.ctx, module(actor), m.CaseNo, nil, note); err != nil {
				return err
			}
		}
		if in.Kind == OutcomeAgreement && s.Docs != nil && s.Docs.Renderer != nil {
			_, err := s.agreement(t, actor, m)
			return err
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return s.Store.Mediation(ctx, id)
}

func formLabel(f string) string {
	if f == "oral" {
		return "口头协议，调解员记录"
	}
	return "书面协议"
}

// AgreementPDF returns the 调解协议书 of a mediation with an agreement,
// generating and storing it as a case document the first time.
//
// The stored document masks ID numbers, whoever generated it. revealReason,
// if not empty, asks for a copy with full ID numbers (to print for signing)
// under the reveal rule: the core's Reveal checks the permission and puts
// who, when and why on the timeline; that copy is rendered for this answer
// and never stored.
func (s *Service) AgreementPDF(ctx context.Context, actor kernel.Actor, id int64, revealReason string) ([]byte, error) {
	m, err := s.load(ctx, s.Store, actor, id)
	if err != nil {
		return nil, err
	}
	if m.Status != StatusAgreed {
		return nil, kernel.Errorf(kernel.ENotFound, "该调解尚未达成协议，没有调解协议书")
	}
	if s.Docs == nil {
		return nil, kernel.Errorf(kernel.EUnavailable, "文书功能暂不可用")
	}
	if strings.TrimSpace(revealReason) != "" {
		parties, err := s.Cases.Reveal(ctx, actor, m.CaseNo, revealReason)
		if err != nil {
			return nil, err
		}
		c, err := s.Cases.CaseDetails(ctx, m.CaseID)
		if err != nil {
			return nil, err
		}
		if len(m.Terms) == 0 {
			if full, err := s.Store.Mediation(ctx, m.ID); err == nil {
				m.Terms = full.Terms
			}
		}
		return s.Docs.Render(agreementSheet(c, parties, true, m))
	}
	if m.AgreementDocID != nil {
		d, err := s.Docs.Store.Get(ctx, m.CaseID, *m.AgreementDocID)
		if err != nil {
			return nil, err
		}
		return d.Content, nil
	}
	// Agreed while documents were off (no renderer): made on first request.
	var pdf []byte
	err = s.inTx(ctx, func(t *txn) error {
		cur, err := t.store.Mediation(t.ctx, m.ID)
		if err != nil {
			return err
		}
		if cur.AgreementDocID != nil { // made meanwhile by another request
			d, err := s.Docs.Store.WithTx(t.tx).Get(t.ctx, m.CaseID, *cur.AgreementDocID)
			if err == nil {
				pdf = d.Content
			}
			return err
		}
		pdf, err = s.agreement(t, actor, cur)
		return err
	})
	return pdf, err
}

// agreement renders the 调解协议书 (人民调解法 art. 29) with masked ID
// numbers and stores it.
func (s *Service) agreement(t *txn, actor kernel.Actor, m *Mediation) ([]byte, error) {
	c, err := t.cases.CaseDetails(t.ctx, m.CaseID)
	if err != nil {
		return nil, err
	}
	if len(m.Terms) == 0 {
		if m.Terms, err = s.termsOf(t, m.ID); err != nil {
			return nil, err
		}
	}
	pdf, err := s.Docs.Render(agreementSheet(c, c.Parties, false, m))
	if err != nil {
		return nil, err
	}
	d, err := s.Docs.Save(t.ctx, t.tx, m.CaseID, KindAgreement, pdf, actor, 0)
	if err != nil {
		return nil, err
	}
	m.AgreementDocID = &d.ID
	if err := t.store.UpdateMediation(t.ctx, m); err != nil {
		return nil, err
	}
	return pdf, nil
}

// agreementSheet lays out the 调解协议书 of m; full shows the parties' ID
// numbers as given (revealed), otherwise masked.
func agreementSheet(c *cases.Case, parties []cases.Party, full bool, m *Mediation) documents.Sheet {
	var paras []string
	paras = append(paras, "## 当事人")
	for _, p := range parties {
		line := "　　" + partyRole(p.Role) + "：" + p.Name
		if p.IDNumber != "" {
			id := maskID(p.IDNumber)
			if full {
				id = p.IDNumber
			}
			line += "，身份证号码：" + id
		}
		if p.Address != "" {
			line += "，住址：" + p.Address
		}
		paras = append(paras, line)
	}
	o := m.Outcome
	paras = append(paras, "## 纠纷的主要事实、争议事项", "　　"+o.Facts)
	if o.Issues != "" {
		paras = append(paras, "　　争议事项："+o.Issues)
	}
	paras = append(paras, "## 经调解，各方当事人自愿达成如下协议")
	for i, tm := range m.Terms {
		due, _ := time.ParseInLocation(time.DateOnly, tm.Due, cases.ChinaTime)
		paras = append(paras, fmt.Sprintf("　　%d. %s：%s（履行期限：%s前）", i+1, tm.Party, tm.Obligation, documents.ChineseDate(due)))
	}
	method := o.Method
	if method == "" {
		method = "各方当事人按上述约定自行履行；人民调解委员会对协议的履行情况进行回访。"
	}
	paras = append(paras, "## 履行方式和时限", "　　"+method,
		"　　本协议经各方当事人签名或者盖章、人民调解员签名并加盖人民调解委员会印章之日起生效。本协议具有法律约束力，当事人应当按照约定履行。"+
			"双方当事人可以自本协议生效之日起三十日内共同向人民法院申请司法确认。",
		fmt.Sprintf("　　协议形式：%s。本协议一式%d份，当事人各执一份，人民调解委员会留存一份。", formLabel(o.Form), len(parties)+1),
		"## 当事人签名")
	for _, p := range parties {
		paras = append(paras, "　　"+partyRole(p.Role)+"（签名）："+p.Name+"　　＿＿＿＿＿＿＿＿")
	}
	sign := []string{"人民调解员（签名）：" + m.MediatorName, m.UnitName + "（盖章）", documents.ChineseDate(o.At.In(cases.ChinaTime))}
	title := ""
	if m.Flow != FlowPeople {
		title = "调解协议书"
	}
	return documents.Sheet{Kind: KindAgreement, CaseNo: m.CaseNo, Title: title, Paragraphs: paras,
		Sign: sign, Date: o.At.In(cases.ChinaTime)}
}

func (s *Service) termsOf(t *txn, id int64) ([]Term, error) {
	m, err := t.store.Mediation(t.ctx, id)
	if err != nil {
		return nil, err
	}
	return m.Terms, nil
}

func partyRole(r cases.PartyRole) string {
	switch r {
	case cases.RoleApplicant:
		return "申请人"
	case cases.RoleRespondent:
		return "被申请人"
	case cases.RoleRepresentative:
		return "代理人"
	}
	return "当事人"
}

func maskID(s string) string {
	if len(s) < 8 {
		return s
	}
	return s[:4] + strings.Repeat("*", len(s)-8) + s[len(s)-4:]
}

// --- judicial confirmation ---------------------------------------------------

// ApplyConfirmation records the application for judicial confirmation of
// the agreement (司法确认申请) to a court; the confirmation clock is met.
func (s *Service) ApplyConfirmation(ctx context.Context, actor kernel.Actor, id, courtID int64, appliedOn string) (*Mediation, error) {
	now := s.now()
	d, err := time.ParseInLocation(time.DateOnly, appliedOn, cases.ChinaTime)
	if err != nil {
		return nil, kernel.FieldError("applied_on", "申请日期格式错误，应为2025-12-01")
	}
	if d.After(now) {
		return nil, kernel.FieldError("applied_on", "申请日期不能晚于今天")
	}
	err = s.inTx(ctx, func(t *txn) error {
		m, err := s.load(t.ctx, t.store, actor, id)
		if err != nil {
			return err
		}
		if !handles(actor, m) {
			return kernel.Errorf(kernel.EForbidden, "只有承办调解员或督办员可以登记司法确认")
		}
		if m.Status != StatusAgreed {
			return kernel.Errorf(kernel.EInvalid, "尚未达成调解协议，不能申请司法确认")
		}
		if m.Confirmation != nil {
			return kernel.Errorf(kernel.EConflict, "已登记司法确认申请")
		}
		if m.Outcome != nil && d.Before(calendar.DateOf(m.Outcome.At).StartOfDay()) {
			return kernel.FieldError("applied_on", "申请日期不能早于协议达成之日")
		}
		u, err := t.units.Unit(t.ctx, courtID)
		if kernel.ErrorCode(err) == kernel.ENotFound {
			return kernel.FieldError("court_unit_id", "机构不存在")
		} else if err != nil {
			return err
		}
		if u.Kind != units.KindCourt {
			return kernel.FieldError("court_unit_id", "司法确认应向人民法院申请")
		}
		m.Confirmation = &Confirmation{CourtUnitID: u.ID, CourtName: u.Name, AppliedOn: appliedOn, RecordedAt: now}
		if err := t.store.UpdateMediation(t.ctx, m); err != nil {
			return err
		}
		k, err := s.Clocks.StopIn(t.ctx, t.tx, m.CaseID, ClockConfirmation, d.Add(12*time.Hour), false)
		if err != nil && kernel.ErrorCode(err) != kernel.ENotFound {
			return err
		}
		data := map[string]any{"mediation_id": m.ID, "court": u.Name, "applied_on": appliedOn}
		if k != nil {
			data["clock_status"] = string(k.Status)
		}
		return t.note(actor, m.CaseID, EventConfirmation, fmt.Sprintf("向%s申请司法确认（%s）", u.Name, appliedOn), data)
	})
	if err != nil {
		return nil, err
	}
	return s.Store.Mediation(ctx, id)
}

// Ruling records the court's ruling on the confirmation: valid, or
// rejected — and then the case returns to handling.
func (s *Service) Ruling(ctx context.Context, actor kernel.Actor, id int64, result, ruledOn, rulingNo string) (*Mediation, error) {
	fields := map[string]string{}
	if result != "valid" && result != "rejected" {
		fields["result"] = "裁定结果应为 valid（确认有效）或 rejected（驳回申请）"
	}
	d, err := time.ParseInLocation(time.DateOnly, ruledOn, cases.ChinaTime)
	if err != nil {
		fields["ruled_on"] = "裁定日期格式错误，应为2025-12-01"
	} else if d.After(s.now()) {
		fields["ruled_on"] = "裁定日期不能晚于今天"
	}
	rulingNo = strings.TrimSpace(rulingNo)
	if rulingNo == "" || tooLong(rulingNo, 100) {
		fields["ruling_no"] = "请填写裁定书文号"
	}
	if err := invalid(fields); err != nil {
		return nil, err
	}
	err = s.inTx(ctx, func(t *txn) error {
		m, err := s.load(t.ctx, t.store, actor, id)
		if err != nil {
			return err
		}
		if !handles(actor, m) {
			return kernel.Errorf(kernel.EForbidden, "只有承办调解员或督办员可以登记司法确认")
		}
		if m.Confirmation == nil {
			return kernel.Errorf(kernel.EInvalid, "尚未登记司法确认申请")
		}
		if m.Confirmation.Result != "" {
			return kernel.Errorf(kernel.EConflict, "已登记法院裁定")
		}
		if ruledOn < m.Confirmation.AppliedOn {
			return kernel.FieldError("ruled_on", "裁定日期不能早于申请日期")
		}
		now := s.now()
		m.Confirmation.Result, m.Confirmation.RuledOn, m.Confirmation.RulingNo, m.Confirmation.RuledAt = result, ruledOn, rulingNo, &now
		if err := t.store.UpdateMediation(t.ctx, m); err != nil {
			return err
		}
		data := map[string]any{"mediation_id": m.ID, "result": result, "ruling_no": rulingNo, "ruled_on": ruledOn}
		if result == "valid" {
			return t.note(actor, m.CaseID, EventRuling, fmt.Sprintf("%s裁定调解协议有效（%s）", m.Confirmation.CourtName, rulingNo), data)
		}
		note := fmt.Sprintf("%s裁定驳回司法确认申请（%s），案件退回办理", m.Confirmation.CourtName, rulingNo)
		if err := t.note(actor, m.CaseID, EventRuling, note, data); err != nil {
			return err
		}
		c, err := t.cases.Find(t.ctx, module(actor), m.CaseNo)
		if err != nil {
			return err
		}
		if c.Status == cases.StatusResolved || c.Status == cases.StatusVisited {
			_, err = t.cases.Transition(t.ctx, module(actor), m.CaseNo, cases.StatusInProgress, note)
		}
		return err
	})
	if err != nil {
		return nil, err
	}
	return s.Store.Mediation(ctx, id)
}

// RecordPerformance records how an obligation was performed (履行回访).
func (s *Service) RecordPerformance(ctx context.Context, actor kernel.Actor, id, termID int64, status, note string) (*Term, error) {
	label, ok := performances[status]
	if !ok {
		return nil, kernel.FieldError("status", "履行情况应为 performed、partly 或 not_performed")
	}
	note = strings.TrimSpace(note)
	if tooLong(note, 2000) {
		return nil, kernel.FieldError("note", "长度不能超过2000个字符")
	}
	var out *Term
	err := s.inTx(ctx, func(t *txn) error {
		m, err := s.load(t.ctx, t.store, actor, id)
		if err != nil {
			return err
		}
		if !handles(actor, m) {
			return kernel.Errorf(kernel.EForbidden, "只有承办调解员或督办员可以登记履行情况")
		}
		var tm *Term
		for i := range m.Terms {
			if m.Terms[i].ID == termID {
				tm = &m.Terms[i]
			}
		}
		if tm == nil {
			return kernel.Errorf(kernel.ENotFound, "协议条款不存在")
		}
		now := s.now()
		tm.Performance, tm.PerfNote, tm.RecordedAt, tm.RecordedBy = status, note, &now, actor.Name
		if err := t.store.UpdateTerm(t.ctx, tm); err != nil {
			return err
		}
		out = tm
		return t.note(actor, m.CaseID, EventPerformance, fmt.Sprintf("履行回访：第%d项（%s：%s）%s%s", tm.Seq, tm.Party,
			tm.Obligation, label, suffix(note)), map[string]any{"mediation_id": m.ID, "term_id": tm.ID, "status": status})
	})
	return out, err
}

// Overdue lists the obligations past their due and not performed, in the
// actor's region (the supervisor's list).
func (s *Service) Overdue(ctx context.Context, actor kernel.Actor) ([]TermItem, error) {
	list, err := s.Store.OverdueTerms(ctx, actor.Scope(), today(s.now()))
	if list == nil && err == nil {
		list = []TermItem{}
	}
	return list, err
}

// --- the mediator's page and the roster ----------------------------------

// Mine is a mediator's desk: offers to answer, this week's sessions, and
// their mediations with the clock of each.
type Mine struct {
	Offers     []OfferItem     `json:"offers"`
	Sessions   []SessionItem   `json:"sessions"`
	Mediations []MediationItem `json:"mediations"`
}

// OfferItem is an offer with its mediation.
type OfferItem struct {
	Offer
	MediationID int64  `json:"mediation_id"`
	CaseNo      string `json:"case_no"`
	UnitName    string `json:"unit_name"`
}

// MediationItem is a mediation with its clock's due.
type MediationItem struct {
	ID       int64      `json:"id"`
	CaseNo   string     `json:"case_no"`
	UnitName string     `json:"unit_name"`
	Status   Status     `json:"status"`
	Clock    string     `json:"clock,omitempty"`
	Due      *time.Time `json:"due,omitempty"`
	DaysLeft *int       `json:"days_left,omitempty"`
}

// MyDesk returns the actor's offers, sessions of this week (Monday to
// Sunday, China time) and mediations, those with the nearest due first.
func (s *Service) MyDesk(ctx context.Context, actor kernel.Actor) (*Mine, error) {
	out := &Mine{Offers: []OfferItem{}, Sessions: []SessionItem{}, Mediations: []MediationItem{}}
	offers, err := s.Store.PendingOffers(ctx, actor.UserID)
	if err != nil {
		return nil, err
	}
	for _, o := range offers {
		m, err := s.Store.Mediation(ctx, o.MediationID)
		if err != nil {
			return nil, err
		}
		out.Offers = append(out.Offers, OfferItem{Offer: o, MediationID: m.ID, CaseNo: m.CaseNo, UnitName: m.UnitName})
	}
	now := s.now().In(cases.ChinaTime)
	wd := (int(now.Weekday()) + 6) % 7
	from := time.Date(now.Year(), now.Month(), now.Day()-wd, 0, 0, 0, 0, cases.ChinaTime)
	if out.Sessions, err = s.Store.MediatorSessions(ctx, actor.UserID, from, from.AddDate(0, 0, 7)); err != nil {
		return nil, err
	}
	if out.Sessions == nil {
		out.Sessions = []SessionItem{}
	}
	list, err := s.Store.MediatorMediations(ctx, actor.UserID)
	if err != nil {
		return nil, err
	}
	for _, m := range list {
		it := MediationItem{ID: m.ID, CaseNo: m.CaseNo, UnitName: m.UnitName, Status: m.Status}
		views, err := s.Clocks.ByCaseID(ctx, m.CaseID)
		if err != nil {
			return nil, err
		}
		for _, v := range views {
			if (m.Status == StatusActive && v.Kind == m.ClockKind) || (m.Status == StatusAgreed && v.Kind == ClockConfirmation && v.EndedAt == nil) {
				due, left := v.Due, v.DaysLeft
				it.Clock, it.Due, it.DaysLeft = v.Label, &due, &left
			}
		}
		out.Mediations = append(out.Mediations, it)
	}
	sortByDue(out.Mediations)
	return out, nil
}

func sortByDue(l []MediationItem) {
	for i := 1; i < len(l); i++ {
		for j := i; j > 0 && before(l[j], l[j-1]); j-- {
			l[j], l[j-1] = l[j-1], l[j]
		}
	}
}

func before(a, b MediationItem) bool {
	switch {
	case a.Due != nil && b.Due != nil:
		return a.Due.Before(*b.Due)
	case a.Due != nil:
		return true
	}
	return false
}

// RosterEntry is a body with its mediators.
type RosterEntry struct {
	UnitID    int64      `json:"unit_id"`
	Name      string     `json:"name"`
	Flow      Flow       `json:"flow"`
	Mediators []*Profile `json:"mediators"`
}

// Roster lists the mediating bodies in the actor's region with their
// mediators, load and capacity (supervisors, leaders, admins).
func (s *Service) Roster(ctx context.Context, actor kernel.Actor, unitID int64) ([]RosterEntry, error) {
	if actor.Role != kernel.RoleSupervisor && actor.Role != kernel.RoleLeader && actor.Role != kernel.RoleAdmin {
		return nil, kernel.Errorf(kernel.EForbidden, "当前角色（%s）无权查看调解员名册", actor.Role.Label())
	}
	var bodies []*units.Unit
	if unitID > 0 {
		u, err := s.Units.Unit(ctx, unitID)
		if err != nil || !actor.Sees(u.RegionCode) {
			return nil, kernel.Errorf(kernel.ENotFound, "机构不存在")
		}
		bodies = []*units.Unit{u}
	} else {
		all, err := s.Units.InRegions(ctx, nil)
		if err != nil {
			return nil, err
		}
		for _, u := range all {
			if actor.Sees(u.RegionCode) {
				bodies = append(bodies, u)
			}
		}
	}
	out := []RosterEntry{}
	for _, u := range bodies {
		f := FlowOf(u.Kind)
		if f == "" {
			continue
		}
		ps, err := s.Store.ProfilesOfUnit(ctx, u.ID)
		if err != nil {
			return nil, err
		}
		if ps == nil {
			ps = []*Profile{}
		}
		for _, p := range ps {
			p.Relations = nil // declared relations are the mediator's and their admin's business
		}
		out = append(out, RosterEntry{UnitID: u.ID, Name: u.Name, Flow: f, Mediators: ps})
	}
	return out, nil
}
