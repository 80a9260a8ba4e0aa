package loadtest

import (
	"encoding/json"
	"fmt"
	"io"
	"math"
	"slices"
	"strings"
	"text/tabwriter"
	"time"
)

// Result is what one kind of request met at one target.
type Result struct {
	Target string `json:"target"`
	// Sent names what was sent, like "/okr list all".
	Sent  string `json:"sent"`
	Count int    `json:"count"`
	// AckNot200 counts acks that were not 200, or did not come at all.
	AckNot200 int       `json:"ack_not_200"`
	Ack       Latencies `json:"ack"`
	// Reply is from sending to the reply's arrival (the ack's, when the
	// reply came in it).
	Reply      Latencies `json:"reply"`
	Correct    int       `json:"correct"`
	Busy       int       `json:"busy"`
	Errors     int       `json:"error"`
	Missing    int       `json:"missing"`
	Duplicates int       `json:"duplicate"`
	// Examples are the first different error replies, as shown.
	Examples []string `json:"error_examples,omitempty"`
	// LateMax is how late the generator sent its latest request: large
	// values mean the load tool itself could not keep the rate.
	LateMax time.Duration `json:"late_max_ns"`
	// CPUPerRequest is the target's processor time over the run divided
	// by the requests sent; 0 when not known.
	CPUPerRequest time.Duration `json:"cpu_per_request_ns"`
}

// Latencies are the median, 99th percentile and maximum of some
// durations, and how many there were.
type Latencies struct {
	N   int           `json:"n"`
	P50 time.Duration `json:"p50_ns"`
	P99 time.Duration `json:"p99_ns"`
	Max time.Duration `json:"max_ns"`
}

// summarize takes the nearest-rank percentiles of ds.
func summarize(ds []time.Duration) Latencies {
	if len(ds) == 0 {
		return Latencies{}
	}
	slices.Sort(ds)
	rank := func(p float64) time.Duration {
		i := int(math.Ceil(float64(len(ds))*p-1e-9)) - 1
		return ds[max(0, min(i, len(ds)-1))]
	}
	return Latencies{N: len(ds), P50: rank(0.50), P99: rank(0.99), Max: ds[len(ds)-1]}
}

// Report is a whole loadtest: how it was run and its results.
type Report struct {
	Database string        `json:"database"`
	Scenario string        `json:"scenario"`
	Rate     float64       `json:"rate"`
	Duration time.Duration `json:"duration_ns"`
	Results  []Result      `json:"results"`
	// Wave is what became of the prompts of a wave; nil without one.
	Wave *WaveResult `json:"wave,omitempty"`
}

// clean says whether the run ended with every request acked and
// answered, correctly or busy.
func (r Report) clean() bool {
	if len(r.Results) == 0 || (r.Wave != nil && !r.Wave.clean()) {
		return false
	}
	for _, res := range r.Results {
		if res.AckNot200+res.Errors+res.Missing > 0 {
			return false
		}
	}
	return true
}

// WriteJSON writes the report as one JSON object.
func (r Report) WriteJSON(w io.Writer) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(r)
}

// WriteText writes the report as a table, one column a result.
func (r Report) WriteText(w io.Writer) error {
	fmt.Fprintf(w, "%g requests a second for %s on %s; %s\n\n", r.Rate, r.Duration, r.Database, r.Scenario)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	row := func(label string, cell func(Result) string) {
		cells := []string{label}
		for _, res := range r.Results {
			cells = append(cells, cell(res))
		}
		fmt.Fprintln(tw, strings.Join(cells, "\t")+"\t")
	}
	row("", func(res Result) string { return res.Target })
	row("", func(res Result) string { return res.Sent })
	count := func(f func(Result) int) func(Result) string {
		return func(res Result) string { return fmt.Sprint(f(res)) }
	}
	latency := func(f func(Result) Latencies, pick func(Latencies) time.Duration) func(Result) string {
		return func(res Result) string {
			if f(res).N == 0 {
				return "—"
			}
			return millis(pick(f(res)))
		}
	}
	ack := func(res Result) Latencies { return res.Ack }
	reply := func(res Result) Latencies { return res.Reply }
	p50 := func(l Latencies) time.Duration { return l.P50 }
	p99 := func(l Latencies) time.Duration { return l.P99 }
	most := func(l Latencies) time.Duration { return l.Max }
	row("sent", count(func(res Result) int { return res.Count }))
	row("ack p50", latency(ack, p50))
	row("ack p99", latency(ack, p99))
	row("ack max", latency(ack, most))
	row("ack not 200 (or none)", count(func(res Result) int { return res.AckNot200 }))
	row("reply p50", latency(reply, p50))
	row("reply p99", latency(reply, p99))
	row("reply max", latency(reply, most))
	row("correct", count(func(res Result) int { return res.Correct }))
	row("busy", count(func(res Result) int { return res.Busy }))
	row("error", count(func(res Result) int { return res.Errors }))
	row("missing", count(func(res Result) int { return res.Missing }))
	row("duplicate replies", count(func(res Result) int { return res.Duplicates }))
	row("sent late by (max)", func(res Result) string { return millis(res.LateMax) })
	row("server CPU per request", func(res Result) string {
		if res.CPUPerRequest == 0 {
			return "—"
		}
		return millis(res.CPUPerRequest)
	})
	if err := tw.Flush(); err != nil {
		return err
	}
	for _, res := range r.Results {
		for _, e := range res.Examples {
			fmt.Fprintf(w, "\n%s, %s: error reply: %s", res.Target, res.Sent, strings.ReplaceAll(e, "\n", " "))
		}
	}
	if _, err := fmt.Fprintln(w); err != nil {
		return err
	}
	if r.Wave != nil {
		return r.Wave.writeText(w)
	}
	return nil
}

// writeText writes the wave's block of the report.
func (r *WaveResult) writeText(w io.Writer) error {
	fmt.Fprintf(w, "\nwave: %d check-in prompts due at the start, Slack taking %d messages a second\n\n", r.People, r.Rate)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	when := func(d time.Duration) string {
		if r.Sent == 0 {
			return "—"
		}
		return seconds(d)
	}
	for _, row := range [][2]string{
		{"prompts sent", fmt.Sprint(r.Sent)},
		{"sent while the load ran", fmt.Sprint(r.DuringLoad)},
		{"duplicates", fmt.Sprint(r.Duplicates)},
		{"missing", fmt.Sprint(r.Missing)},
		{"answered 429", fmt.Sprint(r.RateLimited)},
		{"first prompt after", when(r.First)},
		{"last prompt after", when(r.Last)},
		{"rate-limit minimum", seconds(time.Duration(float64(r.People) / float64(r.Rate) * float64(time.Second)))},
	} {
		fmt.Fprintf(tw, "%s\t%s\t\n", row[0], row[1])
	}
	return tw.Flush()
}

// seconds shows a duration in seconds, to a tenth.
func seconds(d time.Duration) string { return fmt.Sprintf("%.1f s", d.Seconds()) }

// millis shows a duration in milliseconds, to three significant digits.
func millis(d time.Duration) string {
	ms := float64(d) / float64(time.Millisecond)
	switch {
	case ms >= 100:
		return fmt.Sprintf("%.0f ms", ms)
	case ms >= 10:
		return fmt.Sprintf("%.1f ms", ms)
	}
	return fmt.Sprintf("%.2f ms", ms)
}
