package cmd

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"sync/atomic"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/okrbot/okrbot/api"
	"github.com/okrbot/okrbot/bot"
	slackbot "github.com/okrbot/okrbot/bot/slack"
	"github.com/okrbot/okrbot/bot/slack/install"
	"github.com/okrbot/okrbot/bot/teams"
	"github.com/okrbot/okrbot/commands"
	"github.com/okrbot/okrbot/metrics"
	"github.com/okrbot/okrbot/reminders"
	"github.com/okrbot/okrbot/store"
	"github.com/okrbot/okrbot/web"
)

// platform is one chat platform okrbot serves: what it sends and looks
// people up with, the endpoints it adds, what runs beside the HTTP server
// (Socket Mode), and what to wait for at shutdown (replies after acks).
type platform struct {
	name   string
	sender bot.Sender
	dir    reminders.Directory
	// people looks people up and reads their rights again; nil where the
	// platform cannot.
	people bot.People
	routes map[string]http.Handler
	run    func(context.Context) error
	drain  func(context.Context) error
	// backlog is the work accepted after acks and not finished yet.
	backlog func() int
}

// directories looks people up on their own workspace's platform.
type directories map[string]reminders.Directory

func (d directories) UserInfo(ctx context.Context, ws bot.Workspace, userID string) (bot.User, error) {
	dir := d[ws.Platform]
	if dir == nil {
		return bot.User{}, fmt.Errorf("no directory of %s people", ws.Platform)
	}
	return dir.UserInfo(ctx, ws, userID)
}

// platformPeople looks people up on their own workspace's platform.
type platformPeople map[string]bot.People

func (p platformPeople) of(ws bot.Workspace) (bot.People, error) {
	if people := p[ws.Platform]; people != nil {
		return people, nil
	}
	return nil, fmt.Errorf("okrbot is not connected to %s: %w", ws.Platform, errors.ErrUnsupported)
}

func (p platformPeople) PersonByEmail(ctx context.Context, ws bot.Workspace, email string) (bot.User, error) {
	people, err := p.of(ws)
	if err != nil {
		return bot.User{}, err
	}
	return people.PersonByEmail(ctx, ws, email)
}

func (p platformPeople) Person(ctx context.Context, ws bot.Workspace, id string) (bot.User, error) {
	people, err := p.of(ws)
	if err != nil {
		return bot.User{}, err
	}
	return people.Person(ctx, ws, id)
}

func (p platformPeople) RecentUser(ctx context.Context, ws bot.Workspace, userID string, maxAge time.Duration) (bot.User, error) {
	if people := p[ws.Platform]; people != nil {
		return people.RecentUser(ctx, ws, userID, maxAge)
	}
	return bot.User{}, bot.ErrRolesUnknown
}

// startTimeout bounds the checks of each platform's credentials at start.
const startTimeout = 15 * time.Second

// serve runs okrbot for the chat platforms set up. It checks the settings
// as check does and stops with the same words on a problem; then it
// listens at once, so that /healthz and /readyz answer while it applies
// the migrations and asks each platform whether its credentials work, and
// is ready (it takes requests) when they are done.
func (m *Main) serve(ctx context.Context) error {
	c := &checker{m: m}
	c.settings()
	if err := c.err(); err != nil {
		return err
	}
	log := m.logger()
	if plain := m.plainSlackAdmins(); len(plain) > 0 {
		log.Warn("OKRBOT_ADMINS entries without a workspace make nobody an admin while okrbot serves every Slack workspace that installs it; write them as TEAM_ID:USER_ID",
			"entries", strings.Join(plain, ","))
	}
	st, err := store.Open(ctx, m.cfg().DatabaseURL, log)
	if err != nil {
		c.unreachableDatabase(err)
		return c.err()
	}
	defer st.Close()
	capa, err := m.capacity()
	if err != nil {
		return err
	}
	st.SetMaxConns(capa.dbConns)
	mets := metrics.New()
	mets.Database(st.Pool())

	gate := &readyGate{}
	gate.waitFor("applying database migrations")
	public := http.NewServeMux()
	public.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) {
		ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
		defer cancel()
		if err := st.Ping(ctx); err != nil {
			// The endpoint is public: the error may name hosts and users.
			log.Error("health check: database unreachable", "err", err)
			http.Error(w, "database unreachable", http.StatusServiceUnavailable)
			return
		}
		fmt.Fprintln(w, "ok")
	})
	public.HandleFunc("GET /readyz", gate.readyz)
	public.Handle("/", gate)
	servers, err := m.listen(public, mets.Handler(log))
	if err != nil {
		return err
	}

	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	g, gctx := errgroup.WithContext(ctx)
	for _, srv := range servers {
		// Logged here, not in the goroutine, so that it always comes
		// before "ready".
		log.Info("listening", "addr", srv.ln.Addr().String(), "serves", srv.what)
		g.Go(func() error {
			if err := srv.Serve(srv.ln); !errors.Is(err, http.ErrServerClosed) {
				return err
			}
			return nil
		})
		g.Go(func() error {
			<-gctx.Done()
			shutdown, done := context.WithTimeout(context.Background(), 10*time.Second)
			defer done()
			return srv.Shutdown(shutdown)
		})
	}
	queue := bot.NewQueue(capa.workers, capa.queue)
	platforms, err := m.start(gctx, st, log, mets, queue, gate, g)
	if err != nil {
		cancel()
		_ = g.Wait()
		return err
	}
	err = g.Wait()
	drain, done := context.WithTimeout(context.Background(), 10*time.Second)
	defer done()
	for _, p := range platforms {
		if err := p.drain(drain); err != nil {
			log.Warn("replies still being sent at shutdown were dropped", "platform", p.name, "err", err)
		}
	}
	log.Info("stopped")
	return err
}

