package metrics

import (
	"context"
	"database/sql"
	"log/slog"
	"net/http"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/okrbot/okrbot/bot"
	"github.com/okrbot/okrbot/reminders"
)

// lagTimeout bounds the query behind the scheduler's lag, so that a slow
// database does not hold a scrape up.
const lagTimeout = 5 * time.Second

// Metrics holds okrbot's metrics. It is a bot.Observer and a
// reminders.Observer; its methods are safe for concurrent use.
type Metrics struct {
	reg        *prometheus.Registry
	requests   *prometheus.CounterVec
	ack        *prometheus.HistogramVec
	reply      *prometheus.HistogramVec
	deliveries *prometheus.CounterVec
	calls      *prometheus.CounterVec
	callErrors *prometheus.CounterVec
}

var (
	_ bot.Observer       = (*Metrics)(nil)
	_ reminders.Observer = (*Metrics)(nil)
)

// New returns the metrics of one okrbot process, with those of the Go
// runtime, the process and the build.
func New() *Metrics {
	m := &Metrics{
		reg: prometheus.NewRegistry(),
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "okrbot_requests_total",
			Help: "Requests from chat platforms, by platform, kind (command, action, form, event, unknown) and outcome (ok, failed, refused, busy: acknowledged and told okrbot is busy).",
		}, []string{"platform", "kind", "outcome"}),
		// Slack waits 3 seconds for an ack, Teams 15.
		ack: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "okrbot_ack_seconds",
			Help:    "Time from a request's arrival to its acknowledgement.",
			Buckets: []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 3, 5, 15},
		}, []string{"platform", "kind"}),
		reply: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "okrbot_reply_seconds",
			Help:    "Time from a request's arrival to the end of the work after its ack: the handler and the delivery of its reply.",
			Buckets: []float64{.01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30, 60},
		}, []string{"platform", "kind"}),
		deliveries: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "okrbot_deliveries_total",
			Help: "Tries of the scheduler's deliveries, by kind (prompt, nudge, update, thread, digest, alert) and result (sent, retried, rate-limited, gone, failed, skipped).",
		}, []string{"kind", "result"}),
		calls: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "okrbot_platform_api_calls_total",
			Help: "Calls to the chat platforms' APIs, by platform and method.",
		}, []string{"platform", "method"}),
		callErrors: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "okrbot_platform_api_errors_total",
			Help: "Calls to the chat platforms' APIs that failed (transport errors, HTTP errors, Slack's ok:false), by platform and method.",
		}, []string{"platform", "method"}),
	}
	m.reg.MustRegister(m.requests, m.ack, m.reply, m.deliveries, m.calls, m.callErrors,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
		collectors.NewBuildInfoCollector())
	return m
}

// Handler serves the metrics in the Prometheus text format. A metric that
// cannot be read (the lag, with the database down) is left out and logged
// to log; the others are served.
func (m *Metrics) Handler(log *slog.Logger) http.Handler {
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{
		ErrorLog:      slog.NewLogLogger(log.Handler(), slog.LevelWarn),
		ErrorHandling: promhttp.ContinueOnError,
	})
}

// Platform adds a chat platform: its requests start at zero, so that rates
// are defined before the first one, and backlog is read for the after-ack
// queue depth at each scrape.
func (m *Metrics) Platform(name string, backlog func() int) {
	for _, kind := range bot.RequestKinds {
		for _, outcome := range bot.Outcomes {
			if kind != bot.KindUnknown || outcome == bot.OutcomeRefused {
				m.requests.WithLabelValues(name, string(kind), string(outcome))
			}
		}
	}
	m.reg.MustRegister(prometheus.NewGaugeFunc(prometheus.GaugeOpts{
		Name:        "okrbot_after_ack_queue_depth",
		Help:        "Work accepted after acks and not finished yet (handlers and the delivery of their replies), running or waiting for a worker.",
		ConstLabels: prometheus.Labels{"platform": name},
	}, func() float64 { return float64(backlog()) }))
}

// Database adds the statistics of the database's connection pool.
func (m *Metrics) Database(pool *sql.DB) {
	m.reg.MustRegister(collectors.NewDBStatsCollector(pool, "okrbot"))
}

// Scheduler adds the scheduler: its deliveries start at zero, and lag is
// asked for the scheduler's lag at each scrape.
func (m *Metrics) Scheduler(lag func(context.Context) (time.Duration, error)) {
	for _, kind := range reminders.Kinds {
		for _, result := range reminders.Results {
			m.deliveries.WithLabelValues(string(kind), string(result))
		}
	}
	m.reg.MustRegister(&lagCollector{lag: lag, desc: prometheus.NewDesc("okrbot_scheduler_lag_seconds",
		"How long the oldest due work of the scheduler (a prompt, nudge, digest or KPI alert) has been waiting; up to a tick is keeping up.", nil, nil)})
}

// Acked implements bot.Observer.
func (m *Metrics) Acked(platform string, kind bot.RequestKind, took time.Duration) {
	m.ack.WithLabelValues(platform, string(kind)).Observe(took.Seconds())
}

// Done implements bot.Observer.
func (m *Metrics) Done(platform string, kind bot.RequestKind, outcome bot.Outcome, replied time.Duration) {
	m.requests.WithLabelValues(platform, string(kind), string(outcome)).Inc()
	if replied > 0 {
		m.reply.WithLabelValues(platform, string(kind)).Observe(replied.Seconds())
	}
}

// Called implements bot.Observer.
func (m *Metrics) Called(platform, method string, err error) {
	m.calls.WithLabelValues(platform, method).Inc()
	if err != nil {
		m.callErrors.WithLabelValues(platform, method).Inc()
	}
}

// Delivered implements reminders.Observer.
func (m *Metrics) Delivered(kind reminders.Kind, result reminders.Result) {
	m.deliveries.WithLabelValues(string(kind), string(result)).Inc()
}

// lagCollector reads the scheduler's lag from the database when scraped.
type lagCollector struct {
	lag  func(context.Context) (time.Duration, error)
	desc *prometheus.Desc
}

func (c *lagCollector) Describe(ch chan<- *prometheus.Desc) { ch <- c.desc }

func (c *lagCollector) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), lagTimeout)
	defer cancel()
	lag, err := c.lag(ctx)
	if err != nil {
		ch <- prometheus.NewInvalidMetric(c.desc, err)
		return
	}
	ch <- prometheus.MustNewConstMetric(c.desc, prometheus.GaugeValue, lag.Seconds())
}
