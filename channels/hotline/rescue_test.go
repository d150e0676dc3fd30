package hotline_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/uptrace/bun"
	"github.com/uptrace/bun/dialect"

	"github.com/jiefen/jiefen/channels/hotline"
	"github.com/jiefen/jiefen/database/dbtest"
	"github.com/jiefen/jiefen/jobs"
)

// TestCallbackRescued (issue 12): a callback whose server died mid-post is
// rescued once it has run longer than jobs.RescueAfter (not after River's
// default hour), and the timeline says the callback was delayed and is
// being retried before it is delivered.
func TestCallbackRescued(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		ctx := context.Background()
		p := newPlatform(t, func(hotline.Callback, int) (int, string) { return 200, "" })
		if err := jobs.Migrate(ctx, db); err != nil {
			t.Fatal(err)
		}
		q, err := jobs.New(db, jobs.Options{PollEvery: 20 * time.Millisecond, Log: discard})
		if err != nil {
			t.Fatal(err)
		}
		e := newEnv(t, db, hotline.Config{Secret: secret, CallbackURL: p.srv.URL + "/callback",
			RetryBase: 10 * time.Millisecond, MaxAttempts: 3}, q)
		jobs.Add(q, e.ch.Worker())
		no := e.register("GD-STUCK", "小区门口烧烤摊油烟扰民，每晚营业到凌晨。")
		e.resolve(no, "已协调城管劝导，烧烤摊已搬离。")

		// A server took the callback job and died mid-post.
		ago := int((jobs.RescueAfter + 10*time.Second).Seconds())
		past := "now() - make_interval(secs => ?)"
		if db.Dialect().Name() != dialect.PG {
			past = "strftime('%Y-%m-%d %H:%M:%f', 'now', '-' || ? || ' seconds')"
		}
		res, err := db.NewRaw("UPDATE river_job SET state = 'running', attempt = 1, attempted_at = "+past+
			" WHERE kind = 'hotline_callback'", ago).Exec(ctx)
		if n, _ := res.RowsAffected(); err != nil || n != 1 {
			t.Fatalf("stuck job: %d rows, %v", n, err)
		}
		if err := q.Start(ctx); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { q.Stop(context.Background()) })

		e.waitOutcomes(no, "delayed", "delivered")
		c, err := e.svc.Get(ctx, mediator, no)
		if err != nil {
			t.Fatal(err)
		}
		var delayed string
		for _, ev := range c.Events {
			if ev.Kind == hotline.EventCallback && ev.Data["outcome"] == "delayed" {
				delayed = ev.Note
			}
		}
		if !strings.Contains(delayed, "推送延迟，正在重试") || !strings.Contains(delayed, "因服务器中断") {
			t.Errorf("delayed note %q", delayed)
		}
		if got := p.callbacks("GD-STUCK"); len(got) != 1 || got[0].Attempt != 2 {
			t.Errorf("callbacks %+v", got)
		}
	})
}
