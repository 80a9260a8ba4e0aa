package commands_test

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/okrbot/okrbot/bot"
	"github.com/okrbot/okrbot/commands"
	"github.com/okrbot/okrbot/store"
	"github.com/okrbot/okrbot/store/storetest"
)

// platformPeople is a platform's directory: who is an admin or a guest
// now, and whether it answers at all.
type platformPeople struct {
	mu     sync.Mutex
	now    func() time.Time
	admins map[string]bool
	guests map[string]bool
	down   bool
	asked  int
}

func (p *platformPeople) RecentUser(_ context.Context, _ bot.Workspace, id string, _ time.Duration) (bot.User, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.asked++
	if p.down {
		return bot.User{}, errors.New("users.info: service unavailable")
	}
	return bot.User{ID: id, Name: id, IsAdmin: p.admins[id], IsGuest: p.guests[id], RolesAt: p.now()}, nil
}

// The platform of these tests finds no one by email or id: imports are
// not what they are about.
func (p *platformPeople) PersonByEmail(context.Context, bot.Workspace, string) (bot.User, error) {
	return bot.User{}, bot.ErrNoPerson
}

func (p *platformPeople) Person(context.Context, bot.Workspace, string) (bot.User, error) {
	return bot.User{}, bot.ErrNoPerson
}

type rolesHarness struct {
	*harness
	people *platformPeople
}

func eachWithRoles(t *testing.T, cfg commands.Config, fn func(t *testing.T, h *rolesHarness)) {
	storetest.Dialects(t, func(t *testing.T, st *store.Store) {
		h := &rolesHarness{harness: &harness{t: t, st: st, now: midQ4, sent: &recorder{}}}
		h.people = &platformPeople{now: func() time.Time { return h.now }, admins: map[string]bool{}, guests: map[string]bool{}}
		cfg.Store, cfg.Now, cfg.People, cfg.Sender = st, func() time.Time { return h.now }, h.people, h.sent
		h.svc = commands.New(cfg)
		fn(t, h)
	})
}

// asOf runs a command as the adapter hands it over after reading the
// person from the platform at rolesAt.
func (h *rolesHarness) asOf(user, command, text string, rolesAt time.Time) string {
	h.t.Helper()
	req := request("T1", user, text)
	req.Command = command
	h.people.mu.Lock()
	req.User.IsAdmin, req.User.IsGuest, req.User.RolesAt = h.people.admins[user], h.people.guests[user], rolesAt
	h.people.mu.Unlock()
	return render(h.svc.Command(context.Background(), req))
}

func TestGuestsAreToldOkrbotIsForMembers(t *testing.T) {
	t.Parallel()
	eachWithRoles(t, commands.Config{}, func(t *testing.T, h *rolesHarness) {
		h.people.guests["UGUEST"] = true
		for _, text := range []string{"list", "list all", "help", "new \"Take over\""} {
			contains(t, h.asOf("UGUEST", "/okr", text, h.now), "okrbot is for members of this workspace")
		}
		contains(t, h.asOf("UGUEST", "/kpi", "scorecard", h.now), "okrbot is for members of this workspace")
		// A payload alone says nothing of guests: the platform is asked.
		contains(t, h.asOf("UGUEST", "/okr", "list", time.Time{}), "okrbot is for members of this workspace")
		// Forms and buttons too.
		req := request("T1", "UGUEST", "")
		res := h.svc.Submit(context.Background(), req, bot.Submission{CallbackID: commands.CallbackCheckIn})
		if res.Message == nil || !strings.Contains(renderMessage(*res.Message), "okrbot is for members") {
			t.Errorf("a guest's form: %+v", res)
		}
		contains(t, render(h.svc.Act(context.Background(), req, bot.Action{ID: commands.ActionKPIShow, Value: "1"})), "okrbot is for members")
	})
}

