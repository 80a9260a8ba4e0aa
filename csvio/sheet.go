package csvio

import (
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strings"
	"unicode/utf8"

	"github.com/xuri/excelize/v2"

	"github.com/okrbot/okrbot/commands"
)

// MaxFile bounds the files an import reads: a company's OKRs are a few
// hundred rows, far below it.
const MaxFile = 20 << 20

// zipMagic starts every .xlsx file (a zip archive).
var zipMagic = []byte("PK\x03\x04")

// ReadSheet reads an import file: an Excel workbook (.xlsx: its first
// sheet, or the one named by sheet), or else CSV separated by commas,
// semicolons or tabs (whichever the header row uses), UTF-8 with or
// without a byte order mark. What it reads is told by the content, not by
// a file name, so an upload needs none.
func ReadSheet(r io.Reader, sheet string) (commands.Sheet, error) {
	data, err := io.ReadAll(io.LimitReader(r, MaxFile+1))
	if err != nil {
		return commands.Sheet{}, err
	}
	if len(data) > MaxFile {
		return commands.Sheet{}, fmt.Errorf("the file is larger than %d MB; split it", MaxFile>>20)
	}
	if bytes.HasPrefix(data, zipMagic) {
		return readXLSX(data, sheet)
	}
	if sheet != "" {
		return commands.Sheet{}, errors.New("only an Excel workbook has sheets; this file is CSV")
	}
	return readCSV(data)
}

// readCSV reads CSV with the separator its header uses.
func readCSV(data []byte) (commands.Sheet, error) {
	data = bytes.TrimPrefix(data, []byte("\ufeff"))
	if !utf8.Valid(data) {
		return commands.Sheet{}, errors.New("the file is not UTF-8 text; save it as CSV UTF-8 (or as an Excel workbook)")
	}
	cr := csv.NewReader(bytes.NewReader(data))
	cr.Comma = separator(data)
	cr.FieldsPerRecord = -1
	// Spaces after a comma are padding, but a tab is the separator of an
	// empty cell, not padding.
	cr.TrimLeadingSpace = cr.Comma != '\t'

	var s commands.Sheet
	for {
		rec, err := cr.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			var pe *csv.ParseError
			if errors.As(err, &pe) {
				return s, fmt.Errorf("line %d: %v", pe.StartLine, pe.Err)
			}
			return s, err
		}
		line, _ := cr.FieldPos(0)
		if s.Header == nil {
			s.Header = rec
			continue
		}
		s.Rows = append(s.Rows, commands.SheetRow{Line: line, Cells: rec})
	}
	if s.Header == nil {
		return s, errors.New("line 1: the file is empty; its first row names the columns")
	}
	return s, nil
}

// separator is the one of comma, semicolon and tab that the first line
// uses most outside quotes. Spreadsheets in many European locales save
// CSV with semicolons; copies from a sheet are tab-separated.
func separator(data []byte) rune {
	counts := map[rune]int{}
	quoted := false
	for _, r := range string(data) {
		switch {
		case r == '"':
			quoted = !quoted
		case quoted:
		case r == '\n':
			return best(counts)
		case r == ',' || r == ';' || r == '\t':
			counts[r]++
		}
	}
	return best(counts)
}

func best(counts map[rune]int) rune {
	sep := ','
	for _, r := range []rune{';', '\t'} {
		if counts[r] > counts[sep] {
			sep = r
		}
	}
	return sep
}

// readXLSX reads a sheet of a workbook as its cells show (formatted, as
// people see them: "40%", "$1,200"). A row's line is its row number in
// the sheet.
func readXLSX(data []byte, sheet string) (commands.Sheet, error) {
	f, err := excelize.OpenReader(bytes.NewReader(data))
	if err != nil {
		return commands.Sheet{}, fmt.Errorf("the file is not an Excel workbook okrbot can read: %v", err)
	}
	defer f.Close()
	sheets := f.GetSheetList()
	switch {
	case len(sheets) == 0:
		return commands.Sheet{}, errors.New("the workbook has no sheets")
	case sheet == "":
		sheet = sheets[0]
	default:
		found := false
		for _, name := range sheets {
			if strings.EqualFold(name, sheet) {
				sheet, found = name, true
			}
		}
		if !found {
			return commands.Sheet{}, fmt.Errorf("the workbook has no sheet %q; it has %s", sheet, strings.Join(sheets, ", "))
		}
	}
	rows, err := f.GetRows(sheet)
	if err != nil {
		return commands.Sheet{}, fmt.Errorf("sheet %q: %v", sheet, err)
	}
	var s commands.Sheet
	for i, row := range rows {
		if s.Header == nil {
			if len(row) > 0 {
				s.Header = row
			}
			continue
		}
		s.Rows = append(s.Rows, commands.SheetRow{Line: i + 1, Cells: row})
	}
	if s.Header == nil {
		return s, fmt.Errorf("sheet %q is empty; its first row names the columns", sheet)
	}
	return s, nil
}
