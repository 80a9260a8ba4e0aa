package reminders

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"runtime/debug"
	"sync"
	"time"

	"github.com/okrbot/okrbot/bot"
	"github.com/okrbot/okrbot/store"
)

// The one retry policy of every job, whatever its kind: see retryPolicy.
const (
	// maxJobAttempts is how many tries a job that keeps failing gets
	// before it is given up. With jobBackoff's waits they span about two
	// and a half hours on average, five at most: a platform's outage is
	// waited out, a fault that lasts is not retried forever.
	maxJobAttempts = 12
	// jobBackoffBase and jobBackoffCap bound the wait after a failed try:
	// 1m, 2m, 4m, … up to an hour, of which a random part is waited.
	jobBackoffBase = time.Minute
	jobBackoffCap  = time.Hour
)

// jobBackoff is the most a job waits after its failed try number attempt
// (from 1): 1m, 2m, 4m, … up to an hour.
func jobBackoff(attempt int) time.Duration {
	return min(jobBackoffBase<<min(max(attempt-1, 0), 10), jobBackoffCap)
}

// fullJitter is a random wait between 0 and d: replicas, and the many
// jobs one outage failed at once, do not come back all at the same time.
func fullJitter(d time.Duration) time.Duration {
	if d <= 0 {
		return 0
	}
	return rand.N(d + 1)
}

// A jobKind is a kind of job the scheduler works: what one try of it does,
// and what is recorded on the kind's own rows when it ends.
type jobKind struct {
	// name is the store's kind of job.
	name string
	// kind is what it delivers, for the counts and the Observer.
	kind Kind
	// work tries the job once. On success it says whether a message
	// went out (Sent) or none was needed (Skipped; "" when not worth
	// counting: the work was done otherwise), and a note that says why;
	// on failure the retry policy decides what follows.
	work func(ctx context.Context, sc scope, j store.Job) (Result, string, error)
	// ended, when set, records the end of the job (a note: "sent", or why
	// not) on the kind's own row, once the job ended.
	ended func(ctx context.Context, tx *store.Store, j store.Job, at time.Time, note string) error
	// gone, when set, turns off what the job's recipient asked for, when
	// the platform says they are gone or unreachable.
	gone func(ctx context.Context, j store.Job, err error)
}

// workJobs claims the due jobs of a kind, a batch at a time, and works
// them with the configured number of workers, until none is due. The
// panics of jobs are reported in its error, once the others are done.
func (s *Scheduler) workJobs(ctx context.Context, sc scope, k jobKind) error {
	return s.workFed(ctx, sc, k, s.cfg.Batch, nil)
}

// workFed is workJobs for jobs that another goroutine is still inserting:
// while claimDone is open, it waits on claimed when none is due. It leases
// batch jobs at a time, and holds at most heldPerWorker per worker, so
// that a replica does not take more than it can soon work.
func (s *Scheduler) workFed(ctx context.Context, sc scope, k jobKind, batch int, feed *feed) error {
	inFlight := make(lanes, s.cfg.Workers)
	held := make(chan struct{}, heldPerWorker*s.cfg.Workers)
	var wg sync.WaitGroup
	var mu sync.Mutex
	var panics []error
	result := func(err error) error {
		wg.Wait()
		mu.Lock()
		defer mu.Unlock()
		return errors.Join(append(panics, err)...)
	}
	for ctx.Err() == nil {
		finished := feed == nil || isClosed(feed.done)
		now := s.now()
		js, err := s.st.ClaimJobs(ctx, []string{k.name}, sc.ids, now, s.cfg.Lease, batch)
		if err != nil || (len(js) == 0 && finished) {
			return result(err)
		}
		if len(js) == 0 {
			select {
			case <-feed.claimed:
			case <-feed.done:
			case <-ctx.Done():
			}
			continue
		}
		deadline := now.Add(s.cfg.Lease / 2)
		for _, j := range js {
			select {
			case held <- struct{}{}:
			case <-ctx.Done():
				return result(ctx.Err())
			}
			inFlight.take()
			wg.Go(func() {
				defer func() { <-held }()
				defer inFlight.give()
				if p := s.work(ctx, sc, k, j, deadline, inFlight); p != nil {
					mu.Lock()
					panics = append(panics, p)
					mu.Unlock()
				}
			})
		}
	}
	return result(ctx.Err())
}

// feed is how the goroutine inserting jobs tells workFed about them.
type feed struct {
	// claimed has a value when jobs were inserted.
	claimed chan struct{}
	// done is closed when no more will be.
	done chan struct{}
}

// work tries a job until the retry policy says it is done, or that it
// waits past deadline (the middle of the lease): then it is handed back to
// be tried later, by whichever process claims it. While it waits within
// the lease, it gives its lane to another job. It returns the job's panic.
func (s *Scheduler) work(ctx context.Context, sc scope, k jobKind, j store.Job, deadline time.Time, l lanes) error {
	var panicked error
	for {
		result, note, err := s.try(ctx, sc, k, j)
		if ctx.Err() != nil {
			return panicked // stopping: the lease runs out and the job is worked after the restart
		}
		if p, ok := errors.AsType[*jobPanic](err); ok {
			panicked = p
		}
		wait, counted := s.settle(ctx, k, j, result, note, err, deadline)
		if wait <= 0 {
			return panicked
		}
		l.give()
		err = s.sleep(ctx, wait)
		l.take()
		if err != nil {
			return panicked
		}
		if counted {
			j.Attempt++
		}
	}
}

