package petition

import (
	"context"
	"fmt"
	"time"

	"github.com/jiefen/jiefen/cases"
	"github.com/jiefen/jiefen/kernel"
)

// Hook is the track's cases.RegistrationHook: at every registration it
// answers 不再受理 for the same person's matter already through 复核 (art. 36)
// whichever region registers it, says so when the matter is accepted and
// within its time at a lower level (art. 19), and flags 越级 (art. 20).
func (s *Service) Hook() cases.RegistrationHook { return hook{s} }

type hook struct{ s *Service }

// Answer is the track's part of a registration's response ("petition").
type Answer struct {
	NotAccepted   bool     `json:"not_accepted,omitempty"`
	EarlierCaseNo string   `json:"earlier_case_no,omitempty"`
	Documents     []string `json:"earlier_documents,omitempty"`
	AcceptedBelow bool     `json:"accepted_below,omitempty"`
	LowerCaseNo   string   `json:"lower_case_no,omitempty"`
	Yueji         bool     `json:"yueji,omitempty"`
	Reason        string   `json:"reason,omitempty"`
}

// ReasonNotAccepted is the reason a repeat of a matter through 复核 gives.
const ReasonNotAccepted = "该信访事项已经复核，信访人就同一事实和理由再次提出，各级机关不再受理（《信访工作条例》第三十六条）"

// AfterRegister implements cases.RegistrationHook.
func (h hook) AfterRegister(ctx context.Context, tx cases.Store, actor kernel.Actor, reg *cases.Registration) error {
	if reg.Case == nil || reg.Intake == nil {
		return nil
	}
	s := h.s
	now := s.Now().UTC()
	if reg.Decision == cases.DecisionMerged {
		// Joined an open case: art. 19 when an upper level registered it.
		p, err := s.Store.WithTx(tx.Tx()).Get(ctx, reg.Case.ID)
		if kernel.ErrorCode(err) == kernel.ENotFound {
			return nil
		} else if err != nil {
			return err
		}
		if below, err := s.acceptedBelow(ctx, tx, actor, p); err != nil || !below {
			return err
		}
		reg.SetExtra("petition", Answer{AcceptedBelow: true, LowerCaseNo: reg.Case.No,
			Reason: "该信访事项已由下级机关受理且在办理期限内，上级机关不再受理（《信访工作条例》第十九条）"})
		return nil
	}
	in := reg.Intake
	idHash, phoneHash := tx.PersonHashes(in.Person)
	var ans Answer
	var row *Petition
	if idHash != "" || phoneHash != "" {
		ids, err := s.Store.WithTx(tx.Tx()).ByPerson(ctx, idHash, phoneHash,
			[]Stage{StageReReviewDecided, StageTransferred, StageAccepted}, 20)
		if err != nil {
			return err
		}
		if len(ids) > 0 {
			if row, ans, err = h.earlier(ctx, tx, actor, reg, ids, now); err != nil {
				return err
			}
		}
	}
	if row == nil {
		if yueji(actor, in.RegionCode) {
			row = &Petition{CaseID: reg.Case.ID, Stage: StageRegistered, Yueji: true, CreatedAt: now, UpdatedAt: now}
			ans.Yueji = true
			ans.Reason = "越级：登记机关高于该事项有权处理机关的上一级（《信访工作条例》第二十条）"
			if err := s.Cases.RecordEvent(ctx, tx, &cases.Event{CaseID: reg.Case.ID, At: now, ActorID: actor.UserID,
				ActorName: actor.Name, Kind: EventYueji, Note: ans.Reason,
				Data: map[string]any{"registered_at_level": kernel.RegionLevel(actor.RegionCode),
					"responsible_level": responsibleLevel(in.RegionCode)}}); err != nil {
				return err
			}
		}
	} else if yueji(actor, in.RegionCode) {
		row.Yueji, ans.Yueji = true, true
	}
	if row == nil {
		return nil
	}
	if err := s.Store.WithTx(tx.Tx()).Create(ctx, row); err != nil {
		return err
	}
	reg.SetExtra("petition", ans)
	return nil
}

// earlier relates a new case to the same person's earlier petitions:
// those through 复核 make it 不再受理, those accepted lower down are told.
func (h hook) earlier(ctx context.Context, tx cases.Store, actor kernel.Actor, reg *cases.Registration, ids []int64, now time.Time) (*Petition, Answer, error) {
	s := h.s
	want := map[int64]bool{}
	for _, id := range ids {
		if id != reg.Case.ID {
			want[id] = true
		}
	}
	if len(want) == 0 {
		return nil, Answer{}, nil
	}
	var matches []cases.Match
	if s.Cases.Detector != nil {
		ms, err := s.Cases.Detector.Similar(ctx, tx, reg.Intake, "", now)
		if err != nil {
			return nil, Answer{}, err
		}
		for _, m := range ms {
			if want[m.CaseID] && m.Reasons != nil && m.Reasons.SameMatter >= SameMatter && m.Kind != cases.LinkRelated {
				matches = append(matches, m)
			}
		}
	}
	st := s.Store.WithTx(tx.Tx())
	for _, m := range matches {
		p, err := st.Get(ctx, m.CaseID)
		if err != nil {
			return nil, Answer{}, err
		}
		switch p.Stage {
		case StageReReviewDecided:
			return h.notAccepted(ctx, tx, actor, reg, m, now)
		case StageTransferred, StageAccepted:
			below, err := s.acceptedBelow(ctx, tx, actor, p)
			if err != nil || !below {
				return nil, Answer{}, err
			}
			row := &Petition{CaseID: reg.Case.ID, Stage: StageRegistered, LowerCaseID: &m.CaseID, CreatedAt: now, UpdatedAt: now}
			ans := Answer{AcceptedBelow: true, LowerCaseNo: m.CaseNo,
				Reason: fmt.Sprintf("该信访事项已由下级机关受理且在办理期限内（案件编号%s），上级机关不再受理（《信访工作条例》第十九条）", m.CaseNo)}
			err = s.Cases.RecordEvent(ctx, tx, &cases.Event{CaseID: reg.Case.ID, At: now, ActorID: actor.UserID,
				ActorName: actor.Name, Kind: EventAcceptedBelow, Note: ans.Reason, Data: map[string]any{"lower_case_no": m.CaseNo}})
			return row, ans, err
		}
	}
	return nil, Answer{}, nil
}