func TestGuestsSeeOnlyTheirOwn(t *testing.T) {
	t.Parallel()
	eachWithRoles(t, commands.Config{Guests: commands.GuestsOwn}, func(t *testing.T, h *rolesHarness) {
		h.people.guests["UGUEST"] = true
		h.people.admins["U1"] = true // to set an objective up for the guest
		h.must("U1", `new "Grow revenue"`)
		h.must("U1", `kr 1 "Close 20 deals" --target 20`)
		h.must("U1", `new "Ship the partner portal" --owner <@UGUEST|guest>`)
		h.must("U1", `kr 3 "Partners live" --target 5`)

		now := h.now
		contains(t, h.asOf("UGUEST", "/okr", "list", now), "Ship the partner portal")
		lacks(t, h.asOf("UGUEST", "/okr", "list", now), "Grow revenue")
		for _, text := range []string{"list all", "list <@U1|u1>", "tree", "new \"Mine\""} {
			got := h.asOf("UGUEST", "/okr", text, now)
			contains(t, got, "As a guest here")
			lacks(t, got, "Grow revenue")
		}
		got := h.asOf("UGUEST", "/okr", "show 1", now)
		contains(t, got, "There is no objective #1 of yours")
		lacks(t, got, "Grow revenue")
		contains(t, h.asOf("UGUEST", "/okr", "show 3", now), "Ship the partner portal")
		contains(t, h.asOf("UGUEST", "/okr", "checkin 2 5", now), "There is no key result #2 of yours")
		lacks(t, h.asOf("UGUEST", "/okr", "checkin 3.1 2 on-track", now), "⚠️")
		contains(t, h.asOf("UGUEST", "/kpi", "scorecard", now), "As a guest here")
		contains(t, render(h.svc.Act(context.Background(), request("T1", "UGUEST", ""), bot.Action{ID: commands.ActionEdit, Value: "3"})), "As a guest here")
	})
}

func TestAdminRightsAreReadAgainAfterTheRoleTTL(t *testing.T) {
	t.Parallel()
	eachWithRoles(t, commands.Config{}, func(t *testing.T, h *rolesHarness) {
		h.people.admins["UBOSS"] = true
		readAt := h.now
		lacks(t, h.asOf("UBOSS", "/kpi", "token list", readAt), "⚠️")
		asked := h.people.asked

		// Demoted on the platform; the adapter still has its answer of
		// four minutes ago, which is trusted.
		h.people.admins["UBOSS"] = false
		h.now = readAt.Add(4 * time.Minute)
		req := func() string {
			r := request("T1", "UBOSS", "token list")
			r.Command = "/kpi"
			r.User.IsAdmin, r.User.RolesAt = true, readAt
			return render(h.svc.Command(context.Background(), r))
		}
		lacks(t, req(), "⚠️")
		if h.people.asked != asked {
			t.Errorf("the platform was asked again within the role TTL")
		}
		// Six minutes on, the platform is asked and says no.
		h.now = readAt.Add(6 * time.Minute)
		contains(t, req(), "Only an okrbot admin can manage API tokens")
		// An admin again, but the platform does not answer: refused,
		// and told why.
		h.people.admins["UBOSS"] = true
		h.people.down = true
		contains(t, req(), "okrbot cannot confirm you are an admin right now; try again in a minute")
		// What was stored of them is no more trusted than that.
		contains(t, h.asOf("UBOSS", "/kpi", "token list", time.Time{}), "okrbot cannot confirm you are an admin right now")
		// Forms' owner-or-admin checks as well.
		h.people.down = false
		h.must("U1", `new "Grow revenue"`)
		h.people.down = true
		contains(t, render(h.svc.Act(context.Background(), func() bot.Request {
			r := request("T1", "UBOSS", "")
			r.User.IsAdmin, r.User.RolesAt = true, readAt
			return r
		}(), bot.Action{ID: commands.ActionClose, Value: "1"})), "okrbot cannot confirm you are an admin right now")
	})
}

func TestQualifiedAdmins(t *testing.T) {
	t.Parallel()
	cfg := commands.Config{Admins: []string{"T1:UBOSS", "UPLAIN"}, ManyWorkspaces: map[string]bool{"slack": true}}
	eachWithRoles(t, cfg, func(t *testing.T, h *rolesHarness) {
		token := func(team, user string) string {
			r := request(team, user, "token list")
			r.Command, r.User.RolesAt = "/kpi", h.now
			return render(h.svc.Command(context.Background(), r))
		}
		lacks(t, token("T1", "UBOSS"), "⚠️")
		contains(t, token("T2", "UBOSS"), "Only an okrbot admin")
		// A plain id names nobody where okrbot serves many workspaces.
		contains(t, token("T1", "UPLAIN"), "Only an okrbot admin")
	})
	eachWithRoles(t, commands.Config{Admins: []string{"UPLAIN"}}, func(t *testing.T, h *rolesHarness) {
		r := request("T1", "UPLAIN", "token list")
		r.Command, r.User.RolesAt = "/kpi", h.now
		lacks(t, render(h.svc.Command(context.Background(), r)), "⚠️")
	})
}
