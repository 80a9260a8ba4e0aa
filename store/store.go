package store

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"hash/fnv"
	"io/fs"
	"log/slog"
	"strings"
	"time"

	"github.com/glebarez/sqlite"
	"github.com/pressly/goose/v3"
	"github.com/pressly/goose/v3/lock"
	"gorm.io/driver/postgres"
	"gorm.io/gorm"
	"gorm.io/gorm/logger"

	"github.com/okrbot/okrbot/okr"
)

// DefaultPath is where the embedded SQLite database lives when no database
// URL is given.
const DefaultPath = "okrbot.db"

// FilePath is the file of the SQLite database a database URL names
// (DefaultPath for an empty URL), or "" for a Postgres URL.
func FilePath(url string) string {
	if strings.HasPrefix(url, "postgres://") || strings.HasPrefix(url, "postgresql://") {
		return ""
	}
	if path := strings.TrimPrefix(strings.TrimPrefix(url, "sqlite://"), "sqlite:"); path != "" {
		return path
	}
	return DefaultPath
}

//go:embed migrations
var migrations embed.FS

// Store is okrbot's database. Its methods run on the database directly, or
// inside a transaction when called on the Store that InTx hands out.
type Store struct {
	db      *gorm.DB
	dialect string
	sealer  Sealer
}

// Open connects to the database named by url: "" for ./okrbot.db,
// "sqlite:PATH" or a file path for SQLite, "postgres://…" for Postgres. It
// does not migrate; call Migrate.
func Open(ctx context.Context, url string, log *slog.Logger) (*Store, error) {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	// Queries are logged without the values of their parameters, which
	// hold what people typed and token hashes. Every query is logged at
	// debug level, slow ones and failures as warnings and errors.
	level := logger.Warn
	if log.Enabled(ctx, slog.LevelDebug) {
		level = logger.Info
	}
	cfg := &gorm.Config{
		Logger: onlyLogged{logger.NewSlogLogger(slog.New(queryLevels{log.Handler()}), logger.Config{
			SlowThreshold:             slowQuery,
			LogLevel:                  level,
			IgnoreRecordNotFoundError: true,
			ParameterizedQueries:      true,
		}), level},
		TranslateError: true,
		NowFunc:        func() time.Time { return time.Now().UTC() },
	}
	var (
		dialector gorm.Dialector
		dialect   string
	)
	switch {
	case strings.HasPrefix(url, "postgres://"), strings.HasPrefix(url, "postgresql://"):
		dialector, dialect = postgres.Open(url), "postgres"
	default:
		path := FilePath(url)
		sep := "?"
		if strings.Contains(path, "?") {
			sep = "&"
		}
		dsn := path + sep + "_pragma=foreign_keys(1)&_pragma=busy_timeout(10000)&_pragma=journal_mode(WAL)&_txlock=immediate"
		dialector, dialect = sqlite.Open(dsn), "sqlite"
	}
	db, err := gorm.Open(dialector, cfg)
	if err != nil {
		return nil, fmt.Errorf("open %s database: %w", dialect, err)
	}
	sqlDB, err := db.DB()
	if err != nil {
		return nil, err
	}
	st := &Store{db: db, dialect: dialect}
	st.SetMaxConns(DefaultMaxConns)
	if err := sqlDB.PingContext(ctx); err != nil {
		sqlDB.Close()
		return nil, fmt.Errorf("reach %s database: %w", dialect, err)
	}
	return st, nil
}

// DefaultMaxConns is how many connections to Postgres a Store keeps open
// at most unless told otherwise (OKRBOT_DB_MAX_CONNS).
const DefaultMaxConns = 10

// SetMaxConns bounds the Store's connections to Postgres: at most n open,
// and the same n kept open when idle, so that a burst of requests waits
// its turn for a connection instead of opening (and then closing) one of
// its own, each costing Postgres milliseconds of CPU, until Postgres
// refuses more. SQLite always gets one: it has one writer at a time, and
// a single connection turns lock contention into an orderly queue instead
// of SQLITE_BUSY errors.
func (s *Store) SetMaxConns(n int) {
	sqlDB, err := s.db.DB()
	if err != nil {
		return
	}
	if s.dialect == "sqlite" || n < 1 {
		n = 1
	}
	sqlDB.SetMaxOpenConns(n)
	sqlDB.SetMaxIdleConns(n)
}

// slowQuery is how long a query may take before it is logged as a warning.
const slowQuery = 500 * time.Millisecond

// onlyLogged spares gorm's slog logger the queries it would not log:
// it builds each query's SQL text before deciding, which costs a fair part
// of a fast read's CPU.
type onlyLogged struct {
	logger.Interface
	level logger.LogLevel
}

func (l onlyLogged) LogMode(level logger.LogLevel) logger.Interface {
	return onlyLogged{l.Interface.LogMode(level), level}
}

// ParamsFilter keeps the values of queries out of the logs, as the
// wrapped logger does (logger.Config.ParameterizedQueries).
func (l onlyLogged) ParamsFilter(ctx context.Context, sql string, params ...any) (string, []any) {
	if f, ok := l.Interface.(gorm.ParamsFilter); ok {
		return f.ParamsFilter(ctx, sql, params...)
	}
	return sql, params
}

