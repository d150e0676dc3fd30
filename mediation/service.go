package mediation

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"sort"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/jiefen/jiefen/calendar"
	"github.com/jiefen/jiefen/cases"
	"github.com/jiefen/jiefen/channels/video"
	"github.com/jiefen/jiefen/clocks"
	"github.com/jiefen/jiefen/documents"
	"github.com/jiefen/jiefen/kernel"
	"github.com/jiefen/jiefen/staff"
	"github.com/jiefen/jiefen/units"
)

// Users finds staff accounts (staff.Store satisfies it).
type Users interface {
	UserByUsername(ctx context.Context, username string) (*staff.User, error)
	UserByID(ctx context.Context, id int64) (*staff.User, error)
}

// Hasher makes the keyed hashes parties are looked up by (pii.Keyring).
type Hasher interface {
	HashID(id string) string
	HashPhone(phone string) string
}

// Scheduler puts a session reminder on the job queue in the session's
// unit of work.
type Scheduler interface {
	ScheduleReminder(ctx context.Context, tx kernel.Tx, args ReminderArgs, at time.Time) error
}

// ReminderArgs is the job that reminds of a session.
type ReminderArgs struct {
	SessionID   int64 `json:"session_id"`
	LeadMinutes int   `json:"lead_minutes"`
}

// Kind implements river.JobArgs.
func (ReminderArgs) Kind() string { return "mediation_reminder" }

// Service runs mediations.
type Service struct {
	Cases  *cases.Service
	Store  Store
	Units  units.Store // the bodies (调解组织), courts and the units of hand-offs
	Clocks *clocks.Service
	// Docs renders and stores the 调解协议书; nil: no PDF.
	Docs   *documents.Service
	Users  Users
	Hasher Hasher
	// Scheduler enqueues session reminders; nil schedules none.
	Scheduler Scheduler
	// Link builds video session links (the video channel's template); nil: none.
	Link *video.LinkTemplate
	Now  func() time.Time
	// Leads are how long before a session reminders run.
	Leads []time.Duration
}

// NewService returns a service on the wall clock with reminders 24 h and 1 h ahead.
func NewService(cs *cases.Service, st Store, us units.Store, ck *clocks.Service, docs *documents.Service, users Users, h Hasher) *Service {
	return &Service{Cases: cs, Store: st, Units: us, Clocks: ck, Docs: docs, Users: users, Hasher: h, Now: time.Now,
		Leads: []time.Duration{24 * time.Hour, time.Hour}}
}

func (s *Service) now() time.Time { return s.Now().UTC().Truncate(time.Microsecond) }

func today(t time.Time) string { return t.In(cases.ChinaTime).Format(time.DateOnly) }

// txn is one unit of work with the module's store and the case service bound to it.
type txn struct {
	ctx   context.Context
	tx    kernel.Tx
	cases *cases.Service
	store Store
	units units.Store
}

func (s *Service) inTx(ctx context.Context, fn func(t *txn) error) error {
	return s.Cases.Tx.InTx(ctx, func(ctx context.Context, tx kernel.Tx) error {
		return fn(&txn{ctx: ctx, tx: tx, cases: s.Cases.WithTx(tx), store: s.Store.WithTx(tx), units: s.Units.WithTx(tx)})
	})
}

// note writes a timeline event on the case in t.
func (t *txn) note(actor kernel.Actor, caseID int64, kind, note string, data map[string]any) error {
	return t.cases.Note(t.ctx, actor, caseID, kind, note, data)
}

// module is the actor the case core sees for what follows from a mediation
// step (the case put in handling, given to the accepting mediator,
// resolved by the agreement): the person who took the step, without the
// core's role checks, which the module has made its own.
func module(a kernel.Actor) kernel.Actor { a.System = true; return a }

func invalid(fields map[string]string) error {
	if len(fields) == 0 {
		return nil
	}
	return &kernel.Error{Code: kernel.EInvalid, Message: "提交的数据有误", Fields: fields}
}

func notFound() error { return kernel.Errorf(kernel.ENotFound, "调解不存在") }

func tooLong(s string, n int) bool { return utf8.RuneCountInString(s) > n }

// --- mediator profiles ---------------------------------------------------

// RelationInput is a declared relation as staff type it: the ID number and
// phone are hashed and never stored.
type RelationInput struct {
	Name     string
	IDNumber string
	Phone    string
	Note     string
}

// ProfileInput is a mediator profile to set.
type ProfileInput struct {
	UnitIDs       []int64
	Specialties   []string
	Capacity      int
	AvailableFrom string
	AvailableTo   string
	Relations     []RelationInput
}

