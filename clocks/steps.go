package clocks

import (
	"context"
	"time"

	"github.com/jiefen/jiefen/calendar"
	"github.com/jiefen/jiefen/kernel"
)

// Steps are the clock operations of the modules (mediation, petition,
// return visits): each runs inside the caller's unit of work, so a step
// and its clock commit together. A case has at most one clock of a kind.

// StartIn starts the clock of kind for the case at at. A clock of that
// kind that exists already is restarted from at with the rule in force
// (a petition transferred again, a mediation reopened): its earlier run is
// on the timeline, not here.
func (s *Service) StartIn(ctx context.Context, tx kernel.Tx, caseID int64, kind Kind, at time.Time) (*Clock, error) {
	st := s.Store.WithTx(tx)
	if err := s.refresh(ctx, st, false); err != nil {
		return nil, err
	}
	r, err := s.rule(kind)
	if err != nil {
		return nil, err
	}
	k, err := Start(s.Calendar, r, caseID, at)
	if err != nil {
		return nil, err
	}
	old, err := s.findIn(ctx, st, caseID, kind)
	if err != nil {
		return nil, err
	}
	if old == nil {
		return k, st.Create(ctx, k)
	}
	k.ID = old.ID
	return k, st.Update(ctx, k)
}

// FindIn returns the case's clock of kind, nil if it has none.
func (s *Service) FindIn(ctx context.Context, tx kernel.Tx, caseID int64, kind Kind) (*Clock, error) {
	return s.findIn(ctx, s.Store.WithTx(tx), caseID, kind)
}

func (s *Service) findIn(ctx context.Context, st Store, caseID int64, kind Kind) (*Clock, error) {
	list, err := st.ByCase(ctx, caseID)
	if err != nil {
		return nil, err
	}
	for _, k := range list {
		if k.Kind == kind {
			return k, nil
		}
	}
	return nil, nil
}

// StopIn ends the case's open clock of kind at at: met or missed, or
// cancelled when the work it timed will not be done. A clock that ended
// already is left as it is; a case without the clock is ENotFound.
func (s *Service) StopIn(ctx context.Context, tx kernel.Tx, caseID int64, kind Kind, at time.Time, cancel bool) (*Clock, error) {
	return s.changeIn(ctx, tx, caseID, kind, func(k *Clock) (bool, error) {
		if !k.Open() {
			return false, nil
		}
		k.Stop(at, cancel)
		return true, nil
	})
}

// PauseIn stops the running clock of kind from at (a hearing, 听证, does
// not count). It reports false if the clock was not running.
func (s *Service) PauseIn(ctx context.Context, tx kernel.Tx, caseID int64, kind Kind, at time.Time, reason string) (*Clock, error) {
	return s.changeIn(ctx, tx, caseID, kind, func(k *Clock) (bool, error) {
		return k.Pause(at, reason), nil
	})
}

// ResumeIn restarts the paused clock of kind at at; its due moves by the
// days it stood still.
func (s *Service) ResumeIn(ctx context.Context, tx kernel.Tx, caseID int64, kind Kind, at time.Time) (*Clock, error) {
	return s.changeIn(ctx, tx, caseID, kind, func(k *Clock) (bool, error) {
		_, err := k.Resume(s.Calendar, at)
		return err == nil, err
	})
}

// ExtendIn lengthens the open clock of kind (see Clock.Extend).
func (s *Service) ExtendIn(ctx context.Context, tx kernel.Tx, caseID int64, kind Kind, days int, unit calendar.Unit, reason, approvedBy string, at time.Time) (*Clock, error) {
	return s.changeIn(ctx, tx, caseID, kind, func(k *Clock) (bool, error) {
		return true, k.Extend(s.Calendar, days, unit, reason, approvedBy, at)
	})
}

// changeIn applies fn to the case's clock of kind and saves it if fn
// changed it. A case without that clock is ENotFound.
func (s *Service) changeIn(ctx context.Context, tx kernel.Tx, caseID int64, kind Kind, fn func(*Clock) (bool, error)) (*Clock, error) {
	st := s.Store.WithTx(tx)
	if err := s.refresh(ctx, st, false); err != nil {
		return nil, err
	}
	k, err := s.findIn(ctx, st, caseID, kind)
	if err != nil {
		return nil, err
	}
	if k == nil {
		return nil, kernel.Errorf(kernel.ENotFound, "该案件没有%s", s.label(kind))
	}
	changed, err := fn(k)
	if err != nil || !changed {
		return k, err
	}
	return k, st.Update(ctx, k)
}

// Label is the Chinese name of kind (受理审查期限, 调解期限 …).
func (s *Service) Label(kind Kind) string { return s.label(kind) }