// notAccepted records the new case as 不再受理 of m's case: a confirmed
// repeat link, the earlier documents named on the timeline, the case
// closed as not accepted (rejected) — in the registration's unit of work.
func (h hook) notAccepted(ctx context.Context, tx cases.Store, actor kernel.Actor, reg *cases.Registration, m cases.Match, now time.Time) (*Petition, Answer, error) {
	s := h.s
	link := &cases.Link{CaseID: reg.Case.ID, OtherCaseID: m.CaseID, OtherCaseNo: m.CaseNo, Kind: cases.LinkRepeat,
		Status: cases.LinkConfirmed, Score: m.Score, Reasons: m.Reasons, CreatedAt: now, CreatedBy: actor.UserID}
	if err := tx.CreateLink(ctx, link); err != nil && kernel.ErrorCode(err) != kernel.EConflict {
		return nil, Answer{}, err
	}
	var docs []string
	var docIDs []int64
	if s.Docs != nil {
		list, err := s.Docs.Store.WithTx(tx.Tx()).List(ctx, m.CaseID)
		if err != nil {
			return nil, Answer{}, err
		}
		for _, d := range list {
			docs = append(docs, fmt.Sprintf("%s（第%d版）", d.Title, d.Version))
			docIDs = append(docIDs, d.ID)
		}
	}
	ans := Answer{NotAccepted: true, EarlierCaseNo: m.CaseNo, Documents: docs, Reason: ReasonNotAccepted}
	for _, e := range []*cases.Event{
		{CaseID: reg.Case.ID, Kind: EventNotAccepted, Note: ReasonNotAccepted,
			Data: map[string]any{"earlier_case_no": m.CaseNo, "earlier_documents": docIDs, "link_id": link.ID,
				"notice": "您反映的事项已经复核终结，各级机关不再受理。如有困难，可联系工作人员了解帮扶措施。"}},
		{CaseID: m.CaseID, Kind: EventNotAccepted, Note: "同一信访人就同一事项再次反映，已作不再受理登记",
			Data: map[string]any{"later_case_no": reg.Case.No}},
	} {
		e.At, e.ActorID, e.ActorName = now, actor.UserID, actor.Name
		if err := s.Cases.RecordEvent(ctx, tx, e); err != nil {
			return nil, Answer{}, err
		}
	}
	// The rule closes the case, whoever registered it (a hotline agent may
	// not move cases): a system step in the clerk's name.
	rule := kernel.Actor{UserID: actor.UserID, Name: actor.Name, System: true}
	c, err := s.Cases.WithTx(tx.Tx()).Transition(ctx, rule, reg.Case.No, cases.StatusRejected, "不再受理："+ReasonNotAccepted)
	if err != nil {
		return nil, Answer{}, err
	}
	reg.Case = c
	return &Petition{CaseID: c.ID, Stage: StageNotAccepted, EarlierCaseID: &m.CaseID, CreatedAt: now, UpdatedAt: now}, ans, nil
}

// acceptedBelow reports whether petition p is accepted (or transferred)
// and within its time limit at a level below the registering actor's.
func (s *Service) acceptedBelow(ctx context.Context, tx cases.Store, actor kernel.Actor, p *Petition) (bool, error) {
	if (p.Stage != StageAccepted && p.Stage != StageTransferred) || p.UnitID == nil || actor.RegionCode == "" {
		return false, nil
	}
	u, err := s.Units.WithTx(tx.Tx()).Unit(ctx, *p.UnitID)
	if err != nil {
		return false, err
	}
	if kernel.RegionLevel(u.RegionCode) <= kernel.RegionLevel(actor.RegionCode) {
		return false, nil
	}
	kind := Notify
	if p.Stage == StageAccepted {
		kind = "handling"
	}
	k, err := s.Clocks.FindIn(ctx, tx.Tx(), p.CaseID, kind)
	if err != nil || k == nil {
		return false, err
	}
	return k.Open() && !s.Now().After(k.Due), nil
}

// responsibleLevel is the level of the region responsible for a matter in
// region code: its county (or the region itself above counties).
func responsibleLevel(code string) int {
	return min(kernel.RegionLevel(code), kernel.LevelCounty)
}

// yueji reports whether actor registers more than one level above the
// region responsible for a matter in code (art. 20: the responsible level
// or the one above).
func yueji(actor kernel.Actor, code string) bool {
	if actor.System || actor.RegionCode == "" {
		return false
	}
	return responsibleLevel(code)-kernel.RegionLevel(actor.RegionCode) > 1
}