// SetProfile sets the profile of a mediator account (admins and supervisors
// of a region covering the account's).
func (s *Service) SetProfile(ctx context.Context, actor kernel.Actor, username string, in ProfileInput) (*Profile, error) {
	if actor.Role != kernel.RoleAdmin && actor.Role != kernel.RoleSupervisor {
		return nil, kernel.Errorf(kernel.EForbidden, "只有系统管理员和督办员可以设置调解员信息")
	}
	u, err := s.Users.UserByUsername(ctx, username)
	if kernel.ErrorCode(err) == kernel.ENotFound || (err == nil && !actor.Sees(u.RegionCode)) {
		return nil, kernel.Errorf(kernel.ENotFound, "用户不存在")
	} else if err != nil {
		return nil, err
	}
	if u.Role != kernel.RoleMediator {
		return nil, kernel.Errorf(kernel.EInvalid, "用户%s的角色为%s，只有调解员可以设置调解员信息", u.Username, u.Role.Label())
	}
	fields := map[string]string{}
	if in.Capacity < 1 || in.Capacity > 100 {
		fields["capacity"] = "承办上限应为1至100之间的整数"
	}
	if len(in.UnitIDs) == 0 {
		fields["unit_ids"] = "请至少选择一个调解组织"
	}
	seen := map[int64]bool{}
	var unitIDs []int64
	for i, id := range in.UnitIDs {
		if seen[id] {
			continue
		}
		seen[id] = true
		un, err := s.Units.Unit(ctx, id)
		switch {
		case kernel.ErrorCode(err) == kernel.ENotFound:
			fields[fmt.Sprintf("unit_ids[%d]", i)] = "机构不存在"
			continue
		case err != nil:
			return nil, err
		case !actor.Sees(un.RegionCode):
			fields[fmt.Sprintf("unit_ids[%d]", i)] = "机构不在您的管辖范围内"
		case FlowOf(un.Kind) == "":
			fields[fmt.Sprintf("unit_ids[%d]", i)] = "该机构（" + un.Kind.Label() + "）不是调解组织"
		case !un.Active:
			fields[fmt.Sprintf("unit_ids[%d]", i)] = "机构已停用"
		}
		unitIDs = append(unitIDs, id)
	}
	specs := []string{}
	for i, sp := range in.Specialties {
		if !cases.ValidCategory(sp) {
			fields[fmt.Sprintf("specialties[%d]", i)] = "未知的纠纷类别"
		}
		specs = append(specs, sp)
	}
	for _, f := range []struct{ name, v string }{{"available_from", in.AvailableFrom}, {"available_to", in.AvailableTo}} {
		if f.v != "" {
			if _, err := time.Parse(time.DateOnly, f.v); err != nil {
				fields[f.name] = "日期格式错误，应为2025-12-01"
			}
		}
	}
	if in.AvailableFrom != "" && in.AvailableTo != "" && in.AvailableTo < in.AvailableFrom && fields["available_to"] == "" {
		fields["available_to"] = "结束日期不能早于开始日期"
	}
	rels := []Relation{}
	for i, r := range in.Relations {
		r.Name = strings.TrimSpace(r.Name)
		if r.Name == "" || tooLong(r.Name, 50) {
			fields[fmt.Sprintf("relations[%d].name", i)] = "请填写姓名（不超过50个字）"
		}
		if r.IDNumber != "" {
			if p := kernel.IDNumberProblem(r.IDNumber, s.now()); p != "" {
				fields[fmt.Sprintf("relations[%d].id_number", i)] = p
			}
		}
		rel := Relation{Name: r.Name, Note: strings.TrimSpace(r.Note)}
		if r.IDNumber != "" {
			rel.IDHash = s.Hasher.HashID(r.IDNumber)
		}
		if r.Phone != "" {
			rel.PhoneHash = s.Hasher.HashPhone(r.Phone)
		}
		rels = append(rels, rel)
	}
	if err := invalid(fields); err != nil {
		return nil, err
	}
	name := u.DisplayName
	if name == "" {
		name = u.Username
	}
	p := &Profile{UserID: u.ID, Username: u.Username, Name: name, RegionCode: u.RegionCode, UnitIDs: unitIDs,
		Specialties: specs, Capacity: in.Capacity, AvailableFrom: in.AvailableFrom, AvailableTo: in.AvailableTo,
		Relations: rels, UpdatedAt: s.now()}
	if err := s.Store.SaveProfile(ctx, p); err != nil {
		return nil, err
	}
	if p.Load, err = s.Store.Load(ctx, u.ID); err != nil {
		return nil, err
	}
	return p, nil
}

// GetProfile returns a mediator's profile: the mediator themselves, or
// staff whose region covers theirs.
func (s *Service) GetProfile(ctx context.Context, actor kernel.Actor, username string) (*Profile, error) {
	u, err := s.Users.UserByUsername(ctx, username)
	if kernel.ErrorCode(err) == kernel.ENotFound || (err == nil && !actor.Sees(u.RegionCode) && actor.UserID != u.ID) {
		return nil, kernel.Errorf(kernel.ENotFound, "调解员信息不存在")
	} else if err != nil {
		return nil, err
	}
	p, err := s.Store.Profile(ctx, u.ID)
	if err != nil {
		if kernel.ErrorCode(err) == kernel.ENotFound {
			return nil, kernel.Errorf(kernel.ENotFound, "调解员信息不存在")
		}
		return nil, err
	}
	if actor.UserID != u.ID && actor.Role != kernel.RoleAdmin && actor.Role != kernel.RoleSupervisor {
		// Declared relations are third parties' data: the mediator's and
		// their administrators' business (as in the roster).
		p.Relations = nil
	}
	p.Load, err = s.Store.Load(ctx, u.ID)
	return p, err
}

