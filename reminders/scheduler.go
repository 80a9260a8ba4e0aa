package reminders

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"runtime/debug"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/okrbot/okrbot/bot"
	"github.com/okrbot/okrbot/commands"
	"github.com/okrbot/okrbot/okr"
	"github.com/okrbot/okrbot/store"
)

// Config is what a Scheduler needs. Zero durations and counts take the
// defaults named on each field.
type Config struct {
	Store *store.Store
	// Commands renders the messages and knows the schedule defaults.
	Commands *commands.Service
	// Sender sends every workspace's messages with that workspace's own
	// credentials. Only the workspaces it serves are scheduled; others,
	// such as those of `okrbot console` or of another deployment sharing
	// the database, are never touched.
	Sender bot.Sender
	// Directory, when set, is asked for the time zone of people okrbot has
	// none for (someone named as an owner who never used okrbot).
	Directory Directory
	// Now is the clock; time.Now when nil.
	Now func() time.Time
	// After waits on the clock, like time.After (the default). Tests make
	// it move a fake clock instead of sleeping.
	After func(time.Duration) <-chan time.Time
	// Tick is how often Run looks for due work: a minute.
	Tick time.Duration
	// Grace is how late a prompt, or a KPI alert, may still go out, after
	// downtime: 6 hours. Older ones are skipped and logged.
	Grace time.Duration
	// NudgeAfter is how long after a prompt its one nudge comes if the
	// person has not checked in: 24 hours.
	NudgeAfter time.Duration
	// Quiet spares people who checked in this long before a prompt: 48h.
	Quiet time.Duration
	// Rate is how many messages a second this process sends at most: 5
	// (Slack allows about one a second per channel and a few hundred a
	// minute per workspace).
	Rate float64
	// Workers is how many messages are in flight at once: 4.
	Workers int
	// Batch is how many rows a transaction claims at most: 100. Prompts to
	// send are leased about half a second's worth at a time.
	Batch int
	// Lease is how long a claimed delivery is this process's to send before
	// another may take it over: 10 minutes.
	Lease time.Duration
	// DigestGrace is how late a digest may still go out, after a restart
	// or an outage: 6 hours. A later one is skipped: yesterday's digest is
	// not news.
	DigestGrace time.Duration
	// StaleEvery is how often KPIs are checked for having gone stale: 10
	// minutes.
	StaleEvery time.Duration
	// Jitter picks the wait before a failed job is tried again, given the
	// most it may be: a random part of it (full jitter) when nil.
	Jitter func(time.Duration) time.Duration
	Logger *slog.Logger
	// Observer, when set, is told the result of every delivery (metrics).
	Observer Observer
}

// Observer is told the result of each delivery the scheduler tries, as it
// happens. It is called from the scheduler's workers: it must be quick and
// safe for concurrent use.
type Observer interface {
	Delivered(kind Kind, result Result)
}

// Kind is what a delivery is.
type Kind string

const (
	Prompt Kind = "prompt" // a check-in prompt
	Nudge  Kind = "nudge"  // the follow-up of an unanswered prompt
	Update Kind = "update" // an answered prompt redrawn as checked in
	Thread Kind = "thread" // a team's weekly thread, or check-ins posted in it
	Digest Kind = "digest" // a scheduled KPI digest
	Alert  Kind = "alert"  // a KPI alert
	// Grading is an end-of-period message asking an owner to grade.
	Grading Kind = "grading"
	// GradingUpdate is a grading message redrawn as answered.
	GradingUpdate Kind = "grading-update"
	// Source tells a KPI's owner that its source fails, or works again.
	Source Kind = "source"
)

// Kinds lists every Kind.
var Kinds = []Kind{Prompt, Nudge, Update, Thread, Digest, Alert, Grading, GradingUpdate, Source}

// Result is what became of one try of a delivery.
type Result string

const (
	// Sent is a message the platform took.
	Sent Result = "sent"
	// Retried is a try that failed for a while (the platform was down or
	// slow) and is tried again.
	Retried Result = "retried"
	// RateLimited is a try the platform asked to make again later.
	RateLimited Result = "rate-limited"
	// Gone is a recipient that no longer exists or blocked okrbot.
	Gone Result = "gone"
	// Failed is a try that failed for a reason trying again soon will not
	// fix (a channel okrbot is not in, a message the platform refuses, an
	// error of okrbot's own); it may be tried later, a few times.
	Failed Result = "failed"
	// Skipped is a delivery okrbot decided not to make: too late after
	// downtime, reminders paused, nothing to say, no channel to say it in.
	Skipped Result = "skipped"
)

// Results lists every Result.
var Results = []Result{Sent, Retried, RateLimited, Gone, Failed, Skipped}

// Directory looks people up on their chat platform. *bot/slack.Adapter is
// one (users.info).
type Directory interface {
	UserInfo(ctx context.Context, ws bot.Workspace, userID string) (bot.User, error)
}

