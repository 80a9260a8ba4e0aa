package commands

import (
	"cmp"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/okrbot/okrbot/bot"
	"github.com/okrbot/okrbot/okr"
	"github.com/okrbot/okrbot/sources"
	"github.com/okrbot/okrbot/store"
)

// Config is what a Service needs.
type Config struct {
	Store *store.Store
	// Now is the clock; time.Now when nil.
	Now func() time.Time
	// Admins are platform user ids (names in the console, where ids are
	// names) that may change anything, in addition to the platform's own
	// workspace admins (OKRBOT_ADMINS): "T0123:U0456" names a person of one
	// workspace, a plain id one of a platform that serves a single
	// workspace (see ManyWorkspaces). Names are not trusted on Slack:
	// people choose their own.
	Admins []string
	// ManyWorkspaces are the platforms served for more than one
	// workspace, where a plain id in Admins names nobody.
	ManyWorkspaces map[string]bool
	// Platforms are what each platform can do, by its name, for work that
	// comes with no request to say so: an import from a file or the API.
	Platforms map[string]bot.Capabilities
	// People, when set, reads people's rights from their platform again
	// when what is known is older than RoleTTL, before an admin-only
	// change, and looks up the people an import names by email or
	// platform id. Without it, what requests and the store say is trusted.
	People bot.People
	// RoleTTL is how long the platform's word that someone is an admin is
	// trusted (OKRBOT_ROLE_TTL); DefaultRoleTTL when zero.
	RoleTTL time.Duration
	// Guests says what the platform's guests may do (OKRBOT_GUESTS);
	// GuestsNone when empty.
	Guests GuestPolicy
	Logger *slog.Logger
	// Reminders are the check-in reminder defaults (remind.go).
	Reminders ReminderDefaults
	// Sender posts what a command sends elsewhere than its reply, such as
	// `/kpi digest now #channel`; without one those commands show the
	// message to the person instead.
	Sender bot.Sender
	// Wake, when set, is called after a change that gives the scheduler
	// work to do at once (a prompt answered, an alert to send).
	Wake func()
	// DashboardURL is the dashboard's address for sign-in links
	// (OKRBOT_PUBLIC_URL); the console starts its own dashboard when it is
	// first asked for. Without it, or when it returns "", /okr dashboard
	// says what to set.
	DashboardURL func(context.Context) (string, error)
	// PublicURL is the dashboard's address for links in messages: the
	// Home tab's Open dashboard button, /okr show and the digest
	// (OKRBOT_PUBLIC_URL). Messages link to no page without it.
	PublicURL string
	// Sources is where KPI sources may connect and the secrets,
	// databases and Prometheus they may use (OKRBOT_SOURCE_*); without
	// it, any public host and nothing else.
	Sources *sources.Config
}

// Service answers people's commands, form submissions and button clicks. It
// implements bot.Handler.
type Service struct {
	store  *store.Store
	now    func() time.Time
	admins map[string]bool
	// manyWorkspaces, platforms, people, roleTTL and guests: see Config.
	manyWorkspaces map[string]bool
	platforms      map[string]bot.Capabilities
	people         bot.People
	roleTTL        time.Duration
	guests         GuestPolicy
	log            *slog.Logger
	remind         ReminderDefaults
	sender         bot.Sender
	onWake         func()
	known          *known

	dashboardURL func(context.Context) (string, error)
	publicURL    string
	sources      *sources.Config
}

// New returns a Service.
func New(cfg Config) *Service {
	s := &Service{store: cfg.Store, now: cfg.Now, log: cfg.Logger, admins: admins(cfg.Admins), remind: cfg.Reminders,
		sender: cfg.Sender, onWake: cfg.Wake, manyWorkspaces: cfg.ManyWorkspaces, platforms: cfg.Platforms, people: cfg.People,
		roleTTL: cmp.Or(cfg.RoleTTL, DefaultRoleTTL), guests: cmp.Or(cfg.Guests, GuestsNone),
		dashboardURL: cfg.DashboardURL, publicURL: strings.TrimSuffix(cfg.PublicURL, "/"), sources: cfg.Sources}
	if s.now == nil {
		s.now = time.Now
	}
	s.known = newKnown(s.now)
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	return s
}

var _ bot.Handler = (*Service)(nil)

// wake tells the scheduler there is work to do now.
func (s *Service) wake() {
	if s.onWake != nil {
		s.onWake()
	}
}