// conflict reports whether a profile declared a relation with a party:
// an ID-number or phone hash in common, or, for a relation declared
// without either, the same name.
func (s *Service) conflict(p *Profile, parties []cases.Party) bool {
	for _, r := range p.Relations {
		for _, pt := range parties {
			switch {
			case r.IDHash != "" && pt.IDNumber != "" && r.IDHash == s.Hasher.HashID(pt.IDNumber):
				return true
			case r.PhoneHash != "" && pt.Phone != "" && r.PhoneHash == s.Hasher.HashPhone(pt.Phone):
				return true
			case r.IDHash == "" && r.PhoneHash == "" && r.Name != "" && r.Name == pt.Name:
				return true
			}
		}
	}
	return false
}

// --- suggestion ------------------------------------------------------------

// chainCodes are the padded codes of a region and its ancestors.
func chainCodes(code string) []string { return kernel.RegionAncestors(code) }

// Suggest returns the mediating bodies of the case's region chain, best
// first, with the reasons.
func (s *Service) Suggest(ctx context.Context, actor kernel.Actor, no string) ([]Suggestion, error) {
	c, err := s.Cases.Find(ctx, actor, no)
	if err != nil {
		return nil, err
	}
	return s.suggest(ctx, s.Store, s.Units, c)
}

func (s *Service) suggest(ctx context.Context, st Store, us units.Store, c *cases.Case) ([]Suggestion, error) {
	bodies, err := us.InRegions(ctx, chainCodes(c.RegionCode))
	if err != nil {
		return nil, err
	}
	free := map[int64]int{}
	day := today(s.now())
	for _, u := range bodies {
		if FlowOf(u.Kind) == "" {
			continue
		}
		ps, err := st.ProfilesOfUnit(ctx, u.ID)
		if err != nil {
			return nil, err
		}
		for _, p := range ps {
			if !p.Disabled && p.Available(day) && p.Load < p.Capacity && kernel.InRegion(c.RegionCode, p.RegionCode) {
				free[u.ID]++
			}
		}
	}
	out := rank(c, bodies, free)
	if out == nil {
		out = []Suggestion{}
	}
	return out, nil
}

// --- opening and offers ------------------------------------------------------

// OpenInput opens a mediation.
type OpenInput struct {
	UnitID int64
	Flow   Flow
	Note   string
	// Mediator, if set, is offered first instead of the best one.
	Mediator string
}

// mayOpen: window clerks, supervisors and leaders open mediations.
func mayOpen(a kernel.Actor) bool {
	return a.System || a.Role == kernel.RoleWindowClerk || a.Role == kernel.RoleSupervisor || a.Role == kernel.RoleLeader
}