// Scheduler sends check-in prompts, nudges, prompt updates, digests, KPI
// alerts and grading prompts. Any number of Schedulers may share one
// database.
type Scheduler struct {
	cfg    Config
	st     *store.Store
	cmds   *commands.Service
	sender bot.Sender
	now    func() time.Time
	after  func(time.Duration) <-chan time.Time
	log    *slog.Logger
	pace   *pacer
	jitter func(time.Duration) time.Duration
	wake   chan struct{}
	// counts is what happened to deliveries, by Kind and Result; made
	// whole by New, it is only read.
	counts map[countKey]*atomic.Int64
	// periodic guards lastStale and lastPrune.
	periodic sync.Mutex
	// lastStale is when KPIs were last checked for going stale.
	lastStale time.Time
	// lastPrune is when ended jobs were last pruned.
	lastPrune time.Time
}

type countKey struct {
	kind   Kind
	result Result
}

// count records the result of one try of a delivery of kind.
func (s *Scheduler) count(kind Kind, result Result) {
	s.counts[countKey{kind, result}].Add(1)
	if s.cfg.Observer != nil {
		s.cfg.Observer.Delivered(kind, result)
	}
}

// outcome counts how a send of kind ended: sent, gone or failed. A
// platform that stayed busy or down until the lease ran out was counted
// (retried or rate-limited) by do, try by try.
func (s *Scheduler) outcome(kind Kind, err error) {
	switch k, _ := failureOf(err); {
	case err == nil:
		s.count(kind, Sent)
	case k == bot.Gone || k == bot.Unreachable:
		s.count(kind, Gone)
	case k != bot.Temporary && k != bot.RateLimited:
		s.count(kind, Failed)
	}
}

// Count is how many tries of deliveries of kind ended in result since the
// scheduler started.
func (s *Scheduler) Count(kind Kind, result Result) int64 {
	return s.counts[countKey{kind, result}].Load()
}

// Stats counts what a Scheduler did since it started.
type Stats struct {
	Sent, Nudged, Updated, Skipped, Gone, RateLimited, Retried, Digests, Alerts int64
	// Grading counts the grading prompts and reminders sent.
	Grading int64
}

// Stats sums up what the scheduler did so far: prompts sent and skipped,
// nudges, updates, digests and alerts sent, and the retries, rate limits
// and gone recipients of every kind.
func (s *Scheduler) Stats() Stats {
	st := Stats{Sent: s.Count(Prompt, Sent), Nudged: s.Count(Nudge, Sent), Updated: s.Count(Update, Sent),
		Skipped: s.Count(Prompt, Skipped) + s.Count(Grading, Skipped), Digests: s.Count(Digest, Sent), Alerts: s.Count(Alert, Sent),
		Grading: s.Count(Grading, Sent)}
	for _, k := range Kinds {
		st.Gone += s.Count(k, Gone)
		st.RateLimited += s.Count(k, RateLimited)
		st.Retried += s.Count(k, Retried)
	}
	return st
}

