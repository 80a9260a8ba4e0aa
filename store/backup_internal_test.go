package store

import (
	"context"
	"path/filepath"
	"slices"
	"testing"
)

// TestTablesComeAfterWhatTheyReference gives the models in reverse order
// and checks that every table still comes after the tables its foreign
// keys point to, wherever the constraint is declared.
func TestTablesComeAfterWhatTheyReference(t *testing.T) {
	t.Parallel()
	s, err := Open(context.Background(), "sqlite:"+filepath.Join(t.TempDir(), "okrbot.db"), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	reversed := slices.Clone(models)
	slices.Reverse(reversed)
	list, err := parseTables(s.db, reversed)
	if err != nil {
		t.Fatal(err)
	}
	if len(list) != len(models) {
		t.Fatalf("%d tables for %d models", len(list), len(models))
	}
	pos := map[string]int{}
	for i, tb := range list {
		pos[tb.name()] = i
	}
	checked := 0
	for _, tb := range list {
		for _, rel := range tb.schema.Relationships.Relations {
			c := rel.ParseConstraint()
			if c == nil || c.Schema.Table == c.ReferenceSchema.Table {
				continue
			}
			checked++
			if pos[c.ReferenceSchema.Table] > pos[c.Schema.Table] {
				t.Errorf("%s comes before %s, which its foreign key %s references", c.Schema.Table, c.ReferenceSchema.Table, c.Name)
			}
		}
	}
	// objectives → users, teams, periods; key_results → users, objectives;
	// kpis → users, teams.
	if checked < 7 {
		t.Errorf("checked %d foreign keys, want at least the 7 the schema has", checked)
	}
}
