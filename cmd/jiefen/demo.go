package main

import (
	"context"
	"io"
)

func loadDemo(ctx context.Context, app *App, out io.Writer) error { return nil }
