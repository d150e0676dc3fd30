package cases

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/jiefen/jiefen/kernel"
)

// link stores a link from c to the matched case and writes it on both
// timelines. An existing link of the same kind is left as it is: staff may
// have rejected it already.
func (s *Service) link(ctx context.Context, tx Store, actor kernel.Actor, c *Case, m Match, status string, now time.Time) error {
	l := &Link{CaseID: c.ID, OtherCaseID: m.CaseID, OtherCaseNo: m.CaseNo, Kind: m.Kind, Status: status,
		Score: m.Score, Reasons: m.Reasons, CreatedAt: now, CreatedBy: actor.UserID}
	if err := tx.CreateLink(ctx, l); kernel.ErrorCode(err) == kernel.EConflict {
		return nil
	} else if err != nil {
		return err
	}
	data := map[string]any{"link_id": l.ID, "kind": m.Kind, "status": status, "score": m.Score}
	if err := s.record(ctx, tx, &Event{CaseID: c.ID, At: now, ActorID: actor.UserID, ActorName: actor.Name,
		Kind: EventLinked, Data: with(data, "case_no", m.CaseNo)}); err != nil {
		return err
	}
	return s.record(ctx, tx, &Event{CaseID: m.CaseID, At: now, ActorID: actor.UserID, ActorName: actor.Name,
		Kind: EventLinked, Data: with(data, "case_no", c.No)})
}

func with(m map[string]any, k string, v any) map[string]any {
	out := make(map[string]any, len(m)+1)
	for a, b := range m {
		out[a] = b
	}
	out[k] = v
	return out
}

// group puts c in the cluster of the matched cases, creating the cluster or
// joining several into one as needed.
func (s *Service) group(ctx context.Context, tx Store, actor kernel.Actor, c *Case, group []Match, now time.Time) error {
	cands, err := tx.Candidates(ctx, intakeIDs(group), false)
	if err != nil {
		return err
	}
	var clusters []int64
	seen := map[int64]bool{}
	joining := []int64{c.ID}
	joined := map[int64]bool{c.ID: true}
	for _, cd := range cands {
		if cd.ClusterID != nil && !seen[*cd.ClusterID] {
			seen[*cd.ClusterID] = true
			clusters = append(clusters, *cd.ClusterID)
		}
		if cd.ClusterID == nil && !joined[cd.CaseID] {
			joined[cd.CaseID] = true
			joining = append(joining, cd.CaseID)
		}
	}
	sort.Slice(clusters, func(i, j int) bool { return clusters[i] < clusters[j] })
	var id int64
	if len(clusters) == 0 {
		cl := &Cluster{Title: c.Subject, CreatedAt: now, UpdatedAt: now}
		if err := tx.CreateCluster(ctx, cl); err != nil {
			return err
		}
		id = cl.ID
	} else {
		id = clusters[0]
		if len(clusters) > 1 {
			if err := tx.MergeClusters(ctx, id, clusters[1:]); err != nil {
				return err
			}
		}
	}
	if err := tx.SetCluster(ctx, &id, joining...); err != nil {
		return err
	}
	for _, caseID := range joining {
		if err := s.record(ctx, tx, &Event{CaseID: caseID, At: now, ActorID: actor.UserID, ActorName: actor.Name,
			Kind: EventGrouped, Data: map[string]any{"cluster_id": id, "with_case_no": c.No}}); err != nil {
			return err
		}
	}
	c.ClusterID = &id
	return nil
}

func intakeIDs(ms []Match) []int64 {
	out := make([]int64, len(ms))
	for i, m := range ms {
		out[i] = m.IntakeID
	}
	return out
}

