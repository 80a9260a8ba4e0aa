package store_test

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/okrbot/okrbot/okr"
	"github.com/okrbot/okrbot/store"
	"github.com/okrbot/okrbot/store/storetest"
)

// fillWorkspace gives a Slack workspace at least one row in every table
// that holds workspace data. A table added to the store needs a row here,
// or TestPurgeWorkspace says so.
func fillWorkspace(t *testing.T, s *store.Store, team string) {
	t.Helper()
	ctx := context.Background()
	at := time.Date(2026, 11, 2, 9, 0, 0, 0, time.UTC)
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	f := setup(t, s, team) // workspace, user, period
	tm, _, err := s.EnsureTeam(ctx, f.ws.ID, "Sales")
	must(err)
	o := store.Objective{WorkspaceID: f.ws.ID, Title: "Grow", OwnerID: f.owner.ID, PeriodID: f.period.ID, Status: okr.Active, TeamID: &tm.ID,
		KeyResults: []store.KeyResult{{WorkspaceID: f.ws.ID, Title: "Deals", OwnerID: &f.owner.ID, Measure: okr.Measure{Kind: okr.Metric, Target: 10}}}}
	must(s.InTx(ctx, func(tx *store.Store) error { return tx.CreateObjective(ctx, &o) }))
	kr := o.KeyResults[0]
	must(s.CheckIn(ctx, &store.CheckIn{WorkspaceID: f.ws.ID, KeyResultID: kr.ID, AuthorID: f.owner.ID, Value: 3, Confidence: okr.OnTrack, CreatedAt: at}))
	sched, err := s.EnsureReminderSchedule(ctx, f.ws.ID, 0, store.ReminderSchedule{Weekday: 1, Minute: 540, EveryWeeks: 1})
	must(err)
	must(s.InsertAll(ctx, &[]store.ReminderPerson{{WorkspaceID: f.ws.ID, UserID: f.owner.ID, Status: store.ReminderOn}}, 10))
	must(s.InsertAll(ctx, &[]store.ReminderDelivery{{WorkspaceID: f.ws.ID, ScheduleID: sched.ID, Occurrence: at, UserID: f.owner.ID, State: store.DeliverySent}}, 10))
	_, err = s.OpenThread(ctx, f.ws.ID, sched.ID, "2026-W45", "C1", at)
	must(err)
	k := store.KPI{WorkspaceID: f.ws.ID, Name: "Churn", OwnerID: f.owner.ID, TeamID: &tm.ID, Target: 2, Warn: 2.5, Crit: 3}
	must(s.CreateKPI(ctx, &k))
	must(s.InTx(ctx, func(tx *store.Store) error {
		return tx.RecordMeasurement(ctx, &store.Measurement{WorkspaceID: f.ws.ID, KPIID: k.ID, Value: 2.4, At: at})
	}))
	must(s.SetAlertChannel(ctx, f.ws.ID, 0, "C2"))
	must(s.CreateAPIToken(ctx, &store.APIToken{WorkspaceID: f.ws.ID, Name: "bi", Hash: "hash-" + team, Hint: "okrbot_ab", CreatedByID: f.owner.ID}))
	d := store.DigestSubscription{WorkspaceID: f.ws.ID, Channel: "C3", Schedule: "0 9 * * 1", TZ: "UTC", CreatedByID: f.owner.ID}
	must(s.SaveDigestSubscription(ctx, &d))
	must(s.InsertAll(ctx, &[]store.DigestDelivery{{WorkspaceID: f.ws.ID, SubscriptionID: d.ID, Occurrence: at}}, 10))
	must(s.SaveInstallation(ctx, teamInstall(team)))
	must(s.SaveConversation(ctx, store.Conversation{WorkspaceID: f.ws.ID, Kind: "direct", PlatformID: f.owner.PlatformID, Ref: "ref"}))
	must(s.AddKPIAlert(ctx, &store.KPIAlert{WorkspaceID: f.ws.ID, KPIID: k.ID, From: okr.HealthOnTarget, To: okr.HealthAtRisk, CreatedAt: at}))
	must(s.SetKPISource(ctx, &store.KPISource{WorkspaceID: f.ws.ID, KPIID: k.ID, Kind: "csv", Spec: `{"url":"https://x/y.csv","cell":"B7"}`,
		EverySeconds: 86400, CreatedByID: f.owner.ID}, at))
	must(s.RecordHistory(ctx, f.ws.ID, store.HistoryEntry{SubjectKind: store.SubjectKPI, SubjectID: k.ID, Action: store.ActionCreated,
		ActorID: &f.owner.ID, Platform: "slack", At: at}))
	_, err = s.AddGradingDelivery(ctx, &store.GradingDelivery{WorkspaceID: f.ws.ID, ObjectiveID: o.ID, Step: okr.GradingPrompt, Occurrence: at, UserID: f.owner.ID})
	must(err)
	_, err = s.SetInstalled(ctx, store.AppInstall{WorkspaceID: f.ws.ID, Kind: store.InstallDirect, PlatformID: f.owner.PlatformID, Active: true}, at)
	must(err)
	must(s.ReplaceRoster(ctx, f.ws.ID, "19:team", []store.RosterMember{{PlatformID: f.owner.PlatformID, MemberID: "29:1"}}, at))
	for _, hash := range []string{"link-" + team, "spare-" + team} {
		must(s.CreateDashboardLink(ctx, &store.DashboardLink{Hash: hash, WorkspaceID: f.ws.ID, UserID: f.owner.ID, ExpiresAt: at.Add(time.Hour)}, at))
	}
	must(s.StartDashboardSession(ctx, "link-"+team, &store.DashboardSession{Hash: "session-" + team, CreatedAt: at, SeenAt: at, ExpiresAt: at.Add(time.Hour)}))
	must(s.KeepChartPicture(ctx, f.ws.ID, "0123456789abcdef0123456789abcdef", []byte("\x89PNG "+team), at.Add(time.Hour), at))
}

