package sources

import (
	"bytes"
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
)

// cell is where a csv source's number is: a spreadsheet reference (B7), or
// a column named in the header row and a row counted under it (1, 2, …)
// or "last".
type cell struct {
	ref    string
	col    int // 0-based, for a reference
	row    int // 1-based, for a reference
	column string
	index  int // 1-based row under the header; 0 is last
}

func parseCell(s string) (cell, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return cell{}, errors.New("a csv source needs --cell: B7, or 'column=Churn row=last'")
	}
	if !strings.Contains(s, "=") {
		return parseRef(s)
	}
	var c cell
	for _, f := range fieldsQuoted(s) {
		k, v, _ := strings.Cut(f, "=")
		switch strings.ToLower(k) {
		case "column", "col":
			c.column = v
		case "row":
			if strings.EqualFold(v, "last") {
				c.index = 0
				continue
			}
			n, err := strconv.Atoi(v)
			if err != nil || n < 1 {
				return c, fmt.Errorf("row=%s is not a row: write a number from 1 (the first under the header) or last", v)
			}
			c.index = n
		default:
			return c, fmt.Errorf("%q is not part of a cell: write B7, or column=NAME row=N (or row=last)", f)
		}
	}
	if c.column == "" {
		return c, errors.New("the cell names no column: write column=NAME row=N (or row=last)")
	}
	c.ref = s
	return c, nil
}

// fieldsQuoted splits "column=Churn rate row=last" at the spaces before a
// key, so a column's name may hold spaces; quotes around a value go.
func fieldsQuoted(s string) []string {
	var out []string
	for _, w := range strings.Fields(s) {
		if strings.Contains(w, "=") || len(out) == 0 {
			out = append(out, w)
		} else {
			out[len(out)-1] += " " + w
		}
	}
	for i, f := range out {
		k, v, _ := strings.Cut(f, "=")
		out[i] = k + "=" + strings.Trim(v, `"'`)
	}
	return out
}

func parseRef(s string) (cell, error) {
	u := strings.ToUpper(s)
	i := 0
	col := 0
	for i < len(u) && u[i] >= 'A' && u[i] <= 'Z' {
		col = col*26 + int(u[i]-'A'+1)
		i++
	}
	row, err := strconv.Atoi(u[i:])
	if i == 0 || i > 3 || err != nil || row < 1 {
		return cell{}, fmt.Errorf("%q is not a cell: write a column letter and a row number like B7, or column=NAME row=N", s)
	}
	return cell{ref: u, col: col - 1, row: row}, nil
}

// csvSource is a number in a cell of a CSV at a URL.
type csvSource struct {
	get  getter
	cell cell
}

func (s *csvSource) Fetch(ctx context.Context) (float64, error) {
	body, err := s.get.get(ctx, "text/csv")
	if err != nil {
		return 0, err
	}
	body = bytes.TrimPrefix(body, []byte("\ufeff"))
	r := csv.NewReader(bytes.NewReader(body))
	r.FieldsPerRecord = -1
	var rows [][]string
	for {
		rec, err := r.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			return 0, s.get.cfg.redactErr("%s answered something that is not CSV (%v): %s", hostOf(s.get.url), err, excerpt(body))
		}
		rows = append(rows, rec)
	}
	text, err := s.cell.in(rows)
	if err != nil {
		return 0, errors.New(s.get.cfg.redact(err.Error()))
	}
	v, ok := number(text)
	if !ok {
		return 0, s.get.cfg.redactErr("cell %s is %q, not a number", s.cell.ref, excerpt([]byte(text)))
	}
	return v, nil
}

// in is the text of the cell in rows.
func (c cell) in(rows [][]string) (string, error) {
	if c.column == "" {
		if c.row > len(rows) {
			return "", fmt.Errorf("cell %s is past the end: the CSV has %d rows", c.ref, len(rows))
		}
		if r := rows[c.row-1]; c.col >= len(r) {
			return "", fmt.Errorf("cell %s is past the end of row %d, which has %d columns", c.ref, c.row, len(r))
		}
		return rows[c.row-1][c.col], nil
	}
	if len(rows) == 0 {
		return "", errors.New("the CSV is empty")
	}
	col := -1
	for i, h := range rows[0] {
		if strings.EqualFold(strings.TrimSpace(h), c.column) {
			col = i
			break
		}
	}
	if col < 0 {
		return "", fmt.Errorf("the CSV has no column %q; its header is %s", c.column, excerpt([]byte(strings.Join(rows[0], ","))))
	}
	data := rows[1:]
	// Trailing rows with nothing in the column (a sheet's empty lines)
	// are not the last value.
	for len(data) > 0 {
		last := data[len(data)-1]
		if col < len(last) && strings.TrimSpace(last[col]) != "" {
			break
		}
		data = data[:len(data)-1]
	}
	i := c.index
	if i == 0 {
		i = len(data)
	}
	if i < 1 || i > len(data) {
		return "", fmt.Errorf("column %q has %d rows under its header, not %d", c.column, len(data), c.index)
	}
	if r := data[i-1]; col < len(r) {
		return r[col], nil
	}
	return "", nil
}
