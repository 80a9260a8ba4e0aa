package loadtest

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/okrbot/okrbot/internal/fakeslack"
	"github.com/okrbot/okrbot/okr"
	"github.com/okrbot/okrbot/store"
)

// Wave is a Monday morning in a large company: People more people in the
// scenario's workspace, each owning an objective with a key result, whose
// weekly check-in prompt falls due the moment the load starts, so that
// okrbot's scheduler sends them all while the commands come in. Slack
// takes Rate messages a second from the workspace, and okrbot is told to
// send no faster.
//
// Their objectives are in the quarter after the scenario's, so /okr list
// all shows the same list with or without a wave, and the commands do the
// same work.
type Wave struct {
	People int
	Rate   int
	// Wait is how long after the load starts every prompt must have been
	// sent; later ones are missing.
	Wait time.Duration
}

// waveTZ is where the wave's people live.
const waveTZ = "Europe/Berlin"

// wavePrefix starts the Slack user ids of the wave's people.
const wavePrefix = "UWAVE"

// PeopleIDs are the Slack user ids of the wave's people.
func (w Wave) PeopleIDs() []string {
	ids := make([]string, w.People)
	for i := range ids {
		ids[i] = fmt.Sprintf("%s%05d", wavePrefix, i+1)
	}
	return ids
}

// Seed adds the wave's people to the workspace of team, with their
// objectives, key results and reminder settings, in a few statements: as
// if okrbot's scheduler had planned their next prompt a week ahead. The
// workspace must not hold them yet. Due makes the prompts due.
func (w Wave) Seed(ctx context.Context, st *store.Store, team string, now time.Time) error {
	ws, err := st.Workspace(ctx, platform, team)
	if err != nil {
		return err
	}
	berlin, err := time.LoadLocation(waveTZ)
	if err != nil {
		return err
	}
	sched, err := st.EnsureReminderSchedule(ctx, ws.ID, 0, store.ReminderScheduleOf(okr.DefaultWeeklyTime))
	if err != nil {
		return err
	}
	period, err := st.EnsurePeriod(ctx, ws.ID, okr.QuarterOf(now).Next())
	if err != nil {
		return err
	}
	// Objectives and key results share the workspace's short numbers.
	base, err := reserveNumbers(ctx, st, ws.ID, 2*w.People)
	if err != nil {
		return err
	}
	next := sched.Weekly().Next(now, berlin).UTC()
	return st.InTx(ctx, func(tx *store.Store) error {
		people := make([]store.User, w.People)
		for i, id := range w.PeopleIDs() {
			people[i] = store.User{WorkspaceID: ws.ID, PlatformID: id, Name: strings.ToLower(id), TZ: waveTZ}
		}
		if err := tx.InsertAll(ctx, &people, 500); err != nil {
			return fmt.Errorf("seed the wave's people: %w", err)
		}
		objectives := make([]store.Objective, w.People)
		for i, p := range people {
			objectives[i] = store.Objective{WorkspaceID: ws.ID, Number: base + int64(2*i+1), OwnerID: p.ID, PeriodID: period.ID,
				Status: okr.Active, Title: "Delight the customers of " + p.PlatformID}
		}
		if err := tx.InsertAll(ctx, &objectives, 500); err != nil {
			return fmt.Errorf("seed the wave's objectives: %w", err)
		}
		krs := make([]store.KeyResult, w.People)
		for i, o := range objectives {
			krs[i] = store.KeyResult{WorkspaceID: ws.ID, Number: o.Number + 1, ObjectiveID: o.ID, Position: 1,
				Title: "Raise NPS", OwnerID: &people[i].ID, Weight: 1,
				Measure: okr.Measure{Kind: okr.Metric, Start: 0, Target: 50, Current: 20}}
		}
		if err := tx.InsertAll(ctx, &krs, 500); err != nil {
			return fmt.Errorf("seed the wave's key results: %w", err)
		}
		planned := make([]store.ReminderPerson, w.People)
		for i, p := range people {
			planned[i] = store.ReminderPerson{WorkspaceID: ws.ID, UserID: p.ID, Status: store.ReminderOn,
				ScheduleID: sched.ID, TZ: waveTZ, NextAt: &next}
		}
		if err := tx.InsertAll(ctx, &planned, 500); err != nil {
			return fmt.Errorf("plan the wave's prompts: %w", err)
		}
		return nil
	})
}

// reserveNumbers takes n short numbers of a workspace at once and returns
// the last one taken before them.
func reserveNumbers(ctx context.Context, st *store.Store, workspaceID uint, n int) (int64, error) {
	var last int64
	err := st.Pool().QueryRowContext(ctx, `UPDATE workspaces SET last_number = last_number + $1 WHERE id = $2 RETURNING last_number`,
		n, workspaceID).Scan(&last)
	if err != nil {
		return 0, fmt.Errorf("reserve %d numbers: %w", n, err)
	}
	return last - int64(n), nil
}

// Due makes the wave's prompts due at once, as an admin would with
// `/okr remind set` for the minute of at, had the scheduler planned them
// before: the workspace's schedule becomes that weekday and time in
// Berlin, and the wave's next prompt that minute. Everyone else's next
// prompt is planned again, a week on. It returns the occurrence.
func (w Wave) Due(ctx context.Context, st *store.Store, team string, at time.Time) (time.Time, error) {
	ws, err := st.Workspace(ctx, platform, team)
	if err != nil {
		return time.Time{}, err
	}
	berlin, err := time.LoadLocation(waveTZ)
	if err != nil {
		return time.Time{}, err
	}
	occ := at.In(berlin).Truncate(time.Minute)
	sched, err := st.SaveReminderSchedule(ctx, store.ReminderSchedule{WorkspaceID: ws.ID,
		Weekday: int(occ.Weekday()), Minute: occ.Hour()*60 + occ.Minute(), EveryWeeks: 1})
	if err != nil {
		return time.Time{}, err
	}
	// Saving the schedule forgot everyone's next prompt; the scheduler
	// plans only those still without one, so the wave's are kept.
	_, err = st.Pool().ExecContext(ctx, `UPDATE reminder_people SET next_at = $1, schedule_id = $2
WHERE workspace_id = $3 AND user_id IN (SELECT id FROM users WHERE workspace_id = $3 AND platform_id LIKE $4)`,
		occ.UTC(), sched.ID, ws.ID, wavePrefix+"%")
	if err != nil {
		return time.Time{}, fmt.Errorf("make the wave's prompts due: %w", err)
	}
	return occ, nil
}

