package store

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"reflect"
	"slices"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"
	"gorm.io/gorm/schema"
)

// BackupVersion is the version of the archive format Backup writes; Restore
// reads archives up to this version.
const BackupVersion = 1

// backupFormat opens every archive, so that any other file is refused by
// name rather than by a decoding error.
const backupFormat = "okrbot-backup"

// restoreBatch is how many rows one INSERT carries: as many as keep its
// bound values within a budget, well under what SQLite (32766) and
// Postgres (65535) take. SQLite's driver binds in time quadratic in their
// number, so its statements stay small; Postgres gains from fewer round
// trips.
func restoreBatch(dialect string, columns int) int {
	budget := 1000
	if dialect == "postgres" {
		budget = 20000
	}
	return max(1, budget/max(1, columns))
}

// An archive is gzip-compressed JSON, one value a line:
//
//	{"format":"okrbot-backup","version":1,"schema_version":4,...}
//	{"table":"workspaces","columns":["id","platform",...]}
//	[1,"slack","T0123",...]
//	...
//	{"end":{"workspaces":1,...}}
//
// Tables come in foreign-key order, so a restore inserts them as it reads
// them. The closing line counts the rows of every table: an archive cut
// short is refused instead of restored in part.
type backupHeader struct {
	Format        string    `json:"format"`
	Version       int       `json:"version"`
	SchemaVersion int64     `json:"schema_version"`
	Dialect       string    `json:"dialect"`
	CreatedAt     time.Time `json:"created_at"`
}

// backupSection is a line that is not a row: a table's start or the end.
type backupSection struct {
	Table   string           `json:"table,omitempty"`
	Columns []string         `json:"columns,omitempty"`
	End     map[string]int64 `json:"end,omitempty"`
}

// A BackupSummary describes an archive: what Backup wrote or Restore read.
type BackupSummary struct {
	// Version is the archive format's version.
	Version int
	// SchemaVersion is the migration version of the database it was made
	// from.
	SchemaVersion int64
	// Dialect is the database it was made from: "sqlite" or "postgres".
	Dialect   string
	CreatedAt time.Time
	// Tables lists every table with its row count, in the archive's order.
	Tables []TableRows
}

// TableRows is a table's row count in an archive.
type TableRows struct {
	Table string
	Rows  int64
}

// Rows is the number of rows in all tables.
func (b BackupSummary) Rows() int64 {
	var n int64
	for _, t := range b.Tables {
		n += t.Rows
	}
	return n
}

// A table is one model as a backup sees it: its columns, from the gorm
// schema, so that a model added to models is backed up without more code.
type table struct {
	schema  *schema.Schema
	columns []*schema.Field
}

func (t table) name() string { return t.schema.Table }

func (t table) columnNames() []string {
	names := make([]string, len(t.columns))
	for i, f := range t.columns {
		names[i] = f.DBName
	}
	return names
}

// tables returns every model's table in foreign-key order: a table comes
// after the tables its foreign keys point to, and otherwise in the order of
// models.
// Chart pictures are left out: they are kept a week for the links of chat
// cards, and a restored okrbot draws its charts again.
func (s *Store) tables() ([]table, error) {
	kept := slices.DeleteFunc(slices.Clone(models), func(m any) bool { _, picture := m.(*ChartPicture); return picture })
	return parseTables(s.db, kept)
}

func parseTables(db *gorm.DB, models []any) ([]table, error) {
	var list []table
	for _, m := range models {
		stmt := &gorm.Statement{DB: db}
		if err := stmt.Parse(m); err != nil {
			return nil, fmt.Errorf("read model %T: %w", m, err)
		}
		if stmt.Schema.PrioritizedPrimaryField == nil {
			return nil, fmt.Errorf("model %T has no primary key: backups need one to read its rows in a stable order", m)
		}
		t := table{schema: stmt.Schema}
		for _, name := range stmt.Schema.DBNames {
			t.columns = append(t.columns, stmt.Schema.FieldsByDBName[name])
		}
		list = append(list, t)
	}
	return fkOrder(list), nil
}

