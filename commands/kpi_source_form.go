package commands

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"time"

	"github.com/okrbot/okrbot/bot"
	"github.com/okrbot/okrbot/okr"
	"github.com/okrbot/okrbot/sources"
	"github.com/okrbot/okrbot/store"
)

// CallbackKPISource is the form that sets where a KPI's value comes from.
const CallbackKPISource = "kpi_source"

// The fields of the KPI source form.
const (
	sourceFieldKind     = "kind"
	sourceFieldURL      = "url"
	sourceFieldPath     = "path"
	sourceFieldCell     = "cell"
	sourceFieldHeaders  = "headers"
	sourceFieldJSON     = "json"
	sourceFieldDatabase = "database"
	sourceFieldQuery    = "query"
	sourceFieldEvery    = "every"
)

var sourceFormFallback = bot.Textf("In a chat window, use `/kpi source NAME http URL --path '$.churn' [--header \"Authorization: Bearer {env:BI_TOKEN}\"] [--every 1h]` (or csv, sql, prometheus).")

// sourceForm sets k's source; it starts from src, the source k has, if any.
func (s *Service) sourceForm(k store.KPI, src *store.KPISource) *bot.Form {
	spec := sources.Spec{Kind: sources.HTTP}
	every := DefaultSourceEvery
	status := bot.Textf("%s has no source yet: its values are typed.", kpiName(k))
	if src != nil {
		if parsed, err := sources.ParseSpec(src.Kind, src.Spec); err == nil {
			spec = parsed
		}
		every = src.Every()
		status = bot.Join([]bot.Text{bot.Textf("%s:", kpiName(k)), sourceText(*src)}, " ")
	}
	kinds := make([]bot.Option, len(sources.Kinds))
	for i, kind := range sources.Kinds {
		kinds[i] = bot.Option{Value: string(kind), Label: sourceKindLabels[kind]}
	}
	return &bot.Form{CallbackID: CallbackKPISource, Title: "KPI source", SubmitText: "Save", State: strconv.FormatUint(uint64(k.ID), 10),
		Fallback: sourceFormFallback,
		Fields: []bot.Field{
			{ID: "status", Kind: bot.Note, Note: status},
			{ID: sourceFieldKind, Label: "Kind", Kind: bot.Select, Initial: string(spec.Kind), Options: kinds},
			{ID: sourceFieldURL, Label: "URL (http, csv)", Kind: bot.TextInput, Optional: true, Initial: spec.URL, Placeholder: "https://bi.example.com/api/kpis"},
			{ID: sourceFieldPath, Label: "JSONPath of the number (http)", Kind: bot.TextInput, Optional: true, Initial: spec.Path, Placeholder: "$.data.churn"},
			{ID: sourceFieldCell, Label: "Cell (csv)", Kind: bot.TextInput, Optional: true, Initial: spec.Cell, Placeholder: "B7, or column=Churn row=last"},
			{ID: sourceFieldHeaders, Label: "Headers (http, csv), one a line", Kind: bot.LongText, Optional: true, Initial: strings.Join(spec.Headers, "\n"),
				Placeholder: "Authorization: Bearer {env:BI_TOKEN}", Hint: "Secrets only as {env:NAME}, with NAME listed in OKRBOT_SOURCE_SECRETS."},
			{ID: sourceFieldJSON, Label: "JSON fields to POST (http), KEY=VALUE a line", Kind: bot.LongText, Optional: true, Initial: strings.Join(spec.JSON, "\n"),
				Placeholder: "jql=project = SUP AND statusCategory != Done"},
			{ID: sourceFieldDatabase, Label: "Database (sql)", Kind: bot.TextInput, Optional: true, Initial: spec.Database, Placeholder: "warehouse",
				Hint: "The NAME of OKRBOT_SOURCE_DB_<NAME>."},
			{ID: sourceFieldQuery, Label: "Query (sql, prometheus)", Kind: bot.LongText, Optional: true, Initial: spec.Query,
				Placeholder: "SELECT churn FROM weekly_kpis ORDER BY week DESC LIMIT 1"},
			{ID: sourceFieldEvery, Label: "Every", Kind: bot.TextInput, Initial: everyInput(every), Hint: "5m to 31d: 1h, 6h, 1d, weekly."},
		}}
}

var sourceKindLabels = map[sources.Kind]string{sources.HTTP: "JSON over HTTP", sources.CSV: "CSV at a URL", sources.SQL: "SQL database", sources.Prometheus: "Prometheus"}

// everyInput is a cadence as --every takes it.
func everyInput(d time.Duration) string {
	if d%(24*time.Hour) == 0 {
		return strconv.Itoa(int(d/(24*time.Hour))) + "d"
	}
	return shortDuration(d)
}