// Similar lists the cases most like the given one, with scores and reasons,
// from the actor's scope.
func (s *Service) Similar(ctx context.Context, actor kernel.Actor, no string) ([]Match, error) {
	c, err := s.Get(ctx, actor, no)
	if err != nil {
		return nil, err
	}
	if s.Detector == nil {
		return []Match{}, nil
	}
	best := map[int64]Match{}
	now := s.Now().UTC()
	for i := range c.Intakes {
		ms, err := s.Detector.Similar(ctx, s.Store, &c.Intakes[i], actor.Scope(), now)
		if err != nil {
			return nil, err
		}
		for _, m := range ms {
			if m.CaseID == c.ID {
				continue
			}
			if b, ok := best[m.CaseID]; !ok || m.Score > b.Score {
				best[m.CaseID] = m
			}
		}
	}
	out := make([]Match, 0, len(best))
	for _, m := range best {
		out = append(out, m)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Score > out[j].Score })
	return out, nil
}

// CheckResult is what registering an intake would decide, and what else
// the clerk should see before saving.
type CheckResult struct {
	Detection
	// Similar are the scored candidate cases, best first.
	Similar []Match
	// Person are the newest intake of each case with the same ID number or
	// phone, newest first, whatever the matter.
	Person []Candidate
}

// Check answers what Register would decide for in without writing
// anything: hints for the clerk while they type. It prepares the intake as
// Register does (the same errors) and reads outside any transaction, so a
// check can neither hold locks nor leave rows behind.
func (s *Service) Check(ctx context.Context, actor kernel.Actor, in Intake) (*CheckResult, error) {
	if err := actor.Require(kernel.PermRegister); err != nil {
		return nil, err
	}
	now := s.Now().UTC()
	if err := s.prepareIntake(ctx, actor, &in, now); err != nil {
		return nil, err
	}
	out := &CheckResult{Detection: Detection{Decision: DecisionNew}}
	if s.Detector != nil {
		det, err := s.Detector.Detect(ctx, s.Store, &in, actor.Scope(), now)
		if err != nil {
			return nil, err
		}
		out.Detection = *det
		if out.Similar, err = s.Detector.Similar(ctx, s.Store, &in, actor.Scope(), now); err != nil {
			return nil, err
		}
	}
	ids, err := s.Store.IntakesByPerson(ctx, in.Person, in.NameKey, 50)
	if err != nil || len(ids) == 0 {
		return out, err
	}
	cands, err := s.Store.Candidates(ctx, ids, false)
	if err != nil {
		return nil, err
	}
	// A name alone is shared by many: only the ID number or phone says
	// these are the visitor's own cases.
	idHash, phoneHash := s.Store.PersonHashes(in.Person)
	seen := map[int64]bool{}
	sort.SliceStable(cands, func(i, j int) bool { return cands[i].ReceivedAt.After(cands[j].ReceivedAt) })
	for _, c := range cands {
		same := (idHash != "" && c.IDHash == idHash) || (phoneHash != "" && c.PhoneHash == phoneHash)
		if !same || seen[c.CaseID] || c.CaseStatus == StatusMerged || !actor.Sees(c.RegionCode) {
			continue
		}
		seen[c.CaseID] = true
		out.Person = append(out.Person, c)
	}
	return out, nil
}

// SetLinkStatus confirms or rejects a link of a case (or puts it back to
// suggested), with both timelines recording it.
func (s *Service) SetLinkStatus(ctx context.Context, actor kernel.Actor, no string, linkID int64, status, note string) (*Link, error) {
	if err := actor.Require(kernel.PermTransition); err != nil {
		return nil, err
	}
	if status != LinkConfirmed && status != LinkRejected && status != LinkSuggested {
		return nil, kernel.FieldError("status", "应为 confirmed、rejected 或 suggested")
	}
	var out *Link
	err := s.update(ctx, func(tx Store) error {
		c, err := tx.CaseByNo(ctx, no, actor.Scope())
		if err != nil {
			return err
		}
		l, err := tx.LinkByID(ctx, linkID)
		if err != nil {
			return err
		}
		if l.CaseID != c.ID && l.OtherCaseID != c.ID {
			return kernel.Errorf(kernel.ENotFound, "关联不存在")
		}
		if l.Status == status {
			out = l
			return nil
		}
		if err := tx.UpdateLinkStatus(ctx, l.ID, status); err != nil {
			return err
		}
		now := s.Now().UTC()
		data := map[string]any{"link_id": l.ID, "kind": l.Kind, "from": l.Status, "status": status}
		for _, id := range []int64{l.CaseID, l.OtherCaseID} {
			if err := s.record(ctx, tx, &Event{CaseID: id, At: now, ActorID: actor.UserID, ActorName: actor.Name,
				Kind: EventLinked, Note: strings.TrimSpace(note), Data: data}); err != nil {
				return err
			}
		}
		l.Status = status
		out = l
		return nil
	})
	return out, err
}