// fkOrder sorts tables so that each comes after the tables it references.
// A constraint may be declared on either side (Objective.KeyResults declares
// the key results' foreign key), so the dependencies are gathered from every
// table first.
func fkOrder(list []table) []table {
	deps := map[string][]string{}
	for _, t := range list {
		for _, rel := range t.schema.Relationships.Relations {
			if c := rel.ParseConstraint(); c != nil && c.Schema.Table != c.ReferenceSchema.Table {
				deps[c.Schema.Table] = append(deps[c.Schema.Table], c.ReferenceSchema.Table)
			}
		}
	}
	byName := map[string]table{}
	for _, t := range list {
		byName[t.name()] = t
	}
	seen := map[string]bool{}
	var out []table
	var visit func(t table)
	visit = func(t table) {
		if seen[t.name()] {
			return
		}
		seen[t.name()] = true
		for _, dep := range deps[t.name()] {
			if d, ok := byName[dep]; ok {
				visit(d)
			}
		}
		out = append(out, t)
	}
	for _, t := range list {
		visit(t)
	}
	return out
}

// Backup writes every row of every table to w as one archive (see
// backupHeader), read in one transaction so that it is a consistent
// snapshot while okrbot keeps running.
func (s *Store) Backup(ctx context.Context, w io.Writer) (BackupSummary, error) {
	sum := BackupSummary{Version: BackupVersion, Dialect: s.dialect, CreatedAt: time.Now().UTC()}
	status, err := s.SchemaStatus(ctx)
	if err != nil {
		return sum, err
	}
	switch {
	case status.Current > status.Latest:
		return sum, fmt.Errorf("the database schema is at version %d, newer than this okrbot knows (%d): back it up with the okrbot release that migrated it", status.Current, status.Latest)
	case status.Current < status.Latest:
		return sum, fmt.Errorf("the database has %d pending migrations: run okrbot migrate first", status.Pending())
	}
	sum.SchemaVersion = status.Current
	tables, err := s.tables()
	if err != nil {
		return sum, err
	}
	zw := gzip.NewWriter(w)
	enc := json.NewEncoder(zw)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(backupHeader{Format: backupFormat, Version: sum.Version, SchemaVersion: sum.SchemaVersion,
		Dialect: sum.Dialect, CreatedAt: sum.CreatedAt}); err != nil {
		return sum, err
	}
	// A read-only transaction: on Postgres a repeatable-read snapshot; on
	// SQLite a deferred one, which sees one state of the WAL without
	// taking the write lock from a running okrbot.
	opts := &sql.TxOptions{ReadOnly: true}
	if s.dialect == "postgres" {
		opts.Isolation = sql.LevelRepeatableRead
	}
	end := map[string]int64{}
	err = s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		for _, t := range tables {
			n, err := backupTable(ctx, tx, enc, t)
			if err != nil {
				return fmt.Errorf("back up table %s: %w", t.name(), err)
			}
			sum.Tables = append(sum.Tables, TableRows{Table: t.name(), Rows: n})
			end[t.name()] = n
		}
		return nil
	}, opts)
	if err != nil {
		return sum, err
	}
	if err := enc.Encode(backupSection{End: end}); err != nil {
		return sum, err
	}
	return sum, zw.Close()
}

func backupTable(ctx context.Context, tx *gorm.DB, enc *json.Encoder, t table) (int64, error) {
	if err := enc.Encode(backupSection{Table: t.name(), Columns: t.columnNames()}); err != nil {
		return 0, err
	}
	order := clause.OrderByColumn{Column: clause.Column{Name: t.schema.PrioritizedPrimaryField.DBName}}
	rows, err := tx.Model(reflect.New(t.schema.ModelType).Interface()).Select(t.columnNames()).Order(order).Rows()
	if err != nil {
		return 0, err
	}
	defer rows.Close()
	var n int64
	row := make([]any, len(t.columns))
	for rows.Next() {
		v := reflect.New(t.schema.ModelType)
		if err := tx.ScanRows(rows, v.Interface()); err != nil {
			return n, err
		}
		for i, f := range t.columns {
			val, _ := f.ValueOf(ctx, v.Elem())
			row[i] = archived(val)
		}
		if err := enc.Encode(row); err != nil {
			return n, fmt.Errorf("row %d: %w", n+1, err)
		}
		n++
	}
	return n, rows.Err()
}

