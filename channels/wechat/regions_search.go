package wechat

import (
	"context"

	"github.com/gofiber/fiber/v2"

	"github.com/jiefen/jiefen/kernel"
	"github.com/jiefen/jiefen/regions"
	"github.com/jiefen/jiefen/regions/regionstore"
)

// maxResidentRegions caps the suggestions a resident gets for one name.
const maxResidentRegions = 20

// searchRegions answers GET /api/v1/me/regions?q=老城: the regions a
// resident's intake may name (counties, towns and streets, villages and
// communities) by a part of their name, with their paths, in the same
// shape as the staff search. The search covers the city of
// WECHAT_DEFAULT_REGION, or the whole loaded tree when that is not set.
func (ch *Channel) searchRegions(c *fiber.Ctx) error {
	limit := c.QueryInt("limit")
	if limit <= 0 || limit > maxResidentRegions {
		limit = maxResidentRegions
	}
	st := intakeLevels{inner: regionstore.New(ch.Store.db)}
	actor := kernel.Actor{Name: residentActor.Name, RegionCode: residentRegionScope(ch.Config.DefaultRegion)}
	items, err := regions.Search(c.UserContext(), st, actor, c.Query("q"), limit)
	if err != nil {
		return err
	}
	if items == nil {
		items = []regions.Match{}
	}
	return c.JSON(fiber.Map{"items": items})
}

// residentRegionScope is the padded code of the city that holds the
// default region ("" for the whole tree; a province-level default keeps
// the province).
func residentRegionScope(def string) string {
	if def == "" {
		return ""
	}
	anc := kernel.RegionAncestors(def)
	for _, code := range anc {
		if kernel.RegionLevel(code) == kernel.LevelCity {
			return code
		}
	}
	if len(anc) > 0 {
		return anc[len(anc)-1]
	}
	return ""
}

// intakeLevels keeps the levels an intake may name (county and below).
// It asks the store for enough extra rows to cover every province and
// city that might match (China has fewer than 400 of them), so the
// filter never leaves a full page short.
type intakeLevels struct{ inner regions.SearchStore }

const provincesAndCities = 400

func (s intakeLevels) ByName(ctx context.Context, prefix, q string, limit int) ([]kernel.Region, error) {
	found, err := s.inner.ByName(ctx, prefix, q, limit+provincesAndCities)
	if err != nil {
		return nil, err
	}
	out := make([]kernel.Region, 0, limit)
	for _, r := range found {
		if r.Level < kernel.LevelCounty {
			continue
		}
		out = append(out, r)
		if len(out) == limit {
			break
		}
	}
	return out, nil
}

func (s intakeLevels) Names(ctx context.Context, codes []string) (map[string]string, error) {
	return s.inner.Names(ctx, codes)
}
