package cmd

import (
	"cmp"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/slack-go/slack"

	"github.com/okrbot/okrbot/internal/fakeclock"
	"github.com/okrbot/okrbot/internal/fakeslack"
	"github.com/okrbot/okrbot/internal/faketeams"
	"github.com/okrbot/okrbot/store/storetest"
)

// slackPerson types slash commands into okrbot as one person of the fake
// workspace, signed at the clock's time, and returns the reply Slack got on
// the command's response URL.
type slackPerson struct {
	t      *testing.T
	fake   *fakeslack.Server
	events string
	clock  *fakeclock.Clock
	id     string
	n      *int
}

func (p slackPerson) says(command, text string) string {
	p.t.Helper()
	*p.n++
	cmd := slack.SlashCommand{TeamID: fakeslack.TeamID, UserID: p.id, UserName: strings.ToLower(p.id), ChannelID: "C1",
		Command: command, Text: text, TriggerID: "trigger-" + strconv.Itoa(*p.n), ResponseURL: p.fake.ResponseURL("r" + strconv.Itoa(*p.n))}
	if code, _ := do(p.t, fakeslack.SlashCommandRequest(p.events, slackSigningSecret, p.clock.Now(), cmd)); code != 200 {
		p.t.Fatalf("%s %s: status %d", command, text, code)
	}
	path := strings.TrimPrefix(cmd.ResponseURL, p.fake.URL())
	return blocksText(waitCall(p.t, p.fake, fakeslack.ResponseURLMethod, func(c fakeslack.Call) bool { return c.Path == path }))
}

// securityServe runs okrbot serve for the fake workspace on a fake clock,
// with extra settings, and returns a way to speak as each person.
func securityServe(t *testing.T, fake *fakeslack.Server, dbURL string, extra map[string]string) (as func(id string) slackPerson, c *fakeclock.Clock) {
	c = fakeclock.New(at("2026-11-16 10:00"))
	env := map[string]string{"SLACK_BOT_TOKEN": "xoxb-e2e", "SLACK_SIGNING_SECRET": slackSigningSecret, "SLACK_API_URL": fake.APIURL(),
		"DATABASE_URL": dbURL}
	for k, v := range extra {
		env[k] = v
	}
	events := start(t, c, env).base + "/slack/events"
	n := 0
	return func(id string) slackPerson {
		return slackPerson{t: t, fake: fake, events: events, clock: c, id: id, n: &n}
	}, c
}

func securityPeople(fake *fakeslack.Server) {
	fake.AddUser(fakeslack.User{ID: "U0ADMIN", Name: "ada", RealName: "Ada Lovelace", TZ: "Europe/Berlin", IsAdmin: true})
	fake.AddUser(fakeslack.User{ID: "U0GUEST", Name: "gus", RealName: "Gus Guest", TZ: "Europe/Berlin", IsRestricted: true})
	fake.AddUser(fakeslack.User{ID: "U0BOB", Name: "bob", RealName: "Bob Member", TZ: "Europe/Berlin"})
	fake.AddUser(fakeslack.User{ID: "U0SCG", Name: "sam", RealName: "Sam Single", TZ: "Europe/Berlin", IsRestricted: true, IsUltraRestricted: true})
}

// TestSlackGuestsAreRefusedByDefault: Slack's multi- and single-channel
// guests are told that okrbot is for members, whatever they ask.
func TestSlackGuestsAreRefusedByDefault(t *testing.T) {
	t.Parallel()
	for _, dbURL := range storetest.MigratedURLs(t) {
		t.Run(strings.SplitN(dbURL, ":", 2)[0], func(t *testing.T) {
			fake := fakeslack.New(t)
			securityPeople(fake)
			as, _ := securityServe(t, fake, dbURL, nil)
			as("U0ADMIN").says("/okr", `new "Grow revenue"`)
			for _, guest := range []string{"U0GUEST", "U0SCG"} {
				for _, c := range [][2]string{{"/okr", "list all"}, {"/okr", "show 1"}, {"/kpi", "scorecard"}, {"/okr", "help"}} {
					got := as(guest).says(c[0], c[1])
					if !strings.Contains(got, "okrbot is for members of this workspace") || strings.Contains(got, "Grow revenue") {
						t.Errorf("%s: %s %s = %s", guest, c[0], c[1], got)
					}
				}
			}
		})
	}
}