// archived is a value as the archive keeps it. Times are UTC and whole
// microseconds, which is what Postgres stores: an archive then restores to
// the same values in either dialect.
func archived(v any) any {
	switch t := v.(type) {
	case time.Time:
		return t.UTC().Truncate(time.Microsecond)
	case *time.Time:
		if t == nil {
			return nil
		}
		return t.UTC().Truncate(time.Microsecond)
	}
	return v
}

// Restore reads an archive Backup wrote, from either dialect, into this
// database, which must be migrated and empty. It restores all of it in one
// transaction, or nothing.
func (s *Store) Restore(ctx context.Context, r io.Reader) (BackupSummary, error) {
	var sum BackupSummary
	zr, err := gzip.NewReader(bufio.NewReader(r))
	if err != nil {
		return sum, errors.New("this is not an okrbot backup (it is not gzip-compressed)")
	}
	dec := json.NewDecoder(zr)
	var h backupHeader
	if err := dec.Decode(&h); err != nil || h.Format != backupFormat {
		return sum, errors.New("this is not an okrbot backup (it does not start with an okrbot-backup header)")
	}
	sum = BackupSummary{Version: h.Version, SchemaVersion: h.SchemaVersion, Dialect: h.Dialect, CreatedAt: h.CreatedAt}
	if h.Version > BackupVersion {
		return sum, fmt.Errorf("the backup's format is version %d, newer than this okrbot reads (%d): restore it with a newer okrbot", h.Version, BackupVersion)
	}
	status, err := s.SchemaStatus(ctx)
	if err != nil {
		return sum, err
	}
	switch {
	case h.SchemaVersion > status.Latest:
		return sum, fmt.Errorf("the backup was made at schema version %d, newer than this okrbot knows (%d): restore it with the okrbot release that made it, or a newer one", h.SchemaVersion, status.Latest)
	case status.Current < status.Latest:
		return sum, fmt.Errorf("the database has %d pending migrations: run okrbot migrate first", status.Pending())
	}
	tables, err := s.tables()
	if err != nil {
		return sum, err
	}
	err = s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := ensureEmpty(tx, tables); err != nil {
			return err
		}
		counts, err := restoreTables(ctx, tx, s.dialect, dec, zr, tables)
		if err != nil {
			return err
		}
		sum.Tables = counts
		if s.dialect == "postgres" {
			return resetSequences(tx, tables)
		}
		// SQLite's AUTOINCREMENT already continues after the largest id.
		return nil
	})
	return sum, err
}

// ensureEmpty refuses to restore over data: a restore merged into rows that
// are already there would renumber nothing and collide everywhere.
func ensureEmpty(tx *gorm.DB, tables []table) error {
	for _, t := range tables {
		var ids []int64
		pk := t.schema.PrioritizedPrimaryField.DBName
		if err := tx.Table(t.name()).Limit(1).Pluck(pk, &ids).Error; err != nil {
			return err
		}
		if len(ids) > 0 {
			return fmt.Errorf("the database is not empty (table %s has rows): restore only into a new, empty database", t.name())
		}
	}
	return nil
}