// caller is the person behind a request, resolved against the store.
type caller struct {
	req   bot.Request
	ws    store.Workspace
	user  store.User
	admin bool
	// adminUnconfirmed says that the person may be an admin, but the
	// platform could not confirm it just now (see roles).
	adminUnconfirmed bool
	// guest is a guest of the workspace, not a member.
	guest bool
}

// caller finds or records the workspace and person of a request (see
// workspace and user: a request that changes nothing of them writes
// nothing).
func (s *Service) caller(ctx context.Context, req bot.Request) (*caller, error) {
	ws, err := s.workspace(ctx, req.Workspace)
	if err != nil {
		return nil, err
	}
	u, err := s.user(ctx, ws, req.User)
	if err != nil {
		return nil, err
	}
	c := &caller{req: req, ws: ws, user: u}
	if err := s.roles(ctx, c); err != nil {
		return nil, err
	}
	if c.guest && s.guests == GuestsNone {
		return nil, refuse(guestsRefused)
	}
	if err := s.keepRef(ctx, ws.ID, req.Address); err != nil {
		return nil, err
	}
	return c, nil
}

// userError is a refusal worded for the person who asked.
type userError struct{ text bot.Text }

func (e *userError) Error() string { return e.text.String() }

// refuse is a refusal formatted like bot.Textf: backquoted parts of the
// format are code, and arguments are plain text or bot inlines.
func refuse(format string, args ...any) error { return &userError{bot.Textf(format, args...)} }

// Command answers a slash command.
func (s *Service) Command(ctx context.Context, req bot.Request) bot.Reply {
	reply, err := s.command(ctx, req)
	if err != nil {
		return s.failure(ctx, req, err)
	}
	return reply
}

func (s *Service) command(ctx context.Context, req bot.Request) (bot.Reply, error) {
	// The caller first: what the request says about its person and where
	// to reach them is kept even when the command is mistyped.
	c, err := s.caller(ctx, req)
	if err != nil {
		return bot.Reply{}, err
	}
	words, err := tokenize(req.Text)
	if err != nil {
		return bot.Reply{}, err
	}
	sub, rest := "help", []string(nil)
	if len(words) > 0 {
		sub, rest = strings.ToLower(words[0]), words[1:]
	}
	if req.Command == "/kpi" {
		if err := c.guestMay(guestKPICommands, sub); err != nil {
			return bot.Reply{}, err
		}
		return s.runKPI(ctx, c, sub, rest)
	}
	if err := c.guestMay(guestOKRCommands, sub); err != nil {
		return bot.Reply{}, err
	}
	cmd, ok := okrCommands[sub]
	if !ok {
		return bot.Reply{Message: helpMessage(bot.Textf("I don't know `/okr %s`.", sub))}, nil
	}
	return cmd.run(s, ctx, c, rest)
}

// failure turns an error into the reply a person sees. Their own mistakes
// are explained; anything else is logged and reported with an id to quote.
func (s *Service) failure(ctx context.Context, req bot.Request, err error) bot.Reply {
	var (
		invalid *okr.ValidationError
		refused *userError
	)
	switch {
	case errors.As(err, &invalid):
		return bot.Say("⚠️ ", invalid.Msg)
	case errors.As(err, &refused):
		return bot.Say("⚠️ ", refused.text)
	case store.IsWorkspacePurged(err):
		s.known.forgetWorkspace(req.Workspace)
		s.log.WarnContext(ctx, "request refused: its workspace was purged", "team", req.Workspace.TeamID, "err", err)
		return bot.Say("⚠️ okrbot's data of this workspace was deleted (okrbot purge) while you were using it, so nothing was changed.")
	case errors.Is(err, context.DeadlineExceeded), errors.Is(err, context.Canceled):
		s.log.WarnContext(ctx, "request timed out", "user", req.User.ID, "command", req.Command, "err", err)
		s.logText(ctx, req, "")
		return bot.Say("⚠️ That took too long and was not finished. Please try again.")
	}
	id := errorID()
	s.log.ErrorContext(ctx, "request failed", "error_id", id, "user", req.User.ID, "command", req.Command, "err", err)
	s.logText(ctx, req, id)
	return bot.Reply{Message: &bot.Message{Summary: bot.Textf("⚠️ Something went wrong on okrbot's side; nothing was changed. Tell your okrbot admin the error id `%s`.", id)}}
}

