package teams

import (
	"context"
	"sync"
	"time"

	"github.com/okrbot/okrbot/bot"
)

// maxRoles bounds the people whose roles are remembered; past it they are
// forgotten all at once.
const maxRoles = 100_000

// roles remembers what the Bot Connector said of people (their userRole),
// so that a person's rights cost one members call per max age, not one per
// request.
type roles struct {
	mu sync.Mutex
	m  map[personKey]roleAnswer
}

type roleAnswer struct {
	user bot.User
	at   time.Time
}

var _ bot.People = (*Adapter)(nil)

// RecentUser is what Teams says of a person of the tenant, from the
// conversation members API, read no longer than maxAge ago. Teams has no
// workspace admins okrbot trusts (OKRBOT_ADMINS names them); a person
// whose userRole is "guest" is a guest of the tenant.
func (a *Adapter) RecentUser(ctx context.Context, ws bot.Workspace, userID string, maxAge time.Duration) (bot.User, error) {
	k := personKey{ws.TeamID, userID}
	a.roles.mu.Lock()
	r, ok := a.roles.m[k]
	a.roles.mu.Unlock()
	if ok && a.now().Sub(r.at) < maxAge {
		return r.user, nil
	}
	u, err := a.UserInfo(ctx, ws, userID)
	if err != nil {
		return bot.User{}, err
	}
	u.RolesAt = a.now()
	a.roles.mu.Lock()
	if a.roles.m == nil || len(a.roles.m) >= maxRoles {
		a.roles.m = map[personKey]roleAnswer{}
	}
	a.roles.m[k] = roleAnswer{u, u.RolesAt}
	a.roles.mu.Unlock()
	return u, nil
}
