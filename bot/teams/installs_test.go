package teams_test

import (
	"context"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/okrbot/okrbot/bot"
	"github.com/okrbot/okrbot/bot/teams"
	"github.com/okrbot/okrbot/internal/faketeams"
)

// installHandler records what the adapter reports of installs and rosters,
// and welcomes each place once.
type installHandler struct {
	*okrHandler
	mu        sync.Mutex
	installed []bot.Install
	removed   []bot.Install
	rosters   map[string][]bot.Member
	welcomed  map[string]bool
}

func (h *installHandler) Installed(_ context.Context, in bot.Install) (*bot.Message, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.installed = append(h.installed, in)
	if h.welcomed[in.At.ID] {
		return nil, nil
	}
	h.welcomed[in.At.ID] = true
	return &bot.Message{Summary: bot.T("Welcome")}, nil
}

func (h *installHandler) Removed(_ context.Context, in bot.Install) error {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.removed = append(h.removed, in)
	return nil
}

func (h *installHandler) Roster(_ context.Context, in bot.Install, ms []bot.Member) error {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.rosters[in.Team] = ms
	return nil
}

func (h *installHandler) RosterChanged(_ context.Context, in bot.Install, added []bot.Member, removed []bot.User) error {
	h.mu.Lock()
	defer h.mu.Unlock()
	ms := h.rosters[in.Team]
	for _, u := range removed {
		ms = slices.DeleteFunc(ms, func(m bot.Member) bool { return m.User.ID == u.ID })
	}
	h.rosters[in.Team] = append(ms, added...)
	return nil
}

func (h *installHandler) Teams(context.Context, bot.Workspace) ([]bot.Install, error) {
	return nil, nil
}

// newInstallEnv is newEnv with an installHandler, and Graph installs when
// graph is true.
func newInstallEnv(t *testing.T, graph bool) (*env, *installHandler) {
	e := newEnv(t)
	h := &installHandler{okrHandler: e.h, rosters: map[string][]bot.Member{}, welcomed: map[string]bool{}}
	cfg := config(e.fake, e.clock)
	cfg.GraphInstall, cfg.GraphURL = graph, e.fake.GraphURL()
	a, err := teams.New(cfg, h)
	if err != nil {
		t.Fatal(err)
	}
	e.a = a
	return e, h
}

// TestGroupChatInstall: added to a group chat, okrbot welcomes it once
// (Teams sends two activities), and reads its roster, page by page, with
// each member's "29:" id in their address.
func TestGroupChatInstall(t *testing.T) {
	t.Parallel()
	e, h := newInstallEnv(t, false)
	group := e.fake.GroupChat("19:group@thread.v2")
	e.fake.AddMember(group.ConversationID, bob)
	e.fake.AddMember(group.ConversationID, faketeams.User{ID: "29:1cy", AADObjectID: "aad-cy", Name: "Cy"})
	for _, act := range e.fake.AddBot(group, ada) {
		if rec := e.post(act, faketeams.Claims{}); rec.Code != 200 {
			t.Fatalf("%s: %d", act.Type, rec.Code)
		}
	}
	if n := len(e.fake.Messages(group.ConversationID)); n != 1 {
		t.Errorf("%d messages in the group chat, want one welcome", n)
	}
	if len(h.installed) != 2 || h.installed[0].Team != group.ConversationID || h.installed[0].At.Kind != bot.Channel {
		t.Errorf("installs %+v", h.installed)
	}
	ms := h.rosters[group.ConversationID]
	if len(ms) != 3 {
		t.Fatalf("roster %+v, want Bob, Cy and Ada", ms)
	}
	for _, m := range ms {
		if !strings.HasPrefix(m.MemberID, "29:") || !strings.Contains(m.Address.Ref, `"u":"`+m.MemberID+`"`) || m.Address.ID != m.User.ID {
			t.Errorf("member %+v: its address does not carry its 29: id", m)
		}
	}
}