// WaveResult is what became of a wave's prompts.
type WaveResult struct {
	People int `json:"people"`
	Rate   int `json:"rate"`
	// Sent counts the prompts Slack took, Duplicates the ones a person got
	// more than once and Missing the people who got none by the deadline.
	Sent       int `json:"sent"`
	Duplicates int `json:"duplicates"`
	Missing    int `json:"missing"`
	// DuringLoad counts the prompts sent while the commands were sent.
	DuringLoad int `json:"sent_during_load"`
	// RateLimited counts the messages Slack answered with 429.
	RateLimited int `json:"rate_limited"`
	// First and Last are from the start of the load to the first and the
	// last prompt.
	First time.Duration `json:"first_ns"`
	Last  time.Duration `json:"last_ns"`
}

// clean says whether every person got their prompt, once.
func (r *WaveResult) clean() bool { return r.Missing+r.Duplicates == 0 }

// promptWatch counts the wave's prompts at the fake Slack: messages to a
// wave person's direct chat, not in a thread, that Slack took.
type promptWatch struct {
	slack *fakeslack.Server
	wave  Wave
	// person is the wave person of each direct chat.
	person map[string]string

	mu sync.Mutex
	// prompted are the people whose prompt is out, in the order it went;
	// scanned is how many of the fake's messages were read for them.
	prompted []string
	seen     map[string]bool
	scanned  int
	clicks   int
}

func watchPrompts(slack *fakeslack.Server, w Wave) *promptWatch {
	pw := &promptWatch{slack: slack, wave: w, person: make(map[string]string, w.People), seen: map[string]bool{}}
	for _, id := range w.PeopleIDs() {
		pw.person[slack.DMChannel(id)] = id
	}
	return pw
}

// isPrompt says whether a message is a prompt Slack took, and whose.
func (pw *promptWatch) isPrompt(c fakeslack.Call) (string, bool) {
	person, ok := pw.person[c.Params.Get("channel")]
	return person, ok && c.Params.Get("thread_ts") == "" && c.Status == 200 && c.Error == ""
}

// follow keeps the list of people whose prompt is out until ctx ends.
func (pw *promptWatch) follow(ctx context.Context) {
	poll := time.NewTicker(100 * time.Millisecond)
	defer poll.Stop()
	for {
		select {
		case <-poll.C:
		case <-ctx.Done():
			return
		}
		calls := pw.slack.Calls("chat.postMessage")
		pw.mu.Lock()
		for _, c := range calls[pw.scanned:] {
			if person, ok := pw.isPrompt(c); ok && !pw.seen[person] {
				pw.seen[person] = true
				pw.prompted = append(pw.prompted, person)
			}
		}
		pw.scanned = len(calls)
		pw.mu.Unlock()
	}
}

// clicker is the next person to click "Nothing changed" on their prompt:
// those whose prompt is out, in turn; "" while there are none.
func (pw *promptWatch) clicker() string {
	pw.mu.Lock()
	defer pw.mu.Unlock()
	if len(pw.prompted) == 0 {
		return ""
	}
	pw.clicks++
	return pw.prompted[(pw.clicks-1)%len(pw.prompted)]
}

// count tallies the prompts so far: start is when the load started and
// loadEnd when its last request went out.
func (pw *promptWatch) count(start, loadEnd time.Time) WaveResult {
	res := WaveResult{People: pw.wave.People, Rate: pw.wave.Rate}
	per := map[string]int{}
	var first, last time.Time
	for _, c := range pw.slack.Calls("chat.postMessage") {
		person, ok := pw.isPrompt(c)
		if !ok {
			if _, toWave := pw.person[c.Params.Get("channel")]; toWave && c.Status == 429 {
				res.RateLimited++
			}
			continue
		}
		per[person]++
		res.Sent++
		if !c.At.After(loadEnd) {
			res.DuringLoad++
		}
		if first.IsZero() || c.At.Before(first) {
			first = c.At
		}
		if c.At.After(last) {
			last = c.At
		}
	}
	for _, n := range per {
		res.Duplicates += n - 1
	}
	res.Missing = pw.wave.People - len(per)
	if res.Sent > 0 {
		res.First, res.Last = first.Sub(start), last.Sub(start)
	}
	return res
}

// wait polls until every person has their prompt or the wave's Wait after
// start has passed, and returns the tally then.
func (pw *promptWatch) wait(ctx context.Context, start, loadEnd time.Time) (WaveResult, error) {
	deadline := time.NewTimer(time.Until(start.Add(pw.wave.Wait)))
	defer deadline.Stop()
	poll := time.NewTicker(250 * time.Millisecond)
	defer poll.Stop()
	for {
		res := pw.count(start, loadEnd)
		if res.Missing == 0 {
			return res, nil
		}
		select {
		case <-poll.C:
		case <-deadline.C:
			return pw.count(start, loadEnd), nil
		case <-ctx.Done():
			return res, ctx.Err()
		}
	}
}