// New returns a Scheduler; Run starts it.
func New(cfg Config) *Scheduler {
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.After == nil {
		cfg.After = time.After
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	def := func(d *time.Duration, v time.Duration) {
		if *d <= 0 {
			*d = v
		}
	}
	def(&cfg.Tick, time.Minute)
	def(&cfg.Grace, 6*time.Hour)
	def(&cfg.NudgeAfter, 24*time.Hour)
	def(&cfg.Quiet, 48*time.Hour)
	def(&cfg.Lease, 10*time.Minute)
	def(&cfg.DigestGrace, 6*time.Hour)
	def(&cfg.StaleEvery, 10*time.Minute)
	if cfg.Jitter == nil {
		cfg.Jitter = fullJitter
	}
	if cfg.Rate <= 0 {
		cfg.Rate = 5
	}
	if cfg.Workers <= 0 {
		cfg.Workers = 4
	}
	if cfg.Batch <= 0 {
		cfg.Batch = 100
	}
	counts := map[countKey]*atomic.Int64{}
	for _, k := range Kinds {
		for _, r := range Results {
			counts[countKey{k, r}] = new(atomic.Int64)
		}
	}
	return &Scheduler{cfg: cfg, st: cfg.Store, cmds: cfg.Commands, sender: cfg.Sender,
		now: cfg.Now, after: cfg.After, log: cfg.Logger.With("component", "scheduler"),
		pace: &pacer{interval: time.Duration(float64(time.Second) / cfg.Rate)}, jitter: cfg.Jitter,
		wake: make(chan struct{}, 1), counts: counts}
}

// Wake makes Run look for work now instead of at its next tick: after a
// check-in, so the prompt is redrawn at once, or after a KPI alert was
// recorded. It never blocks.
func (s *Scheduler) Wake() {
	select {
	case s.wake <- struct{}{}:
	default:
	}
}

// Lag is how far behind the scheduler is: how long the oldest work of the
// workspaces it serves has been due without being done or held by a
// process (see store.OldestDue); 0 when nothing is due. Work falls due
// between ticks, so up to a Tick of lag is the scheduler keeping up.
func (s *Scheduler) Lag(ctx context.Context) (time.Duration, error) {
	sc, err := s.served(ctx)
	if err != nil {
		return 0, err
	}
	now := s.now()
	oldest, ok, err := s.st.OldestDue(ctx, sc.ids, now)
	if err != nil || !ok {
		return 0, err
	}
	return max(now.Sub(oldest), 0), nil
}

// Run does the due work every tick, and when woken, until ctx ends. Missed
// prompts within the grace period go out on the first tick.
func (s *Scheduler) Run(ctx context.Context) error {
	s.log.InfoContext(ctx, "scheduler started", "tick", s.cfg.Tick, "grace", s.cfg.Grace,
		"nudge_after", s.cfg.NudgeAfter, "rate", s.cfg.Rate)
	for {
		if err := s.RunOnce(ctx); err != nil && ctx.Err() == nil {
			s.log.ErrorContext(ctx, "scheduler tick failed", "err", err)
		}
		select {
		case <-ctx.Done():
			return nil
		case <-s.wake:
		case <-s.after(s.cfg.Tick):
		}
	}
}

// RunOnce does the work due now, for the workspaces the Sender serves: it
// plans new people's prompts, claims due prompts, sends them, nudges,
// redraws answered prompts, sends due digests, looks for KPIs gone stale,
// sends KPI alerts, asks owners to grade their objectives and, last, as
// other systems may be slow to answer, fetches the KPI sources that are due
// (an alert a value causes wakes the scheduler for another round). A panic in one phase is logged and does not stop the
// others.
func (s *Scheduler) RunOnce(ctx context.Context) error {
	served, err := s.served(ctx)
	if err != nil {
		return fmt.Errorf("workspaces: %w", err)
	}
	var errs []error
	for _, phase := range []struct {
		name string
		fn   func(context.Context, scope) error
	}{{"plan", s.plan}, {"prompts", s.prompts}, {"threads", s.threads}, {"nudge", s.nudge}, {"update", s.update},
		{"digests", s.digests}, {"stale", s.stale}, {"retention", s.retention}, {"alerts", s.alerts}, {"grading", s.grading},
		{"sources", s.sources}} {
		if ctx.Err() != nil {
			break
		}
		if err := s.runPhase(ctx, phase.name, phase.fn, served); err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", phase.name, err))
		}
	}
	return errors.Join(errs...)
}

// every reports whether a periodic task last done at *last is due again,
// period after, and if so marks it done now. Concurrent calls of RunOnce
// do it once.
func (s *Scheduler) every(last *time.Time, period time.Duration) bool {
	s.periodic.Lock()
	defer s.periodic.Unlock()
	now := s.now()
	if now.Sub(*last) < period {
		return false
	}
	*last = now
	return true
}

// jobRetention is how long ended jobs are kept: long enough for an admin
// to see why a message was not sent.
const jobRetention = 30 * 24 * time.Hour

// retention deletes, every StaleEvery, the jobs that ended more than
// jobRetention ago.
func (s *Scheduler) retention(ctx context.Context, sc scope) error {
	if !s.every(&s.lastPrune, s.cfg.StaleEvery) {
		return nil
	}
	n, err := s.st.PruneJobs(ctx, sc.ids, s.now().Add(-jobRetention))
	if n > 0 {
		s.log.InfoContext(ctx, "ended jobs pruned", "count", n)
	}
	return err
}

// runPhase runs one phase, turning a panic into an error.
func (s *Scheduler) runPhase(ctx context.Context, name string, fn func(context.Context, scope) error, sc scope) (err error) {
	defer func() {
		if p := recover(); p != nil {
			s.log.ErrorContext(ctx, "panic in scheduler", "phase", name, "panic", p, "stack", string(debug.Stack()))
			err = fmt.Errorf("panic: %v", p)
		}
	}()
	return fn(ctx, sc)
}

// scope is the workspaces this process schedules: those its Sender serves.
type scope struct {
	ids []uint
	ws  map[uint]store.Workspace
}

// served lists the workspaces of the database that the Sender serves.
func (s *Scheduler) served(ctx context.Context) (scope, error) {
	all, err := s.st.Workspaces(ctx)
	if err != nil {
		return scope{}, err
	}
	sc := scope{ws: map[uint]store.Workspace{}}
	for _, w := range all {
		if s.sender.Serves(ctx, commands.ChatWorkspace(w)) {
			sc.ids = append(sc.ids, w.ID)
			sc.ws[w.ID] = w
		}
	}
	return sc, nil
}

