package main

import (
	"context"
	"time"

	"github.com/jiefen/jiefen/cases"
	"github.com/jiefen/jiefen/database"
	"github.com/jiefen/jiefen/kernel"
	"github.com/jiefen/jiefen/stats"
	"github.com/jiefen/jiefen/stats/statstore"
	"github.com/jiefen/jiefen/stats/statsweb"
	"github.com/jiefen/jiefen/web"
)

// Statistics (统计): daily counters per region kept by a notifier in the
// transaction of each case event; the overview API, the monthly report
// (月报) and the leaders' dashboard (领导驾驶舱) read them. A database from
// before the counters is counted from its timeline at start.
func init() { wirings = append(wirings, wireStats) }

func wireStats(ctx context.Context, a *App) (web.Mount, cases.Notifier, error) {
	st := statstore.New(a.DB)
	svc := stats.NewService(st, a.Calendar)
	svc.Now = func() time.Time { return a.Cases.Now() } // imports and tests replay time
	// A database from before the counters: counted from the timeline, by
	// the first server to start (Empty is a cheap look first).
	if empty, err := st.Empty(ctx); err != nil {
		return nil, nil, err
	} else if empty {
		start := time.Now()
		var rebuilt bool
		if err := (database.Transactor{DB: a.DB}).InTx(ctx, func(ctx context.Context, tx kernel.Tx) error {
			rebuilt, err = st.RebuildIfEmpty(ctx, tx)
			return err
		}); err != nil {
			return nil, nil, err
		}
		if rebuilt {
			a.Log.Info("stats: counters rebuilt from the timeline", "took", time.Since(start).Round(time.Millisecond))
		}
	}
	a.Stats = svc
	a.pages = append(a.pages, web.ConsolePage{Path: "/dashboard", Title: "领导驾驶舱", Nav: "驾驶舱",
		Roles:  []kernel.Role{kernel.RoleLeader, kernel.RoleSupervisor, kernel.RoleAdmin},
		Script: "/static/dashboard.js", Intro: stats.RateDefinition})
	return statsweb.Mount(svc, a.Cases), svc.Notifier(), nil
}

// caseExports records the case list's exports in the audit log.
func (a *App) caseExports() web.ExportLog {
	if a.Stats == nil {
		return nil
	}
	return a.Stats
}