func TestPurgeWorkspace(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	storetest.Dialects(t, func(t *testing.T, s *store.Store) {
		s.SetSealer(newBox(t, newKey(t)))
		// Rows of no workspace, or of more than one.
		if _, err := s.UseOAuthState(ctx, "state", installedAt.Add(time.Hour), installedAt); err != nil {
			t.Fatal(err)
		}
		org := orgInstall("E1")
		mustSave(t, s, org)

		fillWorkspace(t, s, "TKEEP")
		before, err := s.Dump(ctx)
		if err != nil {
			t.Fatal(err)
		}
		fillWorkspace(t, s, "TGONE")
		filled, _ := s.Dump(ctx)
		for table := range filled {
			if table == "goose_db_version" || table == "oauth_states" {
				continue
			}
			if len(filled[table]) == len(before[table]) {
				t.Errorf("fillWorkspace adds no row to table %s: add one, so the purge of it is tested", table)
			}
		}

		deleted, err := s.PurgeWorkspace(ctx, "slack", "TGONE")
		if err != nil {
			t.Fatal(err)
		}
		after, _ := s.Dump(ctx)
		for table, rows := range before {
			if fmt.Sprint(after[table]) != fmt.Sprint(rows) {
				t.Errorf("table %s after the purge:\n%v\nwant as before the workspace came:\n%v", table, after[table], rows)
			}
			if n := int64(len(filled[table]) - len(rows)); deleted[table] != n {
				t.Errorf("purge says it deleted %d rows of %s, want %d", deleted[table], table, n)
			}
		}
		if got, err := s.InstallationFor(ctx, "E1", "TGONE"); err != nil || got.BotToken != org.BotToken {
			t.Errorf("the organization's install after purging one of its workspaces: %+v, %v", got, err)
		}

		if _, err := s.PurgeWorkspace(ctx, "slack", "TGONE"); !errors.Is(err, okr.ErrNotFound) {
			t.Errorf("purge twice: %v, want not found", err)
		}
		// A workspace that installed okrbot but never used it has only its
		// installation.
		mustSave(t, s, teamInstall("TNEW"))
		if deleted, err := s.PurgeWorkspace(ctx, "slack", "TNEW"); err != nil || fmt.Sprint(deleted) != "map[installations:1]" {
			t.Errorf("purge an unused install: %v, %v", deleted, err)
		}
	})
}

// TestPurgedWorkspaceTakesNoWrites is a replica that remembered a workspace
// from before it was purged: whatever it writes under the workspace's id is
// refused, so no row is left behind under a workspace that is gone. Every
// table with workspace rows refuses them, a table added later too.
func TestPurgedWorkspaceTakesNoWrites(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	storetest.Dialects(t, func(t *testing.T, s *store.Store) {
		s.SetSealer(newBox(t, newKey(t)))
		fillWorkspace(t, s, "TGONE")
		stale, err := s.Workspace(ctx, "slack", "TGONE")
		if err != nil {
			t.Fatal(err)
		}
		if _, err := s.PurgeWorkspace(ctx, "slack", "TGONE"); err != nil {
			t.Fatal(err)
		}
		_, err = s.SaveUser(ctx, store.User{WorkspaceID: stale.ID, PlatformID: "ULATE", Name: "Late", TZ: "UTC"})
		if !store.IsWorkspacePurged(err) {
			t.Errorf("a person saved in the purged workspace: %v", err)
		}
		if _, _, err := s.EnsureTeam(ctx, stale.ID, "Late team"); !store.IsWorkspacePurged(err) {
			t.Errorf("a team made in the purged workspace: %v", err)
		}
		tables, err := s.TablesWith(ctx, "workspace_id")
		if err != nil || len(tables) < 19 {
			t.Fatalf("tables with workspace rows: %v, %v", tables, err)
		}
		for _, table := range tables {
			err := s.Exec(ctx, fmt.Sprintf(`INSERT INTO %q (workspace_id) VALUES (%d)`, table, stale.ID))
			if !store.IsWorkspacePurged(err) {
				t.Errorf("%s took a row of the purged workspace: %v", table, err)
			}
		}
		dump, _ := s.Dump(ctx)
		for table, rows := range dump {
			if table != "goose_db_version" && len(rows) > 0 && table != "installations" {
				t.Errorf("%s keeps %d rows after the purge: %v", table, len(rows), rows)
			}
		}
		// The workspace can come back, as a new one.
		again, err := s.Workspace(ctx, "slack", "TGONE")
		if err != nil || again.ID == stale.ID {
			t.Fatalf("the workspace after its purge: %+v, %v", again, err)
		}
		if _, err := s.SaveUser(ctx, store.User{WorkspaceID: again.ID, PlatformID: "U1", Name: "Ada", TZ: "UTC"}); err != nil {
			t.Errorf("a person in the workspace made again: %v", err)
		}
	})
}