// address is where a message to a person or channel of a served workspace
// goes.
func (s *Scheduler) address(ctx context.Context, sc scope, workspaceID uint, kind bot.AddressKind, id string) (bot.Address, error) {
	ws, ok := sc.ws[workspaceID]
	if !ok {
		return bot.Address{}, fmt.Errorf("workspace %d is not served here", workspaceID)
	}
	return s.cmds.Address(ctx, ws, kind, id)
}

// location is a person's time zone, or the workspace default with a warning
// when the platform's is unknown.
func (s *Scheduler) location(ctx context.Context, u store.User) *time.Location {
	loc, unknown := okr.Location(u.TZ, s.cmds.ReminderDefaults().TZ)
	if unknown {
		s.log.WarnContext(ctx, "unknown time zone; using the workspace default", "user", u.PlatformID, "tz", u.TZ, "default", loc.String())
	}
	return loc
}

// schedules returns a workspace's schedules, its own created from the
// defaults on first use.
func (s *Scheduler) schedules(ctx context.Context, st *store.Store, workspaceID uint) ([]store.ReminderSchedule, error) {
	if _, err := st.EnsureReminderSchedule(ctx, workspaceID, 0, store.ReminderScheduleOf(s.cmds.ReminderDefaults().Schedule)); err != nil {
		return nil, err
	}
	return st.ReminderSchedules(ctx, workspaceID)
}

// plan gives everyone who owns an active key result a next prompt time,
// and plans again those whose schedule or time zone changed.
func (s *Scheduler) plan(ctx context.Context, sc scope) error {
	now := s.now()
	if _, err := s.st.AddReminderPeople(ctx, sc.ids, now); err != nil {
		return err
	}
	if err := s.st.ReplanMovedPeople(ctx, sc.ids); err != nil {
		return err
	}
	cache := map[uint][]store.ReminderSchedule{}
	for {
		rows, err := s.st.UnplannedPeople(ctx, sc.ids, 500)
		if err != nil {
			return err
		}
		for _, r := range rows {
			all, ok := cache[r.Person.WorkspaceID]
			if !ok {
				if all, err = s.schedules(ctx, s.st, r.Person.WorkspaceID); err != nil {
					return err
				}
				cache[r.Person.WorkspaceID] = all
			}
			sched, _ := commands.ScheduleFor(all, r.TeamIDs)
			if r.User.TZ == "" {
				r.User = s.lookUp(ctx, sc, r.User)
			}
			next := sched.Weekly().Next(now, s.location(ctx, r.User))
			if err := s.st.PlanReminder(ctx, r.Person.ID, sched.ID, r.User.TZ, next); err != nil {
				return err
			}
		}
		if len(rows) < 500 {
			return nil
		}
	}
}

// lookUp asks the Directory for a person's time zone and saves it; on any
// failure the person keeps the workspace default.
func (s *Scheduler) lookUp(ctx context.Context, sc scope, u store.User) store.User {
	ws, ok := sc.ws[u.WorkspaceID]
	if s.cfg.Directory == nil || !ok {
		return u
	}
	info, err := s.cfg.Directory.UserInfo(ctx, commands.ChatWorkspace(ws), u.PlatformID)
	if err != nil || info.TZ == "" {
		if err != nil {
			s.log.WarnContext(ctx, "look up time zone", "user", u.PlatformID, "err", err)
		}
		return u
	}
	u.TZ = info.TZ
	if info.Name != "" {
		u.Name = info.Name
	}
	u.IsAdmin, u.IsGuest = info.IsAdmin, info.IsGuest
	saved, err := s.st.SaveUser(ctx, u)
	if err != nil {
		s.log.WarnContext(ctx, "save time zone", "user", u.PlatformID, "err", err)
		return u
	}
	return saved
}

// prompts claims the due prompts and sends them. Sending starts with the
// first batch claimed rather than after the last: a Monday wave of
// thousands would otherwise wait seconds for every delivery to be written
// before the first prompt goes out. Prompts other replicas claimed are
// sent too, by whichever replica leases them first.
func (s *Scheduler) prompts(ctx context.Context, sc scope) error {
	f := &feed{claimed: make(chan struct{}, 1), done: make(chan struct{})}
	var claimErr error
	go func() {
		defer close(f.done)
		claimErr = s.runPhase(ctx, "claim", func(ctx context.Context, sc scope) error {
			return s.claim(ctx, sc, f.claimed)
		}, sc)
	}()
	sendErr := s.workFed(ctx, sc, s.promptJobs(), s.sendBatch(), f)
	<-f.done
	if claimErr != nil {
		claimErr = fmt.Errorf("claim: %w", claimErr)
	}
	return errors.Join(claimErr, sendErr)
}

