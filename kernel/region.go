package kernel

import "strings"

// Region is one administrative division (统计用区划代码) or a grid (网格) under
// a village. Codes are stored in their padded form: 12 digits for the five
// official levels, 15 digits for grids (a village code plus three digits).
type Region struct {
	Code       string `json:"code"`
	Name       string `json:"name"`
	Level      int    `json:"level"` // 1 province … 5 village/community, 6 grid
	ParentCode string `json:"parent_code,omitempty"`
}

// Region levels.
const (
	LevelProvince = 1
	LevelCity     = 2
	LevelCounty   = 3
	LevelTown     = 4
	LevelVillage  = 5
	LevelGrid     = 6
)

// groupEnds are the end offsets of the code groups of each level:
// province 2, city 4, county 6, town 9, village 12, grid 15.
var groupEnds = [...]int{2, 4, 6, 9, 12, 15}

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}

// NormalizeRegionCode accepts a code in any of its common forms (2, 4, 6, 9 or
// 12 digits, or a 15-digit grid code) and returns the padded form.
func NormalizeRegionCode(s string) (string, bool) {
	s = strings.TrimSpace(s)
	if !allDigits(s) {
		return "", false
	}
	switch len(s) {
	case 2, 4, 6, 9:
		return s + strings.Repeat("0", 12-len(s)), true
	case 12, 15:
		return s, true
	}
	return "", false
}

// RegionLevel infers the level of a padded code: the last non-zero group.
// Town codes may end in zeros (610902100 is a town), so trimming trailing
// zeros digit by digit would be wrong; groups are trimmed whole.
func RegionLevel(code string) int {
	level := 0
	start := 0
	for i, end := range groupEnds {
		if end > len(code) {
			break
		}
		if strings.Trim(code[start:end], "0") != "" {
			level = i + 1
		}
		start = end
	}
	return level
}

// RegionPrefix returns the significant prefix of a padded code: every code in
// the region's subtree starts with it, so a subtree is one range scan.
func RegionPrefix(code string) string {
	level := RegionLevel(code)
	if level == 0 {
		return ""
	}
	return code[:groupEnds[level-1]]
}

// InRegion reports whether code lies in the subtree of the region with the
// given padded code.
func InRegion(code, root string) bool {
	return strings.HasPrefix(code, RegionPrefix(root))
}

// RegionAncestors returns the padded codes of a region and of every region
// above it, the region itself first: the roots whose subtrees contain it.
func RegionAncestors(code string) []string {
	var out []string
	for level := RegionLevel(code); level >= 1; level-- {
		end := groupEnds[level-1]
		pad := 12
		if end > pad {
			pad = end
		}
		out = append(out, code[:end]+strings.Repeat("0", pad-end))
	}
	return out
}

// CountyCode returns the six-digit county-level part of a code, used in case
// numbers. City- and province-level codes keep their zero padding.
func CountyCode(code string) string {
	if len(code) < 6 {
		return (code + "000000")[:6]
	}
	return code[:6]
}