// start applies the migrations, sets each platform up (asking it whether
// okrbot's credentials work), runs Socket Mode and the scheduler in g, and
// opens the gate to the platforms' endpoints and the API. The gate says
// what it waits for meanwhile.
func (m *Main) start(ctx context.Context, st *store.Store, log *slog.Logger, mets *metrics.Metrics, queue *bot.Queue, gate *readyGate, g *errgroup.Group) ([]*platform, error) {
	rd, rcfg, remindersOn, err := m.reminderSettings()
	if err != nil {
		return nil, err
	}
	applied, err := st.Migrate(ctx)
	if err != nil {
		return nil, err
	}
	for _, name := range applied {
		log.Info("applied migration", "migration", name)
	}

	// Every platform's adapter sends through one router; commands and the
	// scheduler see only bot.Sender. The scheduler is made last, and the
	// service wakes it when a change gives it work. Platforms in Socket
	// Mode take commands before the scheduler exists, hence the atomic.
	senders := bot.Senders{}
	var sched atomic.Pointer[reminders.Scheduler]
	people := platformPeople{}
	publicURL := m.cfg().PublicURL
	svc := m.service(st, log, rd, senders, people, func() {
		if s := sched.Load(); s != nil {
			s.Wake()
		}
	}, func(context.Context) (string, error) { return publicURL, nil }, publicURL)
	var platforms []*platform
	for _, setUp := range []func(context.Context, *store.Store, *commands.Service, *slog.Logger, bot.Observer, *bot.Queue, *readyGate) (*platform, error){m.slack, m.teams} {
		p, err := setUp(ctx, st, svc, log, mets, queue, gate)
		if err != nil {
			return nil, err
		}
		if p != nil {
			platforms = append(platforms, p)
		}
	}
	mux := http.NewServeMux()
	apiMux := http.NewServeMux()
	api.New(st, svc, m.Now, log).Register(apiMux)
	mux.Handle("/api/", withRequestID(apiMux))
	if publicURL != "" {
		dash, err := web.New(m.dashboardConfig(st, log, publicURL))
		if err != nil {
			return nil, fmt.Errorf("OKRBOT_PUBLIC_URL: %w", err)
		}
		for _, path := range web.Paths {
			mux.Handle(path, withRequestID(dash))
		}
		log.Info("serving the dashboard", "url", publicURL)
	}
	dirs := directories{}
	for _, p := range platforms {
		senders[p.name] = p.sender
		dirs[p.name] = p.dir
		if p.people != nil {
			people[p.name] = p.people
		}
		mets.Platform(p.name, p.backlog)
		for pattern, h := range p.routes {
			mux.Handle(pattern, h)
		}
		if p.run != nil {
			g.Go(func() error { return p.run(ctx) })
		}
	}
	if remindersOn {
		rcfg.Store, rcfg.Commands, rcfg.Sender, rcfg.Directory, rcfg.Logger = st, svc, senders, dirs, log
		rcfg.Observer = mets
		s := reminders.New(rcfg)
		sched.Store(s)
		mets.Scheduler(s.Lag)
		g.Go(func() error { return s.Run(ctx) })
	}
	gate.open(mux)
	log.Info("ready")
	if m.Ready != nil {
		m.Ready()
	}
	return platforms, nil
}

// withRequestID gives each request to h an id for the lines it logs, as
// the chat adapters do for theirs.
func withRequestID(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h.ServeHTTP(w, r.WithContext(bot.WithRequestID(r.Context(), bot.NewRequestID())))
	})
}

// httpServer is one HTTP server okrbot runs, on its listener.
type httpServer struct {
	*http.Server
	ln   net.Listener
	what string
}

