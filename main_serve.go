package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"sync"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/okrbot/okrbot/api"
	"github.com/okrbot/okrbot/bot"
	slackbot "github.com/okrbot/okrbot/bot/slack"
	"github.com/okrbot/okrbot/bot/slack/install"
	"github.com/okrbot/okrbot/bot/teams"
	"github.com/okrbot/okrbot/commands"
	"github.com/okrbot/okrbot/reminders"
	"github.com/okrbot/okrbot/store"
)

// platform is one chat platform okrbot serves: what it sends and looks
// people up with, the endpoints it adds, what runs beside the HTTP server
// (Socket Mode), and what to wait for at shutdown (replies after acks).
type platform struct {
	name   string
	sender bot.Sender
	dir    reminders.Directory
	routes map[string]http.Handler
	run    func(context.Context) error
	drain  func(context.Context) error
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

// startTimeout bounds the checks of each platform's credentials at start.
const startTimeout = 15 * time.Second

func (m *Main) serve(ctx context.Context) error {
	log := m.logger()
	rd, rcfg, remindersOn, err := m.reminderSettings()
	if err != nil {
		return err
	}
	st, err := m.openStore(ctx, log)
	if err != nil {
		return err
	}
	defer st.Close()

	// Every platform's adapter sends through one router; commands and the
	// scheduler see only bot.Sender. The scheduler is made last, and the
	// service wakes it when a change gives it work.
	senders := bot.Senders{}
	var sched *reminders.Scheduler
	svc := m.service(st, log, rd, senders, func() {
		if sched != nil {
			sched.Wake()
		}
	})
	var platforms []*platform
	for _, start := range []func(context.Context, *store.Store, *commands.Service, *slog.Logger) (*platform, error){m.slack, m.teams} {
		p, err := start(ctx, st, svc, log)
		if err != nil {
			return err
		}
		if p != nil {
			platforms = append(platforms, p)
		}
	}
	if len(platforms) == 0 {
		return errors.New("no chat platform is set up: set SLACK_BOT_TOKEN (one Slack workspace), SLACK_CLIENT_ID (many), or TEAMS_APP_ID (Microsoft Teams); to try okrbot without any, run: okrbot console")
	}

	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) {
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
	api.New(st, svc, m.Now, log).Register(mux)
	dirs := directories{}
	for _, p := range platforms {
		senders[p.name] = p.sender
		dirs[p.name] = p.dir
		for pattern, h := range p.routes {
			mux.Handle(pattern, h)
		}
	}
	addr := m.Getenv("OKRBOT_ADDR")
	if addr == "" {
		addr = ":3000"
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", addr, err)
	}
	server := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	if m.Listening != nil {
		m.Listening(ln.Addr().String())
	}

	g, gctx := errgroup.WithContext(ctx)
	g.Go(func() error {
		log.Info("listening", "addr", ln.Addr().String())
		if err := server.Serve(ln); !errors.Is(err, http.ErrServerClosed) {
			return err
		}
		return nil
	})
	g.Go(func() error {
		<-gctx.Done()
		shutdown, done := context.WithTimeout(context.Background(), 10*time.Second)
		defer done()
		return server.Shutdown(shutdown)
	})
	for _, p := range platforms {
		if p.run != nil {
			g.Go(func() error { return p.run(gctx) })
		}
	}
	if remindersOn {
		rcfg.Store, rcfg.Commands, rcfg.Sender, rcfg.Directory, rcfg.Logger = st, svc, senders, dirs, log
		sched = reminders.New(rcfg)
		g.Go(func() error { return sched.Run(gctx) })
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

// slack sets Slack up: one workspace with SLACK_BOT_TOKEN, or every
// workspace that installs okrbot with SLACK_CLIENT_ID. It is nil when
// neither is set.
func (m *Main) slack(ctx context.Context, st *store.Store, svc *commands.Service, log *slog.Logger) (*platform, error) {
	botToken, clientID := m.Getenv("SLACK_BOT_TOKEN"), m.Getenv("SLACK_CLIENT_ID")
	appToken, secret := m.Getenv("SLACK_APP_TOKEN"), m.Getenv("SLACK_SIGNING_SECRET")
	switch {
	case botToken == "" && clientID == "":
		return nil, nil
	case botToken != "" && clientID != "":
		return nil, errors.New("set SLACK_BOT_TOKEN to serve one Slack workspace, or SLACK_CLIENT_ID to let many install okrbot, not both")
	case appToken == "" && secret == "":
		return nil, errors.New("set SLACK_APP_TOKEN (xapp-…) for Socket Mode, or SLACK_SIGNING_SECRET for HTTP mode")
	}
	cfg := slackbot.Config{BotToken: botToken, AppToken: appToken, SigningSecret: secret,
		APIURL: m.Getenv("SLACK_API_URL"), Logger: log, Now: m.Now}
	p := &platform{name: slackbot.Platform, routes: map[string]http.Handler{}}
	if clientID != "" {
		box, err := m.secretBox()
		if err != nil {
			return nil, err
		}
		st.SetSealer(box)
		installer, err := m.slackInstaller(st, log)
		if err != nil {
			return nil, err
		}
		installs := &slackInstalls{installer: installer, st: st, log: log, now: m.Now}
		if err := installs.load(ctx); err != nil {
			return nil, err
		}
		cfg.Installations = installs
		p.routes["GET "+install.InstallPath] = installer
		p.routes["GET "+install.RedirectPath] = installer
		log.Info("serving the Slack workspaces okrbot is installed in", "install_url", strings.TrimSuffix(m.Getenv("OKRBOT_PUBLIC_URL"), "/")+install.InstallPath)
	}
	adapter := slackbot.New(cfg, svc)
	if botToken != "" {
		check, cancel := context.WithTimeout(ctx, startTimeout)
		team, err := adapter.TeamID(check)
		cancel()
		if err != nil {
			return nil, err
		}
		log.Info("connected to Slack", "team", team)
	}
	if secret != "" {
		p.routes["POST /slack/events"] = adapter
	}
	if appToken != "" {
		p.run = func(ctx context.Context) error {
			log.Info("connecting to Slack in Socket Mode")
			return adapter.RunSocketMode(ctx)
		}
	}
	p.sender, p.dir, p.drain = adapter, adapter, adapter.Drain
	return p, nil
}

// teams sets Microsoft Teams up when TEAMS_APP_ID is set.
func (m *Main) teams(ctx context.Context, _ *store.Store, svc *commands.Service, log *slog.Logger) (*platform, error) {
	if m.Getenv("TEAMS_APP_ID") == "" {
		return nil, nil
	}
	adapter, err := teams.New(teams.Config{
		AppID:             m.Getenv("TEAMS_APP_ID"),
		AppPassword:       m.Getenv("TEAMS_APP_PASSWORD"),
		TenantID:          m.Getenv("TEAMS_TENANT_ID"),
		OpenIDMetadataURL: m.Getenv("TEAMS_OPENID_METADATA_URL"),
		TokenURL:          m.Getenv("TEAMS_TOKEN_URL"),
		ServiceURLHosts:   m.Getenv("TEAMS_SERVICE_URL_HOSTS"),
		PublicURL:         m.Getenv("OKRBOT_PUBLIC_URL"),
		Logger:            log,
		Now:               m.Now,
	}, svc)
	if err != nil {
		return nil, err
	}
	check, cancel := context.WithTimeout(ctx, startTimeout)
	err = adapter.CheckCredentials(check)
	cancel()
	if err != nil {
		return nil, err
	}
	log.Info("connected to Microsoft Teams", "tenant", m.Getenv("TEAMS_TENANT_ID"))
	routes := map[string]http.Handler{"POST /api/messages": adapter}
	if pictures := adapter.Pictures(); pictures != nil {
		routes["GET "+teams.ChartPath+"{file}"] = pictures
	}
	return &platform{name: teams.Platform, sender: adapter, dir: adapter, drain: adapter.Drain, routes: routes}, nil
}

// slackInstalls are the Slack workspaces okrbot is installed in, for the
// adapter: each one's token (refreshed before it expires) and whether it is
// installed. Which are installed is read again every installsTTL, and at
// once when Slack says okrbot was uninstalled.
type slackInstalls struct {
	installer *install.Installer
	st        *store.Store
	log       *slog.Logger
	now       func() time.Time

	mu     sync.Mutex
	teams  map[string]bool // team ids with their own installation
	orgs   map[string]bool // organizations installed org-wide
	loaded time.Time
}

// installsTTL bounds how long another replica's uninstall goes unnoticed.
const installsTTL = 30 * time.Second

func (s *slackInstalls) clock() time.Time {
	if s.now != nil {
		return s.now()
	}
	return time.Now()
}

func (s *slackInstalls) load(ctx context.Context) error {
	all, err := s.st.ActiveInstallations(ctx)
	if err != nil {
		return fmt.Errorf("read Slack installations: %w", err)
	}
	teams, orgs := map[string]bool{}, map[string]bool{}
	for _, in := range all {
		if in.IsEnterpriseInstall {
			orgs[in.EnterpriseID] = true
		} else {
			teams[in.TeamID] = true
		}
	}
	s.mu.Lock()
	s.teams, s.orgs, s.loaded = teams, orgs, s.clock()
	s.mu.Unlock()
	return nil
}

func (s *slackInstalls) Token(ctx context.Context, org, team string) (string, error) {
	in, err := s.installer.Authorize(ctx, org, team)
	if err != nil {
		return "", err
	}
	return in.BotToken, nil
}

func (s *slackInstalls) Installed(org, team string) bool {
	s.mu.Lock()
	stale := s.clock().Sub(s.loaded) > installsTTL
	s.mu.Unlock()
	if stale {
		if err := s.load(context.Background()); err != nil {
			s.log.Warn("Slack installations not read again; going on with what was read before", "err", err)
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.teams[team] || (org != "" && s.orgs[org])
}

func (s *slackInstalls) Uninstalled(ctx context.Context, org, team string) {
	if err := s.st.RevokeInstallation(ctx, org, team, s.clock()); err != nil {
		s.log.Error("forget the tokens of an uninstalled workspace", "org", org, "team", team, "err", err)
	}
	if err := s.load(ctx); err != nil {
		s.log.Error("read Slack installations", "err", err)
	}
}
