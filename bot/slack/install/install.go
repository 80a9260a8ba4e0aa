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
	// RevokedAt and RevokedReason say when and why okrbot lost the
	// installation's token; both are empty while it works.
	RevokedAt     time.Time
	RevokedReason string
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
	// ClaimRefresh claims the refresh of an installation's token for
	// holder until `until`, unless another holds the claim or a failed
	// refresh asked to wait past now. It returns the installation as
	// stored now, how many refreshes failed in a row before, and whether
	// holder has the claim. (An installation is named by its team id, or
	// by its enterprise id with teamID empty when it is org-wide.)
	ClaimRefresh(ctx context.Context, enterpriseID, teamID, holder string, now, until time.Time) (Installation, int, bool, error)
	// FinishRefresh stores the refreshed tokens of next and ends holder's
	// claim; with next nil, it records a failure, with no new try before
	// retryAt. It reports whether holder still had the claim.
	FinishRefresh(ctx context.Context, enterpriseID, teamID, holder string, next *Installation, now, retryAt time.Time) (bool, error)
	// RevokeInstallation forgets an installation's tokens, saying why.
	RevokeInstallation(ctx context.Context, enterpriseID, teamID string, at time.Time, reason string) error
	// UseOAuthState marks state as used until expires, and reports whether
	// it was unused until now.
	UseOAuthState(ctx context.Context, state string, expires, now time.Time) (bool, error)
	// ActiveInstallations are the installations not revoked.
	ActiveInstallations(ctx context.Context) ([]Installation, error)
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
	// Allowed are the teams and organizations okrbot may be installed in
	// (OKRBOT_SLACK_TEAMS); nil allows any.
	Allowed    Allowed
	HTTPClient *http.Client
	Now        func() time.Time
	Logger     *slog.Logger
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
	installed  installed
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
// installation with them.
//
// Slack's refresh tokens work once, so one replica refreshes at a time:
// the one whose claim the store took (ClaimRefresh). No database
// transaction is open while Slack answers. A refresh that fails keeps the
// current token, which works until it expires, and is tried again after a
// backoff; only a refresh token that Slack refuses revokes the
// installation.
func (in *Installer) Fresh(ctx context.Context, inst Installation) (Installation, error) {
	now := in.cfg.Now()
	if !in.expiring(inst, now) {
		return inst, nil
	}
	team := key(inst)
	holder := randomText()
	cur, failures, claimed, err := in.cfg.Store.ClaimRefresh(ctx, inst.EnterpriseID, team, holder, now, now.Add(refreshClaim))
	switch {
	case err != nil:
		return inst, fmt.Errorf("claim the token refresh of %s: %w", where(inst), err)
	case !claimed:
		// Another replica refreshes it now, or a failed refresh waits for
		// its next try: the token of now works until it expires. Once it
		// has expired, a refresh under way is worth a short wait: it takes
		// a second, and the message would otherwise wait for the next tick.
		if failures == 0 && !now.Before(cur.ExpiresAt) {
			if next, ok := in.awaitRefresh(ctx, cur); ok {
				return next, nil
			}
		}
		return in.stillValid(cur, now, "its refresh is under way or waits for another try")
	case !in.expiring(cur, now):
		// Refreshed meanwhile: give the claim back as it is.
		_, err := in.cfg.Store.FinishRefresh(ctx, cur.EnterpriseID, team, holder, &cur, now, now)
		return cur, err
	}
	call, cancel := context.WithTimeout(context.WithoutCancel(ctx), refreshClaim/2)
	resp, err := slack.RefreshOAuthV2TokenContext(call, in.cfg.HTTPClient, in.cfg.ClientID, in.cfg.ClientSecret, cur.RefreshToken,
		slack.OAuthOptionAPIURL(in.apiURL))
	cancel()
	if err == nil && (resp.AccessToken == "" || resp.RefreshToken == "") {
		err = errors.New("no token in the answer of oauth.v2.access")
	}
	if err != nil {
		return in.refreshFailed(ctx, cur, team, holder, failures, err)
	}
	next := cur
	next.BotToken, next.RefreshToken = resp.AccessToken, resp.RefreshToken
	next.ExpiresAt = expiry(in.cfg.Now(), resp.ExpiresIn)
	if _, err := in.cfg.Store.FinishRefresh(ctx, cur.EnterpriseID, team, holder, &next, in.cfg.Now(), time.Time{}); err != nil {
		// The new token works; the next call refreshes again if it must.
		in.cfg.Logger.Error("store the refreshed Slack token", "team", cur.TeamID, "enterprise", cur.EnterpriseID, "err", err)
		return next, nil
	}
	in.cfg.Logger.Info("refreshed Slack token", "team", cur.TeamID, "enterprise", cur.EnterpriseID, "expires", next.ExpiresAt)
	return next, nil
}