// shortDuration is d as people write it: 1h, 90m, 1h30m.
func shortDuration(d time.Duration) string {
	h, m := d/time.Hour, (d%time.Hour)/time.Minute
	switch {
	case m == 0:
		return strconv.Itoa(int(h)) + "h"
	case h == 0:
		return strconv.Itoa(int(m)) + "m"
	}
	return strconv.Itoa(int(h)) + "h" + strconv.Itoa(int(m)) + "m"
}

// openSourceForm opens the KPI source form for someone who may change k.
func (s *Service) openSourceForm(ctx context.Context, k store.KPI) (bot.Reply, error) {
	src, err := s.store.KPISourceOf(ctx, k.WorkspaceID, k.ID)
	switch {
	case errors.Is(err, okr.ErrNotFound):
		return bot.Reply{Form: s.sourceForm(k, nil)}, nil
	case err != nil:
		return bot.Reply{}, err
	}
	return bot.Reply{Form: s.sourceForm(k, &src)}, nil
}

func (s *Service) submitKPISource(ctx context.Context, c *caller, sub bot.Submission) (bot.SubmitResult, error) {
	k, err := kpiRef(ctx, s.store, c, sub.State)
	if err != nil {
		return bot.SubmitResult{}, err
	}
	if !c.mayChangeKPI(k) {
		return bot.SubmitResult{}, c.notAdmin(refuse("Only %s (the owner) or an okrbot admin can choose where %s comes from.", ownerText(&k.Owner), kpiName(k)))
	}
	v := sub.Values
	lines := func(field string) []string {
		var out []string
		for _, l := range strings.Split(v[field], "\n") {
			if l = strings.TrimSpace(l); l != "" {
				out = append(out, l)
			}
		}
		return out
	}
	spec := sources.Spec{Kind: sources.Kind(v[sourceFieldKind])}
	switch spec.Kind {
	case sources.HTTP:
		spec.URL, spec.Path, spec.Headers, spec.JSON = strings.TrimSpace(v[sourceFieldURL]), strings.TrimSpace(v[sourceFieldPath]), lines(sourceFieldHeaders), lines(sourceFieldJSON)
	case sources.CSV:
		spec.URL, spec.Cell, spec.Headers = strings.TrimSpace(v[sourceFieldURL]), strings.TrimSpace(v[sourceFieldCell]), lines(sourceFieldHeaders)
	case sources.SQL:
		spec.Database, spec.Query = strings.TrimSpace(v[sourceFieldDatabase]), strings.TrimSpace(v[sourceFieldQuery])
	case sources.Prometheus:
		spec.Query = strings.TrimSpace(v[sourceFieldQuery])
	}
	every, err := parseEvery(v[sourceFieldEvery])
	if err != nil {
		return bot.SubmitResult{Errors: map[string]string{sourceFieldEvery: err.Error()}}, nil
	}
	if err := s.sourceConfig().Check(spec); err != nil {
		return bot.SubmitResult{Errors: map[string]string{sourceField(spec.Kind, err.Error()): err.Error()}}, nil
	}
	src := store.KPISource{WorkspaceID: c.ws.ID, KPIID: k.ID, Kind: string(spec.Kind), Spec: spec.Encode(),
		EverySeconds: int64(every / time.Second), CreatedByID: c.user.ID}
	if err := s.store.SetKPISource(ctx, &src, s.now()); err != nil {
		return bot.SubmitResult{}, err
	}
	s.wake()
	text := bot.Textf("🔌 %s now comes from %s, fetched %s; the first value comes in a minute.", kpiName(k), spec.Where(), everyText(every))
	return bot.SubmitResult{Message: &bot.Message{Summary: text.Unstyled(), Sections: []bot.Section{{Text: text}}}}, nil
}

// sourceField is the form field an error of sources.Check is about.
func sourceField(kind sources.Kind, msg string) string {
	m := strings.ToLower(msg)
	switch {
	case strings.Contains(m, "header") || strings.Contains(m, "okrbot_source_secrets"):
		return sourceFieldHeaders
	case strings.Contains(m, "--json"):
		return sourceFieldJSON
	case strings.Contains(m, "jsonpath") || strings.Contains(m, "--path"):
		return sourceFieldPath
	case strings.Contains(m, "cell") || strings.Contains(m, "column") || strings.Contains(m, "row"):
		return sourceFieldCell
	case kind == sources.SQL && (strings.Contains(m, "database") || strings.Contains(m, "okrbot_source_db")):
		return sourceFieldDatabase
	case kind == sources.SQL || kind == sources.Prometheus:
		return sourceFieldQuery
	case kind == sources.HTTP || kind == sources.CSV:
		return sourceFieldURL
	}
	return sourceFieldKind
}