// TestSlackGuestsSeeOnlyTheirOwn: with OKRBOT_GUESTS=own a guest sees and
// checks in on what they own, and nothing of anyone else's.
func TestSlackGuestsSeeOnlyTheirOwn(t *testing.T) {
	t.Parallel()
	for _, dbURL := range storetest.MigratedURLs(t) {
		t.Run(strings.SplitN(dbURL, ":", 2)[0], func(t *testing.T) {
			fake := fakeslack.New(t)
			securityPeople(fake)
			as, _ := securityServe(t, fake, dbURL, map[string]string{"OKRBOT_GUESTS": "own"})
			ada, gus := as("U0ADMIN"), as("U0GUEST")
			ada.says("/okr", `new "Grow revenue"`)
			ada.says("/okr", `new "Open the partner portal" --owner <@U0GUEST|gus>`)
			if got := ada.says("/okr", `kr 2 "Partners live" --target 5`); !strings.Contains(got, "#2.1") {
				t.Fatalf("kr: %s", got)
			}
			ada.says("/kpi", `new "Churn rate" --unit % --target 2 --lower-is-better`)

			if got := gus.says("/okr", "list"); !strings.Contains(got, "Open the partner portal") || strings.Contains(got, "Grow revenue") {
				t.Errorf("guest's list = %s", got)
			}
			for _, c := range [][2]string{{"/okr", "list all"}, {"/okr", "tree"}, {"/kpi", "scorecard"}, {"/kpi", "list"}, {"/okr", `new "Mine"`}} {
				if got := gus.says(c[0], c[1]); !strings.Contains(got, "As a guest here") {
					t.Errorf("guest: %s %s = %s", c[0], c[1], got)
				}
			}
			if got := gus.says("/okr", "show 1"); !strings.Contains(got, "There is no objective #1 of yours") || strings.Contains(got, "Grow revenue") {
				t.Errorf("guest's show 1 = %s", got)
			}
			if got := gus.says("/kpi", `show "Churn rate"`); !strings.Contains(got, `There is no KPI "Churn rate" of yours`) {
				t.Errorf("guest's KPI show = %s", got)
			}
			if got := gus.says("/okr", "checkin 2.1 3 on-track"); strings.Contains(got, "⚠️") {
				t.Errorf("guest's check-in = %s", got)
			}
			if got := gus.says("/okr", "show 2"); !strings.Contains(got, "Partners live") || !strings.Contains(got, "3") {
				t.Errorf("guest's show 2 = %s", got)
			}
		})
	}
}

