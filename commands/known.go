package commands

import (
	"cmp"
	"context"
	"errors"
	"strings"
	"sync"
	"time"

	"github.com/okrbot/okrbot/bot"
	"github.com/okrbot/okrbot/okr"
	"github.com/okrbot/okrbot/store"
)

// knownTTL is how long a remembered row is trusted: another replica, or an
// operator's `okrbot purge`, may change it meanwhile.
const knownTTL = 5 * time.Minute

// knownMax bounds each table of the memory; past it the oldest are
// forgotten all at once.
const knownMax = 50_000

// known remembers the workspaces, people, periods and conversation refs
// this Service has read or written, so that a request that changes nothing
// about its workspace, its person or the period costs no write and no
// read of them. Every request says who the person is now; only a change is
// written.
type known struct {
	mu         sync.Mutex
	now        func() time.Time
	workspaces map[workspaceKey]remembered[store.Workspace]
	users      map[userKey]remembered[store.User]
	periods    map[periodKey]remembered[store.Period]
	refs       map[refKey]remembered[string]
}

type (
	workspaceKey struct{ platform, team string }
	userKey      struct {
		workspace  uint
		platformID string
	}
	periodKey struct {
		workspace uint
		name      string
	}
	refKey struct {
		workspace uint
		kind, id  string
	}
)

type remembered[T any] struct {
	v  T
	at time.Time
}

func newKnown(now func() time.Time) *known {
	return &known{now: now,
		workspaces: map[workspaceKey]remembered[store.Workspace]{},
		users:      map[userKey]remembered[store.User]{},
		periods:    map[periodKey]remembered[store.Period]{},
		refs:       map[refKey]remembered[string]{},
	}
}

func recall[K comparable, T any](k *known, m map[K]remembered[T], key K) (T, bool) {
	k.mu.Lock()
	defer k.mu.Unlock()
	r, ok := m[key]
	if !ok || k.now().Sub(r.at) > knownTTL {
		var zero T
		return zero, false
	}
	return r.v, true
}

func remember[K comparable, T any](k *known, m map[K]remembered[T], key K, v T) {
	k.mu.Lock()
	defer k.mu.Unlock()
	if len(m) >= knownMax {
		clear(m)
	}
	m[key] = remembered[T]{v: v, at: k.now()}
}

// workspace is the stored workspace of a request, created on first sight.
func (s *Service) workspace(ctx context.Context, w bot.Workspace) (store.Workspace, error) {
	key := workspaceKey{w.Platform, w.TeamID}
	ws, ok := recall(s.known, s.known.workspaces, key)
	if !ok {
		var err error
		if ws, err = s.store.Workspace(ctx, w.Platform, w.TeamID); err != nil {
			return ws, err
		}
	}
	if w.Org != "" && w.Org != ws.Org {
		if err := s.store.SetWorkspaceOrg(ctx, ws.ID, w.Org); err != nil {
			return ws, err
		}
		ws.Org, ok = w.Org, false
	}
	// Only what was read or written now is remembered afresh: a hit
	// that renewed its own time would never be read again, and would
	// miss a purge or another replica's change for good.
	if !ok {
		remember(s.known, s.known.workspaces, key, ws)
	}
	return ws, nil
}

// forgetWorkspace drops what is remembered of a workspace, after the
// database refused a write to it because it was purged: the next request
// reads it afresh (and makes it anew, when the workspace comes back).
func (k *known) forgetWorkspace(w bot.Workspace) {
	k.mu.Lock()
	defer k.mu.Unlock()
	delete(k.workspaces, workspaceKey{w.Platform, w.TeamID})
}

// user is the stored person of a request, saved when the platform says
// something new of them. A profile without a time zone comes from a
// payload that carried only an id and a name (a form submitted before the
// platform was asked about its author): it never overwrites what is known.
func (s *Service) user(ctx context.Context, ws store.Workspace, p bot.User) (store.User, error) {
	key := userKey{ws.ID, p.ID}
	u, ok := recall(s.known, s.known.users, key)
	if !ok {
		var err error
		u, err = s.store.UserByPlatformID(ctx, ws.ID, p.ID)
		if errors.Is(err, okr.ErrNotFound) {
			u, err = s.store.MentionUser(ctx, ws.ID, p.ID, p.Name)
		}
		if err != nil {
			return u, err
		}
	}
	// A profile read from the platform (RolesAt) is one too, even
	// without a time zone, which then stays as it was.
	fromPlatform := p.TZ != "" || !p.RolesAt.IsZero()
	if !p.RolesAt.IsZero() {
		p.Name, p.TZ = cmp.Or(p.Name, u.Name), cmp.Or(p.TZ, u.TZ)
	}
	if fromPlatform && (p.TZ != u.TZ || p.Name != u.Name || p.IsAdmin != u.IsAdmin || p.IsGuest != u.IsGuest) {
		var err error
		u, err = s.store.SaveUser(ctx, store.User{WorkspaceID: ws.ID, PlatformID: p.ID, Name: p.Name, TZ: p.TZ, IsAdmin: p.IsAdmin, IsGuest: p.IsGuest})
		if err != nil {
			return u, err
		}
		ok = false
	}
	if !ok { // as for workspaces
		remember(s.known, s.known.users, key, u)
	}
	return u, nil
}

var _ bot.Rememberer = (*Service)(nil)

// Remember keeps what a platform said about reaching an address (its Ref),
// so that messages can go there later without asking the platform again.
// Addresses without a reference need nothing kept, and a reference already
// kept is not written again.
func (s *Service) Remember(ctx context.Context, a bot.Address) error {
	if a.Ref == "" || a.ID == "" {
		return nil
	}
	ws, err := s.workspace(ctx, a.Workspace)
	if err != nil {
		return err
	}
	return s.keepRef(ctx, ws.ID, a)
}

// keepRef is Remember in a known workspace.
func (s *Service) keepRef(ctx context.Context, workspaceID uint, a bot.Address) error {
	if a.Ref == "" || a.ID == "" {
		return nil
	}
	key := refKey{workspaceID, string(a.Kind), a.ID}
	if ref, ok := recall(s.known, s.known.refs, key); ok && ref == a.Ref {
		return nil
	}
	err := s.store.SaveConversation(ctx, store.Conversation{WorkspaceID: workspaceID, Kind: string(a.Kind), PlatformID: a.ID, Ref: a.Ref})
	if err == nil {
		remember(s.known, s.known.refs, key, a.Ref)
	}
	return err
}

// period resolves a period a person named: empty for the current quarter, a
// custom period's name, or a quarter like 2026-Q4 (recorded on first use).
// Periods never change once made, so those read are remembered.
func (s *Service) period(ctx context.Context, st *store.Store, c *caller, name string, now okr.Period) (store.Period, error) {
	if name = strings.TrimSpace(name); name == "" {
		name = now.Name
	}
	key := periodKey{c.ws.ID, name}
	if p, ok := recall(s.known, s.known.periods, key); ok {
		return p, nil
	}
	p, err := st.PeriodByName(ctx, c.ws.ID, name)
	switch {
	case err == nil:
		remember(s.known, s.known.periods, key, p)
		return p, nil
	case !errors.Is(err, okr.ErrNotFound):
		return p, err
	}
	q := now
	if name != now.Name {
		if q, err = okr.ParsePeriod(name); err != nil {
			return store.Period{}, err
		}
	}
	// Made in st, which may be a transaction that is rolled back: the next
	// read remembers it.
	return st.EnsurePeriod(ctx, c.ws.ID, q)
}
