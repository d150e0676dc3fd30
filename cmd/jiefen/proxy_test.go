package main

import (
	"context"
	"io"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/jiefen/jiefen/database/dbtest"
)

// TestTrustedProxies: behind a reverse proxy listed in
// JIEFEN_TRUSTED_PROXIES the login throttle and the audit log see the
// client's address from X-Forwarded-For — the rightmost one the proxies
// did not add themselves — and from anyone else the header is ignored.
func TestTrustedProxies(t *testing.T) {
	for _, dialect := range dbtest.Dialects() {
		t.Run(dialect, func(t *testing.T) { trustedProxies(t, dialect) })
	}
}

func trustedProxies(t *testing.T, dialect string) {
	s, app := startApp(t, dialect, io.Discard, func(ctx context.Context, app *App) {
		app.Config.TrustedProxies = "127.0.0.2, 10.0.0.0/8"
	})
	s.addUser("owner", "leader", "6109")
	proxy, stranger := clientFrom("127.0.0.2"), clientFrom("127.0.0.3")

	// login tries a password, waiting as Retry-After says while throttled.
	login := func(from string, password string, xff string) response {
		t.Helper()
		cl := proxy
		if from == "stranger" {
			cl = stranger
		}
		for {
			r := s.doFrom(cl, "POST", "/api/v1/auth/login", "application/json", loginBody("owner", password),
				"X-Forwarded-For", xff)
			if r.status != 429 {
				return r
			}
			wait, err := strconv.Atoi(r.header.Get("Retry-After"))
			if err != nil || wait < 1 || wait > 5 {
				t.Fatalf("429 without a usable Retry-After: %v", r.header)
			}
			time.Sleep(time.Duration(wait) * time.Second)
		}
	}
	guess5 := func(from, xff string) {
		t.Helper()
		var got []string
		for i := 0; i < 5; i++ {
			got = append(got, strconv.Itoa(login(from, "guess", xff).status))
		}
		if strings.Join(got, " ") != "401 401 401 401 423" {
			t.Errorf("five guesses from %s (%s): %v", from, xff, got)
		}
	}

	// Through the proxy: an attacker's guesses lock the attacker's address,
	// and the owner, through the same proxy, signs in.
	guess5("proxy", "203.0.113.7")
	if r := login("proxy", "secret-owner", "203.0.113.8"); r.status != 200 {
		t.Errorf("the owner through the proxy: %d %s", r.status, r.raw)
	}
	// The proxy appends what it saw: an address the client wrote to the
	// left changes nothing.
	if r := login("proxy", "secret-owner", "203.0.113.8, 203.0.113.7"); r.status != 423 {
		t.Errorf("a spoofed address left of the proxy's: %d %s", r.status, r.raw)
	}
	// A chain of trusted proxies: the client is the last address before them.
	if r := login("proxy", "secret-owner", "203.0.113.7, 10.1.2.3"); r.status != 423 {
		t.Errorf("through two proxies: %d %s", r.status, r.raw)
	}

	// From an address that is no proxy, the header is ignored: the
	// stranger's guesses lock the stranger's own address whatever it claims.
	guess5("stranger", "198.51.100.1")
	if r := login("stranger", "secret-owner", "198.51.100.2"); r.status != 423 {
		t.Errorf("a claimed address from a stranger: %d %s", r.status, r.raw)
	}

	var rows []struct {
		Outcome string `bun:"outcome"`
		Address string `bun:"address"`
	}
	if err := app.DB.NewSelect().Table("login_audit").Column("outcome", "address").
		Where("username = ?", "owner").Scan(context.Background(), &rows); err != nil {
		t.Fatal(err)
	}
	count := map[string]int{}
	for _, r := range rows {
		count[r.Outcome+"@"+r.Address]++
	}
	if count["failure@203.0.113.7"] != 4 || count["locked@203.0.113.7"] != 1 || count["success@203.0.113.8"] != 1 ||
		count["failure@127.0.0.3"] != 4 || count["locked@127.0.0.3"] != 1 ||
		count["failure@127.0.0.2"]+count["failure@198.51.100.1"]+count["failure@198.51.100.2"] != 0 {
		t.Errorf("audit log: %v", count)
	}
}