// TestSlackDemotedAdminCannotChangeTheDigest: an admin's rights are read
// from Slack again once older than OKRBOT_ROLE_TTL, so an admin demoted in
// Slack cannot change the digest five minutes later; when Slack cannot be
// asked, okrbot says it cannot confirm.
func TestSlackDemotedAdminCannotChangeTheDigest(t *testing.T) {
	t.Parallel()
	for _, dbURL := range storetest.MigratedURLs(t) {
		t.Run(strings.SplitN(dbURL, ":", 2)[0], func(t *testing.T) {
			fake := fakeslack.New(t)
			securityPeople(fake)
			as, c := securityServe(t, fake, dbURL, nil)
			ada := as("U0ADMIN")
			if got := ada.says("/kpi", "digest <#C0LEAD|leadership> weekly monday 09:00"); strings.Contains(got, "⚠️") {
				t.Fatalf("digest as an admin: %s", got)
			}
			fake.AddUser(fakeslack.User{ID: "U0ADMIN", Name: "ada", RealName: "Ada Lovelace", TZ: "Europe/Berlin"})
			c.Advance(5*time.Minute + time.Second)
			if got := ada.says("/kpi", "digest off <#C0LEAD|leadership>"); !strings.Contains(got, "Only an okrbot admin can change digests") {
				t.Errorf("digest off, demoted: %s", got)
			}
			if got := ada.says("/kpi", "digest list"); !strings.Contains(got, "leadership") && !strings.Contains(got, "C0LEAD") {
				t.Errorf("the digest went: %s", got)
			}
			// A button goes by the same rule: closing someone else's
			// objective was hers to do as an admin, and is no more.
			if got := as("U0BOB").says("/okr", `new "Ship the app"`); !strings.Contains(got, "Created objective #1") {
				t.Fatalf("bob's objective: %s", got)
			}
			click := &slack.InteractionCallback{Type: slack.InteractionTypeBlockActions, Team: slack.Team{ID: fakeslack.TeamID},
				User: slack.User{ID: "U0ADMIN", Name: "ada"}, Channel: slack.Channel{GroupConversation: slack.GroupConversation{Conversation: slack.Conversation{ID: "C1"}}},
				ResponseURL: fake.ResponseURL("close-click")}
			click.ActionCallback.BlockActions = []*slack.BlockAction{{ActionID: "okr_close", BlockID: "b1", Type: "button", Value: "1"}}
			if code, _ := do(t, fakeslack.InteractionRequest(ada.events, slackSigningSecret, c.Now(), click)); code != 200 {
				t.Fatalf("click: %d", code)
			}
			closeReply := blocksText(waitCall(t, fake, fakeslack.ResponseURLMethod, func(c fakeslack.Call) bool { return c.Path == "/response/close-click" }))
			if !strings.Contains(closeReply, "Only the owner of objective #1") {
				t.Errorf("a demoted admin's Close button: %s", closeReply)
			}

			// Made an admin again, which okrbot learns when its answer
			// from Slack runs out...
			fake.AddUser(fakeslack.User{ID: "U0ADMIN", Name: "ada", RealName: "Ada Lovelace", TZ: "Europe/Berlin", IsAdmin: true})
			c.Advance(11 * time.Minute)
			if got := ada.says("/kpi", "digest list"); strings.Contains(got, "⚠️") {
				t.Fatalf("digest list: %s", got)
			}
			// ...but when Slack does not answer past the role TTL, the
			// change is refused, with why.
			fake.FailUser("U0ADMIN", fakeslack.HTTPError(http.StatusServiceUnavailable))
			c.Advance(5*time.Minute + time.Second)
			if got := ada.says("/kpi", "digest off <#C0LEAD|leadership>"); !strings.Contains(got, "okrbot cannot confirm you are an admin right now; try again in a minute") {
				t.Errorf("digest off, Slack down: %s", got)
			}
			fake.ClearFaults()
			c.Advance(time.Minute)
			if got := ada.says("/kpi", "digest off <#C0LEAD|leadership>"); strings.Contains(got, "⚠️") {
				t.Errorf("digest off, an admin again: %s", got)
			}
		})
	}
}

