package cases

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/jiefen/jiefen/calendar"
	"github.com/jiefen/jiefen/kernel"
)

// ChinaTime is the zone of case numbers, calendar days and deadlines.
var ChinaTime = calendar.China

// Policy holds the statutory time limits applied to new cases.
type Policy struct {
	AcceptDays int // days to decide whether to accept (信访工作条例: 15日)
	HandleDays int // days to handle an accepted matter (信访工作条例: 60日)
}

// DefaultPolicy is the petition regulation's time limits.
var DefaultPolicy = Policy{AcceptDays: 15, HandleDays: 60}

// Service registers intakes and moves cases through their life cycle. Every
// change writes a timeline event in the same transaction.
type Service struct {
	// Tx begins the units of work every change runs in.
	Tx       kernel.Transactor
	Store    Store
	Calendar *calendar.Calendar
	Policy   Policy
	// Now is the clock; imports replace it to replay history.
	Now func() time.Time
	// Detector relates new intakes to earlier ones; nil registers every
	// intake as a new case.
	Detector Detector
	// Searcher answers staff's free-text search; nil falls back to LIKE.
	Searcher Searcher
	// known caches region codes seen to exist: regions are only ever added.
	// A pointer, so that copies of the service (imports, demo) share it.
	known *sync.Map
	// Notifier hears of every timeline event inside the transaction that
	// writes it; nil for none.
	Notifier Notifier
	// Observer, if set, times registrations and detections (metrics).
	Observer Observer
	// Clocks keeps the case's deadlines in case_clocks; nil for only the
	// two due columns.
	Clocks Clocks
	// Changed is called after a commit that changed what the search index
	// holds, so it can catch up at once; the change feed guarantees it
	// catches up later if this is nil or fails.
	Changed func(ctx context.Context)
	// Hooks act on every registration in its unit of work (hooks.go).
	Hooks []RegistrationHook
}

// NewService returns a service with the default policy and the wall clock.
func NewService(tx kernel.Transactor, store Store, cal *calendar.Calendar) *Service {
	return &Service{Tx: tx, Store: store, Calendar: cal, Policy: DefaultPolicy, Now: time.Now, known: &sync.Map{}}
}

// WithTx returns the service bound to a unit of work another module began:
// what it changes commits with the module's own rows, its timeline events
// and jobs, or not at all; the search index hears of it after that commit.
func (s *Service) WithTx(tx kernel.Tx) *Service {
	bound := *s
	bound.Tx = joined{tx}
	bound.Store = s.Store.WithTx(tx)
	return &bound
}

// joined is the transactor of a bound service: its work joins tx.
type joined struct{ tx kernel.Tx }

func (j joined) InTx(ctx context.Context, fn func(ctx context.Context, tx kernel.Tx) error) error {
	return fn(kernel.WithTx(ctx, j.tx), j.tx)
}

// inTx runs fn with the store bound to one unit of work.
func (s *Service) inTx(ctx context.Context, fn func(ctx context.Context, tx Store) error) error {
	return s.Tx.InTx(ctx, func(ctx context.Context, t kernel.Tx) error {
		return fn(ctx, s.Store.WithTx(t))
	})
}

// Observer times the service's hot paths.
type Observer interface {
	ObserveRegistration(d time.Duration)
	ObserveDetection(d time.Duration)
}

// Registration is the result of registering an intake.
type Registration struct {
	Case     *Case
	Intake   *Intake
	Decision string  // DecisionNew, DecisionMerged, DecisionRepeat or DecisionGrouped
	Related  []Match // the cases the decision relates to, and suggestions
	Replayed bool    // the same source key was registered before
	// Extra holds the modules' answers (RegistrationHook), by key.
	Extra map[string]any
}

// Text limits, in characters.
const (
	MaxSubject = 200
	MaxContent = 20000
	MaxAddress = 500
	MaxName    = 100
)