// Open opens a mediation of the case by a body and offers it to the best
// mediator there. The case goes into handling (accepted, in progress) if
// it was not yet.
func (s *Service) Open(ctx context.Context, actor kernel.Actor, no string, in OpenInput) (*Mediation, error) {
	if !mayOpen(actor) {
		return nil, kernel.Errorf(kernel.EForbidden, "当前角色（%s）无权发起调解", actor.Role.Label())
	}
	in.Note = strings.TrimSpace(in.Note)
	fields := map[string]string{}
	if !in.Flow.Valid() {
		fields["flow"] = "调解类型应为 people、administrative、judicial 或 industry"
	}
	if in.UnitID <= 0 {
		fields["unit_id"] = "请选择调解组织"
	}
	if tooLong(in.Note, 2000) {
		fields["note"] = "长度不能超过2000个字符"
	}
	if err := invalid(fields); err != nil {
		return nil, err
	}
	var out *Mediation
	err := s.inTx(ctx, func(t *txn) error {
		c, err := t.cases.Find(t.ctx, actor, no)
		if err != nil {
			return err
		}
		u, err := t.units.Unit(t.ctx, in.UnitID)
		if kernel.ErrorCode(err) == kernel.ENotFound {
			return kernel.FieldError("unit_id", "机构不存在")
		} else if err != nil {
			return err
		}
		switch {
		case FlowOf(u.Kind) == "":
			return kernel.FieldError("unit_id", "该机构（"+u.Kind.Label()+"）不是调解组织")
		case FlowOf(u.Kind) != in.Flow:
			return kernel.FieldError("flow", "所选机构的调解类型为“"+FlowOf(u.Kind).Label()+"”")
		case !u.Active:
			return kernel.FieldError("unit_id", "机构已停用")
		case !kernel.InRegion(c.RegionCode, u.RegionCode):
			return kernel.FieldError("unit_id", "该机构不在本案所在地的区划链上")
		}
		if !c.Status.Open() || c.Status == cases.StatusSuspended {
			return kernel.Errorf(kernel.EInvalid, "案件当前状态为“%s”，不能发起调解", c.Status.Label())
		}
		list, err := t.store.CaseMediations(t.ctx, c.ID)
		if err != nil {
			return err
		}
		for _, m := range list {
			if m.Status.Open() {
				return kernel.Errorf(kernel.EConflict, "本案已有进行中的调解（%s）", m.UnitName)
			}
		}
		sug, err := s.suggest(t.ctx, t.store, t.units, c)
		if err != nil {
			return err
		}
		if len(sug) > 0 && sug[0].UnitID != u.ID && in.Note == "" {
			return kernel.FieldError("note", "所选机构不是推荐的首选（"+sug[0].Name+"），请说明理由")
		}
		details, err := t.cases.CaseDetails(t.ctx, c.ID)
		if err != nil {
			return err
		}
		now := s.now()
		// Into handling: the mediation is how the matter is handled.
		for _, to := range handlingPath(c.Status) {
			if _, err := t.cases.Transition(t.ctx, module(actor), c.No, to, "转入"+in.Flow.Label()+"："+u.Name); err != nil {
				return err
			}
		}
		m := &Mediation{CaseID: c.ID, CaseNo: c.No, RegionCode: c.RegionCode, UnitID: u.ID, UnitName: u.Name,
			Flow: in.Flow, Status: StatusWaiting, Note: in.Note, ClockKind: ClockFor(in.Flow, u),
			OpenedBy: actor.Name, OpenedAt: now}
		if err := t.store.CreateMediation(t.ctx, m); err != nil {
			return err
		}
		data := map[string]any{"mediation_id": m.ID, "unit_id": u.ID, "unit": u.Name, "flow": string(in.Flow)}
		if len(sug) > 0 && sug[0].UnitID != u.ID {
			data["suggested_unit"] = sug[0].Name
		}
		if err := t.note(actor, c.ID, EventOpened, fmt.Sprintf("发起%s：%s", in.Flow.Label(), u.Name)+suffix(in.Note), data); err != nil {
			return err
		}
		var first *Profile
		if in.Mediator != "" {
			if first, err = s.chosen(t, m, details, in.Mediator); err != nil {
				return err
			}
		}
		if err := s.offerNext(t, actor, m, details, first); err != nil {
			return err
		}
		out = m
		return nil
	})
	if err != nil {
		return nil, err
	}
	return s.Store.Mediation(ctx, out.ID)
}

func suffix(note string) string {
	if note == "" {
		return ""
	}
	return "（" + note + "）"
}

// handlingPath is the transitions that put a case of status st in handling.
func handlingPath(st cases.Status) []cases.Status {
	switch st {
	case cases.StatusRegistered:
		return []cases.Status{cases.StatusAccepted, cases.StatusInProgress}
	case cases.StatusAccepted:
		return []cases.Status{cases.StatusInProgress}
	}
	return nil
}

// chosen checks a mediator staff chose by name for the mediation.
func (s *Service) chosen(t *txn, m *Mediation, c *cases.Case, username string) (*Profile, error) {
	ps, err := t.store.ProfilesOfUnit(t.ctx, m.UnitID)
	if err != nil {
		return nil, err
	}
	for _, p := range ps {
		if p.Username != username {
			continue
		}
		switch {
		case p.Disabled:
			return nil, kernel.FieldError("mediator", "该调解员账号已停用")
		case p.Load >= p.Capacity:
			return nil, kernel.FieldError("mediator", fmt.Sprintf("该调解员已达承办上限（%d件）", p.Capacity))
		case s.conflict(p, c.Parties):
			return nil, kernel.FieldError("mediator", "该调解员已声明与本案当事人存在利害关系，应当回避")
		case !p.Available(today(s.now())):
			return nil, kernel.FieldError("mediator", "该调解员当前不在可承办期间")
		case !kernel.InRegion(c.RegionCode, p.RegionCode):
			return nil, kernel.FieldError("mediator", "该调解员的管辖区域不包含本案所在地")
		}
		return p, nil
	}
	return nil, kernel.FieldError("mediator", "该调解员不在所选调解组织")
}