// restoreTables inserts the archive's tables as they come and checks the
// closing counts.
func restoreTables(ctx context.Context, tx *gorm.DB, dialect string, dec *json.Decoder, zr io.Reader, tables []table) ([]TableRows, error) {
	known := map[string]table{}
	for _, t := range tables {
		known[t.name()] = t
	}
	var (
		counts  []TableRows
		current *table
		columns []*schema.Field
		batch   []map[string]any
	)
	flush := func() error {
		if len(batch) == 0 {
			return nil
		}
		err := tx.Table(current.name()).Create(&batch).Error
		batch = batch[:0]
		return err
	}
	for {
		var raw json.RawMessage
		if err := dec.Decode(&raw); err != nil {
			if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
				return nil, errors.New("the backup is incomplete (it ends before its closing line): nothing was restored")
			}
			return nil, fmt.Errorf("the backup is damaged: %w", err)
		}
		if bytes.HasPrefix(raw, []byte("[")) {
			if current == nil {
				return nil, errors.New("the backup is damaged: a row comes before any table")
			}
			row, err := decodeRow(ctx, raw, columns)
			if err != nil {
				return nil, fmt.Errorf("table %s, row %d: %w", current.name(), counts[len(counts)-1].Rows+1, err)
			}
			batch = append(batch, row)
			counts[len(counts)-1].Rows++
			if len(batch) >= restoreBatch(dialect, len(columns)) {
				if err := flush(); err != nil {
					return nil, fmt.Errorf("restore table %s: %w", current.name(), err)
				}
			}
			continue
		}
		var sec backupSection
		if err := json.Unmarshal(raw, &sec); err != nil {
			return nil, fmt.Errorf("the backup is damaged: %w", err)
		}
		if current != nil {
			if err := flush(); err != nil {
				return nil, fmt.Errorf("restore table %s: %w", current.name(), err)
			}
		}
		if sec.End != nil {
			if err := checkCounts(counts, sec.End); err != nil {
				return nil, err
			}
			// Reading to the end checks the gzip checksum as well.
			if _, err := io.Copy(io.Discard, io.MultiReader(dec.Buffered(), zr)); err != nil {
				return nil, fmt.Errorf("the backup is damaged: %w", err)
			}
			return counts, nil
		}
		t, ok := known[sec.Table]
		if !ok {
			return nil, fmt.Errorf("the backup has a table %q this okrbot does not know", sec.Table)
		}
		for _, c := range counts {
			if c.Table == sec.Table {
				return nil, fmt.Errorf("the backup is damaged: table %s comes twice", sec.Table)
			}
		}
		columns = columns[:0]
		for _, name := range sec.Columns {
			f, ok := t.schema.FieldsByDBName[name]
			if !ok || f.DataType == "" {
				return nil, fmt.Errorf("the backup has a column %s.%s this okrbot does not know", sec.Table, name)
			}
			columns = append(columns, f)
		}
		current = &t
		counts = append(counts, TableRows{Table: t.name()})
	}
}

// decodeRow turns an archived row into column values of the model's Go
// types, which both dialects' drivers write the way okrbot always does.
func decodeRow(ctx context.Context, raw json.RawMessage, columns []*schema.Field) (map[string]any, error) {
	var values []json.RawMessage
	if err := json.Unmarshal(raw, &values); err != nil {
		return nil, err
	}
	if len(values) != len(columns) {
		return nil, fmt.Errorf("%d values for %d columns", len(values), len(columns))
	}
	row := make(map[string]any, len(columns))
	for i, f := range columns {
		v := reflect.New(f.FieldType)
		if err := json.Unmarshal(values[i], v.Interface()); err != nil {
			return nil, fmt.Errorf("column %s: %w", f.DBName, err)
		}
		if v.Elem().Kind() == reflect.Pointer && v.Elem().IsNil() {
			row[f.DBName] = nil
			continue
		}
		row[f.DBName] = v.Elem().Interface()
	}
	return row, nil
}

func checkCounts(got []TableRows, want map[string]int64) error {
	if len(got) != len(want) {
		return fmt.Errorf("the backup is damaged: its closing line counts %d tables, it holds %d", len(want), len(got))
	}
	for _, t := range got {
		if want[t.Table] != t.Rows {
			return fmt.Errorf("the backup is damaged: table %s holds %d rows, its closing line says %d", t.Table, t.Rows, want[t.Table])
		}
	}
	return nil
}

// resetSequences moves each Postgres id sequence past the restored ids, so
// that the next row okrbot creates does not collide with one restored.
func resetSequences(tx *gorm.DB, tables []table) error {
	for _, t := range tables {
		pk := t.schema.PrioritizedPrimaryField
		if !pk.AutoIncrement {
			continue
		}
		err := tx.Exec("SELECT setval(pg_get_serial_sequence(?, ?), MAX(?)) FROM ?",
			t.name(), pk.DBName, clause.Column{Name: pk.DBName}, clause.Table{Name: t.name()}).Error
		if err != nil {
			return fmt.Errorf("reset the id sequence of %s: %w", t.name(), err)
		}
	}
	return nil
}