// claim turns due prompts into deliveries, a batch per transaction: each
// person's row is locked (other replicas skip it), the delivery is recorded
// under its unique key, and the person's next prompt is moved on. After
// each batch it signals claimed, without waiting. The first batch is only
// as big as what send leases at a time, so that sending starts soon.
func (s *Scheduler) claim(ctx context.Context, sc scope, claimed chan<- struct{}) error {
	for batch := s.sendBatch(); ; batch = s.cfg.Batch {
		now := s.now()
		var n int
		err := s.st.InTx(ctx, func(tx *store.Store) error {
			people, err := tx.LockDuePeople(ctx, sc.ids, now, batch)
			if err != nil {
				return err
			}
			n = len(people)
			// A batch's people mostly share a schedule: it is read once.
			schedules := map[uint]store.ReminderSchedule{}
			for _, p := range people {
				if err := s.claimPerson(ctx, tx, p, now, schedules); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			return err
		}
		if n > 0 {
			select {
			case claimed <- struct{}{}:
			default:
			}
		}
		if n < batch {
			return nil
		}
	}
}

// claimPerson records the delivery of a due person's prompt, in the claim's
// transaction; schedules holds the schedules the transaction read so far.
func (s *Scheduler) claimPerson(ctx context.Context, tx *store.Store, p store.ReminderPerson, now time.Time, schedules map[uint]store.ReminderSchedule) error {
	sched, ok := schedules[p.ScheduleID]
	if !ok {
		var err error
		sched, err = tx.ReminderScheduleByID(ctx, p.ScheduleID)
		if errors.Is(err, okr.ErrNotFound) {
			return tx.ReplanPerson(ctx, p.ID) // its schedule is gone; plan again
		}
		if err != nil {
			return err
		}
		schedules[p.ScheduleID] = sched
	}
	u, err := tx.UserByID(ctx, p.WorkspaceID, p.UserID)
	if errors.Is(err, okr.ErrNotFound) {
		return tx.SetReminderStatus(ctx, p.WorkspaceID, p.UserID, store.ReminderGone)
	}
	if err != nil {
		return err
	}
	loc := s.location(ctx, u)
	w := sched.Weekly()
	occ := *p.NextAt
	next := w.Next(occ, loc)
	for !next.After(now) {
		// Down for more than a week: only the latest occurrence counts.
		s.log.WarnContext(ctx, "check-in prompt skipped: a later one is due", "user", u.PlatformID, "occurrence", occ)
		occ, next = next, w.Next(next, loc)
	}
	d := store.ReminderDelivery{WorkspaceID: p.WorkspaceID, ScheduleID: sched.ID, Occurrence: occ, UserID: p.UserID,
		State: store.DeliveryPending, CreatedAt: now.UTC()}
	switch late := now.Sub(occ); {
	case late > s.cfg.Grace:
		d.State, d.Note = store.DeliverySkipped, fmt.Sprintf("missed by %s, more than the grace period of %s", late.Round(time.Minute), s.cfg.Grace)
		s.log.WarnContext(ctx, "check-in prompt skipped: too late", "user", u.PlatformID, "occurrence", occ, "late", late.Round(time.Minute))
	case p.PausedUntil != nil && occ.Before(*p.PausedUntil):
		d.State, d.Note = store.DeliverySkipped, "paused"
	default:
		recent, err := tx.CheckedInSince(ctx, p.UserID, occ.Add(-s.cfg.Quiet))
		if err != nil {
			return err
		}
		if recent {
			d.State, d.Note = store.DeliverySkipped, "checked in recently"
		}
	}
	created, err := tx.CreateDelivery(ctx, &d)
	if err != nil {
		return err
	}
	if !created {
		s.log.InfoContext(ctx, "check-in prompt already claimed", "user", u.PlatformID, "occurrence", occ)
	} else if d.State == store.DeliverySkipped {
		s.count(Prompt, Skipped)
	}
	return tx.SetNextReminder(ctx, p.ID, next)
}

// heldPerWorker is how many prompts send holds per worker, counting those
// waiting out a rate limit.
const heldPerWorker = 4

// sendBatch is how many pending prompts send leases at a time: about half
// a second of sending at the process's pace, at least one per worker and
// at most Batch. A replica holding more than it can send soon would be
// left sending them alone at the end of a wave, at its own pace, while the
// others have finished.
func (s *Scheduler) sendBatch() int {
	return min(s.cfg.Batch, max(s.cfg.Workers, int(s.cfg.Rate/2)))
}

// isClosed reports whether ch is closed, without waiting.
func isClosed(ch <-chan struct{}) bool {
	select {
	case <-ch:
		return true
	default:
		return false
	}
}

// promptJobs send check-in prompts: a job each, inserted with the
// delivery when the prompt falls due.
func (s *Scheduler) promptJobs() jobKind {
	delivery := func(ctx context.Context, st *store.Store, j store.Job) (store.ReminderDelivery, error) {
		var args store.DeliveryJob
		if err := j.Decode(&args); err != nil {
			return store.ReminderDelivery{}, err
		}
		return st.DeliveryByID(ctx, j.WorkspaceID, args.Delivery)
	}
	return jobKind{name: store.JobPrompt, kind: Prompt,
		work: func(ctx context.Context, sc scope, j store.Job) (Result, string, error) {
			d, err := delivery(ctx, s.st, j)
			if err != nil {
				return Failed, "", err
			}
			return s.deliver(ctx, sc, d)
		},
		ended: func(ctx context.Context, tx *store.Store, j store.Job, at time.Time, note string) error {
			if note == "sent" || note == "skipped" {
				return nil
			}
			d, err := delivery(ctx, tx, j)
			if err != nil || d.State != store.DeliveryPending {
				return err
			}
			return tx.SkipDelivery(ctx, d.ID, note)
		},
		gone: func(ctx context.Context, j store.Job, err error) {
			d, derr := delivery(ctx, s.st, j)
			if derr == nil {
				if kind, _ := failureOf(err); kind == bot.Unreachable {
					// Trying every week would fail every week: the person's
					// prompts wait until okrbot is installed for them, and
					// admins see who they are in /okr remind.
					derr = s.st.DeliveryUnreachable(ctx, d, "unreachable: "+err.Error())
				} else {
					derr = s.st.DeliveryGone(ctx, d, err.Error())
				}
			}
			if derr != nil {
				s.log.ErrorContext(ctx, "turn off the prompts of a gone or unreachable person", "job", j.ID, "err", derr)
			}
		}}
}

// deliver sends a check-in prompt once; the retry policy decides what
// follows a failure.
func (s *Scheduler) deliver(ctx context.Context, sc scope, d store.ReminderDelivery) (Result, string, error) {
	if d.State != store.DeliveryPending {
		return "", "skipped", nil // done by a process that stopped before it finished the job
	}
	log := s.log.With("delivery", d.ID, "occurrence", d.Occurrence)
	msg, u, err := s.cmds.PromptMessage(ctx, d)
	if err != nil {
		return Failed, "", fmt.Errorf("render check-in prompt: %w", err)
	}
	log = log.With("user", u.PlatformID)
	if msg == nil {
		if err := s.st.SkipDelivery(ctx, d.ID, "no key results of active objectives"); err != nil {
			return Failed, "", err
		}
		return Skipped, "skipped", nil
	}
	to, err := s.address(ctx, sc, d.WorkspaceID, bot.DirectChat, u.PlatformID)
	if err != nil {
		return Failed, "", fmt.Errorf("address check-in prompt: %w", err)
	}
	ref, err := s.postOnce(ctx, to, *msg)
	if err != nil {
		return Failed, "", err
	}
	now := s.now()
	if err := s.st.DeliverySent(ctx, d, ref.Conversation, ref.ID, now, now.Add(s.cfg.NudgeAfter)); err != nil {
		log.ErrorContext(ctx, "record sent check-in prompt", "err", err)
		return Sent, "sent", nil
	}
	d.Conversation, d.MessageID = ref.Conversation, ref.ID
	s.openThread(ctx, sc, d, u)
	return Sent, "sent", nil
}

// weekOf names the week of a prompt, in its person's time zone, for the team
// thread: 2026-W48.
func weekOf(occurrence time.Time, loc *time.Location) string {
	y, w := occurrence.In(loc).ISOWeek()
	return fmt.Sprintf("%d-W%02d", y, w)
}

// thread returns the weekly thread of a prompt's schedule, recording it
// (and the job that opens it) when this is the first prompt to need it,
// and the address of a reply in it. ok is false when the schedule has no
// channel or the thread is not open yet; the error is permanent when the
// thread could not be opened for good.
func (s *Scheduler) thread(ctx context.Context, sc scope, d store.ReminderDelivery, u store.User) (t store.ReminderThread, in bot.Address, ok bool, err error) {
	sched, err := s.st.ReminderScheduleByID(ctx, d.ScheduleID)
	if err != nil || sched.Channel == "" {
		return t, in, false, err
	}
	week := weekOf(d.Occurrence, s.location(ctx, u))
	if t, err = s.st.OpenThread(ctx, d.WorkspaceID, sched.ID, week, sched.Channel, s.now()); err != nil {
		return t, in, false, err
	}
	if t.MessageID == "" {
		j, err := s.st.JobByKey(ctx, store.JobThread, strconv.FormatUint(uint64(t.ID), 10))
		if err == nil && j.State == store.JobFailed {
			err = &sendError{kind: bot.Permanent, err: fmt.Errorf("team thread not opened: %s", j.Note)}
		}
		return t, in, false, err
	}
	channel, err := s.address(ctx, sc, d.WorkspaceID, bot.Channel, sched.Channel)
	if err != nil {
		return t, in, false, err
	}
	return t, bot.MessageRef{Address: channel, Conversation: t.Conversation, ID: t.MessageID}.InThread(), true, nil
}

// threads opens the teams' weekly threads that prompts sent need: a job
// each, queued by the first prompt of the week sent.
func (s *Scheduler) threads(ctx context.Context, sc scope) error {
	return s.workJobs(ctx, sc, jobKind{name: store.JobThread, kind: Thread, work: s.openTeamThread})
}

func (s *Scheduler) openTeamThread(ctx context.Context, sc scope, j store.Job) (Result, string, error) {
	var args store.ThreadJob
	if err := j.Decode(&args); err != nil {
		return Failed, "", err
	}
	t, err := s.st.ThreadByID(ctx, j.WorkspaceID, args.Thread)
	if err != nil {
		return Failed, "", err
	}
	if t.MessageID != "" {
		return "", "opened", nil
	}
	sched, err := s.st.ReminderScheduleByID(ctx, t.ScheduleID)
	if errors.Is(err, okr.ErrNotFound) {
		return Skipped, "the schedule is gone", nil
	}
	if err != nil {
		return Failed, "", err
	}
	msg, err := s.cmds.ThreadOpening(ctx, sched, t.Week)
	if err != nil {
		return Failed, "", err
	}
	channel, err := s.address(ctx, sc, j.WorkspaceID, bot.Channel, t.Conversation)
	if err != nil {
		return Failed, "", err
	}
	ref, err := s.postOnce(ctx, channel, *msg)
	if err != nil {
		return Failed, "", err
	}
	if err := s.st.ThreadOpened(ctx, t.ID, ref.Conversation, ref.ID); err != nil {
		return Failed, "", err
	}
	return Sent, "opened", nil
}

// openThread records the team thread a sent prompt's check-ins go to.
func (s *Scheduler) openThread(ctx context.Context, sc scope, d store.ReminderDelivery, u store.User) {
	if _, _, _, err := s.thread(ctx, sc, d, u); err != nil && ctx.Err() == nil {
		s.log.WarnContext(ctx, "open team thread", "schedule", d.ScheduleID, "err", err)
	}
}

// promptRef points at a sent prompt, in its person's direct chat.
func (s *Scheduler) promptRef(ctx context.Context, sc scope, d store.ReminderDelivery) (bot.MessageRef, error) {
	u, err := s.st.UserByID(ctx, d.WorkspaceID, d.UserID)
	if err != nil {
		return bot.MessageRef{}, err
	}
	to, err := s.address(ctx, sc, d.WorkspaceID, bot.DirectChat, u.PlatformID)
	return bot.MessageRef{Address: to, Conversation: d.Conversation, ID: d.MessageID}, err
}

// nudge follows up, once, the prompts nobody answered: a job each,
// queued when the prompt was sent.
func (s *Scheduler) nudge(ctx context.Context, sc scope) error {
	return s.workJobs(ctx, sc, jobKind{name: store.JobNudge, kind: Nudge, work: s.sendNudge,
		ended: func(ctx context.Context, tx *store.Store, j store.Job, at time.Time, note string) error {
			var args store.DeliveryJob
			if err := j.Decode(&args); err != nil {
				return err
			}
			// A nudge is a courtesy: one that cannot be sent is dropped.
			return tx.Nudged(ctx, args.Delivery, at)
		},
		gone: func(ctx context.Context, j store.Job, err error) {
			var args store.DeliveryJob
			if j.Decode(&args) != nil {
				return
			}
			d, derr := s.st.DeliveryByID(ctx, j.WorkspaceID, args.Delivery)
			if derr == nil {
				derr = s.st.DeliveryGone(ctx, d, err.Error())
			}
			if derr != nil {
				s.log.ErrorContext(ctx, "turn off reminders of a gone person", "delivery", args.Delivery, "err", derr)
			}
		}})
}

func (s *Scheduler) sendNudge(ctx context.Context, sc scope, j store.Job) (Result, string, error) {
	var args store.DeliveryJob
	if err := j.Decode(&args); err != nil {
		return Failed, "", err
	}
	d, err := s.st.DeliveryByID(ctx, j.WorkspaceID, args.Delivery)
	if err != nil {
		return Failed, "", err
	}
	if d.State != store.DeliverySent || d.NudgedAt != nil || d.CheckedInAt != nil {
		return "", "answered", nil
	}
	if why := s.noNudge(ctx, d); why != "" {
		s.log.InfoContext(ctx, "nudge skipped", "delivery", d.ID, "why", why)
		return Skipped, why, nil
	}
	prompt, err := s.promptRef(ctx, sc, d)
	if err != nil {
		return Failed, "", err
	}
	if _, err := s.postOnce(ctx, prompt.InThread(), *s.cmds.NudgeMessage()); err != nil {
		return Failed, "", err
	}
	return Sent, "sent", nil
}

// noNudge says why a due nudge should not go out, or "" if it should: its
// person turned reminders off or paused them since the prompt, or it is
// overdue by more than the grace period (okrbot was down).
func (s *Scheduler) noNudge(ctx context.Context, d store.ReminderDelivery) string {
	now := s.now()
	if d.NudgeAt != nil && now.Sub(*d.NudgeAt) > s.cfg.Grace {
		return "overdue beyond the grace period"
	}
	p, err := s.st.FindReminderPerson(ctx, d.WorkspaceID, d.UserID)
	switch {
	case err != nil:
		return ""
	case p.Status != store.ReminderOn:
		return "reminders are " + p.Status
	case p.PausedUntil != nil && p.PausedUntil.After(now):
		return "reminders are paused"
	}
	return ""
}

// update redraws answered prompts as "Checked in ✓" and posts the new
// check-ins to the team thread: a job each, queued by the check-in.
func (s *Scheduler) update(ctx context.Context, sc scope) error {
	return s.workJobs(ctx, sc, jobKind{name: store.JobPromptUpdate, kind: Update, work: s.redraw})
}

// permanent reports whether err is a post that failed for a reason trying
// again will not fix, such as a channel okrbot is not in or that was
// archived.
func permanent(err error) bool {
	kind, _ := failureOf(err)
	return err != nil && (kind == bot.Permanent || kind == bot.Gone)
}

func (s *Scheduler) redraw(ctx context.Context, sc scope, j store.Job) (Result, string, error) {
	var args store.DeliveryJob
	if err := j.Decode(&args); err != nil {
		return Failed, "", err
	}
	d, err := s.st.DeliveryByID(ctx, j.WorkspaceID, args.Delivery)
	if err != nil {
		return Failed, "", err
	}
	msg, err := s.cmds.CheckedInMessage(ctx, d)
	if err != nil {
		return Failed, "", err
	}
	prompt, err := s.promptRef(ctx, sc, d)
	if err != nil {
		return Failed, "", err
	}
	result, note := Sent, "redrawn"
	err = s.once(ctx, func() error { return s.sender.Update(ctx, prompt, *msg) })
	if kind, _ := failureOf(err); err != nil && kind != bot.Permanent && kind != bot.Gone {
		return Failed, "", err
	} else if err != nil {
		// The prompt was deleted, or its person left: nothing to redraw,
		// but the team thread is still told.
		s.log.WarnContext(ctx, "prompt cannot be redrawn", "delivery", d.ID, "err", err)
		result, note = Failed, "cannot be redrawn: "+err.Error()
	}
	if err := s.tellThread(ctx, sc, d); err != nil {
		return Failed, "", err
	}
	return result, note, nil
}

// tellThread posts the check-ins a person made since their prompt (or
// since the last ones posted) to their schedule's team thread.
func (s *Scheduler) tellThread(ctx context.Context, sc scope, d store.ReminderDelivery) error {
	u, err := s.st.UserByID(ctx, d.WorkspaceID, d.UserID)
	if err != nil {
		return err
	}
	t, in, ok, err := s.thread(ctx, sc, d, u)
	if permanent(err) {
		// Retrying fails the same way until an admin fixes the channel;
		// this prompt's check-ins are not posted there.
		s.log.WarnContext(ctx, "team thread cannot be opened; check-ins not posted to it", "delivery", d.ID, "schedule", d.ScheduleID, "err", err)
		now := s.now()
		return s.st.ThreadPosted(ctx, d.ID, &now)
	}
	if err != nil {
		return err
	}
	if !ok {
		if t.ID != 0 {
			return &sendError{kind: bot.Temporary, err: errors.New("team thread is being opened")}
		}
		return s.st.ThreadPosted(ctx, d.ID, nil)
	}
	after := d.ThreadPostedAt
	if after == nil || (d.SentAt != nil && after.Before(*d.SentAt)) {
		after = d.SentAt
	}
	cs, err := s.st.CheckInsBy(ctx, d.WorkspaceID, d.UserID, after)
	if err != nil {
		return err
	}
	if len(cs) == 0 {
		return s.st.ThreadPosted(ctx, d.ID, nil)
	}
	reply, err := s.cmds.ThreadCheckIns(ctx, u, cs)
	if err != nil {
		return err
	}
	_, err = s.postOnce(ctx, in, *reply)
	if ctx.Err() == nil {
		s.outcome(Thread, err)
	}
	if permanent(err) {
		s.log.WarnContext(ctx, "check-ins cannot be posted to the team thread", "delivery", d.ID, "channel", t.Conversation, "err", err)
	} else if err != nil {
		return err
	}
	last := cs[len(cs)-1].CreatedAt
	return s.st.ThreadPosted(ctx, d.ID, &last)
}
