package cmd

import (
	"context"
	"encoding/json"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/slack-go/slack"

	"github.com/okrbot/okrbot/internal/fakeslack"
	"github.com/okrbot/okrbot/store"
	"github.com/okrbot/okrbot/store/storetest"
)

// These tests run okrbot at enterprise scale, as Slack sends it requests:
// an Enterprise Grid organization with okrbot installed org-wide, whose
// interaction payloads say "team": null; a workspace whose token Slack
// stops taking; and an okrbot that serves only the teams its operator
// lists.

// formPayload is what Slack sends when a person of w submits the form that
// views.open call form opened, with the fields filled in as values says:
// the payload of the installation that serves w (see
// fakeslack.Server.Interaction), edited by tamper when it is not nil.
func (d *deployment) formPayload(w slackTeam, form fakeslack.Call, values map[string]string, tamper func(map[string]any)) map[string]any {
	d.t.Helper()
	cb := &slack.InteractionCallback{Type: slack.InteractionTypeViewSubmission,
		User: slack.User{ID: w.user, Name: w.user, TeamID: w.team}, View: *form.View}
	cb.View.ID = "V" + form.Params.Get("trigger_id")
	state := map[string]map[string]slack.BlockAction{}
	for field, v := range values {
		a := slack.BlockAction{Type: "plain_text_input", Value: v}
		switch field {
		case "period":
			a = slack.BlockAction{Type: "static_select", SelectedOption: slack.OptionBlockObject{Value: v}}
		case "owner":
			a = slack.BlockAction{Type: "users_select", SelectedUser: v}
		}
		state[field] = map[string]slack.BlockAction{"value": a}
	}
	cb.View.State = &slack.ViewState{Values: state}
	p := d.fake.Interaction(cb)
	if tamper != nil {
		tamper(p)
	}
	return p
}

// submit posts a form payload as Slack does, and returns okrbot's answer
// in the ack ("" when it closes the form).
func (d *deployment) submit(p map[string]any) string {
	d.t.Helper()
	return d.post(fakeslack.InteractionRequest(publicURL+"/slack/events", slackSigningSecret, d.clock.Now(), p))
}

// dmTo waits for a direct message to w's person that contains want.
func (d *deployment) dmTo(w slackTeam, want string) fakeslack.Call {
	d.t.Helper()
	dm := d.fake.DMChannel(w.user)
	return waitCall(d.t, d.fake, "chat.postMessage", func(c fakeslack.Call) bool {
		return c.Params.Get("channel") == dm && strings.Contains(blocksText(c), want)
	})
}

var createdObjective = regexp.MustCompile(`Created objective #(\d+)`)

// newObjective creates an objective from the New objective form in w, and
// returns its number.
func (d *deployment) newObjective(w slackTeam, title string) string {
	d.t.Helper()
	form := d.openForm(w, "/okr", "new")
	if ack := d.submit(d.formPayload(w, form, map[string]string{"title": title, "period": "2026-Q4", "owner": w.user,
		"kr1_title": "Answer within a day", "kr1_start": "0", "kr1_target": "90"}, nil)); ack != "" {
		d.t.Fatalf("the New objective form in %s was refused: %s", w.name, ack)
	}
	c := d.dmTo(w, title)
	m := createdObjective.FindStringSubmatch(blocksText(c))
	if m == nil || whose(c) != d.installationOf(w) {
		d.t.Fatalf("creating %q in %s: %s (with %s's token)", title, w.name, blocksText(c), whose(c))
	}
	return m[1]
}

// installationOf names the installation that serves w, as whose does.
func (d *deployment) installationOf(w slackTeam) string {
	if d.orgs[w.org] {
		return w.org
	}
	return w.team
}

