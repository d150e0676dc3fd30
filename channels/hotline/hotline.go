// Package hotline is the 12345 hotline channel: the platform pushes work
// orders (工单) signed with a shared secret, each registered once as an
// intake; agents get a screen pop of the caller's cases during a call; and
// when a case from the hotline is resolved or sent back (退单), the result
// is posted to the platform's callback URL by a durable job, so that the
// hotline can make its return visit (回访) and keep its statistics.
package hotline

import (
	"context"
	"log/slog"
	"net/http"
	"time"

	"github.com/jiefen/jiefen/kernel"

	"github.com/riverqueue/river"

	"github.com/jiefen/jiefen/cases"
)

// Config is the channel's configuration (environment variables in
// brackets, read by the command's wiring).
type Config struct {
	// Secret is the HMAC key shared with the platform (HOTLINE_SECRET):
	// it signs both directions. Without it no order is accepted and no
	// callback is sent.
	Secret string
	// CallbackURL receives the results (HOTLINE_CALLBACK_URL); without it
	// results are not posted and orders cannot be sent back.
	CallbackURL string
	// Window is the accepted clock skew of signed requests (default 5 min).
	Window time.Duration
	// RetryBase is the delay after the first failed callback; it doubles
	// with every failure up to RetryMax (defaults 30 s and 1 h).
	RetryBase time.Duration
	RetryMax  time.Duration
	// MaxAttempts is how often a callback is tried before giving up
	// (default 20: the last about 13 hours after the first, with the
	// default delays).
	MaxAttempts int
	// HTTPClient posts the callbacks (default: 15 s timeout).
	HTTPClient *http.Client
}

// Defaults of Config.
const (
	DefaultRetryBase   = 30 * time.Second
	DefaultRetryMax    = time.Hour
	DefaultMaxAttempts = 20
	// MaxOrderBytes caps a work order's body.
	MaxOrderBytes = 256 << 10
)

// Actors of the channel on the timeline.
const (
	PlatformActor = "12345热线平台"   // registers the orders
	CallbackActor = "12345热线回访推送" // records the callbacks
)

// Enqueuer inserts jobs in the transaction of the change that causes them
// (jobs.Queue).
type Enqueuer interface {
	Insert(ctx context.Context, tx kernel.Tx, args river.JobArgs, opts *river.InsertOpts) error
}

// Channel is the hotline channel on the case service.
type Channel struct {
	Cases *cases.Service
	// Reader is the case store the channel reads beside the service: a
	// caller's earlier intakes for the screen pop, the case an order is on
	// now for callbacks.
	Reader cases.Store
	// Detector suggests what a caller may be calling about (nil: none).
	Detector cases.Detector
	Queue    Enqueuer
	Config   Config
	Log      *slog.Logger
	// Now is the clock of signatures and callbacks (default time.Now).
	Now func() time.Time
}

// New returns the channel with the configuration's defaults filled in.
func New(svc *cases.Service, r cases.Store, det cases.Detector, q Enqueuer, cfg Config, log *slog.Logger) *Channel {
	if cfg.Window <= 0 {
		cfg.Window = DefaultWindow
	}
	if cfg.RetryBase <= 0 {
		cfg.RetryBase = DefaultRetryBase
	}
	if cfg.RetryMax <= 0 {
		cfg.RetryMax = DefaultRetryMax
	}
	if cfg.RetryMax < cfg.RetryBase {
		cfg.RetryMax = cfg.RetryBase
	}
	if cfg.MaxAttempts <= 0 {
		cfg.MaxAttempts = DefaultMaxAttempts
	}
	if cfg.HTTPClient == nil {
		cfg.HTTPClient = &http.Client{Timeout: 15 * time.Second}
	}
	if log == nil {
		log = slog.Default()
	}
	return &Channel{Cases: svc, Reader: r, Detector: det, Queue: q, Config: cfg, Log: log, Now: time.Now}
}

// OrdersEnabled reports whether work orders are accepted.
func (ch *Channel) OrdersEnabled() bool { return ch.Config.Secret != "" }

// CallbacksEnabled reports whether results are posted to the platform.
func (ch *Channel) CallbacksEnabled() bool {
	return ch.Config.Secret != "" && ch.Config.CallbackURL != "" && ch.Queue != nil
}

func (ch *Channel) now() time.Time {
	if ch.Now != nil {
		return ch.Now()
	}
	return time.Now()
}

// backoff is the delay after the attempt-th failure: RetryBase doubling
// up to RetryMax.
func (c Config) backoff(attempt int) time.Duration {
	d := c.RetryBase
	for i := 1; i < attempt && d < c.RetryMax; i++ {
		d *= 2
	}
	return min(d, c.RetryMax)
}