// Register persists an intake and the case it opens, in one transaction. A
// repeated SourceKey returns the first registration unchanged.
func (s *Service) Register(ctx context.Context, actor kernel.Actor, in Intake) (*Registration, error) {
	if err := actor.Require(kernel.PermRegister); err != nil {
		return nil, err
	}
	if s.Observer != nil {
		defer func(start time.Time) { s.Observer.ObserveRegistration(time.Since(start)) }(time.Now())
	}
	now := s.Now().UTC()
	if err := s.prepareIntake(ctx, actor, &in, now); err != nil {
		return nil, err
	}
	// A repeated source key is found by the unique constraint rather than a
	// look-up first: retries are rare, registrations are not.
	var reg *Registration
	prepared := in
	err := s.retryStale(ctx, func() error {
		in = prepared // an attempt that failed may have numbered it
		return s.update(ctx, func(tx Store) error {
			var err error
			reg, err = s.register(ctx, tx, actor, &in, now)
			return err
		})
	})
	return s.settle(ctx, actor, &in, reg, err)
}

// staleAttempts bounds how often an intake is stored again after meeting a
// concurrent change of the case it joins.
const staleAttempts = 8

// retryStale runs fn again while it fails with ErrStale: the case an
// intake was to join changed meanwhile (another intake, a staff action), so
// detection and storing run again on the fresh state.
func (s *Service) retryStale(ctx context.Context, fn func() error) error {
	var err error
	for attempt := 0; attempt < staleAttempts; attempt++ {
		if err = fn(); !errors.Is(err, ErrStale) || ctx.Err() != nil {
			return err
		}
	}
	return err
}

// settle returns the outcome of storing an intake: on a clash of its
// source key — a retry, or a concurrent request with the same key that won
// the race — the first registration.
func (s *Service) settle(ctx context.Context, actor kernel.Actor, in *Intake, reg *Registration, err error) (*Registration, error) {
	if kernel.ErrorCode(err) == kernel.EConflict && in.SourceKey != "" {
		if reg, rerr := s.replay(ctx, actor, in); reg != nil || rerr != nil {
			return reg, rerr
		}
	}
	if err != nil {
		return nil, err
	}
	return reg, nil
}

// Notifier hears of every timeline event inside the transaction that
// writes it, so that what must follow — a message to the resident, a
// callback to the hotline — is enqueued with the change or not at all.
type Notifier interface {
	CaseEvent(ctx context.Context, tx Store, e *Event) error
}

// RecordEvent writes a timeline event in tx and tells the notifier, as the
// service does for its own events: for channels whose actions on a case the
// service does not know (a hotline order sent back).
func (s *Service) RecordEvent(ctx context.Context, tx Store, e *Event) error {
	return s.record(ctx, tx, e)
}

// record writes a timeline event and tells the notifier.
func (s *Service) record(ctx context.Context, tx Store, e *Event) error {
	if err := tx.CreateEvent(ctx, e); err != nil {
		return err
	}
	if s.Notifier != nil {
		return s.Notifier.CaseEvent(ctx, tx, e)
	}
	return nil
}

// update runs fn in one transaction and, once it has committed, lets the
// search index catch up.
func (s *Service) update(ctx context.Context, fn func(tx Store) error) error {
	return s.Tx.InTx(ctx, func(ctx context.Context, t kernel.Tx) error {
		if s.Changed != nil {
			t.AfterCommit(func() { s.Changed(ctx) })
		}
		return fn(s.Store.WithTx(t))
	})
}

