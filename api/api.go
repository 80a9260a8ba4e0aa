package api

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/okrbot/okrbot/commands"
	"github.com/okrbot/okrbot/csvio"
	"github.com/okrbot/okrbot/okr"
	"github.com/okrbot/okrbot/store"
)

// maxBody bounds a request body: a measurement is a few dozen bytes.
const maxBody = 64 << 10

// Handler serves the API.
type Handler struct {
	store   *store.Store
	service *commands.Service
	now     func() time.Time
	log     *slog.Logger
	mux     *http.ServeMux
}

// New returns the API handler. now is the clock (time.Now when nil).
func New(st *store.Store, svc *commands.Service, now func() time.Time, log *slog.Logger) *Handler {
	if now == nil {
		now = time.Now
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	h := &Handler{store: st, service: svc, now: now, log: log, mux: http.NewServeMux()}
	h.mux.HandleFunc("POST /api/v1/kpis/{id}/measurements", h.postMeasurement)
	h.mux.HandleFunc("POST /api/v1/import", h.postImport)
	h.mux.HandleFunc("GET "+commands.TemplatePath, h.template)
	return h
}

// Register mounts the API's routes on mux.
func (h *Handler) Register(mux *http.ServeMux) {
	mux.Handle("/api/", h)
}

func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) { h.mux.ServeHTTP(w, r) }

// MeasurementRequest is the body of POST /api/v1/kpis/{id}/measurements.
type MeasurementRequest struct {
	Value *float64 `json:"value"`
	// At is when the value was true, RFC 3339; now when empty.
	At      string `json:"at,omitempty"`
	Comment string `json:"comment,omitempty"`
}

// MeasurementResponse answers a recorded measurement.
type MeasurementResponse struct {
	KPI struct {
		ID     uint       `json:"id"`
		Name   string     `json:"name"`
		Value  *float64   `json:"value"`
		Health okr.Health `json:"health"`
	} `json:"kpi"`
	Measurement struct {
		ID     uint      `json:"id"`
		Value  float64   `json:"value"`
		At     time.Time `json:"at"`
		Latest bool      `json:"latest"`
	} `json:"measurement"`
	// KeyResults are the numbers of the key results checked in because the
	// KPI drives them.
	KeyResults []int64 `json:"key_results_checked_in"`
}

type errorBody struct {
	Error string `json:"error"`
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v)
}

func fail(w http.ResponseWriter, status int, format string, args ...any) {
	if status == http.StatusUnauthorized {
		w.Header().Set("WWW-Authenticate", `Bearer realm="okrbot"`)
	}
	writeJSON(w, status, errorBody{Error: fmt.Sprintf(format, args...)})
}

// token finds the caller's token from the Authorization header.
func (h *Handler) token(r *http.Request) (store.APIToken, bool, error) {
	auth := r.Header.Get("Authorization")
	scheme, token, ok := strings.Cut(auth, " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") || strings.TrimSpace(token) == "" {
		return store.APIToken{}, false, nil
	}
	t, err := h.store.APITokenByHash(r.Context(), commands.HashToken(strings.TrimSpace(token)))
	if errors.Is(err, okr.ErrNotFound) {
		return t, false, nil
	}
	return t, err == nil, err
}

// authorized is the token of a request, or false when it has answered
// that the request has none that works.
func (h *Handler) authorized(w http.ResponseWriter, r *http.Request) (store.APIToken, bool) {
	t, ok, err := h.token(r)
	if err != nil {
		h.log.ErrorContext(r.Context(), "API token lookup", "err", err)
		fail(w, http.StatusInternalServerError, "okrbot could not check the token; try again")
		return t, false
	}
	if !ok {
		fail(w, http.StatusUnauthorized, "a valid token is required: send `Authorization: Bearer okrbot_…` with a token from /kpi token create")
		return t, false
	}
	return t, true
}

