package regionstore_test

import (
	"context"
	"testing"

	"github.com/uptrace/bun"

	"github.com/jiefen/jiefen/database/dbtest"
	"github.com/jiefen/jiefen/kernel"
	"github.com/jiefen/jiefen/regions"
	"github.com/jiefen/jiefen/regions/regionstore"
)

func TestSearch(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		ctx := context.Background()
		st := regionstore.New(db)
		city := kernel.Actor{Role: kernel.RoleWindowClerk, RegionCode: "610900000000"}
		got, err := regions.Search(ctx, st, city, "汉滨", 0)
		if err != nil || len(got) == 0 || got[0] != (regions.Match{Code: "610902000000", Name: "汉滨区", Level: 3, Path: "安康市/汉滨区"}) {
			t.Fatalf("汉滨: %+v %v", got, err)
		}
		// A name that starts with the text ranks first; villages carry
		// their whole path.
		got, err = regions.Search(ctx, st, city, "西大街", 5)
		if err != nil || len(got) == 0 || got[0].Path != "安康市/汉滨区/老城街道/西大街社区居委会" {
			t.Fatalf("西大街: %+v %v", got, err)
		}
		// The province itself, for an actor who sees it.
		got, err = regions.Search(ctx, st, kernel.SystemActor("t"), "陕西", 1)
		if err != nil || len(got) != 1 || got[0].Path != "陕西省" {
			t.Fatalf("陕西: %+v %v", got, err)
		}
		town := kernel.Actor{Role: kernel.RoleMediator, RegionCode: "610902107000"}
		if got, _ := regions.Search(ctx, st, town, "汉滨", 0); len(got) != 0 {
			t.Errorf("outside a town's scope: %+v", got)
		}
		if _, err := regions.Search(ctx, st, city, "  ", 0); kernel.ErrorFields(err)["q"] == "" {
			t.Errorf("empty: %v", err)
		}
	})
}