// register runs detection and stores the intake as it decides, in tx.
func (s *Service) register(ctx context.Context, tx Store, actor kernel.Actor, in *Intake, now time.Time) (*Registration, error) {
	det := &Detection{Decision: DecisionNew}
	if s.Detector != nil {
		start := time.Now()
		d, err := s.Detector.Detect(ctx, tx, in, actor.Scope(), now)
		if s.Observer != nil {
			s.Observer.ObserveDetection(time.Since(start))
		}
		if err != nil {
			return nil, err
		}
		if det, err = s.forResident(ctx, tx, in, d); err != nil {
			return nil, err
		}
	}
	reg := &Registration{Intake: in, Decision: det.Decision}
	in.Decision = det.Decision
	if det.Decision == DecisionMerged {
		c, err := tx.CaseByID(ctx, det.Target.CaseID)
		if err != nil {
			return nil, err
		}
		if c.Status.Open() {
			if err := s.addIntake(ctx, tx, actor, c, in, now); err != nil {
				return nil, err
			}
			if err := s.own(ctx, tx, c, in, now); err != nil {
				return nil, err
			}
			c.UpdatedAt = now
			if err := tx.UpdateCase(ctx, c); err != nil {
				return nil, err
			}
			if err := s.record(ctx, tx, &Event{CaseID: c.ID, At: now, ActorID: actor.UserID, ActorName: actor.Name,
				Kind: EventIntakeAdded, Data: map[string]any{"intake_ref": in.Ref, "channel": in.Channel,
					"decision": DecisionMerged, "score": det.Target.Score, "reasons": det.Target.Reasons}}); err != nil {
				return nil, err
			}
			reg.Case = c
			reg.Related = []Match{*det.Target}
		} else {
			// Closed since the detector looked: the intake repeats it.
			det.Decision, det.Target.Kind = DecisionRepeat, LinkRepeat
			reg.Decision, in.Decision = DecisionRepeat, DecisionRepeat
		}
	}
	if reg.Case == nil {
		c, err := s.openCase(ctx, tx, actor, in, now)
		if err != nil {
			return nil, err
		}
		reg.Case = c
		if det.Decision == DecisionRepeat {
			if err := s.link(ctx, tx, actor, c, *det.Target, LinkConfirmed, now); err != nil {
				return nil, err
			}
			reg.Related = []Match{*det.Target}
		}
		// A repeat may also belong to a group issue.
		if len(det.Group) > 0 {
			if err := s.group(ctx, tx, actor, c, det.Group, now); err != nil {
				return nil, err
			}
			reg.Related = append(reg.Related, det.Group...)
		}
	}
	for _, m := range det.Review {
		if m.CaseID == reg.Case.ID {
			continue
		}
		if err := s.link(ctx, tx, actor, reg.Case, m, LinkSuggested, now); err != nil {
			return nil, err
		}
		reg.Related = append(reg.Related, m)
	}
	if err := s.afterRegister(ctx, tx, actor, reg); err != nil {
		return nil, err
	}
	return reg, nil
}

// prepareIntake normalises and checks what every channel must provide.
// Channel adapters validate their own formats first; this is the domain's
// last line, lenient enough for legacy imports.
func (s *Service) prepareIntake(ctx context.Context, actor kernel.Actor, in *Intake, now time.Time) error {
	fields := map[string]string{}
	if !in.Channel.Valid() {
		fields["channel"] = "不支持的受理渠道"
	}
	in.Subject = strings.TrimSpace(in.Subject)
	in.Content = strings.TrimSpace(in.Content)
	in.Address = strings.TrimSpace(in.Address)
	in.Person.Name = strings.TrimSpace(in.Person.Name)
	if in.Subject == "" && in.Content == "" {
		fields["subject"] = "标题和内容不能同时为空"
	}
	for name, v := range map[string]struct {
		s   string
		max int
	}{"subject": {in.Subject, MaxSubject}, "content": {in.Content, MaxContent},
		"address": {in.Address, MaxAddress}, "person.name": {in.Person.Name, MaxName}} {
		if utf8.RuneCountInString(v.s) > v.max {
			fields[name] = fmt.Sprintf("长度不能超过%d个字符", v.max)
		}
	}
	if in.Category == "" {
		in.Category = "other"
	} else if !ValidCategory(in.Category) {
		fields["category"] = "未知的纠纷类别"
	}
	if in.ReceivedAt.IsZero() {
		in.ReceivedAt = now
	} else if in.ReceivedAt.After(now.Add(5 * time.Minute)) {
		fields["received_at"] = "受理时间不能晚于当前时间"
	}
	in.ReceivedAt = in.ReceivedAt.UTC()
	if in.Respondent != nil {
		r := *in.Respondent // the caller's value is not ours to change
		in.Respondent = &r
		r.Name = strings.TrimSpace(r.Name)
		if r.Name == "" {
			in.Respondent = nil
		} else if r.Kind == "" {
			r.Kind = KindPerson
		} else if r.Kind != KindPerson && r.Kind != KindOrganisation {
			fields["respondent.kind"] = "被反映人类型应为 person 或 organisation"
		}
	}
	code, ok := kernel.NormalizeRegionCode(in.RegionCode)
	if !ok {
		fields["region_code"] = "行政区划代码格式错误"
	} else if err := s.regionExists(ctx, code); kernel.ErrorCode(err) == kernel.ENotFound {
		fields["region_code"] = "行政区划代码不存在"
	} else if err != nil {
		return err
	} else if !actor.Sees(code) {
		fields["region_code"] = "该地区不在您的管辖范围内"
	}
	in.RegionCode = code
	if len(fields) > 0 {
		return &kernel.Error{Code: kernel.EInvalid, Message: "提交的数据有误", Fields: fields}
	}
	in.SourceHash = fingerprint(in)
	in.NameKey = NameKey(in.Person.Name)
	return nil
}

