package main

import (
	"context"
	"os"
	"path/filepath"
	"time"

	"github.com/riverqueue/river"

	"github.com/jiefen/jiefen/cases"
	"github.com/jiefen/jiefen/channels/wechat"
	"github.com/jiefen/jiefen/jobs"
	"github.com/jiefen/jiefen/kernel"
	"github.com/jiefen/jiefen/web"
)

func init() { wirings = append(wirings, wireWeChat) }

// wireWeChat builds the WeChat channel: the resident API and the H5 page
// always; mini-program login, phone binding and message push when
// WECHAT_APPID and WECHAT_SECRET are set; the H5 page's own login (web
// authorisation) when WECHAT_OA_APPID and WECHAT_OA_SECRET are set; subscribe messages when
// WECHAT_TEMPLATES is set too. See channels/wechat for the variables.
func wireWeChat(_ context.Context, a *App) (web.Mount, cases.Notifier, error) {
	cfg, err := wechat.ConfigFromEnv(os.Getenv)
	if err != nil {
		return nil, nil, err
	}
	log := a.Log.With("channel", "wechat")
	store := wechat.NewStore(a.DB)
	images := &wechat.Images{Store: store, Blobs: wechat.DirStore{Root: filepath.Join(a.Config.DataDir, "uploads")},
		Keys: a.Keys, Now: time.Now}
	ch := &wechat.Channel{Config: cfg, Residents: a.Residents, Cases: a.Cases, Regions: a.Store, Store: store,
		Images: images, Log: log}

	jobs.Add[wechat.SweepArgs](a.Jobs, &wechat.SweepWorker{Images: images, Log: log})
	a.Jobs.Client().PeriodicJobs().Add(river.NewPeriodicJob(river.PeriodicInterval(time.Hour),
		func() (river.JobArgs, *river.InsertOpts) { return wechat.SweepArgs{}, nil },
		&river.PeriodicJobOpts{ID: "wechat_upload_sweep"}))
	if cfg.DevLogin {
		log.Warn("JIEFEN_DEV_LOGIN=1: residents log in by name without WeChat; never enable this in production")
	}
	if cfg.OAuthEnabled() {
		ch.OAuth = wechat.NewOASDK(wechat.SDKConfig{AppID: cfg.OAAppID, Secret: cfg.OASecret, APIBase: cfg.APIBase})
		if cfg.PublicURL == "" {
			log.Warn("wechat: JIEFEN_PUBLIC_URL not set; the H5 login's redirect uses each request's own address")
		}
	}
	if !cfg.Enabled() {
		return ch.Mount, nil, nil
	}
	client := wechat.NewSDK(wechat.SDKConfig{AppID: cfg.AppID, Secret: cfg.Secret, APIBase: cfg.APIBase})
	ch.Client = client
	if cfg.Templates == nil || len(cfg.Templates.Events) == 0 {
		log.Info("wechat: no WECHAT_TEMPLATES; residents get no subscribe messages")
		return ch.Mount, nil, nil
	}
	actor := kernel.SystemActor(wechat.NoteActor)
	jobs.Add[wechat.NotifyArgs](a.Jobs, &wechat.NotifyWorker{
		Client: client, Residents: a.Residents.Store, Store: store, Log: log, RetryBase: cfg.RetryBase,
		Note: func(ctx context.Context, caseID int64, kind, note string, data map[string]any) error {
			return a.Cases.Note(ctx, actor, caseID, kind, note, data)
		},
	})
	return ch.Mount, &wechat.Notifier{Templates: cfg.Templates, Store: store, Queue: a.Jobs, MaxAttempts: cfg.MaxAttempts}, nil
}
