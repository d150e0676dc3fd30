package regions

import (
	"context"
	"strings"
	"unicode/utf8"

	"github.com/jiefen/jiefen/kernel"
)

// Match is a region found by name, with the names above it: forms take a
// name and the person picks the right 恒口镇 by its path.
type Match struct {
	Code  string `json:"code"`
	Name  string `json:"name"`
	Level int    `json:"level"`
	Path  string `json:"path"` // 安康市/汉滨区/恒口镇
}

// SearchStore reads the regions table.
type SearchStore interface {
	// ByName returns regions under prefix whose name contains q, at most
	// limit, shallowest first.
	ByName(ctx context.Context, prefix, q string, limit int) ([]kernel.Region, error)
	// Names returns the names of the regions with the given codes.
	Names(ctx context.Context, codes []string) (map[string]string, error)
}

// Search finds regions in the actor's scope by a part of their name. Paths
// start below the province (a province-wide system shows it on every
// line), or at the province when that is what matched.
func Search(ctx context.Context, st SearchStore, actor kernel.Actor, q string, limit int) ([]Match, error) {
	q = strings.TrimSpace(q)
	if q == "" {
		return nil, kernel.FieldError("q", "请输入地名")
	}
	if utf8.RuneCountInString(q) > 32 {
		return nil, kernel.FieldError("q", "地名不能超过32个字符")
	}
	if limit <= 0 || limit > 50 {
		limit = 20
	}
	found, err := st.ByName(ctx, actor.Scope(), q, limit)
	if err != nil {
		return nil, err
	}
	var codes []string
	for _, r := range found {
		codes = append(codes, kernel.RegionAncestors(r.Code)...)
	}
	names, err := st.Names(ctx, codes)
	if err != nil {
		return nil, err
	}
	out := make([]Match, 0, len(found))
	for _, r := range found {
		anc := kernel.RegionAncestors(r.Code)
		var parts []string
		for i := len(anc) - 1; i >= 0; i-- {
			if kernel.RegionLevel(anc[i]) == kernel.LevelProvince && r.Level != kernel.LevelProvince {
				continue
			}
			if n := names[anc[i]]; n != "" {
				parts = append(parts, n)
			}
		}
		out = append(out, Match{Code: r.Code, Name: r.Name, Level: r.Level, Path: strings.Join(parts, "/")})
	}
	return out, nil
}
