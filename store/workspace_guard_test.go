package store_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/okrbot/okrbot/store"
	"github.com/okrbot/okrbot/store/storetest"
)

// TestNoWorkspaceWithoutATeam: an empty team id would pool the data of
// every request whose workspace was not read; neither the store nor the
// database takes one.
func TestNoWorkspaceWithoutATeam(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	storetest.Dialects(t, func(t *testing.T, s *store.Store) {
		if _, err := s.Workspace(ctx, "slack", ""); err == nil || !strings.Contains(err.Error(), "no team id") {
			t.Errorf("Workspace with no team = %v, want an error", err)
		}
		if err := s.Exec(ctx, `INSERT INTO workspaces (platform, team_id, org, last_number, created_at) VALUES ('slack', '', '', 0, CURRENT_TIMESTAMP)`); err == nil ||
			!strings.Contains(err.Error(), "chk_workspaces_team_id") {
			t.Errorf("inserting a workspace with no team: %v, want the check to refuse it", err)
		}
		w, err := s.Workspace(ctx, "slack", "T1")
		if err != nil {
			t.Fatal(err)
		}
		if err := s.Exec(ctx, `UPDATE workspaces SET team_id = '' WHERE team_id = 'T1'`); err == nil {
			t.Errorf("emptying the team of workspace %d was allowed", w.ID)
		}
	})
}

// TestReinstallResumesPromptsTurnedOffByTokenErrors: prompts turned off
// because okrbot's token was refused come back on; those turned off by
// people, or for a person gone, stay off.
func TestReinstallResumesPromptsTurnedOffByTokenErrors(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	storetest.Dialects(t, func(t *testing.T, s *store.Store) {
		now := time.Date(2026, 11, 30, 8, 0, 0, 0, time.UTC)
		w, err := s.Workspace(ctx, "slack", "T1")
		if err != nil {
			t.Fatal(err)
		}
		other, err := s.Workspace(ctx, "slack", "T2")
		if err != nil {
			t.Fatal(err)
		}
		people := map[string]store.User{}
		for _, p := range []struct {
			ws   store.Workspace
			id   string
			note string // the note of the delivery that turned them off
		}{{w, "UTOKEN", "slack: post to UTOKEN: account_inactive"}, {w, "UGONE", "slack: post to UGONE: user_not_found"},
			{w, "UOFF", ""}, {other, "UOTHER", "slack: post to UOTHER: account_inactive"}} {
			u, err := s.SaveUser(ctx, store.User{WorkspaceID: p.ws.ID, PlatformID: p.id, Name: p.id, TZ: "UTC"})
			if err != nil {
				t.Fatal(err)
			}
			people[p.id] = u
			if err := s.Exec(ctx, fmt.Sprintf("INSERT INTO reminder_people (workspace_id, user_id, status) VALUES (%d, %d, 'on')", p.ws.ID, u.ID)); err != nil {
				t.Fatal(err)
			}
			if p.note == "" {
				if err := s.SetReminderStatus(ctx, p.ws.ID, u.ID, store.ReminderOff); err != nil {
					t.Fatal(err)
				}
				continue
			}
			if err := s.Exec(ctx, fmt.Sprintf("INSERT INTO reminder_deliveries (workspace_id, user_id, schedule_id, occurrence, state, note, attempts) "+
				"VALUES (%d, %d, 0, '%s', '%s', '%s', 0)", p.ws.ID, u.ID, now.Format("2006-01-02 15:04:05"), store.DeliveryGone, p.note)); err != nil {
				t.Fatal(err)
			}
			if err := s.SetReminderStatus(ctx, p.ws.ID, u.ID, store.ReminderGone); err != nil {
				t.Fatal(err)
			}
		}
		n, err := s.ResumeRemindersTurnedOffBy(ctx, "slack", "", "T1", []string{"account_inactive", "invalid_auth"})
		if err != nil || n != 1 {
			t.Fatalf("resumed %d, %v; want 1", n, err)
		}
		for id, want := range map[string]string{"UTOKEN": store.ReminderOn, "UGONE": store.ReminderGone, "UOFF": store.ReminderOff, "UOTHER": store.ReminderGone} {
			u := people[id]
			p, err := s.ReminderPerson(ctx, u.WorkspaceID, u.ID)
			if err != nil || p.Status != want {
				t.Errorf("%s: status %q, %v; want %q", id, p.Status, err, want)
			}
		}
	})
}