// candidates are the body's mediators who may be offered the mediation,
// best first: matching specialty, least loaded, most spare capacity.
func (s *Service) candidates(t *txn, m *Mediation, c *cases.Case) ([]*Profile, error) {
	ps, err := t.store.ProfilesOfUnit(t.ctx, m.UnitID)
	if err != nil {
		return nil, err
	}
	offered := map[int64]bool{}
	for _, o := range m.Offers {
		offered[o.MediatorID] = true
	}
	day := today(s.now())
	var out []*Profile
	for _, p := range ps {
		if p.Disabled || offered[p.UserID] || !p.Available(day) || p.Load >= p.Capacity ||
			!kernel.InRegion(c.RegionCode, p.RegionCode) || s.conflict(p, c.Parties) {
			continue
		}
		out = append(out, p)
	}
	sort.SliceStable(out, func(i, j int) bool {
		a, b := out[i], out[j]
		if sa, sb := a.HasSpecialty(c.Category), b.HasSpecialty(c.Category); sa != sb {
			return sa
		}
		if a.Load != b.Load {
			return a.Load < b.Load
		}
		if fa, fb := a.Capacity-a.Load, b.Capacity-b.Load; fa != fb {
			return fa > fb
		}
		return a.Username < b.Username
	})
	return out, nil
}

// offerNext offers the mediation to first, or to the best mediator not yet
// offered it; with nobody left the mediation waits for staff.
func (s *Service) offerNext(t *txn, actor kernel.Actor, m *Mediation, c *cases.Case, first *Profile) error {
	list := []*Profile{first}
	if first == nil {
		full, err := t.store.Mediation(t.ctx, m.ID)
		if err != nil {
			return err
		}
		m.Offers = full.Offers
		if list, err = s.candidates(t, m, c); err != nil {
			return err
		}
	}
	// The load the profiles carry was read without a lock: count it again
	// under the mediator's lock, so two offers at once cannot both take
	// the last place.
	chosen := first
	first = nil
	for _, p := range list {
		load, err := t.store.LockedLoad(t.ctx, p.UserID)
		if err != nil {
			return err
		}
		if load < p.Capacity {
			first = p
			break
		}
		if chosen != nil {
			return kernel.FieldError("mediator", fmt.Sprintf("该调解员已达承办上限（%d件）", p.Capacity))
		}
	}
	now := s.now()
	if first == nil {
		m.Status = StatusWaiting
		if err := t.store.UpdateMediation(t.ctx, m); err != nil {
			return err
		}
		return t.note(actor, m.CaseID, EventWaiting, m.UnitName+"暂无可承办的调解员，请另行指定调解组织或调解员",
			map[string]any{"mediation_id": m.ID})
	}
	due, err := s.Cases.Calendar.DueAt(now, OfferWorkingDays, calendar.WorkingDays)
	if err != nil {
		return err
	}
	o := &Offer{MediationID: m.ID, MediatorID: first.UserID, Mediator: first.Username, Name: first.Name,
		Status: OfferPending, OfferedAt: now, DueAt: due.UTC()}
	if err := t.store.CreateOffer(t.ctx, o); err != nil {
		return err
	}
	m.Status = StatusOffered
	if err := t.store.UpdateMediation(t.ctx, m); err != nil {
		return err
	}
	return t.note(actor, m.CaseID, EventOffered,
		fmt.Sprintf("调解邀请发给调解员%s，请于%s前答复", first.Name, due.In(cases.ChinaTime).Format("2006年1月2日")),
		map[string]any{"mediation_id": m.ID, "offer_id": o.ID, "mediator": first.Username, "due_at": due.UTC()})
}

// load finds a mediation the actor sees.
func (s *Service) load(ctx context.Context, st Store, actor kernel.Actor, id int64) (*Mediation, error) {
	m, err := st.Mediation(ctx, id)
	if kernel.ErrorCode(err) == kernel.ENotFound {
		return nil, notFound()
	} else if err != nil {
		return nil, err
	}
	if !actor.Sees(m.RegionCode) && (m.MediatorID == nil || *m.MediatorID != actor.UserID) && !offeredTo(m, actor.UserID) {
		return nil, notFound()
	}
	return m, nil
}

func offeredTo(m *Mediation, userID int64) bool {
	for _, o := range m.Offers {
		if o.MediatorID == userID && o.Status == OfferPending {
			return true
		}
	}
	return false
}

// Get returns a mediation the actor sees.
func (s *Service) Get(ctx context.Context, actor kernel.Actor, id int64) (*Mediation, error) {
	return s.load(ctx, s.Store, actor, id)
}

// OfCase returns the mediations of a case, newest first.
func (s *Service) OfCase(ctx context.Context, actor kernel.Actor, no string) ([]*Mediation, error) {
	c, err := s.Cases.Find(ctx, actor, no)
	if err != nil {
		return nil, err
	}
	return s.Store.CaseMediations(ctx, c.ID)
}

// pendingOffer checks that offerID is the pending offer of m made to the actor.
func pendingOffer(m *Mediation, offerID int64, actor kernel.Actor) (*Offer, error) {
	for i := range m.Offers {
		o := &m.Offers[i]
		if o.ID != offerID {
			continue
		}
		if o.MediatorID != actor.UserID {
			return nil, kernel.Errorf(kernel.EForbidden, "只有被邀请的调解员本人可以答复")
		}
		if o.Status != OfferPending {
			return nil, kernel.Errorf(kernel.EConflict, "该调解邀请已答复或已失效")
		}
		return o, nil
	}
	return nil, kernel.Errorf(kernel.ENotFound, "调解邀请不存在")
}

