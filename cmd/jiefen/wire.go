package main

import (
	"context"

	"github.com/jiefen/jiefen/cases"
	"github.com/jiefen/jiefen/channels"
	"github.com/jiefen/jiefen/web"
)

// A channel wiring builds one channel (WeChat, hotline, video) on the app:
// its routes, its notifier for case events, its job workers (added to
// a.Jobs). Each channel's wiring lives in its own file and registers
// itself here in init, so channels are added without touching the others.
type channelWiring func(ctx context.Context, a *App) (web.Mount, cases.Notifier, error)

var wirings []channelWiring

// wireChannels runs every channel wiring.
func (a *App) wireChannels(ctx context.Context) error {
	var fan channels.Fanout
	for _, w := range wirings {
		mount, notifier, err := w(ctx, a)
		if err != nil {
			return err
		}
		if mount != nil {
			a.mounts = append(a.mounts, mount)
		}
		if notifier != nil {
			fan = append(fan, notifier)
		}
	}
	if len(fan) > 0 {
		a.Cases.Notifier = fan
	}
	if a.Stats != nil {
		for _, f := range a.figures {
			a.Stats.Register(f)
		}
	}
	return nil
}
