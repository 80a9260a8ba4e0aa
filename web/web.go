package web

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"embed"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"html/template"
	"io/fs"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"

	"github.com/okrbot/okrbot/commands"
	"github.com/okrbot/okrbot/okr"
	"github.com/okrbot/okrbot/store"
)

// Session lifetimes: a day's work without signing in again, and a week at
// most, after which a person asks for a new link.
const (
	IdleTimeout     = 12 * time.Hour
	AbsoluteTimeout = 7 * 24 * time.Hour
	// seenEvery bounds how often a session's last use is written: pages
	// are reads, and a read writes at most once a minute per person.
	seenEvery = time.Minute
)

// Config is what a Dashboard needs.
type Config struct {
	Store *store.Store
	// Now is the clock; time.Now when nil.
	Now    func() time.Time
	Logger *slog.Logger
	// PublicURL is the dashboard's address (OKRBOT_PUBLIC_URL). Cookies
	// are Secure when it is https, and a POST must come from its origin.
	PublicURL string
	// Slack, when set, offers Sign in with Slack.
	Slack *SlackSignIn
	// Microsoft, when set, offers Sign in with Microsoft.
	Microsoft *MicrosoftSignIn
	// Teams, when set, serves the Teams app's tab. It needs an https
	// PublicURL: Teams shows only https tabs.
	Teams *TeamsTab
}

// A Dashboard serves the dashboard's pages.
type Dashboard struct {
	store   *store.Store
	now     func() time.Time
	log     *slog.Logger
	secure  bool
	origin  string
	pages   map[string]*template.Template
	mux     *http.ServeMux
	signIns []*openIDSignIn
	teams   *teamsTab
}

//go:embed templates/*.html
var templateFiles embed.FS

//go:embed assets
var assetFiles embed.FS

// New returns a Dashboard. Its templates are parsed here, so a broken one
// stops okrbot at start rather than on a page.
func New(cfg Config) (*Dashboard, error) {
	d := &Dashboard{store: cfg.Store, now: cfg.Now, log: cfg.Logger, pages: map[string]*template.Template{}}
	if d.now == nil {
		d.now = time.Now
	}
	if d.log == nil {
		d.log = slog.New(slog.DiscardHandler)
	}
	if cfg.PublicURL != "" {
		u, err := url.Parse(cfg.PublicURL)
		if err != nil || u.Host == "" || (u.Scheme != "https" && u.Scheme != "http") {
			return nil, fmt.Errorf("%q is not an address like https://okrbot.example.com", cfg.PublicURL)
		}
		d.secure = u.Scheme == "https"
		d.origin = u.Scheme + "://" + u.Host
	}
	if (cfg.Slack != nil || cfg.Microsoft != nil) && cfg.PublicURL == "" {
		return nil, errors.New("signing in with Slack or Microsoft needs OKRBOT_PUBLIC_URL for its redirect URL")
	}
	base := strings.TrimSuffix(cfg.PublicURL, "/")
	if cfg.Slack != nil {
		d.signIns = append(d.signIns, slackSignIn(*cfg.Slack, base))
	}
	if cfg.Microsoft != nil {
		d.signIns = append(d.signIns, microsoftSignIn(*cfg.Microsoft, base))
	}
	if cfg.Teams != nil {
		if !d.secure {
			return nil, errors.New("the Teams tab needs an https OKRBOT_PUBLIC_URL: Teams shows only https tabs")
		}
		host := strings.TrimPrefix(d.origin, "https://")
		d.teams = &teamsTab{cfg: *cfg.Teams, verifiers: map[string]*oidc.IDTokenVerifier{},
			audience: []string{cfg.Teams.AppID, "api://" + host + "/" + cfg.Teams.AppID}}
	}
	for _, page := range []string{"home", "tree", "objective", "scorecard", "kpi", "review", "signin", "message", "tab"} {
		t, err := template.New("layout.html").Funcs(funcs).ParseFS(templateFiles, "templates/layout.html", "templates/"+page+".html")
		if err != nil {
			return nil, err
		}
		d.pages[page] = t
	}
	d.mux = http.NewServeMux()
	d.routes()
	return d, nil
}