// Accept is the offered mediator's acceptance: the mediation starts, its
// clock runs and the case is assigned to the mediator.
func (s *Service) Accept(ctx context.Context, actor kernel.Actor, id, offerID int64) (*Mediation, error) {
	err := s.inTx(ctx, func(t *txn) error {
		m, err := s.load(t.ctx, t.store, actor, id)
		if err != nil {
			return err
		}
		o, err := pendingOffer(m, offerID, actor)
		if err != nil {
			return err
		}
		now := s.now()
		ok, err := t.store.AnswerOffer(t.ctx, o.ID, OfferAccepted, "", now)
		if err != nil {
			return err
		} else if !ok {
			return kernel.Errorf(kernel.EConflict, "该调解邀请已答复或已失效")
		}
		u, err := s.Users.UserByID(t.ctx, actor.UserID)
		if err != nil {
			return err
		}
		uid := actor.UserID
		m.Status, m.MediatorID, m.Mediator, m.MediatorName, m.AcceptedAt = StatusActive, &uid, u.Username, o.Name, &now
		if err := t.store.UpdateMediation(t.ctx, m); err != nil {
			return err
		}
		if _, err := t.cases.Assign(t.ctx, module(actor), m.CaseNo, &cases.Assignee{UserID: u.ID, Name: o.Name,
			Role: u.Role, RegionCode: u.RegionCode, Disabled: u.Disabled}, "接受"+m.UnitName+"调解"); err != nil {
			return err
		}
		k, err := s.Clocks.StartIn(t.ctx, t.tx, m.CaseID, m.ClockKind, now)
		if err != nil {
			return err
		}
		return t.note(actor, m.CaseID, EventAccepted, fmt.Sprintf("调解员%s接受调解，%s至%s", o.Name,
			s.Clocks.Label(m.ClockKind), k.Due.In(cases.ChinaTime).Format("2006年1月2日")),
			map[string]any{"mediation_id": m.ID, "offer_id": o.ID, "clock": string(m.ClockKind), "due_at": k.Due})
	})
	if err != nil {
		return nil, err
	}
	return s.Store.Mediation(ctx, id)
}

// Decline is the offered mediator's refusal, with a reason; the mediation
// is offered to the next mediator.
func (s *Service) Decline(ctx context.Context, actor kernel.Actor, id, offerID int64, reason string) (*Mediation, error) {
	reason = strings.TrimSpace(reason)
	if reason == "" || tooLong(reason, 500) {
		return nil, kernel.FieldError("reason", "请填写拒绝理由（不超过500个字）")
	}
	err := s.inTx(ctx, func(t *txn) error {
		m, err := s.load(t.ctx, t.store, actor, id)
		if err != nil {
			return err
		}
		o, err := pendingOffer(m, offerID, actor)
		if err != nil {
			return err
		}
		if ok, err := t.store.AnswerOffer(t.ctx, o.ID, OfferDeclined, reason, s.now()); err != nil {
			return err
		} else if !ok {
			return kernel.Errorf(kernel.EConflict, "该调解邀请已答复或已失效")
		}
		if err := t.note(actor, m.CaseID, EventDeclined, "调解员"+o.Name+"拒绝调解："+reason,
			map[string]any{"mediation_id": m.ID, "offer_id": o.ID, "reason": reason}); err != nil {
			return err
		}
		c, err := t.cases.CaseDetails(t.ctx, m.CaseID)
		if err != nil {
			return err
		}
		return s.offerNext(t, actor, m, c, nil)
	})
	if err != nil {
		return nil, err
	}
	return s.Store.Mediation(ctx, id)
}

// Recuse: the mediator discloses a conflict after accepting (回避); the
// case is taken back from them and the mediation offered to the next.
func (s *Service) Recuse(ctx context.Context, actor kernel.Actor, id int64, reason string) (*Mediation, error) {
	reason = strings.TrimSpace(reason)
	if reason == "" || tooLong(reason, 500) {
		return nil, kernel.FieldError("reason", "请说明回避理由（不超过500个字）")
	}
	err := s.inTx(ctx, func(t *txn) error {
		m, err := s.load(t.ctx, t.store, actor, id)
		if err != nil {
			return err
		}
		if m.Status != StatusActive || m.MediatorID == nil {
			return kernel.Errorf(kernel.EConflict, "调解当前状态为“%s”，不能申请回避", m.Status.Label())
		}
		if *m.MediatorID != actor.UserID && actor.Role != kernel.RoleSupervisor {
			return kernel.Errorf(kernel.EForbidden, "只有承办调解员本人或督办员可以申请回避")
		}
		for _, o := range m.Offers {
			if o.Status == OfferAccepted && o.MediatorID == *m.MediatorID {
				if err := t.store.SetOfferStatus(t.ctx, o.ID, OfferRecused, reason); err != nil {
					return err
				}
			}
		}
		name := m.MediatorName
		m.MediatorID, m.Mediator, m.MediatorName, m.AcceptedAt = nil, "", "", nil
		if _, err := t.cases.Assign(t.ctx, module(actor), m.CaseNo, nil, "调解员回避"); err != nil {
			return err
		}
		if err := t.note(actor, m.CaseID, EventRecused, "调解员"+name+"回避："+reason,
			map[string]any{"mediation_id": m.ID, "reason": reason}); err != nil {
			return err
		}
		c, err := t.cases.CaseDetails(t.ctx, m.CaseID)
		if err != nil {
			return err
		}
		return s.offerNext(t, actor, m, c, nil)
	})
	if err != nil {
		return nil, err
	}
	return s.Store.Mediation(ctx, id)
}

