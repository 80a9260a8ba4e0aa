package store

import (
	"context"
	"errors"
	"testing"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/logger"
)

// traces is a gorm logger that counts the queries it is handed and whose
// SQL text it builds.
type traces struct {
	logger.Interface
	handed, built int
}

func (t *traces) Trace(_ context.Context, _ time.Time, fc func() (string, int64), _ error) {
	t.handed++
	fc()
	t.built++
}

// TestOnlyLoggedQueriesHaveTheirSQLBuilt: below debug level, a fast query
// that worked never reaches gorm's logger (which would build its SQL text
// to decide); a failed or slow one does, and so does every one at debug
// level.
func TestOnlyLoggedQueriesHaveTheirSQLBuilt(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	sql := func() (string, int64) { return "SELECT 1", 1 }
	for _, tc := range []struct {
		name  string
		level logger.LogLevel
		took  time.Duration
		err   error
		want  int
	}{
		{"fast and fine", logger.Warn, 0, nil, 0},
		{"not found", logger.Warn, 0, gorm.ErrRecordNotFound, 0},
		{"failed", logger.Warn, 0, errors.New("boom"), 1},
		{"slow", logger.Warn, 2 * slowQuery, nil, 1},
		{"debug", logger.Info, 0, nil, 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			inner := &traces{}
			onlyLogged{inner, tc.level}.Trace(ctx, time.Now().Add(-tc.took), sql, tc.err)
			if inner.built != tc.want {
				t.Errorf("SQL built %d times, want %d", inner.built, tc.want)
			}
		})
	}
}
