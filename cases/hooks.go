package cases

import (
	"context"

	"github.com/jiefen/jiefen/kernel"
)

// RegistrationHook lets a module act on a registration inside its unit of
// work, after the detector decided and the intake was stored: the petition
// track answers 不再受理 for a matter already through 复核, flags 越级. A hook
// may change the case through the service bound to tx (Service.WithTx
// with tx.Tx()) and add its answer to the registration (SetExtra); an
// error rolls the registration back.
type RegistrationHook interface {
	AfterRegister(ctx context.Context, tx Store, actor kernel.Actor, reg *Registration) error
}

// SetExtra adds a module's answer to the registration, e.g. "petition":
// {"not_accepted": true, …}; the web layer puts each key beside the
// registration's own fields.
func (r *Registration) SetExtra(key string, value any) {
	if r.Extra == nil {
		r.Extra = map[string]any{}
	}
	r.Extra[key] = value
}

// afterRegister runs the hooks.
func (s *Service) afterRegister(ctx context.Context, tx Store, actor kernel.Actor, reg *Registration) error {
	for _, h := range s.Hooks {
		if err := h.AfterRegister(ctx, tx, actor, reg); err != nil {
			return err
		}
	}
	return nil
}