// regionExists checks a region code, remembering the ones that exist.
func (s *Service) regionExists(ctx context.Context, code string) error {
	if s.known != nil {
		if _, ok := s.known.Load(code); ok {
			return nil
		}
	}
	if _, err := s.Store.Region(ctx, code); err != nil {
		return err
	}
	if s.known != nil {
		s.known.Store(code, true)
	}
	return nil
}

// fingerprint identifies what was asked, so that a reused idempotency key
// with other content is told apart from a retry.
func fingerprint(in *Intake) string {
	h := sha256.New()
	for _, s := range []string{string(in.Channel), in.Person.Name, in.Person.IDNumber, in.Person.Phone,
		in.Subject, in.Content, in.Address, in.RegionCode, in.Category, in.ExternalRef} {
		h.Write([]byte(s))
		h.Write([]byte{0})
	}
	return hex.EncodeToString(h.Sum(nil)[:16])
}

// Registered returns the intake registered under a source key (a channel's
// idempotency key), ENotFound if none was.
func (s *Service) Registered(ctx context.Context, sourceKey string) (*Intake, error) {
	return s.Store.IntakeBySourceKey(ctx, sourceKey)
}

// replay returns the earlier registration for the intake's source key, or
// nil if there is none.
func (s *Service) replay(ctx context.Context, actor kernel.Actor, in *Intake) (*Registration, error) {
	prev, err := s.Store.IntakeBySourceKey(ctx, in.SourceKey)
	if kernel.ErrorCode(err) == kernel.ENotFound {
		return nil, nil
	} else if err != nil {
		return nil, err
	}
	if prev.SourceHash != in.SourceHash {
		return nil, kernel.Errorf(kernel.EConflict, "该幂等键已用于内容不同的另一次提交")
	}
	c, err := s.Store.CaseByID(ctx, prev.CaseID)
	if err != nil {
		return nil, err
	}
	return &Registration{Case: c, Intake: prev, Decision: prev.Decision, Replayed: true}, nil
}

// openCase registers the intake as the first of a new case.
func (s *Service) openCase(ctx context.Context, tx Store, actor kernel.Actor, in *Intake, now time.Time) (*Case, error) {
	c, err := s.newCase(ctx, tx, actor, in, now)
	if err != nil {
		return nil, err
	}
	if err := s.addIntake(ctx, tx, actor, c, in, now); err != nil {
		return nil, err
	}
	ev := &Event{CaseID: c.ID, At: now, ActorID: actor.UserID, ActorName: actor.Name,
		Kind: EventRegistered, ToStatus: StatusRegistered,
		Data: map[string]any{"intake_ref": in.Ref, "channel": in.Channel}}
	if err := s.record(ctx, tx, ev); err != nil {
		return nil, err
	}
	return c, nil
}

// newCase numbers and stores an empty case for the intake's matter.
func (s *Service) newCase(ctx context.Context, tx Store, actor kernel.Actor, in *Intake, now time.Time) (*Case, error) {
	day := now.In(ChinaTime).Format("20060102")
	county := kernel.CountyCode(in.RegionCode)
	seq, err := tx.NextCaseSeq(ctx, county, day)
	if err != nil {
		return nil, err
	}
	acceptDue, err := s.Calendar.DueAt(in.ReceivedAt, s.Policy.AcceptDays, calendar.CalendarDays)
	if err != nil {
		return nil, err
	}
	c := &Case{
		No:         fmt.Sprintf("%s%s%05d", county, day, seq),
		Subject:    caseSubject(in),
		Category:   in.Category,
		RegionCode: in.RegionCode,
		Address:    in.Address,
		Status:     StatusRegistered,
		Channel:    in.Channel,
		AcceptDue:  &acceptDue,
		CreatedAt:  now,
		UpdatedAt:  now,
		CreatedBy:  actor.UserID,
	}
	var saveClock func() error
	if s.Clocks != nil {
		if saveClock, err = s.Clocks.Open(ctx, tx, c, in.ReceivedAt); err != nil {
			return nil, err
		}
	}
	if err := tx.CreateCase(ctx, c); err != nil {
		return nil, err
	}
	if saveClock != nil {
		if err := saveClock(); err != nil {
			return nil, err
		}
	}
	// A resident's intake opening a case (or split out into one) makes it theirs.
	if err := s.own(ctx, tx, c, in, now); err != nil {
		return nil, err
	}
	return c, nil
}