func (h *Handler) postMeasurement(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	t, ok := h.authorized(w, r)
	if !ok {
		return
	}
	if t.ExpiresAt != nil && !h.now().Before(*t.ExpiresAt) {
		fail(w, http.StatusUnauthorized, "the token expired on %s; an admin creates another with /kpi token create", t.ExpiresAt.UTC().Format(time.DateOnly))
		return
	}
	// Tokens stop with their workspace: an uninstall leaves its data, and
	// its tokens, without anyone there to answer for them.
	if gone, err := h.store.WorkspaceUninstalled(ctx, t.WorkspaceID); err != nil {
		h.log.ErrorContext(ctx, "API token's workspace", "err", err)
		fail(w, http.StatusInternalServerError, "okrbot could not check the token; try again")
		return
	} else if gone {
		h.log.InfoContext(ctx, "API token of an uninstalled workspace refused", "token", t.ID, "workspace", t.WorkspaceID)
		fail(w, http.StatusUnauthorized, "okrbot is no longer installed in the token's workspace")
		return
	}
	id, err := strconv.ParseUint(r.PathValue("id"), 10, 64)
	if err != nil || (t.KPIID != 0 && uint(id) != t.KPIID) {
		// A token for one KPI knows of no other.
		fail(w, http.StatusNotFound, "there is no KPI %q", r.PathValue("id"))
		return
	}
	if _, err := h.store.KPIByID(ctx, t.WorkspaceID, uint(id)); errors.Is(err, okr.ErrNotFound) {
		fail(w, http.StatusNotFound, "there is no KPI %d", id)
		return
	} else if err != nil {
		h.log.ErrorContext(ctx, "API KPI lookup", "err", err)
		fail(w, http.StatusInternalServerError, "okrbot could not read the KPI; try again")
		return
	}
	var body MeasurementRequest
	dec := json.NewDecoder(io.LimitReader(r.Body, maxBody))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&body); err != nil {
		fail(w, http.StatusBadRequest, "the body is not a JSON object like {\"value\": 2.4, \"at\": \"2026-11-20T09:00:00Z\", \"comment\": \"…\"}: %v", err)
		return
	}
	if _, err := dec.Token(); err != io.EOF {
		fail(w, http.StatusBadRequest, "the body must be one JSON object, with nothing after it")
		return
	}
	if body.Value == nil {
		fail(w, http.StatusBadRequest, "the body has no \"value\": send a number, like {\"value\": 2.4}")
		return
	}
	in := commands.MeasurementInput{WorkspaceID: t.WorkspaceID, KPIID: uint(id), Value: *body.Value,
		Source: "API: " + t.Name, Comment: body.Comment, Platform: "api"}
	if body.At != "" {
		if in.At, err = time.Parse(time.RFC3339, body.At); err != nil {
			fail(w, http.StatusBadRequest, "\"at\" is %q, not a time like 2026-11-20T09:00:00Z", body.At)
			return
		}
	}
	rec, err := h.service.RecordMeasurement(ctx, in)
	var invalid *okr.ValidationError
	switch {
	case errors.As(err, &invalid):
		fail(w, http.StatusBadRequest, "%s", invalid.Msg)
		return
	case errors.Is(err, okr.ErrNotFound):
		fail(w, http.StatusNotFound, "there is no KPI %d", id)
		return
	case err != nil:
		if msg, ok := commands.Refusal(err); ok {
			fail(w, http.StatusConflict, "%s", msg)
			return
		}
		h.log.ErrorContext(ctx, "API record measurement", "kpi", id, "err", err)
		fail(w, http.StatusInternalServerError, "okrbot could not record the value; nothing was changed")
		return
	}
	if err := h.store.TouchAPIToken(ctx, t.ID, h.now()); err != nil {
		h.log.WarnContext(ctx, "API token last use", "err", err)
	}
	var resp MeasurementResponse
	resp.KPI.ID, resp.KPI.Name, resp.KPI.Value, resp.KPI.Health = rec.KPI.ID, rec.KPI.Name, rec.KPI.LastValue, rec.Health
	resp.Measurement.ID, resp.Measurement.Value, resp.Measurement.At, resp.Measurement.Latest = rec.Measurement.ID, rec.Measurement.Value, rec.Measurement.At, rec.Latest
	resp.KeyResults = []int64{}
	for _, kr := range rec.CheckedIn {
		resp.KeyResults = append(resp.KeyResults, kr.Number)
	}
	writeJSON(w, http.StatusCreated, resp)
}

// postImport imports OKRs from the CSV or Excel file in the body, as
// `okrbot import` does: a dry run unless ?apply=true, and with ?update=true
// changing what the workspace has where the file differs. It answers the
// report as JSON: 200 when it is clean (applied or not), 422 with every
// problem when nothing could be imported. API tokens are made by admins
// only (/kpi token create), so an import has an admin's rights.
func (h *Handler) postImport(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	t, ok := h.authorized(w, r)
	if !ok {
		return
	}
	var opts commands.OKRImportOptions
	for name, v := range map[string]*bool{"apply": &opts.Apply, "update": &opts.Update} {
		if text := r.URL.Query().Get(name); text != "" {
			b, err := strconv.ParseBool(text)
			if err != nil {
				fail(w, http.StatusBadRequest, "?%s=%s is neither true nor false", name, text)
				return
			}
			*v = b
		}
	}
	s, err := csvio.ReadSheet(r.Body, r.URL.Query().Get("sheet"))
	if err != nil {
		fail(w, http.StatusBadRequest, "nothing was imported: %s", err)
		return
	}
	if !commands.IsOKRSheet(s.Header) {
		fail(w, http.StatusBadRequest, "nothing was imported: the file has no objective column, so it is not OKRs; import KPIs with okrbot import")
		return
	}
	report, err := h.service.ImportOKRs(ctx, t.WorkspaceID, s, opts)
	if err != nil {
		h.log.ErrorContext(ctx, "API import", "err", err)
		fail(w, http.StatusInternalServerError, "okrbot could not import the file; nothing was changed")
		return
	}
	if err := h.store.TouchAPIToken(ctx, t.ID, h.now()); err != nil {
		h.log.WarnContext(ctx, "API token last use", "err", err)
	}
	status := http.StatusOK
	if len(report.Problems) > 0 {
		status = http.StatusUnprocessableEntity
	}
	writeJSON(w, status, report)
}

// template serves the OKR import template, for the link in /okr import. It
// holds nothing of anyone's, so it needs no token.
func (h *Handler) template(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", `attachment; filename="okrs.csv"`)
	if err := csvio.WriteOKRTemplate(w, okr.QuarterOf(h.now()).Name); err != nil {
		h.log.Warn("API template", "err", err)
	}
}
