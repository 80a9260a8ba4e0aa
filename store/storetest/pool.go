package storetest

import (
	"context"
	"database/sql"
	"fmt"
	"hash/fnv"
	"slices"
	"strings"
	"sync"
)

// A dbPool holds the Postgres databases of one test binary: each a copy of
// the migrated template, lent to one test at a time and emptied when it
// comes back. Its databases are named okrbot_pool_<owner>_<n>; the owner
// holds an advisory lock for as long as the binary runs, so a later binary
// knows the databases of one that ended, and drops them.
type dbPool struct {
	admin    *sql.DB
	template string
	owner    string

	mu   sync.Mutex
	free []*pooledDB
	made int
	// schema is the template's fingerprint, and wipe the statements that
	// empty a copy of it; both are read from the first copy.
	schema, wipe string
}

// A pooledDB is one database of the pool, with the connection that
// empties it.
type pooledDB struct {
	name, url string
	db        *sql.DB
	conn      *sql.Conn
	pid       int
}

const poolPrefix = "okrbot_pool_"

// databases is the test binary's pool, made on first use.
var databases = sync.OnceValues(func() (*dbPool, error) {
	template, err := postgresTemplate()
	if err != nil {
		return nil, fmt.Errorf("migrate the template: %w", err)
	}
	admin, err := sql.Open("pgx", server)
	if err != nil {
		return nil, err
	}
	p := &dbPool{admin: admin, template: template, owner: randomHex()}
	ctx := context.Background()
	// The lock's connection stays open until the binary exits.
	lock, err := admin.Conn(ctx)
	if err != nil {
		return nil, err
	}
	if _, err := lock.ExecContext(ctx, "SELECT pg_advisory_lock($1)", ownerKey(p.owner)); err != nil {
		return nil, err
	}
	p.dropLeftovers(ctx)
	return p, nil
})

// ownerKey is the advisory lock of a pool's owner.
func ownerKey(owner string) int64 {
	h := fnv.New64a()
	h.Write([]byte(poolPrefix + owner))
	return int64(h.Sum64())
}

// dropLeftovers drops the databases of pools whose binaries ended: their
// owner's lock is free. It does its best: a copy it cannot drop now is
// dropped by a later run.
func (p *dbPool) dropLeftovers(ctx context.Context) {
	rows, err := p.admin.QueryContext(ctx, `SELECT datname FROM pg_database WHERE datname LIKE 'okrbot\_pool\_%'`)
	if err != nil {
		return
	}
	byOwner := map[string][]string{}
	for rows.Next() {
		var name string
		if rows.Scan(&name) == nil {
			owner, _, _ := strings.Cut(strings.TrimPrefix(name, poolPrefix), "_")
			byOwner[owner] = append(byOwner[owner], name)
		}
	}
	rows.Close()
	conn, err := p.admin.Conn(ctx)
	if err != nil {
		return
	}
	defer conn.Close()
	for owner, names := range byOwner {
		var ended bool
		if conn.QueryRowContext(ctx, "SELECT pg_try_advisory_lock($1)", ownerKey(owner)).Scan(&ended) != nil || !ended {
			continue
		}
		for _, name := range names {
			p.admin.ExecContext(ctx, "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)")
		}
		conn.ExecContext(ctx, "SELECT pg_advisory_unlock($1)", ownerKey(owner))
	}
}

// take lends a database: an emptied one, or a new copy of the template.
func (p *dbPool) take() (*pooledDB, error) {
	p.mu.Lock()
	if n := len(p.free); n > 0 {
		d := p.free[n-1]
		p.free = p.free[:n-1]
		p.mu.Unlock()
		return d, nil
	}
	p.made++
	name := fmt.Sprintf("%s%s_%d", poolPrefix, p.owner, p.made)
	p.mu.Unlock()

	ctx := context.Background()
	if _, err := p.admin.ExecContext(ctx, "CREATE DATABASE "+name+" TEMPLATE "+p.template); err != nil {
		return nil, fmt.Errorf("copy %s: %w", p.template, err)
	}
	d := &pooledDB{name: name}
	err := d.connect(ctx)
	if err == nil {
		err = p.learn(ctx, d)
	}
	if err != nil {
		p.drop(d)
		return nil, err
	}
	return d, nil
}

func (d *pooledDB) connect(ctx context.Context) error {
	url, err := withDatabase(server, d.name)
	if err != nil {
		return err
	}
	d.url = url
	if d.db, err = sql.Open("pgx", url); err != nil {
		return err
	}
	if d.conn, err = d.db.Conn(ctx); err != nil {
		return err
	}
	return d.conn.QueryRowContext(ctx, "SELECT pg_backend_pid()").Scan(&d.pid)
}