// addIntake stores the intake on the case with its parties.
func (s *Service) addIntake(ctx context.Context, tx Store, actor kernel.Actor, c *Case, in *Intake, now time.Time) error {
	in.CaseID = c.ID
	in.CreatedAt = now
	in.CreatedBy = actor.UserID
	if in.Ref == "" {
		in.Ref = NewRef(now)
	}
	if err := tx.CreateIntake(ctx, in); err != nil {
		return err
	}
	if p := in.Person; p.Name != "" || p.IDNumber != "" || p.Phone != "" {
		if err := tx.CreateParty(ctx, &Party{CaseID: c.ID, IntakeID: in.ID, Role: RoleApplicant,
			Kind: KindPerson, Name: p.Name, IDNumber: p.IDNumber, Phone: p.Phone}); err != nil {
			return err
		}
	}
	if r := in.Respondent; r != nil {
		if err := tx.CreateParty(ctx, &Party{CaseID: c.ID, IntakeID: in.ID, Role: RoleRespondent,
			Kind: r.Kind, Name: r.Name, Phone: r.Phone, Address: r.Address}); err != nil {
			return err
		}
	}
	return nil
}

// caseSubject is the intake's subject, or the start of its content.
func caseSubject(in *Intake) string {
	if in.Subject != "" {
		return in.Subject
	}
	r := []rune(in.Content)
	if len(r) > 40 {
		return string(r[:40]) + "…"
	}
	return string(r)
}

// Get returns a case with its parties, intakes, events and links, if it lies
// in the actor's scope.
func (s *Service) Get(ctx context.Context, actor kernel.Actor, no string) (*Case, error) {
	c, err := s.Store.CaseByNo(ctx, no, actor.Scope())
	if err != nil {
		return nil, err
	}
	if err := s.Store.LoadDetails(ctx, c); err != nil {
		return nil, err
	}
	return c, nil
}

// Find returns a case in the actor's scope without its details.
func (s *Service) Find(ctx context.Context, actor kernel.Actor, no string) (*Case, error) {
	return s.Store.CaseByNo(ctx, no, actor.Scope())
}

// CaseDetails returns a case by id with its parties, intakes, events and
// links, for background work on it (a job generating a document).
func (s *Service) CaseDetails(ctx context.Context, id int64) (*Case, error) {
	c, err := s.Store.CaseByID(ctx, id)
	if err != nil {
		return nil, err
	}
	return c, s.Store.LoadDetails(ctx, c)
}

// List returns cases in the actor's scope matching the filter.
func (s *Service) List(ctx context.Context, actor kernel.Actor, f CaseFilter) ([]*Case, error) {
	f.Scope = actor.Scope()
	if f.Region != "" {
		code, ok := kernel.NormalizeRegionCode(f.Region)
		if !ok {
			return nil, kernel.FieldError("region", "行政区划代码格式错误")
		}
		if !actor.Sees(code) {
			return nil, kernel.FieldError("region", "该地区不在您的管辖范围内")
		}
		f.Region = kernel.RegionPrefix(code)
	}
	for _, st := range f.Statuses {
		if !st.Valid() {
			return nil, kernel.FieldError("status", "未知的案件状态")
		}
	}
	if f.Channel != "" && !f.Channel.Valid() {
		return nil, kernel.FieldError("channel", "不支持的受理渠道")
	}
	if f.Category != "" && !ValidCategory(f.Category) {
		return nil, kernel.FieldError("category", "未知的纠纷类别")
	}
	if f.Limit <= 0 || f.Limit > 200 {
		f.Limit = 50
	}
	f.Now = s.Now().UTC()
	return s.Store.ListCases(ctx, f)
}

