package teams

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/okrbot/okrbot/bot"
)

// graph installs okrbot for people through Microsoft Graph ("Proactive
// installation of apps using Graph"): it finds the app in the tenant's app
// catalog by its manifest id (the bot's app id), then installs it in a
// person's personal scope, after which the Bot Connector opens a chat with
// them by their Entra object id.
type graph struct {
	http   *http.Client
	tokens *tokenSource
	base   string // TEAMS_GRAPH_URL, without a trailing slash
	appID  string
	called func(ctx context.Context, op string, start time.Time, err error)

	mu sync.Mutex
	// catalogID is the app's id in the tenant's catalog, once found.
	catalogID string
}

// install installs okrbot for the person with the Entra object id aad. An
// app already installed for them counts as installed.
func (g *graph) install(ctx context.Context, aad string) error {
	id, err := g.catalogApp(ctx)
	if err != nil {
		return err
	}
	body := map[string]string{"teamsApp@odata.bind": g.base + "/v1.0/appCatalogs/teamsApps/" + url.PathEscape(id)}
	status, answer, err := g.do(ctx, "installApp", http.MethodPost, "/v1.0/users/"+url.PathEscape(aad)+"/teamwork/installedApps", body)
	switch {
	case err != nil:
		return err
	case status == http.StatusConflict, status/100 == 2:
		return nil
	case status == http.StatusBadRequest || status == http.StatusNotFound:
		// The app may have been uploaded again under another catalog id:
		// look it up afresh next time.
		g.mu.Lock()
		g.catalogID = ""
		g.mu.Unlock()
	}
	return graphError("install okrbot for "+aad, status, answer)
}

// catalogApp is the app's id in the tenant's app catalog.
func (g *graph) catalogApp(ctx context.Context) (string, error) {
	g.mu.Lock()
	id := g.catalogID
	g.mu.Unlock()
	if id != "" {
		return id, nil
	}
	filter := url.Values{"$filter": {"externalId eq '" + strings.ReplaceAll(g.appID, "'", "''") + "'"}}
	status, answer, err := g.do(ctx, "listTeamsApps", http.MethodGet, "/v1.0/appCatalogs/teamsApps?"+filter.Encode(), nil)
	if err != nil {
		return "", err
	}
	if status != http.StatusOK {
		return "", graphError("find okrbot in the tenant's app catalog", status, answer)
	}
	var list struct {
		Value []struct {
			ID         string `json:"id"`
			ExternalID string `json:"externalId"`
		} `json:"value"`
	}
	if err := json.Unmarshal(answer, &list); err != nil {
		return "", &bot.SendError{Kind: bot.Temporary, Err: fmt.Errorf("graph: app catalog: bad answer: %w", err)}
	}
	for _, app := range list.Value {
		if strings.EqualFold(app.ExternalID, g.appID) && app.ID != "" {
			g.mu.Lock()
			g.catalogID = app.ID
			g.mu.Unlock()
			return app.ID, nil
		}
	}
	return "", &bot.SendError{Kind: bot.Unreachable, Err: fmt.Errorf("graph: okrbot (external id %s) is not in the tenant's app catalog: upload it in the Teams admin center", g.appID)}
}

func (g *graph) do(ctx context.Context, op, method, path string, in any) (status int, answer []byte, err error) {
	defer func(start time.Time) { g.called(ctx, op, start, err) }(time.Now())
	var body io.Reader
	if in != nil {
		b, _ := json.Marshal(in) // maps of strings always marshal
		body = bytes.NewReader(b)
	}
	for attempt := 0; ; attempt++ {
		token, err := g.tokens.get(ctx)
		if err != nil {
			return 0, nil, err
		}
		req, err := http.NewRequestWithContext(ctx, method, g.base+path, body)
		if err != nil {
			return 0, nil, &bot.SendError{Kind: bot.Permanent, Err: err}
		}
		req.Header.Set("Authorization", "Bearer "+token)
		if in != nil {
			req.Header.Set("Content-Type", "application/json")
		}
		resp, err := g.http.Do(req)
		if err != nil {
			return 0, nil, &bot.SendError{Kind: bot.Temporary, Err: fmt.Errorf("graph %s: %w", op, err)}
		}
		answer, err = io.ReadAll(io.LimitReader(resp.Body, 1<<20))
		resp.Body.Close()
		if err != nil {
			return 0, nil, &bot.SendError{Kind: bot.Temporary, Err: fmt.Errorf("graph %s: %w", op, err)}
		}
		if resp.StatusCode == http.StatusUnauthorized && attempt == 0 {
			g.tokens.forget(token)
			if in != nil {
				b, _ := json.Marshal(in)
				body = bytes.NewReader(b)
			}
			continue
		}
		if resp.StatusCode == http.StatusTooManyRequests {
			return 0, nil, &bot.SendError{Kind: bot.RateLimited, Wait: retryAfter(resp.Header), Err: fmt.Errorf("graph %s: 429 %s", op, graphMessage(answer))}
		}
		return resp.StatusCode, answer, nil
	}
}

// graphError classifies Graph's error answer. A refusal (a permission
// not granted, an app the admin blocked) leaves the person unreachable
// until an admin acts; a server error is worth trying again.
func graphError(what string, status int, answer []byte) error {
	err := fmt.Errorf("graph: %s: %d %s", what, status, graphMessage(answer))
	if status >= 500 {
		return &bot.SendError{Kind: bot.Temporary, Err: err}
	}
	if status == http.StatusForbidden || status == http.StatusNotFound || status == http.StatusUnauthorized {
		return &bot.SendError{Kind: bot.Unreachable, Err: err}
	}
	return &bot.SendError{Kind: bot.Permanent, Err: err}
}

// graphMessage is the code and message of Graph's error envelope,
// {"error": {"code": …, "message": …}}.
func graphMessage(answer []byte) string {
	var e struct {
		Error struct {
			Code    string `json:"code"`
			Message string `json:"message"`
		} `json:"error"`
	}
	if json.Unmarshal(answer, &e) != nil || e.Error.Code == "" {
		return strings.TrimSpace(string(answer[:min(len(answer), 200)]))
	}
	return e.Error.Code + ": " + e.Error.Message
}

// CheckGraph finds okrbot in the tenant's app catalog through Graph, which
// proves that TEAMS_GRAPH_INSTALL can work: a Graph token is issued, and
// AppCatalog.Read.All is granted. It does nothing unless
// TEAMS_GRAPH_INSTALL is on.
func (a *Adapter) CheckGraph(ctx context.Context) error {
	if a.graph == nil {
		return nil
	}
	_, err := a.graph.catalogApp(ctx)
	return err
}

// InstallsThroughGraph reports whether TEAMS_GRAPH_INSTALL is on.
func (a *Adapter) InstallsThroughGraph() bool { return a.graph != nil }
