package main

import (
	"context"
	"io"
	"os"
	"testing"
	"time"

	"github.com/jiefen/jiefen/cases"
	"github.com/jiefen/jiefen/kernel"
	"github.com/jiefen/jiefen/search"
)

// The embedded index is derived data: lost, it is rebuilt from the
// database on start; pruned past its cursor, likewise.
func TestIndexRebuildOnStart(t *testing.T) {
	ctx := context.Background()
	cfg := Config{DataDir: t.TempDir()}
	open := func() *App {
		t.Helper()
		app, err := OpenApp(ctx, cfg, newLogger(io.Discard, false))
		if err != nil {
			t.Fatal(err)
		}
		return app
	}
	found := func(app *App) int {
		hits, err := app.Index.Search(ctx, search.Query{Text: "小区路灯坏了", Limit: 5})
		if err != nil {
			t.Fatal(err)
		}
		return len(hits)
	}
	app := open()
	in := cases.Intake{Channel: kernel.ChannelWeb, RegionCode: "610902001003", Person: cases.Person{Name: "甲", Phone: "13800000000"},
		Subject: "小区路灯坏了", Content: "小区路灯坏了一个月没人修。"}
	if _, err := app.Cases.Register(ctx, kernel.SystemActor("t"), in); err != nil {
		t.Fatal(err)
	}
	// Indexing follows the commit in the background: soon, not at once.
	for deadline := time.Now().Add(10 * time.Second); found(app) != 1; time.Sleep(20 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("not indexed within 10 s of registration")
		}
	}
	app.Close()

	if err := os.RemoveAll(cfg.indexDir()); err != nil {
		t.Fatal(err)
	}
	app = open()
	if found(app) != 1 {
		t.Fatal("lost index not rebuilt")
	}
	// Changes are pruned after a month; an index behind the oldest kept
	// change is rebuilt too.
	if n, err := app.Store.NewFeed("").Prune(ctx, time.Now().Add(time.Hour)); err != nil || n == 0 {
		t.Fatalf("prune: %d, %v", n, err)
	}
	in.Subject, in.Content = "垃圾清运不及时", "巷子里的垃圾三天没人清运。"
	if _, err := app.Cases.Register(ctx, kernel.SystemActor("t"), in); err != nil {
		t.Fatal(err)
	}
	if err := app.Syncer.Cursor.SaveCursor(ctx, 0); err != nil { // an index left far behind
		t.Fatal(err)
	}
	app.Close()
	app = open()
	defer app.Close()
	if found(app) != 1 {
		t.Fatal("index behind the pruned feed not rebuilt")
	}
	if hits, _ := app.Index.Search(ctx, search.Query{Text: "垃圾清运", Limit: 5}); len(hits) != 1 {
		t.Fatal("newest intake missing after rebuild")
	}
}
