package loadtest

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"net/http"
	"slices"
	"sync"
	"time"
)

// Load is what a run sends: Rate requests a second for Duration, each from
// the next of People in turn, a ClickShare of them clicks and the rest the
// command.
type Load struct {
	Rate     float64
	Duration time.Duration
	// Wait is how long replies may take after the last request went out;
	// a request without one by then is missing.
	Wait       time.Duration
	Command    Request
	Click      Request
	ClickShare float64
	// ClickAs, when set, names who clicks instead of the next of People:
	// someone whose prompt is out, say. "" leaves it to People.
	ClickAs func() string
	Team    string
	People  []string
	Secret  string
}

// Count is how many requests the load sends.
func (l Load) Count() int { return int(math.Round(l.Rate * l.Duration.Seconds())) }

// isClick says whether request i is a click: clicks are spread evenly,
// ClickShare of every run of requests.
func (l Load) isClick(i int) bool {
	return math.Floor(float64(i+1)*l.ClickShare) > math.Floor(float64(i)*l.ClickShare)
}

// Target is a server that answers Slack's requests.
type Target struct {
	// Name heads its column in the report.
	Name string
	// Events is its request URL, like http://127.0.0.1:3000/slack/events.
	Events string
	// CPU reads the processor time its process has used so far; nil when
	// it is not known.
	CPU func() (time.Duration, error)
}

// request is one request of a run and what became of it.
type request struct {
	kind    int // index into the run's results
	want    []string
	settled chan<- struct{}

	mu       sync.Mutex
	sent     time.Time
	ackAt    time.Time
	status   int // of the ack; 0 when there was none
	answered bool
	replyAt  time.Time
	class    Class
	reply    []byte // kept when the class is Error, for the examples
	extra    int    // replies after the first
	done     bool   // acked and answered: settled
}

// replied takes a reply: the first one answers the request.
func (r *request) replied(at time.Time, body []byte) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.answered {
		r.extra++
		return
	}
	r.answered, r.replyAt, r.class = true, at, classify(body, r.want)
	if r.class == Error {
		r.reply = body
	}
	r.settleLocked()
}

// acked takes the ack. One that is not 200 answers the request as an
// error: Slack shows the person that the command failed. A body in a 200
// ack is a reply Slack shows at once (okrbot's "busy" answer is one).
func (r *request) acked(at time.Time, status int, body []byte) {
	r.mu.Lock()
	r.ackAt, r.status = at, status
	if status != http.StatusOK && !r.answered {
		r.answered, r.class = true, Error
		r.reply = fmt.Appendf(nil, "ack %d %s", status, body)
	}
	r.settleLocked()
	r.mu.Unlock()
	if status == http.StatusOK && len(body) > 0 {
		r.replied(at, body)
	}
}

// settleLocked tells the run once the request has both its ack and its
// answer, so that it is counted whole.
func (r *request) settleLocked() {
	if !r.done && !r.ackAt.IsZero() && r.answered {
		r.done = true
		r.settled <- struct{}{}
	}
}

// newClient is an HTTP client that is never the bottleneck: it keeps as
// many connections open to the target as the load needs.
func newClient(timeout time.Duration) *http.Client {
	return &http.Client{Timeout: timeout, Transport: &http.Transport{
		MaxIdleConns:        0, // no limit
		MaxIdleConnsPerHost: 10_000,
		IdleConnTimeout:     90 * time.Second,
		DisableCompression:  true,
	}}
}

