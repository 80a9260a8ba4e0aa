package store

import (
	"context"
	"fmt"
	"sort"
	"strings"
)

// Dump returns every row of every table as a database dump would show it:
// each column cast to text, the columns of a row joined by " | ", and the
// rows of a table sorted. Tests read it for secrets in plain text and for
// rows left behind.
func (s *Store) Dump(ctx context.Context) (map[string][]string, error) {
	tables, err := s.db.WithContext(ctx).Migrator().GetTables()
	if err != nil {
		return nil, err
	}
	dump := map[string][]string{}
	for _, table := range tables {
		if strings.HasPrefix(table, "sqlite_") { // SQLite's own bookkeeping
			continue
		}
		cols, err := s.db.WithContext(ctx).Migrator().ColumnTypes(table)
		if err != nil {
			return nil, err
		}
		exprs := make([]string, len(cols))
		for i, c := range cols {
			exprs[i] = fmt.Sprintf(`COALESCE(CAST(%q AS TEXT), 'NULL')`, c.Name())
		}
		rows, err := s.db.WithContext(ctx).Raw(fmt.Sprintf(`SELECT %s FROM %q`, strings.Join(exprs, " || ' | ' || "), table)).Rows()
		if err != nil {
			return nil, fmt.Errorf("dump %s: %w", table, err)
		}
		lines := []string{}
		for rows.Next() {
			var line string
			if err := rows.Scan(&line); err != nil {
				rows.Close()
				return nil, err
			}
			lines = append(lines, line)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, err
		}
		sort.Strings(lines)
		dump[table] = lines
	}
	return dump, nil
}

// Exec runs a statement through gorm, as the store's own queries run.
func (s *Store) Exec(ctx context.Context, sql string) error {
	return s.db.WithContext(ctx).Exec(sql).Error
}

// TablesWith returns the tables that have a column of that name.
func (s *Store) TablesWith(ctx context.Context, column string) ([]string, error) {
	tables, err := s.db.WithContext(ctx).Migrator().GetTables()
	if err != nil {
		return nil, err
	}
	var out []string
	for _, table := range tables {
		cols, err := s.db.WithContext(ctx).Migrator().ColumnTypes(table)
		if err != nil {
			return nil, err
		}
		for _, c := range cols {
			if c.Name() == column {
				out = append(out, table)
			}
		}
	}
	sort.Strings(out)
	return out, nil
}