// listen listens on OKRBOT_ADDR for the public endpoints, and on
// OKRBOT_METRICS_ADDR for the metrics unless it is off.
func (m *Main) listen(public, metrics http.Handler) ([]httpServer, error) {
	addr, metricsAddr := m.cfg().Addr, m.cfg().MetricsAddr
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("OKRBOT_ADDR: cannot listen on %s: %w; set OKRBOT_ADDR to a free address", addr, err)
	}
	t := cmp.Or(m.timeouts, publicTimeouts)
	servers := []httpServer{{&http.Server{Handler: public, ReadHeaderTimeout: t.readHeader, ReadTimeout: t.read,
		WriteTimeout: t.write, IdleTimeout: t.idle}, ln, "chat platforms, API, health"}}
	metricsAt := ""
	if metricsAddr != "off" {
		mln, err := net.Listen("tcp", metricsAddr)
		if err != nil {
			ln.Close()
			return nil, fmt.Errorf("OKRBOT_METRICS_ADDR: cannot listen on %s for the metrics: %w; set OKRBOT_METRICS_ADDR to a free address, or to off", metricsAddr, err)
		}
		mux := http.NewServeMux()
		mux.Handle("GET /metrics", metrics)
		servers = append(servers, httpServer{&http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}, mln, "metrics"})
		metricsAt = mln.Addr().String()
	}
	if m.Listening != nil {
		m.Listening(ln.Addr().String(), metricsAt)
	}
	return servers, nil
}

// serverTimeouts bound how long the public listener gives a client.
type serverTimeouts struct{ readHeader, read, write, idle time.Duration }

// publicTimeouts are sized for what okrbot serves in public: Slack gives up
// on an answer after 3 seconds and Teams after 15, and their requests, the
// API's and the install pages' are a few kilobytes, so a request that is
// not in after 5 seconds is someone holding a connection, not a platform
// waiting for an answer. Writing may take the longest answer Teams waits
// for, after the read; idle keep-alive connections are let go after a
// minute.
var publicTimeouts = serverTimeouts{readHeader: 5 * time.Second, read: 5 * time.Second, write: 25 * time.Second, idle: time.Minute}

// readyGate holds the chat platforms' and the API's requests back with 503
// until serve is ready, and says at /readyz what it is waiting for.
type readyGate struct {
	waiting atomic.Pointer[string]
	app     atomic.Pointer[http.ServeMux]
}

// waitFor says what serve is waiting for.
func (g *readyGate) waitFor(what string) { g.waiting.Store(&what) }

// open lets requests through to app: serve is ready.
func (g *readyGate) open(app *http.ServeMux) {
	g.app.Store(app)
	g.waitFor("")
}

func (g *readyGate) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if app := g.app.Load(); app != nil {
		app.ServeHTTP(w, r)
		return
	}
	http.Error(w, "okrbot is starting; try again in a moment", http.StatusServiceUnavailable)
}

// readyz answers 503 and what serve waits for while it starts, and 200
// "ready" once it takes requests.
func (g *readyGate) readyz(w http.ResponseWriter, _ *http.Request) {
	if what := *g.waiting.Load(); what != "" {
		http.Error(w, "not ready: "+what, http.StatusServiceUnavailable)
		return
	}
	fmt.Fprintln(w, "ready")
}

// slack sets Slack up: one workspace with SLACK_BOT_TOKEN, or every
// workspace that installs okrbot with SLACK_CLIENT_ID. It is nil when
// neither is set. A token Slack refuses, or installations that cannot be
// read, stop it with check's words.
func (m *Main) slack(ctx context.Context, st *store.Store, svc *commands.Service, log *slog.Logger, obs bot.Observer, queue *bot.Queue, gate *readyGate) (*platform, error) {
	botToken, clientID := m.cfg().SlackBotToken, m.cfg().SlackClientID
	if botToken == "" && clientID == "" {
		return nil, nil
	}
	c := &checker{m: m}
	allowed, err := m.slackTeams()
	if err != nil {
		return nil, err
	}
	cfg := slackbot.Config{BotToken: botToken, AppToken: m.cfg().SlackAppToken, SigningSecret: m.cfg().SlackSigningSecret,
		APIURL: m.cfg().SlackAPIURL, Logger: log, Now: m.Now, Observer: obs, Queue: queue, Allowed: allowed}
	p := &platform{name: slackbot.Platform, routes: map[string]http.Handler{}}
	if clientID != "" {
		gate.waitFor("reading the Slack workspaces okrbot is installed in")
		box, err := m.secretBox()
		if err != nil {
			return nil, err
		}
		st.SetSealer(box)
		installer, err := m.slackInstaller(st, log)
		if err != nil {
			return nil, err
		}
		if err := installer.Load(ctx); err != nil {
			c.slackInstalls(0, err)
			return nil, c.err()
		}
		cfg.Installations = installer
		p.routes["GET "+install.InstallPath] = installer
		p.routes["GET "+install.RedirectPath] = installer
		log.Info("serving the Slack workspaces okrbot is installed in", "install_url", strings.TrimSuffix(m.cfg().PublicURL, "/")+install.InstallPath)
	}
	adapter := slackbot.New(cfg, svc)
	if botToken != "" {
		gate.waitFor("waiting for Slack to answer auth.test")
		check, cancel := context.WithTimeout(ctx, startTimeout)
		resp, err := adapter.AuthTest(check)
		cancel()
		if c.slackAuth(m.slackAPIURL(), resp, err); err != nil {
			return nil, c.err()
		}
		log.Info("connected to Slack", "team", resp.TeamID)
	}
	if cfg.SigningSecret != "" {
		p.routes["POST /slack/events"] = adapter
	}
	if cfg.AppToken != "" {
		p.run = func(ctx context.Context) error {
			log.Info("connecting to Slack in Socket Mode")
			return adapter.RunSocketMode(ctx)
		}
	}
	p.sender, p.dir, p.people, p.drain, p.backlog = adapter, adapter, adapter, adapter.Drain, adapter.Backlog
	return p, nil
}

