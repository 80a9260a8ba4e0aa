package install

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/slack-go/slack"
	"github.com/slack-go/slack/slackevents"
)

// Where the install flow is served.
const (
	InstallPath  = "/slack/install"
	RedirectPath = "/slack/oauth_redirect"
)

// Scopes are the bot scopes okrbot asks for when it is installed. They are
// the scopes manifest.yml declares; a test keeps the two the same.
var Scopes = []string{"commands", "chat:write", "chat:write.public", "im:write", "files:write", "users:read", "users:read.email"}

// Installation is okrbot installed in a Slack workspace, or in a whole
// Enterprise Grid organization at once (IsEnterpriseInstall, TeamID empty).
//
// It has the same fields as store.Installation, so main converts one to the
// other with a type conversion: change both together.
type Installation struct {
	EnterpriseID        string
	EnterpriseName      string
	TeamID              string
	TeamName            string
	IsEnterpriseInstall bool
	BotUserID           string
	BotToken            string
	// RefreshToken and ExpiresAt are set when the Slack app rotates its
	// tokens; ExpiresAt is zero when the token does not expire.
	RefreshToken string
	ExpiresAt    time.Time
	Scopes       string
	InstallerID  string
	InstalledAt  time.Time
}

// ErrNotInstalled is what Store.InstallationFor answers when okrbot is not
// installed in a workspace, nor in its organization.
var ErrNotInstalled = errors.New("okrbot is not installed in this Slack workspace")

// Store keeps installations and used OAuth states.
type Store interface {
	// SaveInstallation records an install, replacing an earlier one of the
	// same workspace or organization.
	SaveInstallation(ctx context.Context, inst Installation) error
	// InstallationFor returns the installation serving a workspace: its
	// own, or its organization's; ErrNotInstalled when there is none.
	InstallationFor(ctx context.Context, enterpriseID, teamID string) (Installation, error)
	// UpdateInstallation hands fn the installation as stored now, and
	// stores what fn returns, with no other update in between, even from
	// another replica.
	UpdateInstallation(ctx context.Context, enterpriseID, teamID string, fn func(Installation) (Installation, error)) (Installation, error)
	// UseOAuthState marks state as used until expires, and reports whether
	// it was unused until now.
	UseOAuthState(ctx context.Context, state string, expires, now time.Time) (bool, error)
}

// Config configures an Installer.
type Config struct {
	// ClientID and ClientSecret are the Slack app's, from its Basic
	// Information page (SLACK_CLIENT_ID, SLACK_CLIENT_SECRET).
	ClientID     string
	ClientSecret string
	// PublicURL is where people reach okrbot, such as
	// https://okrbot.example.com (OKRBOT_PUBLIC_URL); the redirect URL is
	// PublicURL + RedirectPath.
	PublicURL string
	// APIURL is the Slack Web API base, https://slack.com/api/ when empty.
	// The install page is on the same host, at /oauth/v2/authorize.
	APIURL string
	Store  Store
	// StateTTL is how long an install link works: 10 minutes when zero.
	StateTTL time.Duration
	// RefreshBefore is how long before a rotating token expires Fresh
	// replaces it: 2 hours when zero, as Slack's Bolt does.
	RefreshBefore time.Duration
	HTTPClient    *http.Client
	Now           func() time.Time
	Logger        *slog.Logger
}

// Installer serves the install flow and keeps tokens fresh.
type Installer struct {
	cfg          Config
	apiURL       string
	authorizeURL string
	redirectURL  string
	installURL   string
	// cookiePath is where the browser sees RedirectPath: under the public
	// URL's path, when okrbot sits behind a proxy that adds one.
	cookiePath string
	stateKey   []byte
	secure     bool
}

