package staffstore_test

import (
	"context"
	"testing"
	"time"

	"github.com/uptrace/bun"

	"github.com/jiefen/jiefen/cases"
	"github.com/jiefen/jiefen/cases/casestore"
	"github.com/jiefen/jiefen/database/dbtest"
	"github.com/jiefen/jiefen/staff"
	"github.com/jiefen/jiefen/staff/staffstore"
)

type clock struct{ t time.Time }

func (c *clock) Now() time.Time { return c.t }

func newService(t *testing.T, db *bun.DB) (*staff.Service, *clock) {
	c := &clock{t: time.Date(2025, 9, 16, 9, 0, 0, 0, time.UTC)}
	svc := staff.NewService(staffstore.New(db), casestore.New(db, dbtest.Keys(t)))
	svc.Now = c.Now
	return svc, c
}

func TestAddUser(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		ctx := context.Background()
		svc, _ := newService(t, db)
		u, err := svc.AddUser(ctx, staff.NewUser{Username: "Clerk1", Password: "long-enough", Role: cases.RoleWindowClerk, RegionCode: "610902"})
		if err != nil {
			t.Fatal(err)
		}
		if u.Username != "clerk1" || u.RegionCode != "610902000000" || u.PasswordHash == "long-enough" {
			t.Errorf("user %+v", u)
		}
		_, err = svc.AddUser(ctx, staff.NewUser{Username: "clerk1", Password: "long-enough", Role: cases.RoleWindowClerk, RegionCode: "6109"})
		if cases.ErrorCode(err) != cases.EConflict {
			t.Errorf("duplicate username: %v", err)
		}
		_, err = svc.AddUser(ctx, staff.NewUser{Username: "-x", Password: "short", Role: "king", RegionCode: "610999"})
		f := cases.ErrorFields(err)
		if f["username"] == "" || f["password"] == "" || f["role"] == "" || f["region"] == "" {
			t.Errorf("invalid user: %v", err)
		}
	})
}

func TestLoginLockout(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		ctx := context.Background()
		svc, clk := newService(t, db)
		if _, err := svc.AddUser(ctx, staff.NewUser{Username: "uu", Password: "right-password", Role: cases.RoleLeader, RegionCode: "6109"}); err != nil {
			t.Fatal(err)
		}
		for i := 1; i <= 4; i++ {
			if _, _, _, err := svc.Login(ctx, "uu", "wrong"); cases.ErrorCode(err) != cases.EUnauthorized {
				t.Fatalf("failure %d: %v", i, err)
			}
		}
		if _, _, _, err := svc.Login(ctx, "uu", "wrong"); cases.ErrorCode(err) != cases.ELocked {
			t.Fatalf("fifth failure: %v", err)
		}
		if _, _, _, err := svc.Login(ctx, "uu", "right-password"); cases.ErrorCode(err) != cases.ELocked {
			t.Fatalf("right password while locked: %v", err)
		}
		clk.t = clk.t.Add(staff.LockFor + time.Second)
		token, exp, _, err := svc.Login(ctx, "uu", "right-password")
		if err != nil || !exp.After(clk.t) {
			t.Fatalf("after the lock: %v", err)
		}
		// The count starts afresh after a successful login.
		for i := 1; i <= 4; i++ {
			if _, _, _, err := svc.Login(ctx, "uu", "wrong"); cases.ErrorCode(err) != cases.EUnauthorized {
				t.Fatalf("failure %d after reset: %v", i, err)
			}
		}
		u, err := svc.Authenticate(ctx, token)
		if err != nil || u.Username != "uu" {
			t.Fatalf("authenticate: %v", err)
		}
		clk.t = exp.Add(time.Second)
		if _, err := svc.Authenticate(ctx, token); cases.ErrorCode(err) != cases.EUnauthorized {
			t.Errorf("expired token: %v", err)
		}
		if _, _, _, err := svc.Login(ctx, "nobody", "x"); cases.ErrorCode(err) != cases.EUnauthorized {
			t.Errorf("unknown user: %v", err)
		}
	})
}