// TestAPITokensScopedAndExpiring: through okrbot serve, a token made for
// one KPI gets 404 for another, and a token past its expiry gets 401.
func TestAPITokensScopedAndExpiring(t *testing.T) {
	t.Parallel()
	for _, dbURL := range storetest.MigratedURLs(t) {
		t.Run(strings.SplitN(dbURL, ":", 2)[0], func(t *testing.T) {
			fake := fakeslack.New(t)
			securityPeople(fake)
			as, c := securityServe(t, fake, dbURL, nil)
			ada := as("U0ADMIN")
			churnID := createdKPI.FindStringSubmatch(ada.says("/kpi", `new "Churn rate" --unit % --target 2 --lower-is-better`))
			npsID := createdKPI.FindStringSubmatch(ada.says("/kpi", `new "NPS" --target 50`))
			if churnID == nil || npsID == nil {
				t.Fatal("KPIs not created")
			}
			scoped := apiTokenText.FindString(ada.says("/kpi", `token create Warehouse --kpi "Churn rate" --expires 90d`))
			short := apiTokenText.FindString(ada.says("/kpi", `token create Trial --expires 1d`))
			base := strings.TrimSuffix(ada.events, "/slack/events")
			post := func(token, kpi string) (int, string) {
				r := must(http.NewRequest(http.MethodPost, base+"/api/v1/kpis/"+kpi+"/measurements", strings.NewReader(`{"value": 2.1}`)))
				r.Header.Set("Authorization", "Bearer "+token)
				return do(t, r)
			}
			if code, body := post(scoped, churnID[1]); code != http.StatusCreated {
				t.Errorf("scoped token, its KPI: %d %s", code, body)
			}
			if code, body := post(scoped, npsID[1]); code != http.StatusNotFound || strings.Contains(body, "NPS") {
				t.Errorf("scoped token, another KPI: %d %s, want 404", code, body)
			}
			if code, body := post(short, npsID[1]); code != http.StatusCreated {
				t.Errorf("day token, at once: %d %s", code, body)
			}
			c.Advance(25 * time.Hour)
			if code, body := post(short, npsID[1]); code != http.StatusUnauthorized || !strings.Contains(body, "the token expired") {
				t.Errorf("day token, a day on: %d %s, want 401", code, body)
			}
			list := ada.says("/kpi", "token list")
			for _, want := range []string{"*Warehouse*", "KPI *Churn rate*", "expires Feb 14, 2027", "last used Nov 16, 2026", "*Trial*", "⌛ expired Nov 17, 2026"} {
				if !strings.Contains(list, want) {
					t.Errorf("token list lacks %q:\n%s", want, list)
				}
			}
		})
	}
}

// TestSlowBodyIsCutOff: a request whose body comes in one byte a second
// is cut off when the read timeout is up, instead of holding its
// connection for as long as the sender likes. (The timeout is shortened
// for the test; publicTimeouts are the real ones.)
func TestSlowBodyIsCutOff(t *testing.T) {
	t.Parallel()
	fake := fakeslack.New(t)
	const readTimeout = 300 * time.Millisecond
	base := serve(t, map[string]string{"SLACK_BOT_TOKEN": "xoxb-e2e", "SLACK_SIGNING_SECRET": slackSigningSecret,
		"SLACK_API_URL": fake.APIURL(), "OKRBOT_ADDR": "127.0.0.1:0", "DATABASE_URL": storetest.MigratedSQLiteURL(t), "OKRBOT_LOG_LEVEL": "warn"},
		func(m *Main) {
			m.timeouts = serverTimeouts{readHeader: readTimeout, read: readTimeout, write: 5 * time.Second, idle: time.Minute}
		})
	for _, path := range []string{"/slack/events", "/api/v1/kpis/1/measurements"} {
		t.Run(strings.Trim(path, "/"), func(t *testing.T) {
			conn, err := net.Dial("tcp", strings.TrimPrefix(base, "http://"))
			if err != nil {
				t.Fatal(err)
			}
			defer conn.Close()
			fmt.Fprintf(conn, "POST %s HTTP/1.1\r\nHost: okrbot\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n"+
				"Authorization: Bearer okrbot_0000\r\nX-Slack-Request-Timestamp: 0\r\nX-Slack-Signature: v0=00\r\n\r\n{", path)
			// One byte a second, until the server stops listening.
			stop := make(chan struct{})
			defer close(stop)
			go func() {
				tick := time.NewTicker(time.Second)
				defer tick.Stop()
				for {
					select {
					case <-stop:
						return
					case <-tick.C:
						if _, err := conn.Write([]byte(" ")); err != nil {
							return
						}
					}
				}
			}()
			// The server answers (or not) and closes the connection well
			// before the 1000 bytes could have come.
			conn.SetReadDeadline(time.Now().Add(waitLimit))
			answer, err := io.ReadAll(conn)
			var timeout net.Error
			if errors.As(err, &timeout) && timeout.Timeout() {
				t.Fatalf("the connection was still open after %s; the server read: %q", waitLimit, answer)
			}
			if strings.HasPrefix(string(answer), "HTTP/1.1 2") {
				t.Errorf("a cut-off request was answered as a success: %q", answer)
			}
		})
	}
}

