package store

import (
	"context"
	"fmt"
	"sync"
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
func (s *Store) CountQueries() func() int64 { return s.count(statements) }

// CountWrites is CountQueries for the statements that change rows.
func (s *Store) CountWrites() func() int64 { return s.count(writes) }

// CountRoundTrips is CountQueries with the BEGIN and COMMIT of each
// transaction, explicit (InTx) or the one gorm wraps a lone write in: what
// a command waits for the database, one round trip each. It counts
// correctly only while one goroutine uses the Store.
func (s *Store) CountRoundTrips() func() int64 { return s.count(roundTrips) }

type counting int

const (
	statements counting = iota
	writes
	roundTrips
)

func (s *Store) count(what counting) func() int64 {
	var (
		n      atomic.Int64
		mu     sync.Mutex
		lastTx gorm.TxCommitter
	)
	name := fmt.Sprintf("okrbot:count_%d", counters.Add(1))
	count := func(db *gorm.DB) {
		if db.DryRun {
			// A subquery, built into the statement that holds it.
			return
		}
		n.Add(1)
		if what != roundTrips {
			return
		}
		// A statement in a transaction other than the last one seen is
		// the first of a new transaction. Holding on to the last one
		// keeps its address from being reused by the next.
		tx, ok := db.Statement.ConnPool.(gorm.TxCommitter)
		if !ok {
			return
		}
		mu.Lock()
		defer mu.Unlock()
		if tx != lastTx {
			n.Add(2)
			lastTx = tx
		}
	}
	cb := s.db.Callback()
	cb.Create().After("gorm:create").Register(name, count)
	cb.Update().After("gorm:update").Register(name, count)
	cb.Delete().After("gorm:delete").Register(name, count)
	cb.Raw().After("gorm:raw").Register(name, count)
	if what != writes {
		cb.Query().After("gorm:query").Register(name, count)
		cb.Row().After("gorm:row").Register(name, count)
	}
	return n.Load
}
