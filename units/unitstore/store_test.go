package unitstore_test

import (
	"context"
	"testing"

	"github.com/uptrace/bun"

	"github.com/jiefen/jiefen/cases/casestore"
	"github.com/jiefen/jiefen/database"
	"github.com/jiefen/jiefen/database/dbtest"
	"github.com/jiefen/jiefen/kernel"
	"github.com/jiefen/jiefen/units"
	"github.com/jiefen/jiefen/units/unitstore"
)

func newService(t *testing.T, db *bun.DB) *units.Service {
	return units.NewService(unitstore.New(db), casestore.New(db, dbtest.Keys(t)), database.Transactor{DB: db})
}

// admin of 汉滨区.
var admin = kernel.Actor{UserID: 1, Name: "admin", Role: kernel.RoleAdmin, RegionCode: "610902000000"}

func TestUnits(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		ctx := context.Background()
		svc := newService(t, db)
		centre, err := svc.Create(ctx, admin, units.NewUnit{Name: " 汉滨区矛调中心 ", Kind: units.KindCentre, RegionCode: "610902", Phone: "0915-1"})
		if err != nil {
			t.Fatal(err)
		}
		if centre.ID == 0 || centre.Name != "汉滨区矛调中心" || centre.RegionCode != "610902000000" || !centre.Active {
			t.Fatalf("centre %+v", centre)
		}
		traffic, err := svc.Create(ctx, admin, units.NewUnit{Name: "汉滨区道路交通事故纠纷人民调解委员会", Kind: units.KindIndustryCommittee,
			Specialty: units.SpecialtyTraffic, RegionCode: "610902", ParentID: &centre.ID})
		if err != nil {
			t.Fatal(err)
		}
		got, err := svc.Unit(ctx, admin, traffic.ID)
		if err != nil || got.Specialty != units.SpecialtyTraffic || got.ParentID == nil || *got.ParentID != centre.ID {
			t.Fatalf("read back: %+v %v", got, err)
		}

		// Outside the region, a duplicate name, a clerk: refused, nothing written.
		if _, err := svc.Create(ctx, admin, units.NewUnit{Name: "王益区人民法院", Kind: units.KindCourt, RegionCode: "610202"}); kernel.ErrorCode(err) != kernel.EForbidden {
			t.Errorf("outside: %v", err)
		}
		if _, err := svc.Create(ctx, admin, units.NewUnit{Name: "汉滨区矛调中心", Kind: units.KindCentre, RegionCode: "610902"}); kernel.ErrorCode(err) != kernel.EConflict {
			t.Errorf("duplicate: %v", err)
		}
		clerk := kernel.Actor{Role: kernel.RoleWindowClerk, RegionCode: "610902000000"}
		if _, err := svc.Create(ctx, clerk, units.NewUnit{Name: "某派出所", Kind: units.KindPolice, RegionCode: "610902"}); kernel.ErrorCode(err) != kernel.EForbidden {
			t.Errorf("clerk: %v", err)
		}
		all, err := svc.List(ctx, kernel.SystemActor("test"), units.Filter{})
		if err != nil || len(all) != 2 {
			t.Fatalf("list all: %d %v", len(all), err)
		}

		// A cycle is refused; the refused update leaves the row as it was.
		if _, err := svc.Update(ctx, admin, centre.ID, units.Patch{ParentID: &traffic.ID, Phone: ptr("x")}); kernel.ErrorCode(err) != kernel.EInvalid {
			t.Errorf("cycle: %v", err)
		}
		if u, _ := svc.Unit(ctx, admin, centre.ID); u.Phone != "0915-1" || u.ParentID != nil {
			t.Errorf("after a refused update: %+v", u)
		}
		off := false
		if _, err := svc.Update(ctx, admin, traffic.ID, units.Patch{Active: &off}); err != nil {
			t.Fatal(err)
		}
		if err := svc.CheckMember(ctx, admin, traffic.ID); kernel.ErrorFields(err)["unit_id"] == "" {
			t.Errorf("member of an inactive unit: %v", err)
		}
		if err := svc.CheckMember(ctx, admin, centre.ID); err != nil {
			t.Errorf("member: %v", err)
		}
		// A town admin sees neither the county's units nor may use them.
		town := kernel.Actor{Role: kernel.RoleAdmin, RegionCode: "610902107000"}
		if err := svc.CheckMember(ctx, town, centre.ID); kernel.ErrorFields(err)["unit_id"] == "" {
			t.Errorf("member outside: %v", err)
		}
		if l, _ := svc.List(ctx, town, units.Filter{}); len(l) != 0 {
			t.Errorf("town admin lists %d", len(l))
		}
		for f, want := range map[*units.Filter]int{
			{Kind: units.KindCentre}: 1, {Q: "交通"}: 1, {Q: "%"}: 0, {Region: "610902107"}: 0, {Active: &off}: 1,
		} {
			if l, err := svc.List(ctx, admin, *f); err != nil || len(l) != want {
				t.Errorf("filter %+v: %d %v", *f, len(l), err)
			}
		}
		// InRegions: the units of a case's region line (its ancestors), by
		// region then id; nil is every unit, an empty list none.
		st := unitstore.New(db)
		for _, c := range []struct {
			codes []string
			want  int
		}{{kernel.RegionAncestors("610902001003"), 2}, {[]string{"610202000000"}, 0}, {nil, 2}, {[]string{}, 0}} {
			l, err := st.InRegions(ctx, c.codes)
			if err != nil || len(l) != c.want || (len(l) == 2 && (l[0].ID != centre.ID || l[1].ID != traffic.ID)) {
				t.Errorf("InRegions(%v): %d units %v", c.codes, len(l), err)
			}
		}
	})
}

func ptr[T any](v T) *T { return &v }
