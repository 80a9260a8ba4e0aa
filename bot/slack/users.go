package slack

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/slack-go/slack"

	"github.com/okrbot/okrbot/bot"
)

// maxCachedUsers bounds the cache; a workspace rarely has more members.
const maxCachedUsers = 100_000

// userCache remembers users.info answers, because a request's payload has
// only the user's ID and handle while commands need their time zone and
// whether they are an admin, and Slack rate-limits users.info. Lookups for
// the same user share one call.
type userCache struct {
	fetch    func(ctx context.Context, k userKey) (bot.User, error)
	now      func() time.Time
	ttl      time.Duration
	timeout  time.Duration   // of one users.info call
	inflight *sync.WaitGroup // the adapter's, so Drain waits for fetches too

	mu      sync.Mutex
	entries map[userKey]*userEntry
}

// userKey names a person of a workspace.
type userKey struct {
	ws bot.Workspace
	id string
}

type userEntry struct {
	user    bot.User
	at      time.Time     // when user was fetched; zero if never
	err     error         // of the last fetch
	errAt   time.Time     // when the last fetch failed
	loading chan struct{} // closed when the running fetch ends; nil if none
}

func (e *userEntry) fresh(now time.Time, ttl time.Duration) bool {
	return !e.at.IsZero() && now.Sub(e.at) < ttl
}

// loadLocked starts a fetch unless one is running, and returns the channel
// that is closed when it ends. The fetch is detached from the cancellation
// of the request that starts it (keeping its id for the logs), so a request
// that stops waiting still leaves the answer for the next.
func (c *userCache) loadLocked(ctx context.Context, k userKey) (*userEntry, chan struct{}) {
	e := c.entries[k]
	if e == nil {
		c.evictLocked()
		e = &userEntry{}
		c.entries[k] = e
	}
	if e.loading != nil {
		return e, e.loading
	}
	done := make(chan struct{})
	e.loading = done
	c.inflight.Add(1)
	go func() {
		defer c.inflight.Done()
		ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), c.timeout)
		defer cancel()
		u, err := c.fetch(ctx, k)
		c.mu.Lock()
		e.err = err
		if err != nil {
			e.errAt = c.now()
		}
		if err == nil {
			e.user, e.at = u, c.now()
			e.user.RolesAt = e.at
		}
		e.loading = nil
		c.mu.Unlock()
		close(done)
	}()
	return e, done
}

func (c *userCache) evictLocked() {
	if len(c.entries) < maxCachedUsers {
		return
	}
	now := c.now()
	for id, e := range c.entries {
		if e.loading == nil && !e.fresh(now, c.ttl) {
			delete(c.entries, id)
		}
	}
	for id, e := range c.entries {
		if len(c.entries) < maxCachedUsers {
			return
		}
		if e.loading == nil {
			delete(c.entries, id)
		}
	}
}

// lookup returns a fresh answer, calling users.info when needed.
func (c *userCache) lookup(ctx context.Context, k userKey) (bot.User, error) {
	return c.lookupWithin(ctx, k, c.ttl, 0)
}

// lookupWithin returns an answer no older than maxAge, calling users.info
// when needed; a failure younger than failedFor is answered again without
// a call, so that one request does not ask twice what just failed.
func (c *userCache) lookupWithin(ctx context.Context, k userKey, maxAge, failedFor time.Duration) (bot.User, error) {
	c.mu.Lock()
	if e := c.entries[k]; e != nil && e.fresh(c.now(), min(maxAge, c.ttl)) {
		defer c.mu.Unlock()
		return e.user, nil
	} else if e != nil && e.loading == nil && e.err != nil && c.now().Sub(e.errAt) < failedFor {
		defer c.mu.Unlock()
		return bot.User{}, e.err
	}
	e, done := c.loadLocked(ctx, k)
	c.mu.Unlock()
	select {
	case <-done:
	case <-ctx.Done():
		return bot.User{}, ctx.Err()
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	return e.user, e.err
}

// enrich fills in what users.info knows about the user of a request,
// waiting at most wait for it. It reports false when it had nothing better
// than the payload to go on.
func (c *userCache) enrich(ctx context.Context, ws bot.Workspace, u bot.User, wait time.Duration) (bot.User, bool) {
	k := userKey{ws, u.ID}
	c.mu.Lock()
	e := c.entries[k]
	if e == nil || !e.fresh(c.now(), c.ttl) {
		var done chan struct{}
		e, done = c.loadLocked(ctx, k)
		c.mu.Unlock()
		t := time.NewTimer(wait)
		select {
		case <-done:
		case <-t.C:
		case <-ctx.Done():
		}
		t.Stop()
		c.mu.Lock()
	}
	defer c.mu.Unlock()
	return merge(u, e)
}

// peek is enrich without waiting: it uses whatever is cached, even if old,
// and refreshes it in the background. It is for the one request whose
// handler must run before the ack, a modal submission.
func (c *userCache) peek(ctx context.Context, ws bot.Workspace, u bot.User) (bot.User, bool) {
	k := userKey{ws, u.ID}
	c.mu.Lock()
	defer c.mu.Unlock()
	e := c.entries[k]
	if e == nil || !e.fresh(c.now(), c.ttl) {
		e, _ = c.loadLocked(ctx, k)
	}
	return merge(u, e)
}

func merge(u bot.User, e *userEntry) (bot.User, bool) {
	if e.at.IsZero() {
		return u, false
	}
	if e.user.Name != "" {
		u.Name = e.user.Name
	}
	u.IsAdmin, u.IsGuest, u.TZ, u.RolesAt = e.user.IsAdmin, e.user.IsGuest, e.user.TZ, e.at
	return u, true
}

var _ bot.People = (*Adapter)(nil)

// PersonByEmail finds a member of ws by email with users.lookupByEmail,
// which needs the users:read.email scope.
func (a *Adapter) PersonByEmail(ctx context.Context, ws bot.Workspace, email string) (bot.User, error) {
	api, err := a.client(ctx, ws)
	if err != nil {
		return bot.User{}, err
	}
	u, err := api.GetUserByEmailContext(ctx, email)
	if se, ok := errors.AsType[slack.SlackErrorResponse](err); ok && (se.Err == "users_not_found" || se.Err == "user_not_found") {
		return bot.User{}, bot.ErrNoPerson
	}
	if err != nil {
		return bot.User{}, fmt.Errorf("slack: users.lookupByEmail: %w", err)
	}
	if u.Deleted {
		return bot.User{}, bot.ErrNoPerson
	}
	return bot.User{ID: u.ID, Name: cmp.Or(u.Profile.RealName, u.RealName, u.Name), IsAdmin: u.IsAdmin || u.IsOwner, TZ: u.TZ}, nil
}

// Person finds a member of ws by id with users.info, through the cache
// that requests use.
func (a *Adapter) Person(ctx context.Context, ws bot.Workspace, id string) (bot.User, error) {
	u, err := a.users.lookup(ctx, userKey{ws, id})
	if err != nil && IsGone(err) {
		return bot.User{}, bot.ErrNoPerson
	}
	return u, err
}