// awaitRefresh waits, up to refreshWait, for another replica's refresh of
// cur's token to land, and returns the installation with the new token.
func (in *Installer) awaitRefresh(ctx context.Context, cur Installation) (Installation, bool) {
	tick := time.NewTicker(refreshWait / 100)
	defer tick.Stop()
	deadline := time.NewTimer(refreshWait)
	defer deadline.Stop()
	for {
		select {
		case <-ctx.Done():
			return cur, false
		case <-deadline.C:
			return cur, false
		case <-tick.C:
		}
		next, err := in.cfg.Store.InstallationFor(ctx, cur.EnterpriseID, cur.TeamID)
		if err != nil {
			return cur, false
		}
		if !in.expiring(next, in.cfg.Now()) {
			return next, true
		}
	}
}

// refreshWait bounds the wait for another replica's refresh, in real
// time: the replica's call to Slack is a round trip.
const refreshWait = 5 * time.Second

// refreshClaim is how long a replica's claim on a refresh lasts; the call
// to Slack is given half of it, so the claim outlasts the call.
const refreshClaim = time.Minute

// refusedRefresh are oauth.v2.access errors saying that the refresh token
// will never work again: only they revoke an installation.
var refusedRefresh = map[string]bool{"invalid_refresh_token": true, "token_revoked": true}

// refreshFailed records a failed refresh. A refresh token Slack refused
// revokes the installation; any other failure keeps the current token
// until it expires, and the refresh is tried again after a backoff.
func (in *Installer) refreshFailed(ctx context.Context, cur Installation, team, holder string, failures int, err error) (Installation, error) {
	now := in.cfg.Now()
	log := in.cfg.Logger.With("team", cur.TeamID, "enterprise", cur.EnterpriseID)
	if se, ok := errors.AsType[slack.SlackErrorResponse](err); ok && refusedRefresh[se.Err] {
		reason := "Slack refused the refresh token: " + se.Err
		log.Error("the Slack token of "+where(cur)+" cannot be refreshed any more; okrbot stops serving it until it is installed again", "reason", reason)
		if err := in.cfg.Store.RevokeInstallation(ctx, cur.EnterpriseID, team, now, reason); err != nil {
			log.Error("revoke the installation", "err", err)
		}
		in.reload(ctx)
		return cur, fmt.Errorf("refresh the Slack token of %s: %s, so it is no longer served: %w", where(cur), reason, ErrNotInstalled)
	}
	wait := refreshBackoff(failures)
	log.Warn("Slack token not refreshed; keeping the current one and trying again later", "retry_in", wait, "expires", cur.ExpiresAt, "err", err)
	if _, ferr := in.cfg.Store.FinishRefresh(ctx, cur.EnterpriseID, team, holder, nil, now, now.Add(wait)); ferr != nil {
		log.Error("record the failed token refresh", "err", ferr)
	}
	return in.stillValid(cur, now, "refreshing it failed: "+err.Error())
}

// refreshBackoff is the wait after failures+1 refreshes failed in a row:
// 30 seconds, doubling up to 15 minutes, well inside the two hours a
// token is refreshed ahead of its expiry.
func refreshBackoff(failures int) time.Duration {
	return min(30*time.Second<<min(failures, 5), 15*time.Minute)
}

// stillValid returns cur while its token has not expired.
func (in *Installer) stillValid(cur Installation, now time.Time, why string) (Installation, error) {
	if now.Before(cur.ExpiresAt) {
		return cur, nil
	}
	return cur, fmt.Errorf("the Slack token of %s expired, and %s", where(cur), why)
}

func (in *Installer) expiring(inst Installation, now time.Time) bool {
	return inst.RefreshToken != "" && !inst.ExpiresAt.IsZero() && !inst.ExpiresAt.After(now.Add(in.cfg.RefreshBefore))
}

func expiry(now time.Time, expiresIn int) time.Time {
	if expiresIn <= 0 {
		return time.Time{}
	}
	return now.Add(time.Duration(expiresIn) * time.Second).UTC()
}

// key is the team id the store names inst by: empty for an org-wide
// install, which its enterprise id names alone.
func key(inst Installation) string {
	if inst.IsEnterpriseInstall {
		return ""
	}
	return inst.TeamID
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