// workspaces are the team ids of the workspaces in the database.
func workspaces(t *testing.T, dbURL string) []string {
	t.Helper()
	st, err := store.Open(context.Background(), dbURL, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	all, err := st.Workspaces(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	var teams []string
	for _, w := range all {
		teams = append(teams, w.TeamID)
	}
	slices.Sort(teams)
	return teams
}

// TestOrgWideInstallKeepsWorkspacesApart installs okrbot in a whole
// Enterprise Grid organization. Slack then sends interactions with
// "team": null; each workspace's forms still land in that workspace, and a
// form whose private metadata was edited to point at another workspace's
// objective is refused.
func TestOrgWideInstallKeepsWorkspacesApart(t *testing.T) {
	t.Parallel()
	for _, dbURL := range storetest.MigratedURLs(t) {
		t.Run(dialect(dbURL), func(t *testing.T) {
			d := newDeployment(t, setup{db: dbURL, procs: replicas(dbURL)})
			d.install(initechA, true)

			sales := d.newObjective(initechA, "Sales closes faster")
			support := d.newObjective(initechB, "Support answers faster")
			if sales != "1" || support != "1" {
				t.Errorf("the first objectives are #%s and #%s, want #1 in each workspace", sales, support)
			}
			renewals := d.newObjective(initechA, "Sales renews more")
			for _, w := range []slackTeam{initechA, initechB} {
				got := d.command(w, "/okr", "list all")
				own := strings.Contains(got, "Sales closes faster") && strings.Contains(got, "Sales renews more")
				other := strings.Contains(got, "Support answers faster")
				if w == initechB {
					own, other = other, strings.Contains(got, "Sales")
				}
				if !own || other {
					t.Errorf("/okr list all in %s = %q", w.name, got)
				}
			}

			// Support's Edit form, with its metadata edited to the number of
			// an objective of Sales: refused, and Sales' objective unchanged.
			edit := d.openForm(initechB, "/okr", "edit "+support)
			if edit.View.PrivateMetadata != support {
				t.Fatalf("the Edit form's metadata is %q, want %q", edit.View.PrivateMetadata, support)
			}
			ack := d.submit(d.formPayload(initechB, edit, map[string]string{"title": "Taken over", "owner": initechB.user},
				func(p map[string]any) { p["view"].(map[string]any)["private_metadata"] = renewals }))
			if ack != "" {
				t.Errorf("the tampered form's ack: %s", ack)
			}
			if c := d.dmTo(initechB, "There is no objective #"+renewals); whose(c) != initechB.org {
				t.Errorf("the refusal went with %s's token", whose(c))
			}
			if got := d.command(initechA, "/okr", "list all"); strings.Contains(got, "Taken over") || !strings.Contains(got, "Sales renews more") {
				t.Errorf("Sales after Support's tampered form: %q", got)
			}

			// A payload that names no workspace at all is refused: the form
			// stays open and says why; nothing is written.
			form := d.openForm(initechB, "/okr", "new")
			ack = d.submit(d.formPayload(initechB, form, map[string]string{"title": "Nobody's objective", "period": "2026-Q4", "owner": initechB.user},
				func(p map[string]any) {
					delete(p["user"].(map[string]any), "team_id")
					delete(p["view"].(map[string]any), "team_id")
				}))
			var errs struct {
				Action string            `json:"response_action"`
				Errors map[string]string `json:"errors"`
			}
			if err := json.Unmarshal([]byte(ack), &errs); err != nil || errs.Action != "errors" || !strings.Contains(errs.Errors["title"], "could not tell which Slack workspace") {
				t.Errorf("a form from no workspace: ack %s", ack)
			}
			if got := workspaces(t, dbURL); !slices.Equal(got, []string{initechA.team, initechB.team}) {
				t.Errorf("workspaces in the database: %q, want Sales' and Support's", got)
			}

			// A workspace of another organization, where okrbot is not
			// installed, is refused with the reason.
			cmd := d.slash(acme, "/okr", "list")
			body := d.post(fakeslack.SlashCommandRequest(publicURL+"/slack/events", slackSigningSecret, d.clock.Now(), cmd))
			if !strings.Contains(body, "not installed in this Slack workspace") || !strings.Contains(body, `"ephemeral"`) {
				t.Errorf("/okr list where okrbot is not installed: ack %s", body)
			}
			if slices.Contains(workspaces(t, dbURL), acme.team) {
				t.Error("a workspace okrbot is not installed in was stored")
			}
			if log := d.logs(); !strings.Contains(log, "request refused") {
				t.Errorf("the refusals were not logged:\n%s", log)
			}
		})
	}
}

// TestDeadTokenStopsTheWorkspaceNotItsPeople: Slack answers
// account_inactive for Acme's token (the workspace was deleted, say, with
// no app_uninstalled event). okrbot stops scheduling Acme, keeps every
// person's prompts on, and says so in its log and in okrbot check; once
// Acme installs okrbot again, the next prompt goes out.
func TestDeadTokenStopsTheWorkspaceNotItsPeople(t *testing.T) {
	t.Parallel()
	for _, dbURL := range storetest.MigratedURLs(t) {
		t.Run(dialect(dbURL), func(t *testing.T) {
			d := newDeployment(t, setup{db: dbURL, procs: replicas(dbURL)})
			d.install(acme, false)
			d.install(globex, false)
			d.prepare(acme)
			d.prepare(globex)
			d.round()
			d.clock.Set(at("2026-11-30 09:00"))
			d.round()
			want := []string{"T1 digest", "T1 prompt to T1", "T2 digest", "T2 prompt to T2"}
			if got := d.sent(0); !slices.Equal(got, want) {
				t.Fatalf("on Monday okrbot sent %q, want %q", got, want)
			}

			if err := d.fake.Deactivate(acme.team); err != nil {
				t.Fatal(err)
			}
			acmeTokens := d.tokensOf(acme.team)
			mark := d.posts()
			d.clock.Set(at("2026-12-07 09:00"))
			d.round()
			if !slices.ContainsFunc(d.fake.Calls(""), func(c fakeslack.Call) bool { return c.Error == "account_inactive" }) {
				t.Error("Slack never answered account_inactive")
			}
			for _, s := range d.sent(mark) {
				if strings.HasPrefix(s, "T1") || (strings.Contains(s, "failed") && !strings.Contains(s, "account_inactive")) {
					t.Errorf("the Monday Acme's token died, okrbot sent %q", s)
				}
			}
			// (Globex's KPI went stale meanwhile: an alert says so.)
			delivered := slices.DeleteFunc(d.sent(mark), func(s string) bool { return strings.Contains(s, "failed") || s == "T2 alert" })
			if !slices.Equal(delivered, []string{"T2 digest", "T2 prompt to T2"}) {
				t.Errorf("the Monday Acme's token died, okrbot delivered %q, want Globex's alone", delivered)
			}

			// From then on Acme is not scheduled: its token is not tried again.
			calls := len(d.fake.Calls(""))
			d.clock.Set(at("2026-12-07 10:00"))
			d.round()
			d.clock.Set(at("2026-12-14 09:00"))
			d.round()
			for _, c := range d.fake.Calls("")[calls:] {
				if acmeTokens[c.Token] {
					t.Errorf("after Slack refused Acme's token, okrbot called %s with it", c.Method)
				}
			}
			log := d.logs()
			if !strings.Contains(log, "okrbot lost its Slack token") || !strings.Contains(log, "account_inactive") {
				t.Errorf("the log does not say why Acme stopped:\n%s", log)
			}
			if strings.Contains(log, "person is gone") {
				t.Errorf("a person was taken for gone:\n%s", log)
			}
			out, _ := run(t, d.env, "", "check")
			if !strings.Contains(out, "not serving workspace Acme (T1)") || !strings.Contains(out, "Slack refused its token: account_inactive") {
				t.Errorf("okrbot check does not report Acme's lost token:\n%s", out)
			}
			if status := reminderStatus(t, dbURL, acme); status != store.ReminderOn {
				t.Errorf("Acme's admin's prompts are %q, want still on", status)
			}

			// Acme installs okrbot again: the next Monday's prompt goes out.
			d.install(acme, false)
			mark = d.posts()
			d.clock.Set(at("2026-12-21 09:00"))
			d.round()
			if got := d.sent(mark); !slices.Contains(got, "T1 prompt to T1") || !slices.Contains(got, "T2 prompt to T2") {
				t.Errorf("the Monday after Acme installed okrbot again, okrbot sent %q", got)
			}
			if out, _ := run(t, d.env, "", "check"); strings.Contains(out, "not serving workspace Acme") {
				t.Errorf("okrbot check after the reinstall:\n%s", out)
			}
		})
	}
}

// replicas is how many okrbots share the database: two on Postgres, so
// that what one learns the other must notice.
func replicas(dbURL string) int {
	if dialect(dbURL) == "postgres" {
		return 2
	}
	return 1
}

// logs are every okrbot's log.
func (d *deployment) logs() string {
	var b strings.Builder
	for _, o := range d.procs {
		b.WriteString(o.log.String())
	}
	return b.String()
}

// reminderStatus is whether w's person gets prompts: on, off or gone.
func reminderStatus(t *testing.T, dbURL string, w slackTeam) string {
	t.Helper()
	ctx := context.Background()
	st, err := store.Open(ctx, dbURL, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	ws, err := st.Workspace(ctx, "slack", w.team)
	if err != nil {
		t.Fatal(err)
	}
	u, err := st.UserByPlatformID(ctx, ws.ID, w.user)
	if err != nil {
		t.Fatal(err)
	}
	p, err := st.ReminderPerson(ctx, ws.ID, u.ID)
	if err != nil {
		t.Fatal(err)
	}
	return p.Status
}

// TestSlackTeamsRefusesOtherInstalls: with OKRBOT_SLACK_TEAMS listing
// Acme, an install from Globex gets a page saying why, nothing of it is
// stored and its token is given back; requests from Globex are refused.
func TestSlackTeamsRefusesOtherInstalls(t *testing.T) {
	t.Parallel()
	for _, dbURL := range storetest.MigratedURLs(t) {
		t.Run(dialect(dbURL), func(t *testing.T) {
			d := newDeployment(t, setup{db: dbURL, env: map[string]string{"OKRBOT_SLACK_TEAMS": acme.team + ", E9"}})
			if page := d.install(acme, false); !strings.Contains(page, "okrbot is installed in Acme.") {
				t.Errorf("installing into Acme: %s", page)
			}
			b := d.browser()
			status, page := d.get(b, d.approve(b, fakeslack.Grant{TeamID: globex.team, UserID: globex.user}))
			if status != http.StatusForbidden || !strings.Contains(page, "okrbot was not installed") ||
				!strings.Contains(page, "Globex is not one of them") || !strings.Contains(page, "add T2 to OKRBOT_SLACK_TEAMS") {
				t.Errorf("installing into Globex: %d %s", status, page)
			}
			// An org-wide install of an organization not listed is refused
			// too, though it was approved in Slack.
			b = d.browser()
			status, page = d.get(b, d.approve(b, fakeslack.Grant{TeamID: initechA.team, UserID: initechA.user, OrgWide: true}))
			if status != http.StatusForbidden || !strings.Contains(page, "Initech organization is not one of them") {
				t.Errorf("installing into the Initech organization: %d %s", status, page)
			}

			ctx := context.Background()
			st := storetest.OpenURL(t, dbURL)
			st.SetSealer(must(mainOf(d).secretBox()))
			active, err := st.ActiveInstallations(ctx)
			if err != nil || len(active) != 1 || active[0].TeamID != acme.team {
				t.Errorf("installations stored: %+v, %v; want Acme's alone", active, err)
			}
			if revoked, _ := st.RevokedInstallations(ctx); len(revoked) != 0 {
				t.Errorf("refused installs left rows: %+v", revoked)
			}
			revokes := d.fake.Calls("auth.revoke")
			if len(revokes) != 2 || whose(revokes[0]) != globex.team || whose(revokes[1]) != initechA.org {
				t.Errorf("the refused installs' tokens were not given back: %+v", revokes)
			}

			cmd := d.slash(globex, "/okr", "list")
			body := d.post(fakeslack.SlashCommandRequest(publicURL+"/slack/events", slackSigningSecret, d.clock.Now(), cmd))
			if !strings.Contains(body, "not available in this Slack workspace") {
				t.Errorf("/okr list in Globex: ack %s", body)
			}
			if got := d.command(acme, "/okr", "list"); strings.Contains(got, "not available") {
				t.Errorf("/okr list in Acme: %s", got)
			}
			if got := workspaces(t, dbURL); !slices.Equal(got, []string{acme.team}) {
				t.Errorf("workspaces in the database: %q", got)
			}
		})
	}
}

// mainOf is a Main that reads the deployment's settings.
func mainOf(d *deployment) *Main {
	return &Main{Getenv: func(k string) string { return d.env[k] }, Now: func() time.Time { return d.clock.Now() }}
}