// ExpireOffers moves every offer unanswered past its due to the next
// mediator. Several servers may sweep at once: the conditional update
// lets one of them expire each offer.
func (s *Service) ExpireOffers(ctx context.Context) (int, error) {
	list, err := s.Store.ExpiredOffers(ctx, s.now(), 100)
	if err != nil {
		return 0, err
	}
	n := 0
	sys := kernel.SystemActor("调解邀请超时")
	for _, o := range list {
		err := s.inTx(ctx, func(t *txn) error {
			ok, err := t.store.AnswerOffer(t.ctx, o.ID, OfferExpired, "3个工作日内未答复", s.now())
			if err != nil || !ok {
				return err
			}
			n++
			m, err := t.store.Mediation(t.ctx, o.MediationID)
			if err != nil {
				return err
			}
			if err := t.note(sys, m.CaseID, EventExpired, fmt.Sprintf("调解员%s在%d个工作日内未答复，调解邀请转给下一位调解员", o.Name, OfferWorkingDays),
				map[string]any{"mediation_id": m.ID, "offer_id": o.ID}); err != nil {
				return err
			}
			c, err := t.cases.CaseDetails(t.ctx, m.CaseID)
			if err != nil {
				return err
			}
			return s.offerNext(t, sys, m, c, nil)
		})
		if err != nil {
			return n, err
		}
	}
	return n, nil
}

// --- sessions ------------------------------------------------------------

// handles: the mediation's mediator, or a supervisor who sees the case.
func handles(a kernel.Actor, m *Mediation) bool {
	return (m.MediatorID != nil && *m.MediatorID == a.UserID) || (a.Role == kernel.RoleSupervisor && a.Sees(m.RegionCode))
}

// activeFor loads a mediation the actor handles and that is mediating.
func (s *Service) activeFor(t *txn, actor kernel.Actor, id int64) (*Mediation, error) {
	m, err := s.load(t.ctx, t.store, actor, id)
	if err != nil {
		return nil, err
	}
	if !handles(actor, m) {
		return nil, kernel.Errorf(kernel.EForbidden, "只有承办调解员或督办员可以办理此调解")
	}
	if !m.Status.Open() {
		return nil, kernel.Errorf(kernel.EConflict, "调解已结束（%s）", m.Status.Label())
	}
	if m.Status != StatusActive {
		return nil, kernel.Errorf(kernel.EInvalid, "调解尚未由调解员接受")
	}
	return m, nil
}

// NewSession is a session to schedule.
type NewSession struct {
	Kind         string
	StartsAt     time.Time
	Place        string
	Participants []Participant
}

var participantRoles = map[string]bool{"applicant": true, "respondent": true, "representative": true, "other": true}

