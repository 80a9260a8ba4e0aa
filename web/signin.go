package web

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
	"golang.org/x/oauth2"

	"github.com/okrbot/okrbot/commands"
	"github.com/okrbot/okrbot/okr"
	"github.com/okrbot/okrbot/store"
)

// SlackSignIn is Sign in with Slack (OpenID Connect) with the Slack app's
// credentials: the same app people install okrbot with.
type SlackSignIn struct {
	ClientID, ClientSecret string
	// Issuer is Slack's OpenID issuer, https://slack.com, where its
	// discovery document is.
	Issuer string
}

// MicrosoftSignIn is Sign in with Microsoft (Entra ID v2, OpenID Connect)
// with the Teams app's registration.
type MicrosoftSignIn struct {
	// AppID and AppPassword are the registration's client id and secret
	// (TEAMS_APP_ID, TEAMS_APP_PASSWORD).
	AppID, AppPassword string
	// TenantID is the tenant the app is registered in (TEAMS_TENANT_ID).
	TenantID string
	// LoginURL is Entra ID, https://login.microsoftonline.com.
	LoginURL string
}

// Paths of Sign in with Slack and with Microsoft. The callbacks are the
// redirect URLs to register with each.
const (
	SlackSignInPath       = "/signin/slack"
	SlackCallbackPath     = "/signin/slack/callback"
	MicrosoftSignInPath   = "/signin/microsoft"
	MicrosoftCallbackPath = "/signin/microsoft/callback"
	// openIDCookie carries the state and nonce of a sign-in under way
	// from the start to the callback.
	openIDCookie    = "okrbot_signin"
	openIDCookieAge = 10 * time.Minute
)

// openIDSignIn signs people in with a platform's OpenID Connect provider.
// The provider is read from its issuer on first use, so that okrbot
// starts while the platform is unreachable.
type openIDSignIn struct {
	label, start, callback string
	issuer                 string
	clientID, secret       string
	redirect               string
	// platform and identify say whose workspace a verified id_token is of.
	platform  string
	identify  func(*oidc.IDToken) (team, user, name string, err error)
	notServed string

	mu       sync.Mutex
	provider *oidc.Provider
}

func (o *openIDSignIn) setup(ctx context.Context) (*oidc.Provider, *oauth2.Config, error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.provider == nil {
		p, err := oidc.NewProvider(ctx, o.issuer)
		if err != nil {
			return nil, nil, fmt.Errorf("read the OpenID configuration at %s: %w", o.issuer, err)
		}
		o.provider = p
	}
	ep := o.provider.Endpoint()
	ep.AuthStyle = oauth2.AuthStyleInParams
	return o.provider, &oauth2.Config{ClientID: o.clientID, ClientSecret: o.secret, Endpoint: ep,
		RedirectURL: o.redirect, Scopes: []string{oidc.ScopeOpenID, "profile"}}, nil
}

func slackSignIn(cfg SlackSignIn, base string) *openIDSignIn {
	return &openIDSignIn{label: "Sign in with Slack", start: SlackSignInPath, callback: SlackCallbackPath, issuer: cfg.Issuer,
		clientID: cfg.ClientID, secret: cfg.ClientSecret, redirect: base + SlackCallbackPath, platform: "slack",
		notServed: "okrbot does not serve the Slack workspace you signed in with. Sign in with your account of a workspace where okrbot is installed.",
		identify: func(idt *oidc.IDToken) (string, string, string, error) {
			var who struct {
				Team string `json:"https://slack.com/team_id"`
				User string `json:"https://slack.com/user_id"`
				Name string `json:"name"`
			}
			err := idt.Claims(&who)
			if err == nil && (who.Team == "" || who.User == "") {
				err = errors.New("the id_token names no team or user")
			}
			return who.Team, who.User, who.Name, err
		}}
}

func microsoftSignIn(cfg MicrosoftSignIn, base string) *openIDSignIn {
	return &openIDSignIn{label: "Sign in with Microsoft", start: MicrosoftSignInPath, callback: MicrosoftCallbackPath,
		issuer:   strings.TrimSuffix(cfg.LoginURL, "/") + "/" + url.PathEscape(cfg.TenantID) + "/v2.0",
		clientID: cfg.AppID, secret: cfg.AppPassword, redirect: base + MicrosoftCallbackPath, platform: "teams",
		notServed: "okrbot does not serve your Microsoft 365 organization. Sign in with your account of the organization okrbot is set up for.",
		identify: func(idt *oidc.IDToken) (string, string, string, error) {
			var who struct {
				Tenant   string `json:"tid"`
				ObjectID string `json:"oid"`
				Name     string `json:"name"`
			}
			err := idt.Claims(&who)
			if err == nil && (who.Tenant == "" || who.ObjectID == "") {
				err = errors.New("the id_token names no tenant or person")
			}
			return who.Tenant, who.ObjectID, who.Name, err
		}}
}

func randomToken() (string, error) {
	b := make([]byte, 24)
	if _, err := rand.Read(b); err != nil {
		return "", err
	}
	return base64.RawURLEncoding.EncodeToString(b), nil
}

// openIDStart sends the browser to the provider with a fresh state and
// nonce, which a cookie of this browser keeps for the callback.
func (d *Dashboard) openIDStart(o *openIDSignIn) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		_, cfg, err := o.setup(r.Context())
		if err != nil {
			d.fail(w, r, err)
			return
		}
		state, err := randomToken()
		if err != nil {
			d.fail(w, r, err)
			return
		}
		nonce, err := randomToken()
		if err != nil {
			d.fail(w, r, err)
			return
		}
		http.SetCookie(w, &http.Cookie{Name: openIDCookie, Value: state + "." + nonce, Path: "/signin/", HttpOnly: true, Secure: d.secure,
			SameSite: http.SameSiteLaxMode, MaxAge: int(openIDCookieAge / time.Second)})
		w.Header().Set("Cache-Control", "no-store")
		http.Redirect(w, r, cfg.AuthCodeURL(state, oidc.Nonce(nonce)), http.StatusFound)
	}
}

