package calendar

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
)

// Override sets the kind of one date, replacing whatever the lunar-go data
// says about it.
type Override struct {
	Date Date
	// Kind is KindHoliday, KindRest, KindWorking or KindAdjustedWorking.
	// KindWorking and KindAdjustedWorking both mean "a working day"; the
	// calendar reports adjusted_working for a weekend date, working for a
	// weekday.
	Kind DayKind
	Name string
}

// ParseError reports a bad line of an override file.
type ParseError struct {
	File string // the path, or "" when read from an io.Reader
	Line int    // 1-based
	Msg  string
}

func (e *ParseError) Error() string {
	src := e.File
	if src == "" {
		src = "overrides"
	}
	return fmt.Sprintf("calendar: %s line %d: %s", src, e.Line, e.Msg)
}

// ParseOverrides reads an override file. The format is UTF-8 text, one date
// per line:
//
//	# 2027 schedule, 国办发明电〔2026〕N号 (the State Council notice)
//	2027-01-01,holiday,元旦
//	2027-02-06,workday,春节调休
//	2025-10-08,workday   # no longer a holiday
//
// Each line is DATE,KIND[,NAME]:
//   - DATE is YYYY-MM-DD;
//   - KIND is "holiday" (a legal holiday day off), "rest" (an ordinary day
//     off) or "workday" (a working day; on a weekend this is a 调休 adjusted
//     working day). "working" and "adjusted_working" are accepted as
//     synonyms of "workday";
//   - NAME is optional and free text, e.g. the holiday's name.
//
// Spaces around fields are ignored, "#" starts a comment that runs to the end
// of the line, blank lines are skipped, and a UTF-8 byte order mark and CRLF
// line ends (files edited in Windows Notepad) are accepted. A date may appear
// only once in a file. An entry replaces the library's data for that
// date, and nothing else: to move a holiday, list both the new days off and
// the old dates as workday (or rest, for a weekend).
//
// Errors are *ParseError values naming the line.
func ParseOverrides(r io.Reader) ([]Override, error) {
	var list []Override
	seen := make(map[Date]int) // date -> line
	sc := bufio.NewScanner(r)
	line := 0
	for sc.Scan() {
		line++
		text := sc.Text()
		if line == 1 {
			text = strings.TrimPrefix(text, "\ufeff")
		}
		if i := strings.IndexByte(text, '#'); i >= 0 {
			text = text[:i]
		}
		text = strings.TrimSpace(text)
		if text == "" {
			continue
		}
		o, msg := parseOverrideLine(text)
		if msg != "" {
			return nil, &ParseError{Line: line, Msg: msg}
		}
		if prev, dup := seen[o.Date]; dup {
			return nil, &ParseError{Line: line, Msg: fmt.Sprintf("%s already set on line %d", o.Date, prev)}
		}
		seen[o.Date] = line
		list = append(list, o)
	}
	if err := sc.Err(); err != nil {
		return nil, &ParseError{Line: line + 1, Msg: err.Error()}
	}
	return list, nil
}

// parseOverrideLine parses a non-empty line without its comment. It returns
// an error message rather than an error so the caller adds the line number.
func parseOverrideLine(text string) (Override, string) {
	f := strings.SplitN(text, ",", 3)
	if len(f) < 2 {
		return Override{}, fmt.Sprintf("want DATE,KIND[,NAME], got %q", text)
	}
	for i := range f {
		f[i] = strings.TrimSpace(f[i])
	}
	d, err := ParseDate(f[0])
	if err != nil {
		return Override{}, fmt.Sprintf("invalid date %q (want YYYY-MM-DD)", f[0])
	}
	o := Override{Date: d}
	switch f[1] {
	case "holiday":
		o.Kind = KindHoliday
	case "rest":
		o.Kind = KindRest
	case "workday", string(KindWorking), string(KindAdjustedWorking):
		o.Kind = workingKind(d.Weekday())
	default:
		return Override{}, fmt.Sprintf("unknown kind %q (want holiday, rest or workday)", f[1])
	}
	if len(f) == 3 {
		o.Name = f[2]
	}
	return o, ""
}

// WithOverrides applies overrides given in code, e.g. loaded from a
// database. Later entries for the same date win.
func WithOverrides(list ...Override) Option {
	return func(cfg *config) error {
		for _, o := range list {
			if !o.Date.IsValid() {
				return fmt.Errorf("%w: override date %s is not a valid date", ErrInvalid, o.Date)
			}
			switch o.Kind {
			case KindHoliday, KindRest:
			case KindWorking, KindAdjustedWorking:
				o.Kind = workingKind(o.Date.Weekday())
			default:
				return fmt.Errorf("%w: override %s has unknown kind %q", ErrInvalid, o.Date, o.Kind)
			}
			cfg.overrides[o.Date] = o
		}
		return nil
	}
}

// WithOverridesFrom applies an override file read from r; see
// [ParseOverrides] for the format.
func WithOverridesFrom(r io.Reader) Option {
	return func(cfg *config) error {
		list, err := ParseOverrides(r)
		if err != nil {
			return err
		}
		return WithOverrides(list...)(cfg)
	}
}

// WithOverridesFile applies the override file at path; see [ParseOverrides]
// for the format. Parse errors name the path and line.
func WithOverridesFile(path string) Option {
	return func(cfg *config) error {
		f, err := os.Open(path)
		if err != nil {
			return fmt.Errorf("calendar: overrides: %w", err)
		}
		defer f.Close()
		list, err := ParseOverrides(f)
		if pe, ok := errors.AsType[*ParseError](err); ok {
			pe.File = path
		}
		if err != nil {
			return err
		}
		return WithOverrides(list...)(cfg)
	}
}
