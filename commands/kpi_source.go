package commands

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/okrbot/okrbot/bot"
	"github.com/okrbot/okrbot/okr"
	"github.com/okrbot/okrbot/sources"
	"github.com/okrbot/okrbot/store"
)

// Bounds of a source's cadence (--every): often enough for an hourly
// KPI, seldom enough that okrbot is not a load on the systems it asks.
const (
	DefaultSourceEvery = 24 * time.Hour
	minSourceEvery     = 5 * time.Minute
	maxSourceEvery     = 31 * 24 * time.Hour
)

const sourceUsage = "`/kpi source NAME http URL --path '$.churn' [--header \"Authorization: Bearer {env:BI_TOKEN}\"] [--json KEY=VALUE] [--every 1h]`, " +
	"`… csv URL --cell B7`, `… sql DATABASE \"SELECT …\"`, `… prometheus \"QUERY\"`, `… test` or `… off`"

// /kpi source NAME [KIND …|test|off]
func (s *Service) kpiSource(ctx context.Context, c *caller, words []string) (bot.Reply, error) {
	a, err := parseArgs("/kpi source", words, []string{"path", "cell", "header", "json", "every"}, nil)
	if err != nil {
		return bot.Reply{}, err
	}
	if len(a.pos) < 1 {
		return bot.Reply{}, refuse("Usage: " + sourceUsage + ".")
	}
	k, err := kpiRef(ctx, s.store, c, a.pos[0])
	if err != nil {
		return bot.Reply{}, err
	}
	if len(a.pos) == 1 {
		if c.mayChangeKPI(k) && c.req.CanOpenForm {
			return s.openSourceForm(ctx, k)
		}
		return s.sourceStatus(ctx, c, k)
	}
	if !c.mayChangeKPI(k) {
		return bot.Reply{}, c.notAdmin(refuse("Only %s (the owner) or an okrbot admin can choose where %s comes from.", ownerText(&k.Owner), kpiName(k)))
	}
	switch verb := strings.ToLower(a.pos[1]); verb {
	case "off":
		if len(a.pos) != 2 {
			return bot.Reply{}, refuse("Usage: `/kpi source NAME off`.")
		}
		deleted, err := s.store.DeleteKPISource(ctx, c.ws.ID, k.ID)
		if err != nil || !deleted {
			return bot.Say(bot.Textf("%s has no source; its values are typed with `/kpi set`.", kpiName(k))), err
		}
		return bot.Say(bot.Textf("🔌 %s no longer fetches its value; record values with `/kpi set` (or the API). Its history stays.", kpiName(k))), nil
	case "test":
		if len(a.pos) != 2 {
			return bot.Reply{}, refuse("Usage: `/kpi source NAME test`.")
		}
		src, err := s.store.KPISourceOf(ctx, c.ws.ID, k.ID)
		if errors.Is(err, okr.ErrNotFound) {
			return bot.Reply{}, refuse("%s has no source to test. Set one: "+sourceUsage+".", kpiName(k))
		}
		if err != nil {
			return bot.Reply{}, err
		}
		spec, err := sources.ParseSpec(src.Kind, src.Spec)
		if err != nil {
			return bot.Reply{}, err
		}
		v, err := s.fetch(ctx, spec)
		if err != nil {
			return bot.Say(bot.Textf("❌ %s from %s failed: %s\nNothing was recorded.", kpiName(k), spec.Where(), err.Error())), nil
		}
		return bot.Say(bot.Textf("✅ %s from %s is %s now. Nothing was recorded: okrbot records it %s.", kpiName(k), spec.Where(),
			kpiValue(v, k), everyText(src.Every()))), nil
	}
	spec, every, err := parseSourceSpec(a)
	if err != nil {
		return bot.Reply{}, err
	}
	if err := s.sourceConfig().Check(spec); err != nil {
		return bot.Reply{}, okr.Invalid("source", "%s", err.Error())
	}
	src := store.KPISource{WorkspaceID: c.ws.ID, KPIID: k.ID, Kind: string(spec.Kind), Spec: spec.Encode(),
		EverySeconds: int64(every / time.Second), CreatedByID: c.user.ID}
	if err := s.store.SetKPISource(ctx, &src, s.now()); err != nil {
		return bot.Reply{}, err
	}
	s.wake()
	return bot.Say(bot.Textf("🔌 %s now comes from %s, fetched %s; the first value comes in a minute. `/kpi source %s test` fetches it now without recording it.",
		kpiName(k), spec.Where(), everyText(every), quoteName(k.Name))), nil
}

// quoteName is a KPI's name as a command takes it.
func quoteName(name string) string {
	if strings.ContainsAny(name, " \t") {
		return `"` + name + `"`
	}
	return name
}

