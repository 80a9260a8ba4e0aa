package store

import (
	"regexp"
	"slices"
	"sync"
	"testing"

	"gorm.io/gorm/schema"
)

// TestObjectiveColumns fails when a column is added to a model that the
// hand-written objective queries read, until they read it too.
func TestObjectiveColumns(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		model   any
		columns string
	}{
		{&Objective{}, objectiveColumns},
		{&User{}, ownerColumns},
		{&User{}, krOwnerColumns},
		{&Team{}, teamColumns},
		{&Period{}, periodColumns},
		{&KeyResult{}, keyResultColumns},
	} {
		s, err := schema.Parse(c.model, &sync.Map{}, schema.NamingStrategy{})
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, m := range regexp.MustCompile(`\w+\.(\w+)`).FindAllStringSubmatch(c.columns, -1) {
			got = append(got, m[1])
		}
		want := s.DBNames
		slices.Sort(got)
		slices.Sort(want)
		if !slices.Equal(got, want) {
			t.Errorf("%s: the query reads %v, the model has %v", s.Table, got, want)
		}
	}
}