func (d *Dashboard) routes() {
	assets, _ := fs.Sub(assetFiles, "assets")
	d.mux.Handle("GET /assets/", http.StripPrefix("/assets/", assetServer(http.FileServerFS(assets))))
	d.mux.HandleFunc("GET "+commands.DashboardSignInPath+"{token}", d.signInPage)
	d.mux.HandleFunc("POST "+commands.DashboardSignInPath+"{token}", d.signIn)
	for _, o := range d.signIns {
		d.mux.HandleFunc("GET "+o.start, d.openIDStart(o))
		d.mux.HandleFunc("GET "+o.callback, d.openIDCallback(o))
	}
	if d.teams != nil {
		d.mux.HandleFunc("GET "+TeamsTabPath, d.tabPage)
		d.mux.HandleFunc("POST "+TeamsTabSignInPath, d.tabSignIn)
	}
	d.mux.HandleFunc("POST /logout", d.signedIn(d.logout))
	d.mux.HandleFunc("GET /{$}", d.signedIn(d.home))
	d.mux.HandleFunc("GET /tree", d.signedIn(d.tree))
	d.mux.HandleFunc("GET /o/{number}", d.signedIn(d.objective))
	d.mux.HandleFunc("GET /o/{number}/chart.png", d.signedIn(d.objectiveChart))
	d.mux.HandleFunc("GET /scorecard", d.signedIn(d.scorecard))
	d.mux.HandleFunc("GET /k/{id}", d.signedIn(d.kpi))
	d.mux.HandleFunc("GET /k/{id}/chart.png", d.signedIn(d.kpiChart))
	d.mux.HandleFunc("GET /review", d.signedIn(d.review))
}

// Paths are the patterns the dashboard answers, for a server that mounts
// it beside other handlers.
var Paths = []string{"/assets/", commands.DashboardSignInPath, TeamsTabPath, TeamsTabSignInPath, "/logout", "/{$}", "/tree", "/o/", "/scorecard", "/k/", "/review"}

// csp is the Content-Security-Policy of every page: everything from
// okrbot itself, and no framing (the Teams tab's pages allow Teams).
const csp = "default-src 'self'; img-src 'self'; style-src 'self'; script-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'"

// ServeHTTP serves a request with the dashboard's security headers.
func (d *Dashboard) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	h.Set("Content-Security-Policy", csp)
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Referrer-Policy", "same-origin")
	h.Set("X-Frame-Options", "DENY")
	if r.Method == http.MethodPost && !d.sameOrigin(r) {
		http.Error(w, "This form was sent from another site; okrbot refuses it.", http.StatusForbidden)
		return
	}
	d.mux.ServeHTTP(w, r)
}

// sameOrigin refuses a POST a browser says came from another site: the
// Origin header when there is one (every current browser sends it with a
// POST), and Sec-Fetch-Site. It keeps another site from signing a person
// in as someone else with a link of its own, which no session token can
// protect against.
func (d *Dashboard) sameOrigin(r *http.Request) bool {
	if site := r.Header.Get("Sec-Fetch-Site"); site != "" && site != "same-origin" && site != "none" {
		return false
	}
	origin := r.Header.Get("Origin")
	if origin == "" {
		return true
	}
	if d.origin != "" && origin == d.origin {
		return true
	}
	u, err := url.Parse(origin)
	return err == nil && u.Host == r.Host
}

// assetServer lets browsers keep the stylesheet for a day.
func assetServer(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "public, max-age=86400")
		h.ServeHTTP(w, r)
	})
}

// viewer is the person a signed-in request is for.
type viewer struct {
	ws   store.Workspace
	user store.User
	// csrf is the token the session's forms carry.
	csrf string
	// sessionHash names the session, for signing out.
	sessionHash string
	// inTab: the session is the Teams tab's.
	inTab bool
}

// cookieName is the session cookie's name: with the __Host- prefix on
// https, which browsers keep from being set by another subdomain.
func (d *Dashboard) cookieName() string {
	if d.secure {
		return "__Host-okrbot_session"
	}
	return "okrbot_session"
}

// csrfToken is the token a session's forms carry: derived from the
// session id, which only the browser holding the cookie knows, so no
// column keeps it and no other site can compute it.
func csrfToken(sessionID string) string {
	mac := hmac.New(sha256.New, []byte(sessionID))
	mac.Write([]byte("okrbot dashboard form"))
	return hex.EncodeToString(mac.Sum(nil))
}

