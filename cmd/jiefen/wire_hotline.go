package main

import (
	"context"
	"fmt"
	"net/url"
	"os"
	"strconv"
	"time"

	"github.com/jiefen/jiefen/cases"
	"github.com/jiefen/jiefen/channels/hotline"
	"github.com/jiefen/jiefen/jobs"
	"github.com/jiefen/jiefen/web"
)

// The 12345 hotline channel. Environment:
//
//	HOTLINE_SECRET              HMAC key shared with the platform; unset: work orders
//	                            and returns answer 503, no callbacks (the screen pop works)
//	HOTLINE_CALLBACK_URL        where results (办结, 退单) are posted; unset: none are
//	HOTLINE_CALLBACK_RETRY      delay after the first failed callback, doubling (default 30s)
//	HOTLINE_CALLBACK_RETRY_MAX  longest delay between attempts (default 1h)
//	HOTLINE_CALLBACK_ATTEMPTS   attempts before giving up (default 20)
func init() { wirings = append(wirings, wireHotline) }

func wireHotline(ctx context.Context, a *App) (web.Mount, cases.Notifier, error) {
	cfg, err := hotlineConfigFromEnv()
	if err != nil {
		return nil, nil, err
	}
	var det cases.Detector
	if a.Detector != nil {
		det = a.Detector
	}
	ch := hotline.New(a.Cases, a.Store, det, a.Jobs, cfg, a.Log)
	// The worker is always there: callbacks queued while configured wait
	// (and say so on the timeline) rather than fail as an unknown job.
	jobs.Add(a.Jobs, ch.Worker())
	switch {
	case !ch.OrdersEnabled():
		a.Log.Debug("hotline: HOTLINE_SECRET not set; work orders and returns answer 503")
	case !ch.CallbacksEnabled():
		a.Log.Info("hotline: HOTLINE_CALLBACK_URL not set; results are not posted back")
	}
	return ch.Mount, ch.Notifier(), nil
}

func hotlineConfigFromEnv() (hotline.Config, error) {
	cfg := hotline.Config{Secret: os.Getenv("HOTLINE_SECRET"), CallbackURL: os.Getenv("HOTLINE_CALLBACK_URL")}
	if u := cfg.CallbackURL; u != "" {
		p, err := url.Parse(u)
		if err != nil || (p.Scheme != "http" && p.Scheme != "https") || p.Host == "" {
			return cfg, fmt.Errorf("HOTLINE_CALLBACK_URL: want an http(s) URL, got %q", u)
		}
	}
	for _, d := range []struct {
		env string
		dst *time.Duration
	}{{"HOTLINE_CALLBACK_RETRY", &cfg.RetryBase}, {"HOTLINE_CALLBACK_RETRY_MAX", &cfg.RetryMax}} {
		if v := os.Getenv(d.env); v != "" {
			x, err := time.ParseDuration(v)
			if err != nil || x <= 0 {
				return cfg, fmt.Errorf("%s: want a duration such as 30s, got %q", d.env, v)
			}
			*d.dst = x
		}
	}
	if v := os.Getenv("HOTLINE_CALLBACK_ATTEMPTS"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 100 {
			return cfg, fmt.Errorf("HOTLINE_CALLBACK_ATTEMPTS: want 1 to 100, got %q", v)
		}
		cfg.MaxAttempts = n
	}
	return cfg, nil
}
