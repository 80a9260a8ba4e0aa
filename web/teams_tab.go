package web

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
	"github.com/golang-jwt/jwt/v5"

	"github.com/okrbot/okrbot/okr"
)

// TeamsTab is the dashboard as the Teams app's personal tab ("OKRs"),
// signed in with Teams single sign-on: the tab's page asks Teams for the
// person's token (the Teams JavaScript library, which okrbot serves
// itself) and okrbot checks it as an Entra ID token of the person's
// tenant, issued for the app.
type TeamsTab struct {
	// AppID is the Teams app's Microsoft app (client) id (TEAMS_APP_ID).
	AppID string
	// LoginURL is Microsoft Entra ID, https://login.microsoftonline.com
	// (TEAMS_LOGIN_URL, for tests and national clouds).
	LoginURL string
}

// Paths of the Teams tab: the manifest's contentUrl, and where its page
// hands over the token.
const (
	TeamsTabPath       = "/teams/tab"
	TeamsTabSignInPath = "/teams/tab/signin"
)

// teamsFrameAncestors are the hosts that show Teams tabs, Microsoft's list
// for Teams and the Microsoft 365 apps that run Teams apps, and Teams of
// the US government clouds (GCC High, DoD).
const teamsFrameAncestors = "https://teams.microsoft.com https://*.teams.microsoft.com https://*.cloud.microsoft https://*.microsoft365.com https://*.office.com https://teams.microsoft.us https://*.teams.microsoft.us"

// tabCookie is the session cookie of the tab. Inside Teams the dashboard is
// a frame of another site, where browsers send only cookies that are
// SameSite=None and, partitioned, keep them for that site alone: the same
// browser outside Teams never sends it.
const tabCookie = "__Host-okrbot_tab"

type teamsTab struct {
	cfg      TeamsTab
	audience []string

	mu        sync.Mutex
	verifiers map[string]*oidc.IDTokenVerifier // by tenant
}

// verifier checks tokens of a tenant, read from its discovery document
// once. Only tenants okrbot serves get here, so the cache stays small.
func (t *teamsTab) verifier(ctx context.Context, tenant string, now func() time.Time) (*oidc.IDTokenVerifier, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if v, ok := t.verifiers[tenant]; ok {
		return v, nil
	}
	issuer := strings.TrimSuffix(t.cfg.LoginURL, "/") + "/" + url.PathEscape(tenant) + "/v2.0"
	p, err := oidc.NewProvider(ctx, issuer)
	if err != nil {
		return nil, fmt.Errorf("read Entra ID's configuration for tenant %s: %w", tenant, err)
	}
	// The audience is checked below: Teams' tokens name the app by its
	// Application ID URI or its client id.
	v := p.VerifierContext(ctx, &oidc.Config{SkipClientIDCheck: true, Now: now})
	t.verifiers[tenant] = v
	return v, nil
}

func (d *Dashboard) tabPage(w http.ResponseWriter, r *http.Request) {
	d.allowTeamsFrame(w)
	w.Header().Set("Cache-Control", "no-store")
	d.render(w, r, http.StatusOK, "tab", nil, page{Title: "OKRs"})
}

// allowTeamsFrame lets Teams show this answer in its tab.
func (d *Dashboard) allowTeamsFrame(w http.ResponseWriter) {
	w.Header().Set("Content-Security-Policy", strings.Replace(csp, "frame-ancestors 'none'", "frame-ancestors 'self' "+teamsFrameAncestors, 1))
	w.Header().Del("X-Frame-Options")
}

// tabClaims are what okrbot reads of a Teams single sign-on token.
type tabClaims struct {
	Tenant   string `json:"tid"`
	ObjectID string `json:"oid"`
	Name     string `json:"name"`
}

// tabSignIn checks the token the tab's page got from Teams and signs its
// person in to the tab: a token of a tenant okrbot serves, signed by that
// tenant's Entra ID, for this app, not expired. A token that is not that
// is refused with 401, after which the tab offers a sign-in link; a person
// who may not read the dashboard (another organization, a guest) with 403
// and the reason, which the tab shows.
func (d *Dashboard) tabSignIn(w http.ResponseWriter, r *http.Request) {
	d.allowTeamsFrame(w)
	w.Header().Set("Cache-Control", "no-store")
	raw := r.PostFormValue("token")
	refuse := func(status int, why string, err error) {
		if err != nil {
			d.log.WarnContext(r.Context(), "Teams tab sign-in refused", "why", why, "err", err)
		}
		http.Error(w, why, status)
	}
	// The tenant picks the keys; the signature is checked with them next.
	// A tenant okrbot does not serve is refused before anything is asked
	// of Entra ID.
	unverified := jwt.MapClaims{}
	if _, _, err := jwt.NewParser().ParseUnverified(raw, unverified); err != nil {
		refuse(http.StatusUnauthorized, "That is not a Teams sign-in token.", err)
		return
	}
	tenant, _ := unverified["tid"].(string)
	ctx := r.Context()
	if _, err := d.store.FindWorkspace(ctx, "teams", tenant); errors.Is(err, okr.ErrNotFound) || tenant == "" {
		refuse(http.StatusForbidden, "okrbot does not serve your Microsoft 365 organization.", nil)
		return
	} else if err != nil {
		d.fail(w, r, err)
		return
	}
	v, err := d.teams.verifier(ctx, tenant, d.now)
	if err != nil {
		d.fail(w, r, err)
		return
	}
	idt, err := v.Verify(ctx, raw)
	var who tabClaims
	if err == nil {
		err = idt.Claims(&who)
	}
	if err == nil && !slices.ContainsFunc(idt.Audience, func(a string) bool { return slices.Contains(d.teams.audience, a) }) {
		err = fmt.Errorf("the token is for %v, not this app", idt.Audience)
	}
	if err == nil && (who.Tenant != tenant || who.ObjectID == "") {
		err = errors.New("the token names no person of its tenant")
	}
	if err != nil {
		refuse(http.StatusUnauthorized, "Teams' sign-in token could not be checked.", err)
		return
	}
	id, refusal, err := d.sessionFor(ctx, "teams", who.Tenant, who.ObjectID, who.Name)
	if err != nil {
		d.fail(w, r, err)
		return
	}
	if refusal == errNotServed {
		refusal = "okrbot does not serve your Microsoft 365 organization."
	}
	if refusal != "" {
		refuse(http.StatusForbidden, refusal, nil)
		return
	}
	http.SetCookie(w, &http.Cookie{Name: tabCookie, Value: id, Path: "/", HttpOnly: true, Secure: true, SameSite: http.SameSiteNoneMode,
		Partitioned: true, MaxAge: int(AbsoluteTimeout / time.Second)})
	w.WriteHeader(http.StatusNoContent)
}