// signedIn serves h to a person with a valid session, and the sign-in
// page, with no data, to anyone else.
func (d *Dashboard) signedIn(h func(http.ResponseWriter, *http.Request, *viewer)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "private, no-store")
		c, err := r.Cookie(d.cookieName())
		inTab := false
		if (err != nil || c.Value == "") && d.teams != nil {
			// Only a browser showing the tab inside Teams has this one.
			if c, err = r.Cookie(tabCookie); err == nil {
				inTab = true
				d.allowTeamsFrame(w)
			}
		}
		if err != nil || c.Value == "" {
			d.signInFirst(w, r)
			return
		}
		hash := commands.HashToken(c.Value)
		now := d.now()
		sess, u, ws, err := d.store.DashboardSession(r.Context(), hash, now, IdleTimeout)
		if errors.Is(err, okr.ErrNotFound) {
			d.clearCookie(w, inTab)
			if inTab {
				d.render(w, r, http.StatusUnauthorized, "message", nil, page{Title: "Sign in to okrbot",
					Message: "Your session in this tab has ended.", SignIn: signInWithTeams})
				return
			}
			d.signInFirst(w, r)
			return
		}
		if err != nil {
			d.fail(w, r, err)
			return
		}
		if why, err := d.mayRead(r.Context(), ws, u); err != nil || why != "" {
			if err != nil {
				d.fail(w, r, err)
				return
			}
			d.clearCookie(w, inTab)
			d.render(w, r, http.StatusForbidden, "message", nil, page{Title: "The dashboard is not open to you", Message: why})
			return
		}
		if now.Sub(sess.SeenAt) >= seenEvery {
			if err := d.store.SeeDashboardSession(r.Context(), hash, now); err != nil {
				d.fail(w, r, err)
				return
			}
		}
		h(w, r, &viewer{ws: ws, user: u, csrf: csrfToken(c.Value), sessionHash: hash, inTab: inTab})
	}
}

// mayRead says why a person of ws may not read the dashboard now, or ""
// when they may: the dashboard is for members of a workspace okrbot still
// serves. A guest (as their platform last said) reads nothing here, whatever
// OKRBOT_GUESTS lets them do in chat, where they see only their own; a
// session outlives neither an uninstall nor a purge.
func (d *Dashboard) mayRead(ctx context.Context, ws store.Workspace, u store.User) (string, error) {
	if u.IsGuest {
		return "The okrbot dashboard is for members of the workspace, and you are a guest in it. Ask okrbot in chat about what you own.", nil
	}
	if ws.PurgedAt != nil {
		return "okrbot's data of this workspace was deleted.", nil
	}
	gone, err := d.store.WorkspaceUninstalled(ctx, ws.ID)
	if err != nil || !gone {
		return "", err
	}
	return "okrbot is no longer installed in this workspace. Once it is installed again, type /okr dashboard to okrbot for a new link.", nil
}

// signInFirst is what a page shows without a session: how to sign in.
func (d *Dashboard) signInFirst(w http.ResponseWriter, r *http.Request) {
	d.render(w, r, http.StatusUnauthorized, "message", nil, page{Title: "Sign in to okrbot",
		Message: "Type /okr dashboard to okrbot in Slack, Teams or the console: it answers you alone with a link that signs you in.", SignIn: d.signInOptions()})
}

// signInPage shows who a sign-in link signs in, and a button that does
// it. Opening the link changes nothing: chat apps open links to preview
// them, and that must not use the link up.
func (d *Dashboard) signInPage(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Cache-Control", "no-store")
	_, u, err := d.store.DashboardLink(r.Context(), commands.HashToken(r.PathValue("token")), d.now())
	if errors.Is(err, okr.ErrNotFound) {
		d.linkGone(w, r)
		return
	}
	if err != nil {
		d.fail(w, r, err)
		return
	}
	d.render(w, r, http.StatusOK, "signin", nil, page{Title: "Sign in to okrbot", Name: u.Name})
}

func (d *Dashboard) linkGone(w http.ResponseWriter, r *http.Request) {
	d.render(w, r, http.StatusGone, "message", nil, page{Title: "This sign-in link does not work any more",
		Message: "A sign-in link works once, within 10 minutes. Type /okr dashboard to okrbot for a new one.", SignIn: d.signInOptions()})
}

