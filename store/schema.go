package store

import (
	"context"
	"path"
	"time"

	"github.com/pressly/goose/v3"
)

// A Migration is one schema change this okrbot carries.
type Migration struct {
	Version int64
	// Name is the migration's file name, such as 00003_kpis.sql.
	Name string
	// AppliedAt is when it was applied; nil while it is pending.
	AppliedAt *time.Time
}

// SchemaStatus says where the database's schema stands against the
// migrations this okrbot carries.
type SchemaStatus struct {
	// Current is the highest migration version the database has applied
	// (0 for a new database).
	Current int64
	// Latest is the highest migration version this okrbot carries. Current
	// above Latest means a newer okrbot migrated the database; migrations
	// are additive, so this one still works with it.
	Latest     int64
	Migrations []Migration
}

// Pending counts the migrations this okrbot would apply at start.
func (st SchemaStatus) Pending() int {
	n := 0
	for _, m := range st.Migrations {
		if m.AppliedAt == nil {
			n++
		}
	}
	return n
}

// SchemaStatus reads which migrations the database has applied. It changes
// nothing but goose's own version table, which it creates on a new
// database.
func (s *Store) SchemaStatus(ctx context.Context) (SchemaStatus, error) {
	var st SchemaStatus
	sqlDB, err := s.db.DB()
	if err != nil {
		return st, err
	}
	p, err := s.migrationProvider(ctx, sqlDB)
	if err != nil {
		return st, err
	}
	list, err := p.Status(ctx)
	if err != nil {
		return st, err
	}
	for _, m := range list {
		mig := Migration{Version: m.Source.Version, Name: path.Base(m.Source.Path)}
		if m.State == goose.StateApplied {
			at := m.AppliedAt
			mig.AppliedAt = &at
		}
		st.Migrations = append(st.Migrations, mig)
		st.Latest = max(st.Latest, m.Source.Version)
	}
	if st.Current, err = p.GetDBVersion(ctx); err != nil {
		return st, err
	}
	return st, nil
}