// parseSourceSpec reads KIND and its arguments.
func parseSourceSpec(a args) (sources.Spec, time.Duration, error) {
	kind := sources.Kind(strings.ToLower(a.pos[1]))
	rest := a.pos[2:]
	spec := sources.Spec{Kind: kind, Path: unquote(a.flags["path"]), Cell: unquote(a.flags["cell"])}
	for _, h := range a.all["header"] {
		spec.Headers = append(spec.Headers, unquote(h))
	}
	for _, f := range a.all["json"] {
		spec.JSON = append(spec.JSON, unquote(f))
	}
	one := func(what string) (string, error) {
		if len(rest) != 1 {
			return "", refuse("A %s source takes %s (in double quotes if it has spaces). Usage: "+sourceUsage+".", string(kind), what)
		}
		return unquote(rest[0]), nil
	}
	var err error
	switch kind {
	case sources.HTTP, sources.CSV:
		spec.URL, err = one("one URL")
	case sources.SQL:
		if len(rest) != 2 {
			return spec, 0, refuse("A sql source takes a database's name and a query in double quotes, like %s.", bot.Code(`/kpi source "Churn rate" sql warehouse "SELECT churn FROM kpis ORDER BY day DESC LIMIT 1"`))
		}
		spec.Database, spec.Query = rest[0], unquote(rest[1])
	case sources.Prometheus:
		spec.Query, err = one("a PromQL query")
	default:
		return spec, 0, refuse("%q is not a kind of source. Usage: "+sourceUsage+".", string(kind))
	}
	if err != nil {
		return spec, 0, err
	}
	if kind != sources.HTTP && spec.Path != "" || kind != sources.CSV && spec.Cell != "" ||
		(kind == sources.SQL || kind == sources.Prometheus) && len(spec.Headers) > 0 || kind != sources.HTTP && len(spec.JSON) > 0 {
		return spec, 0, refuse("--path and --json go with http, --cell with csv, and --header with http or csv.")
	}
	every := DefaultSourceEvery
	if v, ok := a.flags["every"]; ok {
		if every, err = parseEvery(v); err != nil {
			return spec, 0, err
		}
	}
	return spec, every, nil
}

// unquote drops the single quotes a shell habit puts around a JSONPath,
// straight or the curly ones phones and Macs type.
func unquote(s string) string {
	s = strings.TrimSpace(s)
	for _, q := range [][2]string{{"'", "'"}, {"‘", "’"}} {
		if len(s) >= len(q[0])+len(q[1]) && strings.HasPrefix(s, q[0]) && strings.HasSuffix(s, q[1]) {
			return s[len(q[0]) : len(s)-len(q[1])]
		}
	}
	return s
}

// parseEvery reads --every: a duration like 1h or 30m, days like 7d, or
// hourly, daily, weekly.
func parseEvery(v string) (time.Duration, error) {
	v = strings.ToLower(strings.TrimSpace(v))
	var d time.Duration
	var err error
	switch {
	case v == "hourly":
		d = time.Hour
	case v == "daily":
		d = 24 * time.Hour
	case v == "weekly":
		d = 7 * 24 * time.Hour
	case strings.HasSuffix(v, "d"):
		var n int
		n, err = strconv.Atoi(strings.TrimSuffix(v, "d"))
		d = time.Duration(n) * 24 * time.Hour
	default:
		d, err = time.ParseDuration(v)
	}
	if err != nil || d < minSourceEvery || d > maxSourceEvery {
		return 0, okr.Invalid("every", "--every %s is not a cadence from 5m to 31d, like 1h, 30m, 1d or daily.", v)
	}
	return d, nil
}

// everyText says how often a source is fetched.
func everyText(d time.Duration) string {
	switch {
	case d == time.Hour:
		return "every hour, on the hour"
	case d == 24*time.Hour:
		return "every day at midnight UTC"
	case d == 7*24*time.Hour:
		return "every Monday at midnight UTC"
	case d%(24*time.Hour) == 0:
		return fmt.Sprintf("every %d days", d/(24*time.Hour))
	}
	return "every " + shortDuration(d)
}

// sourceConfig is where okrbot may fetch from; with none configured, any
// public host, and no secrets, databases or Prometheus.
func (s *Service) sourceConfig() *sources.Config {
	if s.sources == nil {
		return &sources.Config{}
	}
	return s.sources
}

func (s *Service) fetch(ctx context.Context, spec sources.Spec) (float64, error) {
	f, err := s.sourceConfig().Open(spec)
	if err != nil {
		return 0, err
	}
	return f.Fetch(ctx)
}

// sourceStatus answers /kpi source NAME: where the value comes from and
// how the last fetch went.
func (s *Service) sourceStatus(ctx context.Context, c *caller, k store.KPI) (bot.Reply, error) {
	src, err := s.store.KPISourceOf(ctx, c.ws.ID, k.ID)
	if errors.Is(err, okr.ErrNotFound) {
		return bot.Say(bot.Textf("%s has no source: its values are typed with `/kpi set` or sent to the API. Set one: "+sourceUsage+".", kpiName(k))), nil
	}
	if err != nil {
		return bot.Reply{}, err
	}
	return bot.Say(bot.Join([]bot.Text{bot.Textf("%s:", kpiName(k)), sourceText(src)}, " ")), nil
}

// SourceFailing says since when a KPI's source fails, as chat and the
// dashboard show it.
func SourceFailing(since time.Time) string {
	return "source failing since " + since.UTC().Format("Jan 2 15:04 UTC")
}