// signIn uses a sign-in link up and starts a session.
func (d *Dashboard) signIn(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Cache-Control", "no-store")
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		d.fail(w, r, err)
		return
	}
	id := base64.RawURLEncoding.EncodeToString(b)
	now := d.now()
	sess := store.DashboardSession{Hash: commands.HashToken(id), CreatedAt: now, SeenAt: now, ExpiresAt: now.Add(AbsoluteTimeout)}
	err := d.store.StartDashboardSession(r.Context(), commands.HashToken(r.PathValue("token")), &sess)
	if errors.Is(err, okr.ErrNotFound) {
		d.linkGone(w, r)
		return
	}
	if err != nil {
		d.fail(w, r, err)
		return
	}
	d.setSession(w, id)
	http.Redirect(w, r, "/", http.StatusSeeOther)
}

// setSession gives the browser its session's cookie.
func (d *Dashboard) setSession(w http.ResponseWriter, id string) {
	http.SetCookie(w, &http.Cookie{Name: d.cookieName(), Value: id, Path: "/", HttpOnly: true, Secure: d.secure,
		SameSite: http.SameSiteLaxMode, MaxAge: int(AbsoluteTimeout / time.Second)})
}

// signInOptions are the ways to sign in besides a link, for the pages
// that say how.
func (d *Dashboard) signInOptions() []link {
	var out []link
	for _, o := range d.signIns {
		out = append(out, link{Href: o.start, Label: o.label})
	}
	return out
}

func (d *Dashboard) clearCookie(w http.ResponseWriter, inTab bool) {
	if inTab {
		http.SetCookie(w, &http.Cookie{Name: tabCookie, Value: "", Path: "/", HttpOnly: true, Secure: true,
			SameSite: http.SameSiteNoneMode, Partitioned: true, MaxAge: -1})
		return
	}
	http.SetCookie(w, &http.Cookie{Name: d.cookieName(), Value: "", Path: "/", HttpOnly: true, Secure: d.secure,
		SameSite: http.SameSiteLaxMode, MaxAge: -1})
}

// logout ends the session, when the form carries its token.
func (d *Dashboard) logout(w http.ResponseWriter, r *http.Request, v *viewer) {
	if subtle.ConstantTimeCompare([]byte(r.PostFormValue("csrf")), []byte(v.csrf)) != 1 {
		http.Error(w, "This form has expired; go back, reload the page and try again.", http.StatusForbidden)
		return
	}
	if err := d.store.EndDashboardSession(r.Context(), v.sessionHash); err != nil {
		d.fail(w, r, err)
		return
	}
	d.clearCookie(w, v.inTab)
	if v.inTab {
		d.render(w, r, http.StatusOK, "message", nil, page{Title: "Signed out", Message: "You are signed out of okrbot in this tab.", SignIn: signInWithTeams})
		return
	}
	d.render(w, r, http.StatusOK, "message", nil, page{Title: "Signed out", Message: "You are signed out of okrbot. Type /okr dashboard to okrbot to sign in again."})
}

// signInWithTeams is the way back in inside the Teams tab: its page, which
// signs in with Teams again. Signing in with Slack or Microsoft does not
// work in a frame: their sign-in pages refuse to be framed.
var signInWithTeams = []link{{Href: TeamsTabPath, Label: "Sign in with Teams"}}

// notFound answers an id that is not in the person's workspace.
func (d *Dashboard) notFound(w http.ResponseWriter, r *http.Request, v *viewer, what string) {
	d.render(w, r, http.StatusNotFound, "message", v, page{Title: "Not found", Message: what})
}

// fail logs an error and says something went wrong, without its details.
func (d *Dashboard) fail(w http.ResponseWriter, r *http.Request, err error) {
	if errors.Is(err, context.Canceled) {
		return
	}
	// The path is not logged: it may be a sign-in link.
	d.log.ErrorContext(r.Context(), "dashboard page failed", "pattern", r.Pattern, "err", err)
	http.Error(w, "Something went wrong on okrbot's side. Try again, or tell your okrbot admin.", http.StatusInternalServerError)
}

// page is what the layout and every page template read.
type page struct {
	Title   string
	Nav     string
	Message string
	Name    string
	SignIn  []link
	Viewer  *viewer
	Data    any
}

func (d *Dashboard) render(w http.ResponseWriter, r *http.Request, status int, name string, v *viewer, p page) {
	p.Viewer = v
	var b strings.Builder
	if err := d.pages[name].Execute(&b, p); err != nil {
		d.fail(w, r, err)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	_, _ = w.Write([]byte(b.String()))
}

// Name is the signed-in person's name, for the layout.
func (v *viewer) Name() string { return ownerName(&v.user) }

// CSRF is the token of the session's forms.
func (v *viewer) CSRF() string { return v.csrf }
