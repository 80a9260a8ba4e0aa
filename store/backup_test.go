package store_test

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"context"
	"encoding/base64"
	"os"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/okrbot/okrbot/okr"
	"github.com/okrbot/okrbot/secret"
	"github.com/okrbot/okrbot/store"
	"github.com/okrbot/okrbot/store/storetest"
)

// seedEverything puts rows in every table, with the awkward values a
// backup must carry: nil and set pointers, fractions, times with
// nanoseconds and in other zones, text with quotes, markup and emoji.
func seedEverything(t *testing.T, s *store.Store) {
	t.Helper()
	ctx := context.Background()
	f := setup(t, s, "T1")
	setup(t, s, "T2")
	bob, err := s.SaveUser(ctx, store.User{WorkspaceID: f.ws.ID, PlatformID: "U2", Name: `Bob "<!channel>" 🎯`, IsAdmin: true})
	if err != nil {
		t.Fatal(err)
	}
	sales, _, err := s.EnsureTeam(ctx, f.ws.ID, "Sales")
	if err != nil {
		t.Fatal(err)
	}
	emea := store.Team{WorkspaceID: f.ws.ID, Name: "Sales EMEA", ParentID: &sales.ID}
	must(t, s.InsertAll(ctx, &[]store.Team{emea}, 10))
	o := newObjective(t, s, f, "Grow revenue", 3)
	child := store.Objective{WorkspaceID: f.ws.ID, Title: "Close deals", OwnerID: bob.ID, TeamID: &sales.ID,
		ParentID: &o.ID, PeriodID: f.period.ID, Status: okr.Active}
	must(t, s.InTx(ctx, func(tx *store.Store) error { return tx.CreateObjective(ctx, &child) }))
	berlin, _ := time.LoadLocation("Europe/Berlin")
	at := time.Date(2026, 11, 20, 10, 0, 0, 123456789, berlin)
	for i, v := range []float64{0.1 + 0.2, 35.5} {
		c := store.CheckIn{WorkspaceID: f.ws.ID, KeyResultID: o.KeyResults[0].ID, AuthorID: f.owner.ID, Value: v,
			Confidence: okr.AtRisk, Comment: "week ✓ & <b>", CreatedAt: at.Add(time.Duration(i) * time.Hour)}
		must(t, s.InTx(ctx, func(tx *store.Store) error { return tx.CheckIn(ctx, &c) }))
	}
	k := newKPI(t, s, f, "Churn rate")
	record(t, s, k, at, 2.4)
	record(t, s, k, at.Add(24*time.Hour), 1.9)
	next := at.Add(7 * 24 * time.Hour)
	must(t, s.InsertAll(ctx, &[]store.ReminderSchedule{{WorkspaceID: f.ws.ID, Weekday: 1, Minute: 540, EveryWeeks: 2, Channel: "C1"}}, 10))
	must(t, s.InsertAll(ctx, &[]store.ReminderPerson{{WorkspaceID: f.ws.ID, UserID: f.owner.ID, Status: store.ReminderOn, TZ: "Europe/Berlin", NextAt: &next}}, 10))
	must(t, s.InsertAll(ctx, &[]store.ReminderDelivery{{WorkspaceID: f.ws.ID, ScheduleID: 1, Occurrence: at, UserID: f.owner.ID,
		State: store.DeliverySent, Conversation: "D1", MessageID: "1700000000.000001", SentAt: &at, NudgeAt: &next, UpdatePending: true}}, 10))
	must(t, s.InsertAll(ctx, &[]store.ReminderThread{{ScheduleID: 1, Week: "2026-W47", Conversation: "C1", MessageID: "1700000000.000002"}}, 10))
	must(t, s.InsertAll(ctx, &[]store.AlertChannel{{WorkspaceID: f.ws.ID, Channel: "CALERT"}}, 10))
	must(t, s.InsertAll(ctx, &[]store.APIToken{{WorkspaceID: f.ws.ID, Name: "bi", Hash: "sha256:abc", Hint: "okrbot_ab", CreatedByID: bob.ID, RevokedAt: &at}}, 10))
	must(t, s.InsertAll(ctx, &[]store.DigestSubscription{{WorkspaceID: f.ws.ID, Channel: "CLEAD", Schedule: "0 9 * * 1", TZ: "America/New_York", CreatedByID: bob.ID, NextRunAt: &next}}, 10))
	must(t, s.InsertAll(ctx, &[]store.DigestDelivery{{WorkspaceID: f.ws.ID, SubscriptionID: 1, Occurrence: at, Attempts: 2, DoneAt: &at, Note: "too late"}}, 10))
	must(t, s.SaveConversation(ctx, store.Conversation{WorkspaceID: f.ws.ID, Kind: "direct", PlatformID: "U2",
		Ref: `{"s":"https://smba.trafficmanager.net/emea/","c":"a:1\"<x>"}`}))
	must(t, s.AddKPIAlert(ctx, &store.KPIAlert{WorkspaceID: f.ws.ID, KPIID: k.ID, From: okr.HealthOnTarget, To: okr.HealthOffTarget, CreatedAt: at}))
	must(t, s.RecordHistory(ctx, f.ws.ID, store.HistoryEntry{SubjectKind: store.SubjectObjective, SubjectID: o.ID,
		Action: store.ActionEdited, Field: "title", OldValue: "Grow", NewValue: "Grow revenue", ActorID: &bob.ID, Platform: "slack", At: at}))
	claimed := at.Add(time.Minute)
	must(t, s.InsertAll(ctx, &[]store.GradingDelivery{{WorkspaceID: f.ws.ID, ObjectiveID: o.ID, Step: okr.GradingReminder, Occurrence: at,
		UserID: f.owner.ID, ClaimedUntil: &claimed, Attempts: 1, DoneAt: &claimed, Note: "sent", Conversation: "D1", MessageID: "1700000000.000003"}}, 10))
	_, err = s.SetInstalled(ctx, store.AppInstall{WorkspaceID: f.ws.ID, Kind: store.InstallTeam, PlatformID: "19:team@thread.tacv2",
		Channel: "19:general@thread.tacv2", Ref: `{"k":"channel"}`, Active: true}, at)
	must(t, err)
	must(t, s.ReplaceRoster(ctx, f.ws.ID, "19:team@thread.tacv2", []store.RosterMember{{PlatformID: "U2", MemberID: "29:1u2",
		Name: "Ünïcode \"Bob\"", Email: "bob@example.com", Tenant: "T1"}}, at))
	box, err := secret.ParseKeys(base64.StdEncoding.EncodeToString(bytes.Repeat([]byte{7}, secret.KeySize)))
	must(t, err)
	s.SetSealer(box)
	must(t, s.SaveInstallation(ctx, store.Installation{TeamID: "T1", TeamName: "Acme", BotUserID: "B1", BotToken: "xoxb-1-secret",
		Scopes: "commands,chat:write", InstallerID: "U2", InstalledAt: at}))
	_, err = s.UseOAuthState(ctx, "state-1", at.Add(10*time.Minute), at)
	must(t, err)
	must(t, s.CreateDashboardLink(ctx, &store.DashboardLink{Hash: "link-1", WorkspaceID: f.ws.ID, UserID: bob.ID, ExpiresAt: at.Add(10 * time.Minute)}, at))
	must(t, s.CreateDashboardLink(ctx, &store.DashboardLink{Hash: "link-2", WorkspaceID: f.ws.ID, UserID: bob.ID, ExpiresAt: at.Add(10 * time.Minute)}, at))
	must(t, s.StartDashboardSession(ctx, "link-1", &store.DashboardSession{Hash: "session-1", CreatedAt: at, SeenAt: at, ExpiresAt: at.Add(7 * 24 * time.Hour)}))
	must(t, s.SetKPISource(ctx, &store.KPISource{WorkspaceID: f.ws.ID, KPIID: k.ID, Kind: "http", EverySeconds: 3600, CreatedByID: bob.ID,
		Spec: `{"url":"https://bi.example.com/kpis?a=1&b=<2>","path":"$.churn","headers":["Authorization: Bearer {env:BI_TOKEN}"]}`}, at))
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func backup(t *testing.T, s *store.Store) ([]byte, store.BackupSummary) {
	t.Helper()
	var buf bytes.Buffer
	sum, err := s.Backup(context.Background(), &buf)
	if err != nil {
		t.Fatalf("backup: %v", err)
	}
	return buf.Bytes(), sum
}

// archiveLines is an archive's lines after the header, which alone names
// where and when it was made.
func archiveLines(t *testing.T, archive []byte) []string {
	t.Helper()
	zr, err := gzip.NewReader(bytes.NewReader(archive))
	if err != nil {
		t.Fatal(err)
	}
	var lines []string
	sc := bufio.NewScanner(zr)
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		lines = append(lines, sc.Text())
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return lines[1:]
}

type dialect struct {
	name string
	url  func(testing.TB) string
}

func dialects() []dialect {
	list := []dialect{{"sqlite", storetest.MigratedSQLiteURL}}
	if os.Getenv(storetest.EnvURL) != "" {
		list = append(list, dialect{"postgres", storetest.MigratedPostgresURL})
	}
	return list
}

// TestBackupRestoresIntoEitherDialect moves a database with rows in every
// table from each dialect to each: the restored database backs up to the
// same rows, and okrbot goes on numbering after the restored ids.
func TestBackupRestoresIntoEitherDialect(t *testing.T) {
	t.Parallel()
	for _, from := range dialects() {
		for _, to := range dialects() {
			t.Run(from.name+"_to_"+to.name, func(t *testing.T) {
				ctx := context.Background()
				src := storetest.OpenURL(t, from.url(t))
				seedEverything(t, src)
				archive, sum := backup(t, src)
				for _, table := range sum.Tables {
					if table.Rows == 0 {
						t.Errorf("table %s has no rows in the fixture: give it some, so that backups are tested with it", table.Table)
					}
				}
				if sum.Version != store.BackupVersion || sum.SchemaVersion == 0 || sum.Dialect != from.name {
					t.Errorf("summary = %+v", sum)
				}

				dst := storetest.OpenURL(t, to.url(t))
				got, err := dst.Restore(ctx, bytes.NewReader(archive))
				if err != nil {
					t.Fatalf("restore: %v", err)
				}
				if !reflect.DeepEqual(got.Tables, sum.Tables) {
					t.Errorf("restored %v\nbacked up %v", got.Tables, sum.Tables)
				}
				again, againSum := backup(t, dst)
				if !reflect.DeepEqual(againSum.Tables, sum.Tables) {
					t.Errorf("row counts after restore %v, before %v", againSum.Tables, sum.Tables)
				}
				if a, b := archiveLines(t, archive), archiveLines(t, again); !reflect.DeepEqual(a, b) {
					for i := range min(len(a), len(b)) {
						if a[i] != b[i] {
							t.Errorf("line %d differs after restore:\n  before %s\n  after  %s", i+2, a[i], b[i])
						}
					}
					if len(a) != len(b) {
						t.Errorf("%d lines before restore, %d after", len(a), len(b))
					}
				}

				// New rows get new ids and numbers, after the restored ones.
				f := setup(t, dst, "T1")
				o := newObjective(t, dst, f, "After the move", 1)
				if o.Number != 6 {
					t.Errorf("first objective after restore is #%d, want #6", o.Number)
				}
				if _, err := dst.Workspace(ctx, "slack", "T3"); err != nil {
					t.Errorf("new workspace after restore: %v", err)
				}
			})
		}
	}
}

// TestRestoreIsAllOrNothing feeds Restore archives that are damaged, newer
// or aimed at a database with data, and checks each is refused by name and
// leaves the database as it was.
func TestRestoreIsAllOrNothing(t *testing.T) {
	t.Parallel()
	for _, d := range dialects() {
		t.Run(d.name, func(t *testing.T) {
			ctx := context.Background()
			src := storetest.OpenURL(t, d.url(t))
			seedEverything(t, src)
			archive, _ := backup(t, src)
			lines := archiveLines(t, archive)
			header := firstLine(t, archive)

			// The last table's rows collide: the earlier tables must go too.
			last := len(lines) - 2
			dupRow := rebuild(t, header, append(append(append([]string{}, lines[:last+1]...), lines[last]), lines[last+1:]...))
			tooNew := strings.Replace(header, `"version":1`, `"version":2`, 1)
			newerSchema := strings.Replace(header, `"schema_version":`, `"schema_version":99`, 1)
			for _, tc := range []struct {
				name    string
				archive []byte
				want    string
			}{
				{"not a backup", []byte("kpi,value\nChurn,2\n"), "not an okrbot backup"},
				{"other gzip", rebuild(t, `{"hello":"world"}`, nil), "not an okrbot backup"},
				{"cut short", rebuild(t, header, lines[:len(lines)/2]), "incomplete"},
				{"colliding rows", dupRow, "restore table "},
				{"newer format", rebuild(t, tooNew, lines), "format is version 2, newer than this okrbot reads (1)"},
				{"newer schema", rebuild(t, newerSchema, lines), "newer than this okrbot knows"},
				{"counts differ", rebuild(t, header, append(append([]string{}, lines[:last]...), lines[last+1:]...)), "damaged"},
			} {
				t.Run(tc.name, func(t *testing.T) {
					dst := storetest.OpenURL(t, d.url(t))
					if _, err := dst.Restore(ctx, bytes.NewReader(tc.archive)); err == nil || !strings.Contains(err.Error(), tc.want) {
						t.Fatalf("restore: err = %v, want it to say %q", err, tc.want)
					}
					// Nothing stayed behind: the good archive still restores.
					if _, err := dst.Restore(ctx, bytes.NewReader(archive)); err != nil {
						t.Errorf("restore after a refused one: %v", err)
					}
				})
			}

			if _, err := src.Restore(ctx, bytes.NewReader(archive)); err == nil || !strings.Contains(err.Error(), "the database is not empty (table workspaces has rows)") {
				t.Errorf("restore over data: err = %v", err)
			}
		})
	}
}

func firstLine(t *testing.T, archive []byte) string {
	t.Helper()
	zr, err := gzip.NewReader(bytes.NewReader(archive))
	if err != nil {
		t.Fatal(err)
	}
	line, err := bufio.NewReader(zr).ReadString('\n')
	if err != nil {
		t.Fatal(err)
	}
	return strings.TrimSpace(line)
}

func rebuild(t *testing.T, header string, lines []string) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	zw.Write([]byte(strings.Join(append([]string{header}, lines...), "\n") + "\n"))
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}