// TestExportIsSafeInSpreadsheets: text people typed that a spreadsheet
// would run as a formula is exported with an apostrophe before it; numbers
// stay numbers.
func TestExportIsSafeInSpreadsheets(t *testing.T) {
	t.Parallel()
	db := storetest.MigratedSQLiteURL(t)
	script := strings.Join([]string{
		`/kpi new "=SUM(A1:A9)" --target 2 --lower-is-better`,
		`/kpi new "Margin" --target 5`,
		`/kpi set "Margin" -3 @ops +1 from finance`,
		`/okr new "-Grow revenue"`,
		`/okr kr 1 "=1+2" --target 5`,
	}, "\n")
	if out, err := run(t, map[string]string{"DATABASE_URL": db, "OKRBOT_ADMINS": "ada"}, script, "console", "--as", "ada"); err != nil || strings.Count(out, "Created") != 3 {
		t.Fatalf("console: %v\n%s", err, out)
	}
	files := export(t, db, t.TempDir())
	for name, wants := range map[string][]string{
		"kpis.csv":         {"'=SUM(A1:A9)"},
		"measurements.csv": {"Margin,-3,", "'@ops +1 from finance"},
		"okrs.csv":         {"'-Grow revenue", "'=1+2"},
	} {
		for _, want := range wants {
			if !strings.Contains(files[name], want) {
				t.Errorf("%s lacks %q:\n%s", name, want, files[name])
			}
		}
	}
	for name, file := range files {
		for _, line := range strings.Split(file, "\n") {
			for _, cell := range strings.Split(line, ",") {
				if cell != "" && strings.ContainsRune("=+@", rune(cell[0])) {
					t.Errorf("%s has a cell a spreadsheet runs: %q", name, cell)
				}
			}
		}
	}
}

// TestTeamsGuests: a guest of the Teams tenant (userRole "guest" in the
// Bot Connector's members API) is told that okrbot is for members, and with
// OKRBOT_GUESTS=own sees only their own.
func TestTeamsGuests(t *testing.T) {
	t.Parallel()
	for _, guests := range []string{"", "own"} {
		t.Run(cmp.Or(guests, "none"), func(t *testing.T) {
			c := fakeclock.New(wednesday)
			fake := faketeams.New(t, faketeams.WithClock(c.Now))
			env := teamsEnv(fake, storetest.MigratedSQLiteURL(t))
			env["OKRBOT_GUESTS"] = guests
			p := start(t, c, env)
			guest := teamsCarol
			guest.Guest = true
			ada, gus := newTeamsUser(t, fake, p.base, teamsAda), newTeamsUser(t, fake, p.base, guest)
			adaDM, gusDM := fake.Personal(teamsAda), fake.Personal(guest)
			mustHave(t, "ada's objective", ada.ask(adaDM, adaDM.ConversationID, `okr new "Grow revenue"`), "Created objective #1.")

			list := gus.ask(gusDM, gusDM.ConversationID, "okr list all")
			if guests == "" {
				mustHave(t, "a guest's list all", list, "okrbot is for members of this workspace")
			} else {
				mustHave(t, "a guest's list all", list, "As a guest here")
				mustHave(t, "a guest's list", gus.ask(gusDM, gusDM.ConversationID, "okr list"), "Your objectives")
				mustHave(t, "a guest's show 1", gus.ask(gusDM, gusDM.ConversationID, "okr show 1"), "There is no objective #1 of yours")
			}
			if strings.Contains(list, "Grow revenue") {
				t.Errorf("a guest saw Ada's objective:\n%s", list)
			}
			mustHave(t, "ada's list all", ada.ask(adaDM, adaDM.ConversationID, "okr list all"), "Grow revenue")
		})
	}
}