// openIDCallback finishes a sign-in: the state must be this browser's, the
// code is exchanged for an id_token whose signature, issuer, audience,
// expiry and nonce are checked, and the person must be of a workspace
// okrbot serves.
func (d *Dashboard) openIDCallback(o *openIDSignIn) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "no-store")
		var state, nonce string
		if c, err := r.Cookie(openIDCookie); err == nil {
			state, nonce, _ = strings.Cut(c.Value, ".")
		}
		http.SetCookie(w, &http.Cookie{Name: openIDCookie, Value: "", Path: "/signin/", HttpOnly: true, Secure: d.secure, SameSite: http.SameSiteLaxMode, MaxAge: -1})
		if state == "" || subtle.ConstantTimeCompare([]byte(state), []byte(r.FormValue("state"))) != 1 {
			d.refuse(w, r, http.StatusBadRequest, "This sign-in was started elsewhere or has expired", "Start again from the sign-in page.")
			return
		}
		if e := r.FormValue("error"); e != "" {
			d.refuse(w, r, http.StatusForbidden, "You were not signed in", fmt.Sprintf("%s answered %q. Start again from the sign-in page.", strings.TrimPrefix(o.label, "Sign in with "), e))
			return
		}
		provider, cfg, err := o.setup(r.Context())
		if err != nil {
			d.fail(w, r, err)
			return
		}
		ctx, cancel := context.WithTimeout(r.Context(), 15*time.Second)
		defer cancel()
		tok, err := cfg.Exchange(ctx, r.FormValue("code"))
		if err != nil {
			d.log.WarnContext(ctx, "OpenID sign-in: code not exchanged", "provider", o.label, "err", err)
			d.refuse(w, r, http.StatusForbidden, "You were not signed in", strings.TrimPrefix(o.label, "Sign in with ")+" refused the sign-in. Start again from the sign-in page.")
			return
		}
		raw, _ := tok.Extra("id_token").(string)
		idt, err := provider.VerifierContext(ctx, &oidc.Config{ClientID: o.clientID, Now: d.now}).Verify(ctx, raw)
		if err == nil && subtle.ConstantTimeCompare([]byte(idt.Nonce), []byte(nonce)) != 1 {
			err = errors.New("the id_token's nonce is not this sign-in's")
		}
		var team, user, name string
		if err == nil {
			team, user, name, err = o.identify(idt)
		}
		if err != nil {
			d.log.WarnContext(ctx, "OpenID sign-in: id_token refused", "provider", o.label, "err", err)
			d.refuse(w, r, http.StatusForbidden, "You were not signed in", "The answer could not be checked. Start again from the sign-in page.")
			return
		}
		d.startSession(w, r, o.platform, team, user, name, o.notServed)
	}
}

// startSession signs a person in whom a platform vouched for, if okrbot
// serves their workspace.
func (d *Dashboard) startSession(w http.ResponseWriter, r *http.Request, platform, team, user, name, notServed string) {
	id, refusal, err := d.sessionFor(r.Context(), platform, team, user, name)
	switch {
	case err != nil:
		d.fail(w, r, err)
	case refusal == errNotServed:
		d.refuse(w, r, http.StatusForbidden, "Not a workspace okrbot serves", notServed)
	case refusal != "":
		d.refuse(w, r, http.StatusForbidden, "The dashboard is not open to you", refusal)
	default:
		d.setSession(w, id)
		http.Redirect(w, r, "/", http.StatusSeeOther)
	}
}

// sessionFor starts a session for a person a platform vouched for, and
// returns its id. When they may not read the dashboard, nothing is
// written and refusal says why: errNotServed when okrbot does not serve
// their workspace. A person okrbot has not met yet is recorded, as their
// first command would.
func (d *Dashboard) sessionFor(ctx context.Context, platform, team, user, name string) (id, refusal string, err error) {
	ws, err := d.store.FindWorkspace(ctx, platform, team)
	if errors.Is(err, okr.ErrNotFound) {
		return "", errNotServed, nil
	}
	if err != nil {
		return "", "", err
	}
	u, err := d.store.UserByPlatformID(ctx, ws.ID, user)
	if errors.Is(err, okr.ErrNotFound) {
		u = store.User{WorkspaceID: ws.ID, PlatformID: user, Name: name}
		err = nil
	}
	if err != nil {
		return "", "", err
	}
	if why, err := d.mayRead(ctx, ws, u); err != nil || why != "" {
		return "", why, err
	}
	if u.ID == 0 {
		if u, err = d.store.SaveUser(ctx, u); err != nil {
			return "", "", err
		}
	}
	if id, err = randomToken(); err != nil {
		return "", "", err
	}
	now := d.now()
	sess := store.DashboardSession{Hash: commands.HashToken(id), WorkspaceID: ws.ID, UserID: u.ID, CreatedAt: now, SeenAt: now, ExpiresAt: now.Add(AbsoluteTimeout)}
	return id, "", d.store.CreateDashboardSession(ctx, &sess)
}

// errNotServed is sessionFor's refusal of a workspace okrbot does not
// serve, which each way of signing in words its own way.
const errNotServed = "not served"

// refuse answers a sign-in that did not work, saying why.
func (d *Dashboard) refuse(w http.ResponseWriter, r *http.Request, status int, title, why string) {
	d.render(w, r, status, "message", nil, page{Title: title, Message: why, SignIn: d.signInOptions()})
}
