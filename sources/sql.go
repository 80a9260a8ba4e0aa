package sources

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"regexp"
	"strings"

	_ "github.com/glebarez/go-sqlite" // sqlite:// databases
	"github.com/go-sql-driver/mysql"
	_ "github.com/jackc/pgx/v5/stdlib" // postgres:// databases
)

var dbName = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9_]*$`)

// DatabaseSetting is the setting that names a sql source's database.
func DatabaseSetting(name string) string { return "OKRBOT_SOURCE_DB_" + strings.ToUpper(name) }

// dsn is the connection string of the database called name, its secrets
// expanded.
func (c *Config) dsn(name string) (string, error) {
	if !dbName.MatchString(name) {
		return "", fmt.Errorf("%q is not a database name: okrbot reads a name like warehouse from OKRBOT_SOURCE_DB_WAREHOUSE", name)
	}
	raw := ""
	if c.Database != nil {
		raw = c.Database(name)
	}
	if raw == "" {
		return "", fmt.Errorf("%s is not set: okrbot knows no database called %s", DatabaseSetting(name), name)
	}
	return c.expand(raw)
}

// sqlSource is the one number a read-only query returns.
type sqlSource struct {
	cfg   *Config
	name  string
	dsn   string
	query string
}

// open opens the database a connection string names: postgres://,
// mysql:// (user:password@tcp(host:3306)/db, or a URL) or sqlite://PATH,
// the last read-only.
func openDB(dsn string) (*sql.DB, error) {
	switch {
	case strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://"):
		return sql.Open("pgx", dsn)
	case strings.HasPrefix(dsn, "mysql://"):
		cfg, err := mysqlConfig(strings.TrimPrefix(dsn, "mysql://"))
		if err != nil {
			return nil, err
		}
		conn, err := mysql.NewConnector(cfg)
		if err != nil {
			return nil, err
		}
		return sql.OpenDB(conn), nil
	case strings.HasPrefix(dsn, "sqlite://"):
		path := strings.TrimPrefix(dsn, "sqlite://")
		return sql.Open("sqlite", "file:"+path+"?mode=ro&_pragma=query_only(1)")
	}
	return nil, errors.New("the connection string is none of postgres://, mysql:// or sqlite://")
}

// mysqlConfig reads the driver's own DSN (user:pw@tcp(host:3306)/db) or a
// URL's form (user:pw@host:3306/db).
func mysqlConfig(rest string) (*mysql.Config, error) {
	if cfg, err := mysql.ParseDSN(rest); err == nil {
		return cfg, nil
	}
	u, err := url.Parse("mysql://" + rest)
	if err != nil {
		return nil, errors.New("the mysql:// connection string does not read")
	}
	cfg := mysql.NewConfig()
	cfg.User = u.User.Username()
	cfg.Passwd, _ = u.User.Password()
	cfg.Net, cfg.Addr = "tcp", u.Host
	if u.Port() == "" {
		cfg.Addr += ":3306"
	}
	cfg.DBName = strings.TrimPrefix(u.Path, "/")
	cfg.Params = map[string]string{}
	for k, v := range u.Query() {
		cfg.Params[k] = v[0]
	}
	return cfg, nil
}

func (s *sqlSource) Fetch(ctx context.Context) (float64, error) {
	ctx, cancel := context.WithTimeout(ctx, s.cfg.timeout())
	defer cancel()
	fail := func(format string, args ...any) error {
		msg := fmt.Sprintf(format, args...)
		// A driver's error may quote its connection string.
		msg = strings.ReplaceAll(msg, s.dsn, DatabaseSetting(s.name))
		if u, err := url.Parse(s.dsn); err == nil && u.User != nil {
			if pw, ok := u.User.Password(); ok && pw != "" {
				msg = strings.ReplaceAll(msg, pw, "…")
			}
		}
		return errors.New(s.cfg.redact(msg))
	}
	db, err := openDB(s.dsn)
	if err != nil {
		return 0, fail("database %s (%s): %v", s.name, DatabaseSetting(s.name), err)
	}
	defer db.Close()
	db.SetMaxOpenConns(1)
	tx, err := db.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return 0, fail("cannot reach database %s: %v", s.name, err)
	}
	// Nothing is written: the transaction is read-only and ends rolled back.
	defer tx.Rollback() //nolint:errcheck
	rows, err := tx.QueryContext(ctx, s.query)
	if err != nil {
		return 0, fail("the query on %s failed: %v", s.name, err)
	}
	defer rows.Close()
	cols, err := rows.Columns()
	if err != nil {
		return 0, fail("the query on %s failed: %v", s.name, err)
	}
	if len(cols) == 0 {
		return 0, fail("the query on %s returned nothing: it should be a SELECT returning one number", s.name)
	}
	if len(cols) != 1 {
		return 0, fail("the query on %s returned %d columns (%s); it should return one number", s.name, len(cols), strings.Join(cols, ", "))
	}
	if !rows.Next() {
		if err := rows.Err(); err != nil {
			return 0, fail("the query on %s failed: %v", s.name, err)
		}
		return 0, fail("the query on %s returned no row", s.name)
	}
	var v any
	if err := rows.Scan(&v); err != nil {
		return 0, fail("the query on %s: %v", s.name, err)
	}
	if rows.Next() {
		return 0, fail("the query on %s returned more than one row; it should return one number (add LIMIT 1 or an aggregate)", s.name)
	}
	if err := rows.Err(); err != nil {
		return 0, fail("the query on %s failed: %v", s.name, err)
	}
	if v == nil {
		return 0, fail("the query on %s returned NULL, not a number", s.name)
	}
	n, ok := number(v)
	if !ok {
		shown := fmt.Append(nil, v)
		if b, isText := v.([]byte); isText {
			shown = b // MySQL's drivers hand text over as bytes
		}
		return 0, fail("the query on %s returned %q, not a number", s.name, excerpt(shown))
	}
	return n, nil
}