// New checks cfg and returns an Installer.
func New(cfg Config) (*Installer, error) {
	switch {
	case cfg.ClientID == "":
		return nil, errors.New("SLACK_CLIENT_ID is not set (the Slack app's Basic Information page shows it)")
	case cfg.ClientSecret == "":
		return nil, errors.New("SLACK_CLIENT_SECRET is not set (the Slack app's Basic Information page shows it)")
	case cfg.Store == nil:
		return nil, errors.New("install: no store")
	}
	public, err := url.Parse(strings.TrimRight(cfg.PublicURL, "/"))
	if err != nil || (public.Scheme != "https" && public.Scheme != "http") || public.Host == "" {
		return nil, fmt.Errorf("OKRBOT_PUBLIC_URL %q is not an http(s) URL such as https://okrbot.example.com", cfg.PublicURL)
	}
	apiURL := cfg.APIURL
	if apiURL == "" {
		apiURL = slack.APIURL
	}
	authorize, err := url.Parse(apiURL)
	if err != nil || authorize.Host == "" {
		return nil, fmt.Errorf("SLACK_API_URL %q is not a URL", apiURL)
	}
	authorize.Path, authorize.RawQuery = "/oauth/v2/authorize", ""
	if cfg.StateTTL <= 0 {
		cfg.StateTTL = 10 * time.Minute
	}
	if cfg.RefreshBefore <= 0 {
		cfg.RefreshBefore = 2 * time.Hour
	}
	if cfg.HTTPClient == nil {
		cfg.HTTPClient = &http.Client{Timeout: 30 * time.Second}
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	return &Installer{
		cfg:          cfg,
		apiURL:       apiURL,
		authorizeURL: authorize.String(),
		redirectURL:  public.String() + RedirectPath,
		installURL:   public.String() + InstallPath,
		cookiePath:   public.Path + RedirectPath,
		stateKey:     stateKey(cfg.ClientSecret),
		secure:       public.Scheme == "https",
	}, nil
}

// RedirectURL is the URL the Slack app must list under OAuth & Permissions
// → Redirect URLs.
func (in *Installer) RedirectURL() string { return in.redirectURL }

// ServeHTTP serves GET InstallPath and GET RedirectPath.
func (in *Installer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	switch r.URL.Path {
	case InstallPath:
		in.serveInstall(w, r)
	case RedirectPath:
		in.serveRedirect(w, r)
	default:
		http.NotFound(w, r)
	}
}

// Authorize returns the installation serving a workspace, with a bot token
// good for at least RefreshBefore: the token to call Slack with for that
// workspace.
func (in *Installer) Authorize(ctx context.Context, enterpriseID, teamID string) (Installation, error) {
	inst, err := in.cfg.Store.InstallationFor(ctx, enterpriseID, teamID)
	if err != nil {
		return inst, err
	}
	return in.Fresh(ctx, inst)
}

// Fresh returns inst as it is, unless its token rotates and expires within
// RefreshBefore: then it exchanges the refresh token for new tokens
// (oauth.v2.access, grant_type=refresh_token), stores them and returns the
// installation with them. The exchange happens under the store's lock, so
// replicas refreshing at once refresh once: Slack's refresh tokens work only
// once.
func (in *Installer) Fresh(ctx context.Context, inst Installation) (Installation, error) {
	if !in.expiring(inst) {
		return inst, nil
	}
	return in.cfg.Store.UpdateInstallation(ctx, inst.EnterpriseID, inst.TeamID, func(cur Installation) (Installation, error) {
		if !in.expiring(cur) {
			return cur, nil // another replica refreshed it meanwhile
		}
		resp, err := slack.RefreshOAuthV2TokenContext(ctx, in.cfg.HTTPClient, in.cfg.ClientID, in.cfg.ClientSecret, cur.RefreshToken,
			slack.OAuthOptionAPIURL(in.apiURL))
		if err != nil {
			return cur, fmt.Errorf("refresh the Slack token of %s: %w", where(cur), err)
		}
		if resp.AccessToken == "" || resp.RefreshToken == "" {
			return cur, fmt.Errorf("refresh the Slack token of %s: Slack answered no token", where(cur))
		}
		cur.BotToken, cur.RefreshToken = resp.AccessToken, resp.RefreshToken
		cur.ExpiresAt = expiry(in.cfg.Now(), resp.ExpiresIn)
		in.cfg.Logger.Info("refreshed Slack token", "team", cur.TeamID, "enterprise", cur.EnterpriseID, "expires", cur.ExpiresAt)
		return cur, nil
	})
}

func (in *Installer) expiring(inst Installation) bool {
	return inst.RefreshToken != "" && !inst.ExpiresAt.IsZero() && !inst.ExpiresAt.After(in.cfg.Now().Add(in.cfg.RefreshBefore))
}

func expiry(now time.Time, expiresIn int) time.Time {
	if expiresIn <= 0 {
		return time.Time{}
	}
	return now.Add(time.Duration(expiresIn) * time.Second).UTC()
}

func where(inst Installation) string {
	if inst.IsEnterpriseInstall {
		return "organization " + inst.EnterpriseID
	}
	return "workspace " + inst.TeamID
}

// Revocation reads an Events API callback and, when it says okrbot lost its
// bot token in an installation (app_uninstalled, or tokens_revoked naming a
// bot), returns which: teamID is empty for an organization-wide install.
// The store's RevokeInstallation takes the same two ids.
func Revocation(cb slackevents.EventsAPICallbackEvent) (enterpriseID, teamID string, ok bool) {
	if cb.InnerEvent == nil {
		return "", "", false
	}
	var inner struct {
		Type   string `json:"type"`
		Tokens struct {
			Bot []string `json:"bot"`
		} `json:"tokens"`
	}
	if err := json.Unmarshal(*cb.InnerEvent, &inner); err != nil {
		return "", "", false
	}
	switch {
	case inner.Type == string(slackevents.AppUninstalled):
	case inner.Type == string(slackevents.TokensRevoked) && len(inner.Tokens.Bot) > 0:
		// Revoked user tokens alone do not matter: okrbot keeps none.
	default:
		return "", "", false
	}
	if len(cb.Authorizations) > 0 && cb.Authorizations[0].IsEnterpriseInstall {
		return cb.Authorizations[0].EnterpriseID, "", true
	}
	return cb.EnterpriseID, cb.TeamID, true
}