// teamsAdapter is the Teams adapter of the TEAMS_* settings.
// pictures keeps the pictures of cards where every replica serves them;
// nil (okrbot check) keeps them in memory.
func (m *Main) teamsAdapter(h bot.Handler, log *slog.Logger, obs bot.Observer, queue *bot.Queue, pictures teams.PictureStore) (*teams.Adapter, error) {
	var graph bool
	switch v := strings.ToLower(m.cfg().TeamsGraphInstall); v {
	case "", "off", "false", "0", "no":
	case "on", "true", "1", "yes":
		graph = true
	default:
		return nil, fmt.Errorf("TEAMS_GRAPH_INSTALL %q is neither on nor off", v)
	}
	return teams.New(teams.Config{
		AppID:             m.cfg().TeamsAppID,
		AppPassword:       m.cfg().TeamsAppPassword,
		AppCertificate:    m.cfg().TeamsAppCertificate,
		TenantID:          m.cfg().TeamsTenantID,
		Cloud:             m.cfg().TeamsCloud,
		OpenIDMetadataURL: m.cfg().TeamsOpenIDMetadataURL,
		TokenURL:          m.cfg().TeamsTokenURL,
		ServiceURLHosts:   m.cfg().TeamsServiceURLHosts,
		GraphInstall:      graph,
		GraphURL:          m.cfg().TeamsGraphURL,
		PublicURL:         m.cfg().PublicURL,
		Pictures:          pictures,
		Logger:            log,
		Observer:          obs,
		Queue:             queue,
		Now:               m.Now,
	}, h)
}

// teams sets Microsoft Teams up when TEAMS_APP_ID is set. Credentials
// Microsoft refuses stop it with check's words.
func (m *Main) teams(ctx context.Context, st *store.Store, svc *commands.Service, log *slog.Logger, obs bot.Observer, queue *bot.Queue, gate *readyGate) (*platform, error) {
	if m.cfg().TeamsAppID == "" {
		return nil, nil
	}
	adapter, err := m.teamsAdapter(svc, log, obs, queue, teamsPictures{st: st, now: m.Now})
	if err != nil {
		return nil, err
	}
	gate.waitFor("waiting for a token from Microsoft for Teams")
	check, cancel := context.WithTimeout(ctx, startTimeout)
	err = adapter.CheckCredentials(check)
	cancel()
	c := &checker{m: m}
	if c.teamsToken(err); err != nil {
		return nil, c.err()
	}
	log.Info("connected to Microsoft Teams", "tenant", m.cfg().TeamsTenantID)
	routes := map[string]http.Handler{"POST /api/messages": adapter}
	if pictures := adapter.Pictures(); pictures != nil {
		routes["GET "+teams.ChartPath+"{file}"] = pictures
	}
	run := func(ctx context.Context) error {
		m.refreshRosters(ctx, adapter, log)
		return nil
	}
	return &platform{name: teams.Platform, sender: adapter, dir: adapter, people: adapter, drain: adapter.Drain, backlog: adapter.Backlog, routes: routes, run: run}, nil
}

// rosterRefresh is how often okrbot reads again the rosters of the teams
// it is in, for the people who joined them without Teams telling it.
const rosterRefresh = 24 * time.Hour

// refreshRosters reads the teams' rosters at start and daily, until ctx
// ends. The day is the machine's, not Main's clock: in tests that clock's
// waits move it.
func (m *Main) refreshRosters(ctx context.Context, a *teams.Adapter, log *slog.Logger) {
	tick := time.NewTicker(rosterRefresh)
	defer tick.Stop()
	for {
		if err := a.RefreshRosters(ctx); err != nil && ctx.Err() == nil {
			log.Warn("team rosters not read", "err", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
	}
}