// TestUpgradesKeepTheInstall: add-upgrade counts as an install (no second
// welcome), remove-upgrade leaves the app installed.
func TestUpgradesKeepTheInstall(t *testing.T) {
	t.Parallel()
	e, h := newInstallEnv(t, false)
	acts := e.fake.Install(ada)
	e.post(acts[1], faketeams.Claims{})
	for _, action := range []string{"add-upgrade", "remove-upgrade"} {
		act := acts[1]
		act.Action = action
		e.post(act, faketeams.Claims{})
	}
	if len(h.installed) != 2 || len(h.removed) != 0 {
		t.Errorf("installs %d, removals %d; want 2 and none", len(h.installed), len(h.removed))
	}
	chat, _ := e.fake.PersonalChat(ada.ID)
	if n := len(e.fake.Messages(chat)); n != 1 {
		t.Errorf("%d messages in Ada's chat, want one welcome", n)
	}
}

// TestPeopleOkrbotCannotReach: Teams refuses a chat with someone in no
// team of okrbot's and without the app; without Graph that is Unreachable;
// with Graph but no app in the catalog too, and nothing is installed.
func TestPeopleOkrbotCannotReach(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	// A restarted okrbot knows the tenant's service URL from a channel's
	// ref.
	hello := func(e *env) {
		if _, err := e.a.Send(ctx, e.channel(), bot.Message{Summary: bot.T("hello channel")}); err != nil {
			t.Fatal(err)
		}
	}
	t.Run("no graph", func(t *testing.T) {
		e, _ := newInstallEnv(t, false)
		hello(e)
		_, err := e.a.Send(ctx, e.direct(bob, ""), bot.Message{Summary: bot.T("prompt")})
		if kind, _ := bot.FailureOf(err); kind != bot.Unreachable {
			t.Fatalf("%v classified %v, want unreachable", err, kind)
		}
	})
	t.Run("left every team", func(t *testing.T) {
		// Bob's roster address names his 29: id, but no team of his has
		// okrbot any more: okrbot asks by his Entra object id too.
		e, _ := newInstallEnv(t, false)
		ref := `{"k":"personal","s":"` + e.fake.ServiceURL() + `","t":"` + faketeams.TenantID + `","u":"` + bob.ID + `"}`
		_, err := e.a.Send(ctx, e.direct(bob, ref), bot.Message{Summary: bot.T("prompt")})
		if kind, _ := bot.FailureOf(err); kind != bot.Unreachable {
			t.Fatalf("%v classified %v, want unreachable", err, kind)
		}
		if n := len(e.fake.Calls(faketeams.OpCreate)); n != 2 {
			t.Errorf("%d creates, want one by 29: id and one by Entra object id", n)
		}
	})
	t.Run("app not in the catalog", func(t *testing.T) {
		e, _ := newInstallEnv(t, true)
		hello(e)
		e.fake.RemoveFromCatalog()
		_, err := e.a.Send(ctx, e.direct(bob, ""), bot.Message{Summary: bot.T("prompt")})
		if kind, _ := bot.FailureOf(err); kind != bot.Unreachable || !strings.Contains(err.Error(), "app catalog") {
			t.Fatalf("%v classified %v, want unreachable, naming the app catalog", err, kind)
		}
		if n := len(e.fake.Calls(faketeams.OpInstall)); n != 0 || e.fake.Installed(bob.ID) {
			t.Errorf("%d installs, want none", n)
		}
	})
	t.Run("graph", func(t *testing.T) {
		e, _ := newInstallEnv(t, true)
		hello(e)
		if _, err := e.a.Send(ctx, e.direct(bob, ""), bot.Message{Summary: bot.T("prompt")}); err != nil {
			t.Fatal(err)
		}
		if !e.fake.Installed(bob.ID) || len(e.fake.Calls(faketeams.OpCatalog)) != 1 {
			t.Errorf("installed %v after %d catalog lookups", e.fake.Installed(bob.ID), len(e.fake.Calls(faketeams.OpCatalog)))
		}
		for _, c := range append(e.fake.Calls(faketeams.OpCatalog), e.fake.Calls(faketeams.OpInstall)...) {
			if c.Status/100 != 2 {
				t.Errorf("Graph answered %s with %d", c.Op, c.Status)
			}
		}
	})
}