// AddSession schedules a session; reminders run 24 h and 1 h before.
func (s *Service) AddSession(ctx context.Context, actor kernel.Actor, id int64, in NewSession) (*Session, error) {
	in.Place = strings.TrimSpace(in.Place)
	now := s.now()
	fields := map[string]string{}
	switch in.Kind {
	case "in_person":
		if in.Place == "" {
			fields["place"] = "现场调解请填写地点"
		}
	case "video":
	default:
		fields["kind"] = "调解方式应为 in_person 或 video"
	}
	if tooLong(in.Place, 200) {
		fields["place"] = "长度不能超过200个字符"
	}
	if in.StartsAt.IsZero() {
		fields["starts_at"] = "请填写调解时间"
	} else if !in.StartsAt.After(now) {
		fields["starts_at"] = "调解时间不能早于当前时间"
	}
	if len(in.Participants) == 0 || len(in.Participants) > 30 {
		fields["participants"] = "请填写参加人员（1至30人）"
	}
	for i, p := range in.Participants {
		if strings.TrimSpace(p.Name) == "" || tooLong(p.Name, 50) {
			fields[fmt.Sprintf("participants[%d].name", i)] = "请填写姓名（不超过50个字）"
		}
		if !participantRoles[p.Role] {
			fields[fmt.Sprintf("participants[%d].role", i)] = "身份应为 applicant、respondent、representative 或 other"
		}
	}
	if err := invalid(fields); err != nil {
		return nil, err
	}
	var out *Session
	err := s.inTx(ctx, func(t *txn) error {
		m, err := s.activeFor(t, actor, id)
		if err != nil {
			return err
		}
		ss := &Session{MediationID: m.ID, Kind: in.Kind, StartsAt: in.StartsAt.UTC(), Place: in.Place,
			Participants: in.Participants, CreatedBy: actor.Name, CreatedAt: now}
		if err := t.store.CreateSession(t.ctx, ss); err != nil {
			return err
		}
		if in.Kind == "video" && s.Link != nil {
			ss.Link = s.Link.Expand(&video.Booking{ID: ss.ID, RoomToken: token(), CaseNo: m.CaseNo},
				&video.Day{LeaderID: actor.UserID}, &video.Slot{ID: ss.ID, StartsAt: ss.StartsAt})
			if err := t.store.UpdateSession(t.ctx, ss); err != nil {
				return err
			}
		}
		where := ss.Place
		if in.Kind == "video" {
			where = "视频调解"
			if ss.Link != "" {
				where += " " + ss.Link
			}
		}
		names := make([]string, len(in.Participants))
		for i, p := range in.Participants {
			names[i] = p.Name
		}
		if err := t.note(actor, m.CaseID, EventSession, fmt.Sprintf("安排调解：%s，%s，参加人员：%s",
			ss.StartsAt.In(cases.ChinaTime).Format("2006年1月2日 15:04"), where, strings.Join(names, "、")),
			map[string]any{"mediation_id": m.ID, "session_id": ss.ID, "starts_at": ss.StartsAt, "kind": in.Kind}); err != nil {
			return err
		}
		if s.Scheduler != nil {
			for _, lead := range s.Leads {
				at := ss.StartsAt.Add(-lead)
				if at.After(now) {
					if err := s.Scheduler.ScheduleReminder(t.ctx, t.tx, ReminderArgs{SessionID: ss.ID, LeadMinutes: int(lead / time.Minute)}, at); err != nil {
						return err
					}
				}
			}
		}
		out = ss
		return nil
	})
	return out, err
}

func token() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// RecordMinutes records a session's minutes (调解笔录) after it took place.
func (s *Service) RecordMinutes(ctx context.Context, actor kernel.Actor, id, sessionID int64, minutes string) (*Session, error) {
	minutes = strings.TrimSpace(minutes)
	if minutes == "" || tooLong(minutes, 10000) {
		return nil, kernel.FieldError("minutes", "请填写调解笔录（不超过10000个字）")
	}
	var out *Session
	err := s.inTx(ctx, func(t *txn) error {
		m, err := s.load(t.ctx, t.store, actor, id)
		if err != nil {
			return err
		}
		if !handles(actor, m) {
			return kernel.Errorf(kernel.EForbidden, "只有承办调解员或督办员可以记录笔录")
		}
		ss, err := t.store.Session(t.ctx, sessionID)
		if err != nil || ss.MediationID != m.ID {
			return kernel.Errorf(kernel.ENotFound, "调解会议不存在")
		}
		if ss.StartsAt.After(s.now()) {
			return kernel.FieldError("minutes", "调解会议尚未开始，不能记录笔录")
		}
		ss.Minutes = minutes
		if err := t.store.UpdateSession(t.ctx, ss); err != nil {
			return err
		}
		out = ss
		return t.note(actor, m.CaseID, EventMinutes, "记录调解笔录（"+ss.StartsAt.In(cases.ChinaTime).Format("1月2日 15:04")+"）",
			map[string]any{"mediation_id": m.ID, "session_id": ss.ID})
	})
	return out, err
}

// Remind runs a reminder job: for a session of a mediation still running
// and still to come, a note on the case's timeline.
func (s *Service) Remind(ctx context.Context, args ReminderArgs) error {
	ss, err := s.Store.Session(ctx, args.SessionID)
	if kernel.ErrorCode(err) == kernel.ENotFound {
		return nil
	} else if err != nil {
		return err
	}
	m, err := s.Store.Mediation(ctx, ss.MediationID)
	if err != nil {
		return err
	}
	if m.Status != StatusActive || !s.now().Before(ss.StartsAt) {
		return nil
	}
	where, place := ss.Place, ss.Place
	if ss.Kind == "video" {
		where, place = "视频调解 "+ss.Link, "视频调解"
	}
	// starts_at, mediator and place are what a message to the residents
	// needs: the WeChat channel sends this event (mediation_reminder) to
	// those who filed through WeChat when a template is configured for it;
	// the note itself stays on the timeline for staff.
	return s.Cases.Note(ctx, kernel.SystemActor("调解提醒"), m.CaseID, EventReminder,
		fmt.Sprintf("提醒：%s %s，调解员%s", ss.StartsAt.In(cases.ChinaTime).Format("1月2日 15:04"), strings.TrimSpace(where), m.MediatorName),
		map[string]any{"mediation_id": m.ID, "session_id": ss.ID, "lead_minutes": args.LeadMinutes, "starts_at": ss.StartsAt,
			"mediator": m.MediatorName, "place": place})
}
