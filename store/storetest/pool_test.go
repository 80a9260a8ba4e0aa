package storetest

import (
	"context"
	"database/sql"
	"testing"
)

// TestLentDatabasesComeBackEmpty lends a database, writes to it, and gets
// it back for the next test without its rows and with its ids starting at
// 1 again; a database whose schema a test changed is not lent again.
func TestLentDatabasesComeBackEmpty(t *testing.T) {
	if server == "" {
		t.Skip(EnvURL + " is not set")
	}
	p, err := databases()
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	d, err := p.take()
	if err != nil {
		t.Fatal(err)
	}
	db, err := sql.Open("pgx", d.url)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	// A second connection, left open, as a test that forgot to close its
	// store would leave it.
	if _, err := db.ExecContext(ctx, `INSERT INTO workspaces (platform, team_id) VALUES ('slack', 'T1')`); err != nil {
		t.Fatal(err)
	}
	if err := p.give(d); err != nil {
		t.Fatal(err)
	}
	again, err := p.take()
	if err != nil {
		t.Fatal(err)
	}
	if again != d {
		t.Fatalf("took %s, want %s back", again.name, d.name)
	}
	var rows int
	if err := again.conn.QueryRowContext(ctx, `SELECT count(*) FROM workspaces`).Scan(&rows); err != nil || rows != 0 {
		t.Errorf("workspaces after the database came back: %d, %v", rows, err)
	}
	var id int
	if err := again.conn.QueryRowContext(ctx, `INSERT INTO workspaces (platform, team_id) VALUES ('slack', 'T2') RETURNING id`).Scan(&id); err != nil || id != 1 {
		t.Errorf("first id after the database came back: %d, %v", id, err)
	}

	if _, err := again.conn.ExecContext(ctx, `ALTER TABLE workspaces ADD COLUMN note text`); err != nil {
		t.Fatal(err)
	}
	if err := p.give(again); err != nil {
		t.Fatal(err)
	}
	var exists bool
	if err := p.admin.QueryRowContext(ctx, `SELECT EXISTS (SELECT FROM pg_database WHERE datname = $1)`, again.name).Scan(&exists); err != nil || exists {
		t.Errorf("a database whose schema changed is kept: %v, %v", exists, err)
	}
}
