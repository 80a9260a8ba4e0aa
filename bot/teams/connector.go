package teams

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/okrbot/okrbot/bot"
)

// defaultRetryAfter is the wait for a 429 that did not say how long.
const defaultRetryAfter = time.Second

// connector calls the Bot Connector REST API at a conversation's service
// URL.
type connector struct {
	http   *http.Client
	tokens *tokenSource
	hosts  hostPolicy
	// called is told of every call, by the name the Bot Framework's REST
	// reference gives its operation.
	called func(ctx context.Context, op string, start time.Time, err error)
}

// call sends one request for the operation op and decodes the answer into
// out (if not nil). Errors are *bot.SendError. The token goes only to
// hosts the policy allows; a 401 drops the cached token and tries once
// more with a new one. Answers Microsoft says to retry are tried again a
// few times, with backoff and jitter (errors.go).
func (c *connector) call(ctx context.Context, op, method, serviceURL, path string, in, out any) (err error) {
	defer func(start time.Time) { c.called(ctx, op, start, err) }(time.Now())
	base, err := c.hosts.check(serviceURL)
	if err != nil {
		return &bot.SendError{Kind: bot.Permanent, Err: err}
	}
	target := strings.TrimRight(base.String(), "/") + path
	var body []byte
	if in != nil {
		if body, err = json.Marshal(in); err != nil {
			return &bot.SendError{Kind: bot.Permanent, Err: fmt.Errorf("encode %s %s: %w", method, path, err)}
		}
	}
	refreshed := false
	for attempt := 1; ; attempt++ {
		token, err := c.tokens.get(ctx)
		if err != nil {
			return err
		}
		status, header, answer, err := c.do(ctx, method, target, token, body)
		if err != nil {
			return &bot.SendError{Kind: bot.Temporary, Err: fmt.Errorf("%s %s: %w", method, path, err)}
		}
		if status == http.StatusUnauthorized && !refreshed {
			refreshed = true
			c.tokens.forget(token)
			continue
		}
		if status/100 != 2 {
			se := classify(method+" "+path, status, header, answer)
			wait, again := retryWait(se, header, attempt)
			if !again {
				return se
			}
			if err := sleep(ctx, wait); err != nil {
				return se
			}
			continue
		}
		if out != nil && len(bytes.TrimSpace(answer)) > 0 {
			if err := json.Unmarshal(answer, out); err != nil {
				return &bot.SendError{Kind: bot.Temporary, Err: fmt.Errorf("%s %s: bad answer: %w", method, path, err)}
			}
		}
		return nil
	}
}

func (c *connector) do(ctx context.Context, method, target, token string, body []byte) (int, http.Header, []byte, error) {
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, target, rd)
	if err != nil {
		return 0, nil, nil, err
	}
	req.Header.Set("Authorization", "Bearer "+token)
	if body != nil {
		req.Header.Set("Content-Type", "application/json; charset=utf-8")
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return 0, nil, nil, err
	}
	defer resp.Body.Close()
	answer, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return 0, nil, nil, err
	}
	return resp.StatusCode, resp.Header, answer, nil
}

// escapeID escapes a conversation or activity id for a URL path as the Bot
// Framework SDKs do (encodeURIComponent): Teams ids hold ':', '@' and ';'.
func escapeID(id string) string {
	const keep = "-_.!~*'()"
	var b strings.Builder
	for i := 0; i < len(id); i++ {
		c := id[i]
		if 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || strings.IndexByte(keep, c) >= 0 {
			b.WriteByte(c)
		} else {
			fmt.Fprintf(&b, "%%%02X", c)
		}
	}
	return b.String()
}

type resourceResponse struct {
	ID string `json:"id"`
}

// sendActivity posts act into a conversation, as a reply to replyTo when
// set, and returns the new activity's id.
func (c *connector) sendActivity(ctx context.Context, serviceURL, conv, replyTo string, act *activity) (string, error) {
	path := "/v3/conversations/" + escapeID(conv) + "/activities"
	if replyTo != "" {
		path += "/" + escapeID(replyTo)
		act.ReplyToID = replyTo
	}
	op := "sendToConversation"
	if replyTo != "" {
		op = "replyToActivity"
	}
	var res resourceResponse
	if err := c.call(ctx, op, http.MethodPost, serviceURL, path, act, &res); err != nil {
		return "", err
	}
	return res.ID, nil
}

func (c *connector) updateActivity(ctx context.Context, serviceURL, conv, id string, act *activity) error {
	act.ID = id
	path := "/v3/conversations/" + escapeID(conv) + "/activities/" + escapeID(id)
	return c.call(ctx, "updateActivity", http.MethodPut, serviceURL, path, act, nil)
}

// createPersonalChat opens (or finds: Teams answers the same id each time)
// the one-to-one chat between the bot and member, a "29:" id or an AAD
// object id.
func (c *connector) createPersonalChat(ctx context.Context, serviceURL, botID, member, tenant string) (string, error) {
	params := map[string]any{
		"isGroup":     false,
		"members":     []account{{ID: member}},
		"tenantId":    tenant,
		"channelData": channelData{Tenant: &idOnly{ID: tenant}},
	}
	if botID != "" {
		params["bot"] = account{ID: botID}
	}
	var res resourceResponse
	if err := c.call(ctx, "createConversation", http.MethodPost, serviceURL, "/v3/conversations", params, &res); err != nil {
		return "", err
	}
	if res.ID == "" {
		return "", &bot.SendError{Kind: bot.Temporary, Err: errors.New("create conversation: no id in the answer")}
	}
	return res.ID, nil
}

// member is a person as the Bot Connector's members API describes them.
type member struct {
	ID                string `json:"id"`
	Name              string `json:"name"`
	AADObjectID       string `json:"aadObjectId"`
	Email             string `json:"email"`
	UserPrincipalName string `json:"userPrincipalName"`
	// UserRole is "user", or "guest" for a guest of the tenant.
	UserRole string `json:"userRole"`
}

func (c *connector) getMember(ctx context.Context, serviceURL, conv, memberID string) (member, error) {
	var m member
	path := "/v3/conversations/" + escapeID(conv) + "/members/" + escapeID(memberID)
	err := c.call(ctx, "getConversationMember", http.MethodGet, serviceURL, path, nil, &m)
	return m, err
}