// logText logs what the person typed, at debug level only: it is their
// words, titles and comments, which the operators' logs need not hold.
func (s *Service) logText(ctx context.Context, req bot.Request, errorID string) {
	if req.Text != "" {
		s.log.DebugContext(ctx, "text of the failed request", "error_id", errorID, "text", req.Text)
	}
}

func errorID() string {
	b := make([]byte, 4)
	rand.Read(b)
	return hex.EncodeToString(b)
}

// Submit answers a submitted form.
func (s *Service) Submit(ctx context.Context, req bot.Request, sub bot.Submission) bot.SubmitResult {
	c, err := s.caller(ctx, req)
	if err == nil {
		var res bot.SubmitResult
		res, err = s.submit(ctx, c, sub)
		if err == nil {
			return res
		}
	}
	var invalid *okr.ValidationError
	if errors.As(err, &invalid) && invalid.Field != "" {
		return bot.SubmitResult{Errors: map[string]string{invalid.Field: invalid.Msg}}
	}
	return bot.SubmitResult{Message: s.failure(ctx, req, err).Message}
}

func (s *Service) submit(ctx context.Context, c *caller, sub bot.Submission) (bot.SubmitResult, error) {
	if err := c.guestMay(guestForms, sub.CallbackID); err != nil {
		return bot.SubmitResult{}, err
	}
	switch sub.CallbackID {
	case CallbackNewObjective:
		return s.submitNewObjective(ctx, c, sub)
	case CallbackCheckIn:
		return s.submitCheckIn(ctx, c, sub)
	case CallbackEditObjective:
		return s.submitEditObjective(ctx, c, sub)
	case CallbackNewKPI:
		return s.submitNewKPI(ctx, c, sub)
	case CallbackKPISource:
		return s.submitKPISource(ctx, c, sub)
	case CallbackGrade:
		return s.submitGrade(ctx, c, sub)
	}
	return bot.SubmitResult{}, fmt.Errorf("unknown form %q", sub.CallbackID)
}

// Act answers a button click.
func (s *Service) Act(ctx context.Context, req bot.Request, act bot.Action) bot.Reply {
	c, err := s.caller(ctx, req)
	if err == nil {
		var reply bot.Reply
		reply, err = s.act(ctx, c, act)
		if err == nil {
			return reply
		}
	}
	return s.failure(ctx, req, err)
}

func (s *Service) act(ctx context.Context, c *caller, act bot.Action) (bot.Reply, error) {
	if err := c.guestMay(guestActions, act.ID); err != nil {
		return bot.Reply{}, err
	}
	switch act.ID {
	case ActionAddKeyResult:
		return s.addKeyResultRow(ctx, c, act)
	case ActionCheckIn:
		return s.openCheckIn(ctx, c, act.Value)
	case ActionEdit:
		return s.openEdit(ctx, c, act.Value)
	case ActionClose:
		return s.closeObjective(ctx, c, []string{act.Value})
	case ActionKPIShow:
		return s.showKPI(ctx, c, []string{act.Value})
	case ActionKPIFullList:
		return s.kpiFullList(ctx, c, act.Value)
	case ActionRemindCheckIn:
		return s.openCheckIn(ctx, c, "")
	case ActionRemindSnooze:
		return s.snooze(ctx, c, act.Value)
	case ActionRemindNothing:
		return s.nothingChanged(ctx, c)
	case ActionGrade:
		return s.openGrade(ctx, c, act.Value)
	case ActionCarry:
		return s.carry(ctx, c, []string{act.Value})
	case ActionGradeLater:
		return s.gradeLater(ctx, c, act.Value)
	case ActionReview:
		return s.reviewButton(ctx, c, act.Value)
	case ActionHistoryMore:
		return s.historyMore(ctx, c, act.Value)
	case ActionOpenDashboard:
		// The button opened the dashboard in the browser; nothing to say.
		return bot.Reply{}, nil
	}
	return bot.Reply{}, fmt.Errorf("unknown action %q", act.ID)
}

// Names of forms and buttons, shared with the adapters that route them.
const (
	CallbackNewObjective  = "okr_new_objective"
	CallbackCheckIn       = "okr_check_in"
	CallbackEditObjective = "okr_edit_objective"

	ActionAddKeyResult = "okr_add_key_result"
	ActionCheckIn      = "okr_check_in"
	ActionEdit         = "okr_edit"
	ActionClose        = "okr_close"
)