// Run sends load to target, open loop: request i goes out at i/Rate
// seconds, in a goroutine of its own, whatever the earlier ones are
// waiting for. It returns once every request has its reply or Wait has
// passed after the last went out, with one result for the commands and
// one for the clicks (when there are any).
func Run(ctx context.Context, target Target, load Load, sink *Sink) ([]Result, error) {
	n := load.Count()
	if n == 0 || load.Rate <= 0 {
		return nil, fmt.Errorf("nothing to send: %v a second for %s", load.Rate, load.Duration)
	}
	if len(load.People) == 0 {
		return nil, fmt.Errorf("no people to send as")
	}
	kinds := []Request{load.Command}
	if load.ClickShare > 0 {
		kinds = append(kinds, load.Click)
	}
	client := newClient(load.Wait + load.Duration)
	defer client.CloseIdleConnections()
	settled := make(chan struct{}, n)
	reqs := make([]*request, n)
	ids := make([]string, n)
	run := fmt.Sprintf("%s-%d", target.Name, time.Now().UnixNano())
	for i := range reqs {
		kind := 0
		if load.isClick(i) {
			kind = 1
		}
		reqs[i] = &request{kind: kind, want: kinds[kind].Want, settled: settled}
		ids[i] = fmt.Sprintf("%s-%d", run, i)
	}
	defer sink.forget(ids)

	cpu0, err := readCPU(target)
	if err != nil {
		return nil, err
	}
	// Sends still waiting for their ack when the run ends are given up
	// on, so that the next run starts clean.
	sending, giveUp := context.WithCancel(ctx)
	defer giveUp()
	interval := time.Duration(float64(time.Second) / load.Rate)
	start := time.Now()
	var lateMax time.Duration
	for i, r := range reqs {
		due := start.Add(time.Duration(i) * interval)
		if wait := time.Until(due); wait > 0 {
			select {
			case <-time.After(wait):
			case <-ctx.Done():
				return nil, ctx.Err()
			}
		}
		lateMax = max(lateMax, time.Since(due))
		user := load.People[i%len(load.People)]
		if r.kind == 1 && load.ClickAs != nil {
			if u := load.ClickAs(); u != "" {
				user = u
			}
		}
		responseURL := sink.expect(ids[i], r)
		go send(sending, client, kinds[r.kind], target.Events, load, user, responseURL, r)
	}
	deadline := time.After(load.Wait)
wait:
	for range n {
		select {
		case <-settled:
		case <-deadline:
			break wait
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
	// A server that stopped has no CPU time to read; its results stand.
	cpu1, cpuErr := readCPU(target)
	results := make([]Result, len(kinds))
	for k, kind := range kinds {
		results[k] = tally(target.Name, kind.Name, reqs, k)
		results[k].LateMax = lateMax
		if cpuErr == nil && target.CPU != nil {
			results[k].CPUPerRequest = (cpu1 - cpu0) / time.Duration(n)
		}
	}
	return results, nil
}

func readCPU(t Target) (time.Duration, error) {
	if t.CPU == nil {
		return 0, nil
	}
	return t.CPU()
}

// send sends one request and takes its ack.
func send(ctx context.Context, client *http.Client, kind Request, events string, load Load, user, responseURL string, r *request) {
	at := time.Now()
	req := kind.build(events, load.Secret, load.Team, user, responseURL, at).WithContext(ctx)
	r.mu.Lock()
	r.sent = at
	r.mu.Unlock()
	resp, err := client.Do(req)
	if err != nil {
		r.acked(time.Now(), 0, []byte(err.Error()))
		return
	}
	body, _ := io.ReadAll(io.LimitReader(resp.Body, maxReply))
	resp.Body.Close()
	r.acked(time.Now(), resp.StatusCode, body)
}

// tally sums up the requests of one kind.
func tally(target, name string, reqs []*request, kind int) Result {
	res := Result{Target: target, Sent: name}
	var acks, replies []time.Duration
	for _, r := range reqs {
		if r.kind != kind {
			continue
		}
		r.mu.Lock()
		res.Count++
		if !r.ackAt.IsZero() {
			acks = append(acks, r.ackAt.Sub(r.sent))
		}
		if r.status != http.StatusOK {
			res.AckNot200++
		}
		if r.answered && !r.replyAt.IsZero() {
			replies = append(replies, r.replyAt.Sub(r.sent))
		}
		switch r.class {
		case Correct:
			res.Correct++
		case Busy:
			res.Busy++
		case Error:
			res.Errors++
			if e := example(r.reply); len(res.Examples) < 3 && !slices.ContainsFunc(res.Examples, alike(e)) {
				res.Examples = append(res.Examples, e)
			}
		case Missing:
			res.Missing++
		}
		res.Duplicates += r.extra
		r.mu.Unlock()
	}
	res.Ack, res.Reply = summarize(acks), summarize(replies)
	return res
}

// alike says whether an example starts as e does: replies that differ
// only at the end (an error id) are one example.
func alike(e string) func(string) bool {
	start := func(s string) string { return string([]rune(s)[:min(len([]rune(s)), 40)]) }
	return func(other string) bool { return start(other) == start(e) }
}

// example is the start of an error reply: its text, or all it shows.
func example(body []byte) string {
	var msg struct{ Text string }
	text := shownText(body)
	if json.Unmarshal(body, &msg) == nil && msg.Text != "" {
		text = msg.Text
	}
	s := []rune(text)
	if len(s) > 160 {
		s = append(s[:160], '…')
	}
	return string(s)
}
