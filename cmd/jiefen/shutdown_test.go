package main

import (
	"context"
	"syscall"
	"testing"
	"time"

	"github.com/jiefen/jiefen/database/dbtest"
)

// SIGTERM at full load stops the server within 10 s (issue 9, item 4):
// requests in flight finish or are answered 503, nothing else, and the
// process exits cleanly. On SQLite and PostgreSQL.
func TestGracefulShutdown(t *testing.T) {
	bin := buildJiefen(t)
	for _, dialect := range dbtest.Dialects() {
		t.Run(dialect, func(t *testing.T) { gracefulShutdown(t, bin, dialect) })
	}
}

func gracefulShutdown(t *testing.T, bin, dialect string) {
	const clients = 32
	srv, token, _ := startClerkChild(t, bin, dialect, "serve.log")
	work := loadIntakes(t, "term-"+dialect, 3000)

	lr := newLoadRun()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	loadDone := make(chan struct{})
	go func() {
		defer close(loadDone)
		driveLoad(ctx, srv.url, token, work, clients, lr)
	}()
	for start := time.Now(); lr.ackedN() < 50 && time.Since(start) < 20*time.Second; {
		time.Sleep(10 * time.Millisecond)
	}
	inFlight := lr.inFlight.Load()
	began := time.Now()
	if err := srv.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	select {
	case <-srv.exited:
	case <-time.After(10 * time.Second):
		t.Fatalf("still running 10 s after SIGTERM with %d requests in flight\n%s", inFlight, tail(srv.logPath, 30))
	}
	took := time.Since(began)
	cancel()
	<-loadDone
	if srv.waitErr != nil {
		t.Errorf("exit after SIGTERM: %v\n%s", srv.waitErr, tail(srv.logPath, 30))
	}
	// Answers are 2xx or 503 (or none once the listener closed).
	lr.checkStatuses(t)
	t.Logf("stopped %v after SIGTERM with %d requests in flight: %s", took.Round(time.Millisecond), inFlight, lr.summary())
}