// SourceText is sourceText as a sentence in plain text, for the dashboard.
func SourceText(src store.KPISource) string { return capitalize(sourceText(src).String()) + "." }

// sourceText says where a KPI's value comes from, when it was last
// fetched, and whether the source is failing.
func sourceText(src store.KPISource) bot.Text {
	spec, err := sources.ParseSpec(src.Kind, src.Spec)
	where := src.Kind
	if err == nil {
		where = spec.Where()
	}
	t := bot.Textf("value from %s, fetched %s", where, everyText(src.Every()))
	switch {
	case src.FailingSince != nil:
		t = append(t, bot.Textf("; ⚠️ %s: %s", SourceFailing(*src.FailingSince), src.LastError)...)
	case src.LastFetchAt != nil:
		t = append(t, bot.Textf("; last fetched %s", src.LastFetchAt.UTC().Format("Jan 2 15:04 UTC"))...)
	default:
		t = append(t, bot.Plain("; not fetched yet"))
	}
	return t
}

// FetchSource fetches a claimed source's value now, for the scheduler.
func (s *Service) FetchSource(ctx context.Context, src store.KPISource) (float64, error) {
	spec, err := sources.ParseSpec(src.Kind, src.Spec)
	if err != nil {
		return 0, err
	}
	return s.fetch(ctx, spec)
}

// Fetched is what became of a fetch the scheduler recorded.
type Fetched struct {
	Source store.KPISource // after the fetch
	// Recorded is false for a failure, and for a value the period already
	// has.
	Recorded bool
}

// RecordFetch records the result of fetching a claimed source at the
// moment of the fetch: on success the value, as a measurement from the
// source (once a period: the same value again adds no row), moving the
// key results the KPI drives as a typed value does; on failure the error,
// keeping the KPI's last value. A source changed or turned off while it
// was fetched is left as it is now (store.IsSourceChanged).
func (s *Service) RecordFetch(ctx context.Context, src store.KPISource, at time.Time, v float64, fetchErr error) (Fetched, error) {
	var out Fetched
	if fetchErr != nil {
		why := fetchErr.Error()
		if len(why) > 500 {
			why = strings.ToValidUTF8(why[:500], "") + "…"
		}
		var err error
		out.Source, err = s.store.SourceFailed(ctx, src, at, why)
		return out, err
	}
	spec, err := sources.ParseSpec(src.Kind, src.Spec)
	if err != nil {
		return out, err
	}
	where := spec.Where()
	var alerted bool
	err = s.store.InTx(ctx, func(tx *store.Store) error {
		same, err := tx.SameValueInPeriod(ctx, src.WorkspaceID, src.KPIID, where, store.PeriodStart(at, src.Every()), v)
		if err != nil {
			return err
		}
		if !same {
			in := MeasurementInput{WorkspaceID: src.WorkspaceID, KPIID: src.KPIID, Value: v, At: at, Source: where, Platform: "source"}
			h := &store.Changes{By: in.actor(), At: s.now()}
			if _, alerted, err = s.recordIn(ctx, tx, in, nil, false, h); err != nil {
				return err
			}
			if err := tx.RecordHistory(ctx, in.WorkspaceID, h.Entries...); err != nil {
				return err
			}
			out.Recorded = true
		}
		out.Source, err = tx.SourceFetched(ctx, src, at)
		return err
	})
	if err != nil {
		var refused *userError
		var invalid *okr.ValidationError
		if errors.As(err, &refused) || errors.As(err, &invalid) {
			// The value itself is refused (too large, the KPI archived):
			// that is the source failing, in words.
			return s.RecordFetch(ctx, src, at, 0, err)
		}
		return Fetched{Source: src}, err
	}
	if alerted {
		s.wake()
	}
	return out, nil
}

// SourceNotice is the direct message telling a KPI's owner that its source
// fails, or works again; nil when the KPI is gone or archived.
func (s *Service) SourceNotice(ctx context.Context, src store.KPISource) (store.User, *bot.Message, error) {
	k, err := s.store.KPIByID(ctx, src.WorkspaceID, src.KPIID)
	if errors.Is(err, okr.ErrNotFound) || err == nil && k.Archived {
		return store.User{}, nil, nil
	}
	if err != nil {
		return store.User{}, nil, err
	}
	spec, err := sources.ParseSpec(src.Kind, src.Spec)
	if err != nil {
		return store.User{}, nil, err
	}
	var text bot.Text
	if src.Notice == store.NoticeFailing {
		text = bot.Textf("⚠️ okrbot cannot fetch %s from %s: %s\nIts last value (%s) stays until a fetch works; okrbot keeps trying, less often. `/kpi source %s test` tries now.",
			kpiName(k), spec.Where(), src.LastError, valueText(k), quoteName(k.Name))
	} else {
		text = bot.Textf("✅ %s comes from %s again: %s.", kpiName(k), spec.Where(), valueText(k))
	}
	return k.Owner, &bot.Message{Summary: text.Unstyled(), Sections: []bot.Section{{Text: text}}}, nil
}