// Merge moves every intake of case from into case into, by hand: the same
// matter registered twice. The emptied case is marked merged; Undo reverses
// it.
func (s *Service) Merge(ctx context.Context, actor kernel.Actor, into, from, note string) (*Case, error) {
	if err := actor.Require(kernel.PermTransition); err != nil {
		return nil, err
	}
	if into == from {
		return nil, kernel.FieldError("from", "不能与自身合并")
	}
	var out *Case
	err := s.update(ctx, func(tx Store) error {
		dst, err := tx.CaseByNo(ctx, into, actor.Scope())
		if err != nil {
			return err
		}
		src, err := tx.CaseByNo(ctx, from, actor.Scope())
		if err != nil {
			return err
		}
		if src.Status == StatusMerged || dst.Status == StatusMerged {
			return kernel.Errorf(kernel.EInvalid, "已并案的案件不能再合并")
		}
		if err := tx.LoadDetails(ctx, src); err != nil {
			return err
		}
		now := s.Now().UTC()
		refs := make([]string, 0, len(src.Intakes))
		for _, in := range src.Intakes {
			if err := tx.MoveIntake(ctx, in.ID, dst.ID); err != nil {
				return err
			}
			refs = append(refs, in.Ref)
		}
		prev := src.Status
		src.Status, src.MergedInto, src.UpdatedAt = StatusMerged, &dst.ID, now
		if err := tx.UpdateCase(ctx, src); err != nil {
			return err
		}
		dst.UpdatedAt = now
		if err := tx.UpdateCase(ctx, dst); err != nil {
			return err
		}
		data := map[string]any{"into": dst.No, "from": src.No, "intake_refs": refs, "from_status": prev}
		for _, c := range []*Case{dst, src} {
			e := &Event{CaseID: c.ID, At: now, ActorID: actor.UserID, ActorName: actor.Name, Kind: EventMerged,
				Note: strings.TrimSpace(note), Data: data}
			if c == src {
				e.FromStatus, e.ToStatus = prev, StatusMerged
			}
			if err := s.record(ctx, tx, e); err != nil {
				return err
			}
		}
		out = dst
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// Split moves one intake out of a case into a new case of its own: the undo
// of a wrong merge. The new case starts registered, with its own number.
func (s *Service) Split(ctx context.Context, actor kernel.Actor, no, intakeRef, note string) (*Case, error) {
	if err := actor.Require(kernel.PermTransition); err != nil {
		return nil, err
	}
	var out *Case
	err := s.update(ctx, func(tx Store) error {
		src, err := tx.CaseByNo(ctx, no, actor.Scope())
		if err != nil {
			return err
		}
		in, err := tx.IntakeByRef(ctx, intakeRef)
		if err != nil || in.CaseID != src.ID {
			return kernel.FieldError("intake_ref", "该受理记录不属于本案件")
		}
		if err := tx.LoadDetails(ctx, src); err != nil {
			return err
		}
		if len(src.Intakes) < 2 {
			return kernel.FieldError("intake_ref", "案件只有一条受理记录，无需拆分")
		}
		now := s.Now().UTC()
		dst, err := s.newCase(ctx, tx, actor, in, now)
		if err != nil {
			return err
		}
		if err := tx.MoveIntake(ctx, in.ID, dst.ID); err != nil {
			return err
		}
		src.UpdatedAt = now
		if err := tx.UpdateCase(ctx, src); err != nil {
			return err
		}
		data := map[string]any{"from": src.No, "into": dst.No, "intake_refs": []string{in.Ref}}
		if err := s.record(ctx, tx, &Event{CaseID: src.ID, At: now, ActorID: actor.UserID, ActorName: actor.Name,
			Kind: EventSplit, Note: strings.TrimSpace(note), Data: data}); err != nil {
			return err
		}
		if err := s.record(ctx, tx, &Event{CaseID: dst.ID, At: now, ActorID: actor.UserID, ActorName: actor.Name,
			Kind: EventSplit, ToStatus: StatusRegistered, Note: strings.TrimSpace(note), Data: data}); err != nil {
			return err
		}
		out = dst
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// Undo reverses a merge, a split or a link decision recorded by an event on
// the case's timeline. Nothing is deleted: the undo is an event too.
func (s *Service) Undo(ctx context.Context, actor kernel.Actor, no string, eventID int64, note string) (*Case, error) {
	if err := actor.Require(kernel.PermTransition); err != nil {
		return nil, err
	}
	err := s.update(ctx, func(tx Store) error {
		c, err := tx.CaseByNo(ctx, no, actor.Scope())
		if err != nil {
			return err
		}
		if err := tx.LoadDetails(ctx, c); err != nil {
			return err
		}
		var ev *Event
		for i := range c.Events {
			e := &c.Events[i]
			if e.ID == eventID {
				ev = e
			}
			if e.Kind == EventUndone && num(e.Data["undoes"]) == eventID {
				return kernel.Errorf(kernel.EConflict, "该操作已撤销")
			}
		}
		if ev == nil {
			return kernel.Errorf(kernel.ENotFound, "事件不存在")
		}
		now := s.Now().UTC()
		var touched []int64
		switch ev.Kind {
		case EventMerged, EventSplit:
			touched, err = s.undoMove(ctx, tx, ev, now)
		case EventLinked:
			from, _ := ev.Data["from"].(string)
			if from == "" {
				return kernel.Errorf(kernel.EInvalid, "自动建立的关联请通过确认或驳回处理")
			}
			id := num(ev.Data["link_id"])
			l, err := tx.LinkByID(ctx, id)
			if err != nil {
				return err
			}
			if err := tx.UpdateLinkStatus(ctx, id, from); err != nil {
				return err
			}
			touched = []int64{l.CaseID, l.OtherCaseID}
		default:
			return kernel.Errorf(kernel.EInvalid, "该类事件不能撤销")
		}
		if err != nil {
			return err
		}
		for _, id := range touched {
			if err := s.record(ctx, tx, &Event{CaseID: id, At: now, ActorID: actor.UserID, ActorName: actor.Name,
				Kind: EventUndone, Note: strings.TrimSpace(note),
				Data: map[string]any{"undoes": eventID, "undone_kind": ev.Kind, "case_no": c.No}}); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return s.Get(ctx, actor, no)
}

// undoMove moves the intakes a merge or split moved from its "from" case
// into its "into" case back again: a merge's emptied case gets its status
// back, a split's new case is emptied and marked merged.
func (s *Service) undoMove(ctx context.Context, tx Store, ev *Event, now time.Time) ([]int64, error) {
	into, _ := ev.Data["into"].(string)
	from, _ := ev.Data["from"].(string)
	dst, err := tx.CaseByNo(ctx, into, "")
	if err != nil {
		return nil, err
	}
	src, err := tx.CaseByNo(ctx, from, "")
	if err != nil {
		return nil, err
	}
	refs, _ := ev.Data["intake_refs"].([]any)
	for _, r := range refs {
		ref, _ := r.(string)
		in, err := tx.IntakeByRef(ctx, ref)
		if err != nil {
			return nil, err
		}
		if in.CaseID != dst.ID {
			return nil, kernel.Errorf(kernel.EConflict, "受理记录 %s 已不在案件 %s 中，无法撤销", ref, dst.No)
		}
		if err := tx.MoveIntake(ctx, in.ID, src.ID); err != nil {
			return nil, err
		}
	}
	switch ev.Kind {
	case EventMerged:
		prev, _ := ev.Data["from_status"].(string)
		src.Status, src.MergedInto = Status(prev), nil
	case EventSplit:
		// The split-out case is empty again: it was never a matter of its own.
		dst.Status, dst.MergedInto = StatusMerged, &src.ID
	}
	for _, c := range []*Case{src, dst} {
		c.UpdatedAt = now
		if err := tx.UpdateCase(ctx, c); err != nil {
			return nil, err
		}
	}
	return []int64{dst.ID, src.ID}, nil
}

// num reads an integer from decoded JSON event data.
func num(v any) int64 {
	switch n := v.(type) {
	case float64:
		return int64(n)
	case int64:
		return n
	case int:
		return int64(n)
	case fmt.Stringer:
		var x int64
		fmt.Sscan(n.String(), &x)
		return x
	}
	return 0
}

// Clusters lists the group issues with cases in the actor's scope.
func (s *Service) Clusters(ctx context.Context, actor kernel.Actor) ([]ClusterSummary, error) {
	return s.Store.Clusters(ctx, actor.Scope(), s.Now().UTC())
}

// ClusterCases lists a group issue's cases in the actor's scope.
func (s *Service) ClusterCases(ctx context.Context, actor kernel.Actor, id int64) ([]*Case, error) {
	cs, err := s.Store.ClusterCases(ctx, id, actor.Scope())
	if err == nil && len(cs) == 0 {
		return nil, kernel.Errorf(kernel.ENotFound, "群体性事项不存在")
	}
	return cs, err
}

// Search finds cases in the actor's scope by free text.
func (s *Service) Search(ctx context.Context, actor kernel.Actor, q string, limit int) ([]*Case, error) {
	q = strings.TrimSpace(q)
	if q == "" {
		return nil, kernel.FieldError("q", "请输入搜索内容")
	}
	if limit <= 0 || limit > 100 {
		limit = 20
	}
	if s.Searcher == nil {
		return s.List(ctx, actor, CaseFilter{Q: q, Limit: limit})
	}
	ids, err := s.Searcher.SearchCases(ctx, q, actor.Scope(), limit)
	if err != nil {
		return nil, err
	}
	out := make([]*Case, 0, len(ids))
	for _, id := range ids {
		c, err := s.Store.CaseByID(ctx, id)
		if kernel.ErrorCode(err) == kernel.ENotFound {
			continue
		} else if err != nil {
			return nil, err
		}
		if actor.Sees(c.RegionCode) {
			out = append(out, c)
		}
	}
	return out, nil
}

// Archive closes a case directly, whatever its status: for legacy imports
// whose history ended outside Jiefen. Only system actors may do it; the
// timeline says so.
func (s *Service) Archive(ctx context.Context, actor kernel.Actor, caseID int64, note string) error {
	if !actor.System {
		return kernel.Errorf(kernel.EForbidden, "只有系统任务可以直接归档案件")
	}
	return s.update(ctx, func(tx Store) error {
		c, err := tx.CaseByID(ctx, caseID)
		if err != nil {
			return err
		}
		if c.Status == StatusClosed || c.Status == StatusMerged {
			return nil
		}
		now := s.Now().UTC()
		from := c.Status
		c.Status, c.ClosedAt, c.UpdatedAt = StatusClosed, &now, now
		if err := tx.UpdateCase(ctx, c); err != nil {
			return err
		}
		return s.record(ctx, tx, &Event{CaseID: c.ID, At: now, ActorName: actor.Name, Kind: EventTransition,
			FromStatus: from, ToStatus: StatusClosed, Note: note})
	})
}