func (l onlyLogged) Trace(ctx context.Context, begin time.Time, fc func() (string, int64), err error) {
	failed := err != nil && !errors.Is(err, gorm.ErrRecordNotFound)
	if l.level < logger.Info && !failed && time.Since(begin) <= slowQuery {
		return
	}
	l.Interface.Trace(ctx, begin, fc, err)
}

// queryLevels logs at debug level what gorm logs at info level: every
// query, which only someone debugging wants to see.
type queryLevels struct{ slog.Handler }

func (h queryLevels) Enabled(ctx context.Context, level slog.Level) bool {
	if level == slog.LevelInfo {
		level = slog.LevelDebug
	}
	return h.Handler.Enabled(ctx, level)
}

func (h queryLevels) Handle(ctx context.Context, r slog.Record) error {
	if r.Level == slog.LevelInfo {
		r.Level = slog.LevelDebug
	}
	return h.Handler.Handle(ctx, r)
}

func (h queryLevels) WithAttrs(as []slog.Attr) slog.Handler {
	return queryLevels{h.Handler.WithAttrs(as)}
}

func (h queryLevels) WithGroup(name string) slog.Handler {
	return queryLevels{h.Handler.WithGroup(name)}
}

// Dialect is "sqlite" or "postgres".
func (s *Store) Dialect() string { return s.dialect }

// Close closes the database.
func (s *Store) Close() error {
	sqlDB, err := s.db.DB()
	if err != nil {
		return err
	}
	return sqlDB.Close()
}

// Ping reports whether the database answers.
func (s *Store) Ping(ctx context.Context) error {
	sqlDB, err := s.db.DB()
	if err != nil {
		return err
	}
	return sqlDB.PingContext(ctx)
}

// Pool is the database's connection pool, for its statistics (metrics).
// Queries go through the Store's methods, never through it.
func (s *Store) Pool() *sql.DB {
	sqlDB, _ := s.db.DB()
	return sqlDB
}

// Migrate applies the migrations that have not run yet. On Postgres it holds
// an advisory lock meanwhile, so replicas starting together never race.
func (s *Store) Migrate(ctx context.Context) ([]string, error) {
	sqlDB, err := s.db.DB()
	if err != nil {
		return nil, err
	}
	p, err := s.migrationProvider(ctx, sqlDB)
	if err != nil {
		return nil, err
	}
	results, err := p.Up(ctx)
	if err != nil {
		return nil, fmt.Errorf("migrate: %w", err)
	}
	var applied []string
	for _, r := range results {
		applied = append(applied, r.Source.Path)
	}
	return applied, nil
}

func (s *Store) migrationProvider(ctx context.Context, sqlDB *sql.DB) (*goose.Provider, error) {
	dir, err := fs.Sub(migrations, "migrations/"+s.dialect)
	if err != nil {
		return nil, err
	}
	dialect := goose.DialectSQLite3
	var opts []goose.ProviderOption
	if s.dialect == "postgres" {
		dialect = goose.DialectPostgres
		// The lock keeps two replicas from migrating one schema at once.
		// An advisory lock is held across the whole database, so each
		// schema gets a lock of its own: okrbots in different schemas of
		// one database do not wait on each other. "public" keeps goose's
		// default, the lock okrbot has always taken there.
		var schema string
		if err := sqlDB.QueryRowContext(ctx, "SELECT current_schema()").Scan(&schema); err != nil {
			return nil, fmt.Errorf("read the current schema: %w", err)
		}
		id := lock.DefaultLockID
		if schema != "public" {
			h := fnv.New64a()
			h.Write([]byte(schema))
			id ^= int64(h.Sum64())
		}
		locker, err := lock.NewPostgresSessionLocker(lock.WithLockID(id))
		if err != nil {
			return nil, err
		}
		opts = append(opts, goose.WithSessionLocker(locker))
	}
	return goose.NewProvider(dialect, sqlDB, dir, opts...)
}

// InTx runs fn in a transaction: everything fn does through the Store it is
// given commits together, or not at all when fn returns an error.
func (s *Store) InTx(ctx context.Context, fn func(tx *Store) error) error {
	return s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		return fn(&Store{db: tx, dialect: s.dialect, sealer: s.sealer})
	})
}

func (s *Store) q(ctx context.Context) *gorm.DB { return s.db.WithContext(ctx) }

// notFound turns gorm's not-found into okr.ErrNotFound.
func notFound(err error) error {
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return okr.ErrNotFound
	}
	return err
}

// AutoMigrateWith runs gorm's AutoMigrate with log as its logger. It exists
// for the test that checks the migrations against the models; okrbot's
// schema only ever changes through migrations.
func (s *Store) AutoMigrateWith(ctx context.Context, log logger.Interface) error {
	return s.db.Session(&gorm.Session{Logger: log}).WithContext(ctx).AutoMigrate(models...)
}
