// Package xlsx writes the Excel workbooks of the exports and the monthly
// report with excelize: sheets with Chinese headers, column widths, a
// frozen header row and number formats.
package xlsx

import (
	"io"

	"github.com/xuri/excelize/v2"
)

// Column is one column of a sheet.
type Column struct {
	Header string
	Width  float64
	// Format is a number format ("0", "0.00%", "0.0", "yyyy-mm-dd hh:mm");
	// empty: text.
	Format string
}

// Book is a workbook being written.
type Book struct {
	f      *excelize.File
	header int
	first  bool
	styles map[string]int
}

// New starts a workbook.
func New() (*Book, error) {
	f := excelize.NewFile()
	header, err := f.NewStyle(&excelize.Style{Font: &excelize.Font{Bold: true},
		Fill:      excelize.Fill{Type: "pattern", Color: []string{"DDEBF7"}, Pattern: 1},
		Alignment: &excelize.Alignment{Horizontal: "center", Vertical: "center"}})
	if err != nil {
		return nil, err
	}
	return &Book{f: f, header: header, first: true, styles: map[string]int{}}, nil
}

func (b *Book) style(format string) (int, error) {
	if id, ok := b.styles[format]; ok {
		return id, nil
	}
	id, err := b.f.NewStyle(&excelize.Style{CustomNumFmt: &format})
	if err != nil {
		return 0, err
	}
	b.styles[format] = id
	return id, nil
}

// Sheet adds a sheet with its columns and rows (each row's values in
// column order: strings, ints, floats, times).
func (b *Book) Sheet(name string, cols []Column, rows [][]any) error {
	if b.first {
		if err := b.f.SetSheetName("Sheet1", name); err != nil {
			return err
		}
		b.first = false
	} else if _, err := b.f.NewSheet(name); err != nil {
		return err
	}
	sw, err := b.f.NewStreamWriter(name)
	if err != nil {
		return err
	}
	styles := make([]int, len(cols))
	for i, c := range cols {
		w := c.Width
		if w == 0 {
			w = 14
		}
		if err := sw.SetColWidth(i+1, i+1, w); err != nil {
			return err
		}
		if c.Format != "" {
			if styles[i], err = b.style(c.Format); err != nil {
				return err
			}
		}
	}
	if err := sw.SetPanes(&excelize.Panes{Freeze: true, YSplit: 1, TopLeftCell: "A2", ActivePane: "bottomLeft"}); err != nil {
		return err
	}
	head := make([]any, len(cols))
	for i, c := range cols {
		head[i] = excelize.Cell{StyleID: b.header, Value: c.Header}
	}
	if err := sw.SetRow("A1", head); err != nil {
		return err
	}
	for r, row := range rows {
		cells := make([]any, len(row))
		for i, v := range row {
			if i < len(styles) && styles[i] != 0 {
				cells[i] = excelize.Cell{StyleID: styles[i], Value: v}
			} else {
				cells[i] = v
			}
		}
		cell, _ := excelize.CoordinatesToCellName(1, r+2)
		if err := sw.SetRow(cell, cells); err != nil {
			return err
		}
	}
	return sw.Flush()
}

// Write writes the workbook.
func (b *Book) Write(w io.Writer) error {
	defer b.f.Close()
	_, err := b.f.WriteTo(w)
	return err
}

// ContentType is the MIME type of .xlsx files.
const ContentType = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
