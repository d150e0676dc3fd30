package cases

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"
)

// RegionTree is a region with its children, for browsing the tree.
type RegionTree struct {
	Region
	Children []Region `json:"children"`
}

// Region returns a region in the actor's scope (or an ancestor of it, so
// that users can see where their scope sits) with its children.
func (s *Service) Region(ctx context.Context, actor Actor, code string) (*RegionTree, error) {
	norm, ok := NormalizeRegionCode(code)
	if !ok {
		return nil, FieldError("code", "行政区划代码格式错误")
	}
	r, err := s.Store.Region(ctx, norm)
	if err != nil {
		return nil, err
	}
	if !actor.Sees(norm) && !InRegion(actor.RegionCode, norm) {
		return nil, Errorf(ENotFound, "行政区划不存在")
	}
	children, err := s.Store.ChildRegions(ctx, norm)
	if err != nil {
		return nil, err
	}
	if !actor.Sees(norm) {
		// Above the actor's scope: show only the branch leading to it.
		var mine []Region
		for _, ch := range children {
			if actor.Sees(ch.Code) || InRegion(actor.RegionCode, ch.Code) {
				mine = append(mine, ch)
			}
		}
		children = mine
	}
	return &RegionTree{Region: *r, Children: children}, nil
}

// AddGrid creates a grid (网格) under a village or community, numbered after
// the village code: 610902001003 → 610902001003001, 002, ….
func (s *Service) AddGrid(ctx context.Context, actor Actor, villageCode, name string) (*Region, error) {
	if err := actor.Require(PermGrids); err != nil {
		return nil, err
	}
	name = strings.TrimSpace(name)
	if name == "" || utf8.RuneCountInString(name) > 64 {
		return nil, FieldError("name", "网格名称不能为空且不超过64个字符")
	}
	code, ok := NormalizeRegionCode(villageCode)
	if !ok {
		return nil, FieldError("code", "行政区划代码格式错误")
	}
	if !actor.Sees(code) {
		return nil, Errorf(ENotFound, "行政区划不存在")
	}
	var grid *Region
	err := s.inTx(ctx, func(ctx context.Context, tx Store) error {
		parent, err := tx.Region(ctx, code)
		if err != nil {
			return err
		}
		if parent.Level != LevelVillage {
			return FieldError("code", "网格只能设在村（社区）之下")
		}
		children, err := tx.ChildRegions(ctx, code)
		if err != nil {
			return err
		}
		next := 1
		for _, ch := range children {
			if ch.Name == name {
				return Errorf(EConflict, "该村（社区）下已有同名网格")
			}
			if n, err := strconv.Atoi(ch.Code[len(code):]); err == nil && n >= next {
				next = n + 1
			}
		}
		if next > 999 {
			return Errorf(EInvalid, "该村（社区）下的网格已满999个")
		}
		grid = &Region{Code: fmt.Sprintf("%s%03d", code, next), Name: name, Level: LevelGrid, ParentCode: code}
		return tx.CreateRegion(ctx, grid)
	})
	return grid, err
}

// RegionsInScope lists the actor's region and those under it down to
// maxLevel, for pickers in forms.
func (s *Service) RegionsInScope(ctx context.Context, actor Actor, maxLevel int) ([]Region, error) {
	return s.Store.SubtreeRegions(ctx, actor.Scope(), maxLevel)
}

// LookupRegion returns the region with a padded code (ENotFound if there is
// none), for modules that check a code they were given.
func (s *Service) LookupRegion(ctx context.Context, code string) (*Region, error) {
	return s.Store.Region(ctx, code)
}