// jobPanic is a try of a job that panicked.
type jobPanic struct{ value any }

func (p *jobPanic) Error() string { return fmt.Sprintf("panic: %v", p.value) }

// try works a job once, turning a panic into an error of the try, so that
// one job's bug neither stops the others nor escapes the retry policy.
func (s *Scheduler) try(ctx context.Context, sc scope, k jobKind, j store.Job) (result Result, note string, err error) {
	defer func() {
		if p := recover(); p != nil {
			s.log.ErrorContext(ctx, "panic in job", "job", j.ID, "kind", j.Kind, "panic", p, "stack", string(debug.Stack()))
			result, note, err = Failed, "", &jobPanic{value: p}
		}
	}()
	return k.work(ctx, sc, j)
}

// settle is the one retry policy, applied to every try of every job:
//
//   - done: the job ends ("sent", or why nothing was sent);
//   - rate-limited: the job is snoozed for the wait the platform asked
//     for (Retry-After), and the try does not count as an attempt;
//   - gone or unreachable recipient: what they asked for is turned off,
//     and the job ends as failed;
//   - permanent failure (a channel okrbot is not in, a message the
//     platform refuses): the job ends as failed, at once;
//   - anything else (the platform down or slow, an error of okrbot's own):
//     the job is tried again after a random part (full jitter) of
//     jobBackoff, until maxJobAttempts tries failed; then it ends as
//     failed.
//
// A failed job's note says why, for whoever looks at it. A wait that ends
// before deadline is waited out by the caller, which holds the job's
// lease: settle returns it, and whether the next try counts as an
// attempt. A longer one hands the job back, due when the wait ends.
func (s *Scheduler) settle(ctx context.Context, k jobKind, j store.Job, result Result, note string, err error, deadline time.Time) (time.Duration, bool) {
	log := s.log.With("job", j.ID, "kind", j.Kind, "attempt", j.Attempt)
	now := s.now()
	fkind, wait := failureOf(err)
	switch {
	case err == nil:
		if result != "" {
			s.count(k.kind, result)
		}
		s.end(ctx, k, j, store.JobDone, note)
	case fkind == bot.RateLimited:
		s.count(k.kind, RateLimited)
		wait = max(wait, time.Second)
		if now.Add(wait).Before(deadline) {
			return wait, false
		}
		log.InfoContext(ctx, "job snoozed: the platform asked to wait", "retry_in", wait, "err", err)
		if err := s.st.SnoozeJob(ctx, j, now.Add(wait), err.Error()); err != nil {
			log.ErrorContext(ctx, "snooze job", "err", err)
		}
	case fkind == bot.Gone || fkind == bot.Unreachable:
		s.count(k.kind, Gone)
		log.WarnContext(ctx, "job given up: its recipient is gone from their chat platform, or okrbot is not installed for them", "err", err)
		if k.gone != nil {
			// What the kind turns off records the end on its row.
			k.gone(ctx, j, err)
			k.ended = nil
		}
		s.end(ctx, k, j, store.JobFailed, "gone: "+err.Error())
	case fkind == bot.Permanent:
		s.count(k.kind, Failed)
		log.ErrorContext(ctx, "job given up: the platform refused it", "err", err)
		s.end(ctx, k, j, store.JobFailed, "failed: "+err.Error())
	case j.Attempt >= maxJobAttempts:
		s.count(k.kind, Failed)
		log.ErrorContext(ctx, "job given up: it kept failing", "err", err)
		s.end(ctx, k, j, store.JobFailed, fmt.Sprintf("failed after %d attempts: %s", j.Attempt, err))
	default:
		s.count(k.kind, Retried)
		wait = s.jitter(jobBackoff(j.Attempt))
		if now.Add(wait).Before(deadline) {
			return wait, true
		}
		log.WarnContext(ctx, "job failed; will retry", "retry_in", wait, "err", err)
		if err := s.st.RetryJob(ctx, j, now.Add(wait), err.Error()); err != nil {
			log.ErrorContext(ctx, "retry job", "err", err)
		}
	}
	return 0, false
}

// end finishes a job, then records its end on the kind's row; nothing is
// recorded when the process no longer held it. The two are not one
// transaction, to keep a wave of prompts to a few statements each: what
// ended records is the outcome already in the job's note.
func (s *Scheduler) end(ctx context.Context, k jobKind, j store.Job, state store.JobState, note string) {
	at := s.now()
	held, err := s.st.FinishJob(ctx, j, state, at, note)
	if err == nil && held && k.ended != nil {
		err = k.ended(ctx, s.st, j, at, note)
	}
	if err != nil {
		s.log.ErrorContext(ctx, "finish job", "job", j.ID, "kind", j.Kind, "err", err)
	}
}
