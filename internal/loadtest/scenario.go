package loadtest

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/okrbot/okrbot/okr"
	"github.com/okrbot/okrbot/store"
)

// platform is how the store names Slack's workspaces.
const platform = "slack"

// Scenario is the data a load runs on: one Slack workspace with People
// people and Objectives objectives in the current quarter, each with
// KeyResults key results, owned by the people in turn.
type Scenario struct {
	Team       string
	People     int
	Objectives int
	KeyResults int
}

// Standard is the scenario of docs/BENCHMARKS.md: 20 objectives of 3 key
// results and 50 people, in a workspace of its own.
var Standard = Scenario{Team: "TLOADTEST", People: 50, Objectives: 20, KeyResults: 3}

func (sc Scenario) String() string {
	return fmt.Sprintf("%d objectives × %d key results, %d people, workspace %s", sc.Objectives, sc.KeyResults, sc.People, sc.Team)
}

// PeopleIDs are the Slack user ids of the scenario's people.
func (sc Scenario) PeopleIDs() []string {
	ids := make([]string, sc.People)
	for i := range ids {
		ids[i] = fmt.Sprintf("ULOAD%03d", i+1)
	}
	return ids
}

// Titles are the titles of the scenario's objectives: what /okr list all
// shows.
func (sc Scenario) Titles() []string {
	titles := make([]string, sc.Objectives)
	for i := range titles {
		titles[i] = fmt.Sprintf("Load test objective %02d", i+1)
	}
	return titles
}

// Seed puts the scenario in the database unless it is there already, in
// place of whatever its workspace had: that workspace is purged first, and
// no other is touched. It reports whether it seeded. A running okrbot
// keeps serving a workspace it knows, so an existing scenario is kept.
func (sc Scenario) Seed(ctx context.Context, st *store.Store, now time.Time) (bool, error) {
	if there, err := sc.seeded(ctx, st, now); there || err != nil {
		return false, err
	}
	if _, err := st.PurgeWorkspace(ctx, platform, sc.Team); err != nil {
		return false, fmt.Errorf("purge workspace %s: %w", sc.Team, err)
	}
	return true, st.InTx(ctx, func(tx *store.Store) error {
		ws, err := tx.Workspace(ctx, platform, sc.Team)
		if err != nil {
			return err
		}
		people := make([]store.User, sc.People)
		for i, id := range sc.PeopleIDs() {
			people[i] = store.User{WorkspaceID: ws.ID, PlatformID: id, Name: id, TZ: "Europe/Berlin"}
		}
		if err := tx.InsertAll(ctx, &people, 500); err != nil {
			return fmt.Errorf("seed people: %w", err)
		}
		period, err := tx.EnsurePeriod(ctx, ws.ID, okr.QuarterOf(now))
		if err != nil {
			return err
		}
		k := 0
		for i, title := range sc.Titles() {
			o := &store.Objective{WorkspaceID: ws.ID, Title: title, OwnerID: people[i%sc.People].ID,
				PeriodID: period.ID, Status: okr.Active}
			for j := range sc.KeyResults {
				owner := people[k%sc.People].ID
				k++
				o.KeyResults = append(o.KeyResults, store.KeyResult{WorkspaceID: ws.ID, OwnerID: &owner, Weight: 1,
					Title:   fmt.Sprintf("Key result %d of objective %02d", j+1, i+1),
					Measure: okr.Measure{Kind: okr.Metric, Start: 0, Target: 100, Current: float64((i*7 + j*13) % 100)}})
			}
			if err := tx.CreateObjective(ctx, o); err != nil {
				return fmt.Errorf("seed objective %d: %w", i+1, err)
			}
		}
		return nil
	})
}

// seeded says whether the workspace holds the scenario: its people and,
// in the current quarter, its objectives with their key results.
func (sc Scenario) seeded(ctx context.Context, st *store.Store, now time.Time) (bool, error) {
	ws, err := st.Workspace(ctx, platform, sc.Team)
	if err != nil {
		return false, err
	}
	people, err := st.UsersByPlatformID(ctx, ws.ID, sc.PeopleIDs())
	if err != nil || len(people) != sc.People {
		return false, err
	}
	period, err := st.PeriodByName(ctx, ws.ID, okr.QuarterOf(now).Name)
	if errors.Is(err, okr.ErrNotFound) {
		return false, nil
	} else if err != nil {
		return false, err
	}
	os, err := st.Objectives(ctx, ws.ID, store.ObjectiveFilter{PeriodID: period.ID})
	if err != nil || len(os) != sc.Objectives {
		return false, err
	}
	for i, title := range sc.Titles() {
		if os[i].Title != title || os[i].Status != okr.Active || len(os[i].KeyResults) != sc.KeyResults {
			return false, nil
		}
	}
	return true, nil
}
