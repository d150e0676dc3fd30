package staffstore_test

import (
	"context"
	"testing"

	"github.com/uptrace/bun"

	"github.com/jiefen/jiefen/database/dbtest"
	"github.com/jiefen/jiefen/kernel"
	"github.com/jiefen/jiefen/staff"
)

func TestAdministration(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		ctx := context.Background()
		svc, _ := newService(t, db)
		admin, err := svc.AddUser(ctx, staff.NewUser{Username: "admin", Password: "long-enough", Role: kernel.RoleAdmin, RegionCode: "610902"})
		if err != nil {
			t.Fatal(err)
		}
		a := admin.Actor()
		u, err := svc.Create(ctx, a, staff.NewUser{Username: "clerk", Password: "long-enough", Role: kernel.RoleWindowClerk, RegionCode: "610902107"})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := svc.Create(ctx, a, staff.NewUser{Username: "city", Password: "long-enough", Role: kernel.RoleLeader, RegionCode: "6109"}); kernel.ErrorCode(err) != kernel.EForbidden {
			t.Errorf("an account above the admin: %v", err)
		}
		if _, err := svc.Create(ctx, a, staff.NewUser{Username: "x", Password: "long-enough", Role: kernel.RoleLeader, RegionCode: "610902", UnitID: ptr(int64(1))}); kernel.ErrorFields(err)["unit_id"] == "" {
			t.Errorf("a unit without units: %v", err)
		}
		if _, err := svc.AddUser(ctx, staff.NewUser{Username: "tc", Password: "long-enough", Role: kernel.RoleAdmin, RegionCode: "6102"}); err != nil {
			t.Fatal(err)
		}
		list, err := svc.List(ctx, a)
		if err != nil || len(list) != 2 || list[0].Username != "admin" || list[1].Username != "clerk" {
			t.Fatalf("list: %v %v", list, err)
		}

		// Two sessions; disabling ends both in the transaction that disables.
		tok1, _, _, err := svc.Login(ctx, "clerk", "long-enough")
		if err != nil {
			t.Fatal(err)
		}
		tok2, _, _, err := svc.Login(ctx, "clerk", "long-enough")
		if err != nil {
			t.Fatal(err)
		}
		if _, err := svc.Update(ctx, a, "clerk", staff.Change{Disabled: ptr(true)}); err != nil {
			t.Fatal(err)
		}
		for _, tok := range []string{tok1, tok2} {
			if _, err := svc.Authenticate(ctx, tok); kernel.ErrorCode(err) != kernel.EUnauthorized {
				t.Errorf("token after disabling: %v", err)
			}
		}
		var n int
		if err := db.NewSelect().Table("sessions").ColumnExpr("COUNT(*)").Where("user_id = ?", u.ID).Scan(ctx, &n); err != nil || n != 0 {
			t.Errorf("sessions left: %d %v", n, err)
		}
		// A refused change (region above the admin) writes nothing.
		if _, err := svc.Update(ctx, a, "clerk", staff.Change{Disabled: ptr(false), RegionCode: ptr("6109")}); kernel.ErrorCode(err) != kernel.EForbidden {
			t.Errorf("raise: %v", err)
		}
		if got, _ := svc.Store.UserByUsername(ctx, "clerk"); !got.Disabled || got.RegionCode != "610902107000" {
			t.Errorf("after a refused change: %+v", got)
		}
		if _, err := svc.Update(ctx, a, "tc", staff.Change{Disabled: ptr(true)}); kernel.ErrorCode(err) != kernel.ENotFound {
			t.Errorf("another region's account: %v", err)
		}
		if _, err := svc.Update(ctx, a, "admin", staff.Change{Role: ptr(kernel.RoleLeader)}); kernel.ErrorCode(err) != kernel.EForbidden {
			t.Errorf("own role: %v", err)
		}
		got, err := svc.Update(ctx, a, "clerk", staff.Change{Disabled: ptr(false), Password: ptr("brand-new-pw"), Role: ptr(kernel.RoleMediator)})
		if err != nil || got.Disabled || got.Role != kernel.RoleMediator {
			t.Fatalf("enable: %+v %v", got, err)
		}
		if _, _, _, err := svc.Login(ctx, "clerk", "brand-new-pw"); err != nil {
			t.Errorf("new password: %v", err)
		}
	})
}

func ptr[T any](v T) *T { return &v }
