package wechat

import (
	"context"
	"log/slog"

	"github.com/riverqueue/river"
)

// SweepArgs is the periodic job that deletes images never attached to an
// intake (a form abandoned after uploading).
type SweepArgs struct{}

// Kind implements river.JobArgs.
func (SweepArgs) Kind() string { return "wechat_upload_sweep" }

// SweepWorker runs Images.Sweep.
type SweepWorker struct {
	river.WorkerDefaults[SweepArgs]
	Images *Images
	Log    *slog.Logger
}

// Work implements river.Worker.
func (w *SweepWorker) Work(ctx context.Context, _ *river.Job[SweepArgs]) error {
	n, err := w.Images.Sweep(ctx)
	if n > 0 {
		w.Log.Info("wechat: unattached uploads deleted", "count", n)
	}
	return err
}