// Transition moves a case to another status, checked against the status
// machine and the actor's role, and restarts or pauses its clocks.
func (s *Service) Transition(ctx context.Context, actor kernel.Actor, no string, to Status, note string) (*Case, error) {
	return s.TransitionWith(ctx, actor, no, to, note, nil)
}

// TransitionWith is Transition with what a module records on the event
// beside the clocks' data, e.g. whether a resolution counts as 化解成功
// ("resolution_success": false for a referral or an unsupported reply).
func (s *Service) TransitionWith(ctx context.Context, actor kernel.Actor, no string, to Status, note string, extra map[string]any) (*Case, error) {
	if err := actor.Require(kernel.PermTransition); err != nil {
		return nil, err
	}
	note = strings.TrimSpace(note)
	if !to.Valid() {
		return nil, kernel.FieldError("to", "未知的案件状态")
	}
	if utf8.RuneCountInString(note) > 2000 {
		return nil, kernel.FieldError("note", "长度不能超过2000个字符")
	}
	var out *Case
	err := s.update(ctx, func(tx Store) error {
		c, err := tx.CaseByNo(ctx, no, actor.Scope())
		if err != nil {
			return err
		}
		from := c.Status
		if !from.CanTransition(to) {
			return &kernel.Error{Code: kernel.EInvalid, Message: fmt.Sprintf("案件当前状态为“%s”，不能变更为“%s”", from.Label(), to.Label()),
				Fields: map[string]string{"to": "不允许的状态变更"}}
		}
		if note == "" && from.NoteRequired(to) {
			return kernel.FieldError("note", "此项变更必须填写理由")
		}
		now := s.Now().UTC()
		data, err := s.applyClocks(c, from, to, now)
		if err == nil && s.Clocks != nil {
			data, err = s.Clocks.Transition(ctx, tx, c, from, to, now, note)
		}
		if err != nil {
			return err
		}
		if len(extra) > 0 {
			if data == nil {
				data = map[string]any{}
			}
			for k, v := range extra {
				if _, taken := data[k]; !taken {
					data[k] = v
				}
			}
		}
		c.Status = to
		c.UpdatedAt = now
		if !to.Open() {
			c.InfoRequestedAt = nil // nothing is awaited from the resident any more
		}
		if err := tx.UpdateCase(ctx, c); err != nil {
			return err
		}
		out = c
		return s.record(ctx, tx, &Event{CaseID: c.ID, At: now, ActorID: actor.UserID, ActorName: actor.Name,
			Kind: EventTransition, FromStatus: from, ToStatus: to, Note: note, Data: data})
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// applyClocks starts, pauses and stops the case's deadlines for a transition
// and returns what changed, for the event.
func (s *Service) applyClocks(c *Case, from, to Status, now time.Time) (map[string]any, error) {
	data := map[string]any{}
	switch {
	case s.Clocks != nil && (to == StatusAccepted || (from == StatusSuspended && to == StatusInProgress)):
		// The clocks keep the due dates; only the status times are set here.
		c.SuspendedAt = nil
	case to == StatusAccepted:
		due, err := s.Calendar.DueAt(now, s.Policy.HandleDays, calendar.CalendarDays)
		if err != nil {
			return nil, err
		}
		c.HandleDue = &due
		data["handle_due_at"] = due
	case to == StatusSuspended:
		c.SuspendedAt = &now
	case from == StatusSuspended && to == StatusInProgress:
		// The handling clock stood still while suspended: move it by the
		// calendar days the suspension lasted, on the calendar (the last
		// day rolls to a working day). The clocks, when set, do this.
		if c.SuspendedAt != nil && c.HandleDue != nil {
			days := max(0, calendar.DateOf(now).Sub(calendar.DateOf(*c.SuspendedAt)))
			end, err := s.Calendar.Deadline(calendar.DateOf(*c.HandleDue), days, calendar.CalendarDays)
			if err != nil {
				return nil, err
			}
			due := end.EndOfDay()
			c.HandleDue = &due
			data["paused_days"] = days
			data["handle_due_at"] = due
		}
		c.SuspendedAt = nil
	case to == StatusResolved:
		c.ResolvedAt = &now
	case to == StatusClosed:
		c.ClosedAt = &now
	case to == StatusInProgress && (from == StatusResolved || from == StatusVisited):
		c.ResolvedAt = nil
	}
	if len(data) == 0 {
		return nil, nil
	}
	return data, nil
}

// Reveal returns the case's parties with unmasked personal data for roles
// that need it, and records the read on the timeline.
func (s *Service) Reveal(ctx context.Context, actor kernel.Actor, no, reason string) ([]Party, error) {
	if err := actor.Require(kernel.PermRevealPII); err != nil {
		return nil, err
	}
	reason = strings.TrimSpace(reason)
	if reason == "" {
		return nil, kernel.FieldError("reason", "查看完整个人信息必须说明理由")
	}
	var parties []Party
	err := s.inTx(ctx, func(ctx context.Context, tx Store) error {
		c, err := tx.CaseByNo(ctx, no, actor.Scope())
		if err != nil {
			return err
		}
		if err := tx.LoadDetails(ctx, c); err != nil {
			return err
		}
		parties = c.Parties
		return s.record(ctx, tx, &Event{CaseID: c.ID, At: s.Now().UTC(), ActorID: actor.UserID,
			ActorName: actor.Name, Kind: EventPIIRevealed, Note: reason})
	})
	return parties, err
}

// DecisionAttached marks an intake staff added to a known case (a video
// session record, a follow-up call about a case number), without detection.
const DecisionAttached = "attached"

// AddIntake adds an intake to a known case in the actor's scope: the
// record of a video session, or anything else that belongs to a case by
// construction rather than by detection.
func (s *Service) AddIntake(ctx context.Context, actor kernel.Actor, no string, in Intake) (*Registration, error) {
	if err := actor.Require(kernel.PermRegister); err != nil {
		return nil, err
	}
	now := s.Now().UTC()
	var reg *Registration
	given := in
	err := s.retryStale(ctx, func() error {
		in = given // an attempt that failed may have numbered it
		return s.update(ctx, func(tx Store) error {
			var err error
			reg, err = s.attach(ctx, tx, actor, no, &in, now)
			return err
		})
	})
	if err != nil {
		return nil, err
	}
	return reg, nil
}

// attach stores an intake on the case numbered no, in tx.
func (s *Service) attach(ctx context.Context, tx Store, actor kernel.Actor, no string, in *Intake, now time.Time) (*Registration, error) {
	c, err := tx.CaseByNo(ctx, no, actor.Scope())
	if err != nil {
		return nil, err
	}
	if in.RegionCode == "" {
		in.RegionCode = c.RegionCode
	}
	if in.Category == "" {
		in.Category = c.Category
	}
	if err := s.prepareIntake(ctx, actor, in, now); err != nil {
		return nil, err
	}
	in.Decision = DecisionAttached
	if err := s.addIntake(ctx, tx, actor, c, in, now); err != nil {
		return nil, err
	}
	c.UpdatedAt = now
	if err := tx.UpdateCase(ctx, c); err != nil {
		return nil, err
	}
	return &Registration{Case: c, Intake: in, Decision: DecisionAttached}, s.record(ctx, tx, &Event{CaseID: c.ID,
		At: now, ActorID: actor.UserID, ActorName: actor.Name, Kind: EventIntakeAdded,
		Data: map[string]any{"intake_ref": in.Ref, "channel": in.Channel, "decision": DecisionAttached}})
}

// Note writes an event on a case's timeline for work a module did on it —
// a booked reception, a delivered WeChat message, a failed hotline
// callback — in the actor's name: system work, or a staff member with the
// case in scope.
func (s *Service) Note(ctx context.Context, actor kernel.Actor, caseID int64, kind, note string, data map[string]any) error {
	return s.inTx(ctx, func(ctx context.Context, tx Store) error {
		if !actor.System {
			c, err := tx.CaseByID(ctx, caseID)
			if err != nil {
				return err
			}
			if !actor.Sees(c.RegionCode) {
				return kernel.Errorf(kernel.ENotFound, "案件不存在")
			}
		}
		return s.record(ctx, tx, &Event{CaseID: caseID, At: s.Now().UTC(), ActorID: actor.UserID,
			ActorName: actor.Name, Kind: kind, Note: note, Data: data})
	})
}
