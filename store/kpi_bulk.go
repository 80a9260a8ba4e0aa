package store

import (
	"context"
	"fmt"
	"sync/atomic"

	"gorm.io/gorm"
)

// InsertAll inserts rows (a slice of models) in batches of size, for bulk
// loads such as benchmark fixtures. It sets no defaults the way the
// create methods do.
func (s *Store) InsertAll(ctx context.Context, rows any, size int) error {
	return s.q(ctx).Session(&gorm.Session{SkipHooks: true}).CreateInBatches(rows, size).Error
}

var counters atomic.Int64

// CountQueries counts, from now on, the statements the Store (and every
// transaction it hands out) sends to the database, and returns a function
// that reads the count. Benchmarks use it to show that a query count does not
// grow with the data.
func (s *Store) CountQueries() func() int64 { return s.count(false) }

// CountWrites is CountQueries for the statements that change rows.
func (s *Store) CountWrites() func() int64 { return s.count(true) }

func (s *Store) count(writesOnly bool) func() int64 {
	var n atomic.Int64
	name := fmt.Sprintf("okrbot:count_%d", counters.Add(1))
	count := func(*gorm.DB) { n.Add(1) }
	cb := s.db.Callback()
	cb.Create().After("gorm:create").Register(name, count)
	cb.Update().After("gorm:update").Register(name, count)
	cb.Delete().After("gorm:delete").Register(name, count)
	cb.Raw().After("gorm:raw").Register(name, count)
	if !writesOnly {
		cb.Query().After("gorm:query").Register(name, count)
		cb.Row().After("gorm:row").Register(name, count)
	}
	return n.Load
}
