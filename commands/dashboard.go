package commands

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"strings"
	"time"

	"github.com/okrbot/okrbot/bot"
	"github.com/okrbot/okrbot/store"
)

// DashboardLinkTTL is how long a sign-in link from /okr dashboard works:
// long enough to switch to a browser, short enough that a link found in a
// chat's history later signs no one in.
const DashboardLinkTTL = 10 * time.Minute

// DashboardSignInPath is where a sign-in link points, under the dashboard's
// address; the token follows it.
const DashboardSignInPath = "/signin/"

// ActionOpenDashboard is the Home tab's Open dashboard button, which opens
// the dashboard's address in the browser.
const ActionOpenDashboard = "okr_open_dashboard"

// pageLink is a link to a page of the dashboard, like "/o/12"; nothing
// without a public address.
func (s *Service) pageLink(path, label string) (bot.Inline, bool) {
	if s.publicURL == "" {
		return bot.Inline{}, false
	}
	return bot.Link(s.publicURL+path, label), true
}

// /okr dashboard: a link, to the asker only, that signs them in to their
// workspace's dashboard once within DashboardLinkTTL.
func (s *Service) dashboard(ctx context.Context, c *caller, words []string) (bot.Reply, error) {
	if len(words) > 0 {
		return bot.Reply{}, refuse("Usage: `/okr dashboard`.")
	}
	base := ""
	if s.dashboardURL != nil {
		var err error
		if base, err = s.dashboardURL(ctx); err != nil {
			return bot.Reply{}, err
		}
	}
	if base == "" {
		return bot.Reply{}, refuse("The dashboard has no address yet. Your okrbot admin sets `OKRBOT_PUBLIC_URL` to the address people reach okrbot at (like `https://okrbot.example.com`) and restarts okrbot.")
	}
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return bot.Reply{}, err
	}
	token := base64.RawURLEncoding.EncodeToString(b)
	now := s.now()
	link := store.DashboardLink{Hash: HashToken(token), WorkspaceID: c.ws.ID, UserID: c.user.ID, ExpiresAt: now.Add(DashboardLinkTTL)}
	if err := s.store.CreateDashboardLink(ctx, &link, now); err != nil {
		return bot.Reply{}, err
	}
	url := strings.TrimSuffix(base, "/") + DashboardSignInPath + token
	text := bot.Textf("📊 %s\nIt signs you in as %s, once, within %d minutes. It is yours alone: do not share it.",
		bot.Link(url, "Open your okrbot dashboard"), bot.Bold(c.user.Name), int(DashboardLinkTTL/time.Minute))
	return bot.Reply{Message: &bot.Message{Summary: bot.T("Your okrbot dashboard link"), Sections: []bot.Section{{Text: text}},
		Visibility: bot.Private}}, nil
}
