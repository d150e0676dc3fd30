package cases

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/jiefen/jiefen/kernel"
)

// RegionTree is a region with its children, for browsing the tree.
type RegionTree struct {
	kernel.Region
	Children []kernel.Region `json:"children"`
}

// Region returns a region in the actor's scope (or an ancestor of it, so
// that users can see where their scope sits) with its children.
func (s *Service) Region(ctx context.Context, actor kernel.Actor, code string) (*RegionTree, error) {
	norm, ok := kernel.NormalizeRegionCode(code)
	if !ok {
		return nil, kernel.FieldError("code", "行政区划代码格式错误")
	}
	r, err := s.Store.Region(ctx, norm)
	if err != nil {
		return nil, err
	}
	if !actor.Sees(norm) && !kernel.InRegion(actor.RegionCode, norm) {
		return nil, kernel.Errorf(kernel.ENotFound, "行政区划不存在")
	}
	children, err := s.Store.ChildRegions(ctx, norm)
	if err != nil {
		return nil, err
	}
	if !actor.Sees(norm) {
		// Above the actor's scope: show only the branch leading to it.
		var mine []kernel.Region
		for _, ch := range children {
			if actor.Sees(ch.Code) || kernel.InRegion(actor.RegionCode, ch.Code) {
				mine = append(mine, ch)
			}
		}
		children = mine
	}
	return &RegionTree{Region: *r, Children: children}, nil
}

// AddGrid creates a grid (网格) under a village or community, numbered after
// the village code: 610902001003 → 610902001003001, 002, ….
func (s *Service) AddGrid(ctx context.Context, actor kernel.Actor, villageCode, name string) (*kernel.Region, error) {
	if err := actor.Require(kernel.PermGrids); err != nil {
		return nil, err
	}
	name = strings.TrimSpace(name)
	if name == "" || utf8.RuneCountInString(name) > 64 {
		return nil, kernel.FieldError("name", "网格名称不能为空且不超过64个字符")
	}
	code, ok := kernel.NormalizeRegionCode(villageCode)
	if !ok {
		return nil, kernel.FieldError("code", "行政区划代码格式错误")
	}
	if !actor.Sees(code) {
		return nil, kernel.Errorf(kernel.ENotFound, "行政区划不存在")
	}
	var grid *kernel.Region
	err := s.inTx(ctx, func(ctx context.Context, tx Store) error {
		parent, err := tx.Region(ctx, code)
		if err != nil {
			return err
		}
		if parent.Level != kernel.LevelVillage {
			return kernel.FieldError("code", "网格只能设在村（社区）之下")
		}
		children, err := tx.ChildRegions(ctx, code)
		if err != nil {
			return err
		}
		next := 1
		for _, ch := range children {
			if ch.Name == name {
				return kernel.Errorf(kernel.EConflict, "该村（社区）下已有同名网格")
			}
			if n, err := strconv.Atoi(ch.Code[len(code):]); err == nil && n >= next {
				next = n + 1
			}
		}
		if next > 999 {
			return kernel.Errorf(kernel.EInvalid, "该村（社区）下的网格已满999个")
		}
		grid = &kernel.Region{Code: fmt.Sprintf("%s%03d", code, next), Name: name, Level: kernel.LevelGrid, ParentCode: code}
		return tx.CreateRegion(ctx, grid)
	})
	return grid, err
}

// RegionsInScope lists the actor's region and those under it down to
// maxLevel, for pickers in forms.
func (s *Service) RegionsInScope(ctx context.Context, actor kernel.Actor, maxLevel int) ([]kernel.Region, error) {
	return s.Store.SubtreeRegions(ctx, actor.Scope(), maxLevel)
}

// LookupRegion returns the region with a padded code (ENotFound if there is
// none), for modules that check a code they were given.
func (s *Service) LookupRegion(ctx context.Context, code string) (*kernel.Region, error) {
	return s.Store.Region(ctx, code)
}