// fingerprintQuery sums up the schema: its tables, indexes and sequences,
// their columns, and its triggers. A test that changed it gives back a
// database that is dropped rather than lent again.
const fingerprintQuery = `SELECT md5(coalesce(string_agg(concat_ws(':', c.relname, c.relkind, a.attname, a.atttypid, a.attnotnull, a.attisdropped), ','
	ORDER BY c.relname, a.attnum), '') || (SELECT count(*) FROM pg_trigger)) FROM pg_class c
	LEFT JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 WHERE c.relnamespace = 'public'::regnamespace`

// learn reads, from the pool's first copy, the template's fingerprint and
// the statements that empty a copy: its tables' rows deleted, those that
// others refer to after them, and its sequences started again.
func (p *dbPool) learn(ctx context.Context, d *pooledDB) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.schema != "" {
		return nil
	}
	var schema string
	if err := d.conn.QueryRowContext(ctx, fingerprintQuery).Scan(&schema); err != nil {
		return err
	}
	tables, err := names(ctx, d.conn, `SELECT tablename FROM pg_tables WHERE schemaname = 'public' AND tablename <> 'goose_db_version'`)
	if err != nil {
		return err
	}
	refs, err := namePairs(ctx, d.conn, `SELECT c.conrelid::regclass::text, c.confrelid::regclass::text FROM pg_constraint c
		WHERE c.contype = 'f' AND c.connamespace = 'public'::regnamespace AND c.conrelid <> c.confrelid`)
	if err != nil {
		return err
	}
	seqs, err := names(ctx, d.conn, `SELECT sequencename FROM pg_sequences WHERE schemaname = 'public' AND sequencename NOT LIKE 'goose%'`)
	if err != nil {
		return err
	}
	var wipe strings.Builder
	for _, t := range referrersFirst(tables, refs) {
		fmt.Fprintf(&wipe, "DELETE FROM %q;\n", t)
	}
	for _, s := range seqs {
		fmt.Fprintf(&wipe, "SELECT setval('%q', 1, false);\n", s)
	}
	p.schema, p.wipe = schema, wipe.String()
	return nil
}

// referrersFirst orders tables so that each comes before the tables it
// refers to: deleting in that order never breaks a foreign key.
func referrersFirst(tables []string, refs [][2]string) []string {
	slices.Sort(tables)
	var out []string
	done := map[string]bool{}
	var visit func(t string)
	visit = func(t string) {
		if done[t] {
			return
		}
		done[t] = true
		for _, r := range refs {
			if r[1] == t {
				visit(r[0])
			}
		}
		out = append(out, t)
	}
	for _, t := range tables {
		visit(t)
	}
	return out
}

// give takes a database back: every other connection to it is closed and
// its rows deleted, and it is lent again. A database whose schema the test
// changed is dropped instead, as is one that cannot be emptied (an error).
func (p *dbPool) give(d *pooledDB) error {
	ctx := context.Background()
	same, err := p.empty(ctx, d)
	if err != nil || !same {
		p.drop(d)
		return err
	}
	p.mu.Lock()
	p.free = append(p.free, d)
	p.mu.Unlock()
	return nil
}

// empty closes the other connections to d and deletes its rows, unless its
// schema is no longer the template's (same is false).
func (p *dbPool) empty(ctx context.Context, d *pooledDB) (same bool, err error) {
	if _, err := p.admin.ExecContext(ctx, "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND pid <> $2", d.name, d.pid); err != nil {
		return false, fmt.Errorf("close its connections: %w", err)
	}
	var schema string
	if err := d.conn.QueryRowContext(ctx, fingerprintQuery).Scan(&schema); err != nil {
		return false, fmt.Errorf("read its schema: %w", err)
	}
	if schema != p.schema {
		return false, nil
	}
	if _, err := d.conn.ExecContext(ctx, "BEGIN;\n"+p.wipe+"COMMIT;"); err != nil {
		return false, fmt.Errorf("empty it: %w", err)
	}
	return true, nil
}

func (p *dbPool) drop(d *pooledDB) {
	if d.conn != nil {
		d.conn.Close()
	}
	if d.db != nil {
		d.db.Close()
	}
	p.admin.Exec("DROP DATABASE IF EXISTS " + d.name + " WITH (FORCE)")
}

// names is the one column of text that query returns.
func names(ctx context.Context, conn *sql.Conn, query string) ([]string, error) {
	rows, err := conn.QueryContext(ctx, query)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			return nil, err
		}
		out = append(out, s)
	}
	return out, rows.Err()
}

// namePairs is the two columns of names that query returns, unquoted.
func namePairs(ctx context.Context, conn *sql.Conn, query string) ([][2]string, error) {
	rows, err := conn.QueryContext(ctx, query)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out [][2]string
	for rows.Next() {
		var a, b string
		if err := rows.Scan(&a, &b); err != nil {
			return nil, err
		}
		out = append(out, [2]string{strings.Trim(a, `"`), strings.Trim(b, `"`)})
	}
	return out, rows.Err()
}
