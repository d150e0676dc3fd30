// Package regions holds the official administrative division codes
// (统计用区划代码, 2023 edition, compiled by modood/Administrative-divisions-of-China):
// the whole country down to county level, and 安康市 (6109) and 铜川市 (6102)
// down to villages and communities. Codes are padded to 12 digits on load.
package regions

import (
	"embed"
	"encoding/csv"
	"fmt"
	"io"
	"strconv"

	"github.com/jiefen/jiefen/kernel"
)

//go:embed divisions_county.csv shaanxi_6109_6102.csv
var files embed.FS

// Official returns every embedded region, parents before children, each code
// once.
func Official() ([]kernel.Region, error) {
	var all []kernel.Region
	seen := make(map[string]bool)
	for _, name := range []string{"divisions_county.csv", "shaanxi_6109_6102.csv"} {
		f, err := files.Open(name)
		if err != nil {
			return nil, err
		}
		rs, err := Parse(f)
		f.Close()
		if err != nil {
			return nil, fmt.Errorf("%s: %w", name, err)
		}
		for _, r := range rs {
			// Both files carry the Shaanxi ancestors; 东莞/中山/儋州 appear at level
			// 2 and again as their own county whose padded code is the same.
			if !seen[r.Code] {
				seen[r.Code] = true
				all = append(all, r)
			}
		}
	}
	return all, nil
}

// Parse reads rows of code,name,level,parent_code (with a header row).
func Parse(r io.Reader) ([]kernel.Region, error) {
	cr := csv.NewReader(r)
	cr.FieldsPerRecord = 4
	header, err := cr.Read()
	if err != nil {
		return nil, err
	}
	if header[0] != "code" {
		return nil, fmt.Errorf("unexpected header %v", header)
	}
	var out []kernel.Region
	for {
		rec, err := cr.Read()
		if err == io.EOF {
			return out, nil
		} else if err != nil {
			return nil, err
		}
		line, _ := cr.FieldPos(0)
		code, ok := kernel.NormalizeRegionCode(rec[0])
		if !ok {
			return nil, fmt.Errorf("line %d: bad code %q", line, rec[0])
		}
		level, err := strconv.Atoi(rec[2])
		if err != nil || level < 1 || level > 5 {
			return nil, fmt.Errorf("line %d: bad level %q", line, rec[2])
		}
		var parent string
		if rec[3] != "" {
			if parent, ok = kernel.NormalizeRegionCode(rec[3]); !ok {
				return nil, fmt.Errorf("line %d: bad parent code %q", line, rec[3])
			}
		}
		out = append(out, kernel.Region{Code: code, Name: rec[1], Level: level, ParentCode: parent})
	}
}
