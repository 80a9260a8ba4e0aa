package sources

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
)

// getter GETs a URL within Config's limits.
type getter struct {
	cfg    *Config
	url    string
	header http.Header
	// secrets are the names the headers expand, for the hint of a 401.
	secrets []string
	// body, when set, is POSTed as JSON.
	body []byte
}

// get returns the body of a 2xx answer, or an error that says what came
// back.
func (g getter) get(ctx context.Context, accept string) ([]byte, error) {
	ctx, cancel := context.WithTimeout(ctx, g.cfg.timeout())
	defer cancel()
	method, payload := http.MethodGet, io.Reader(nil)
	if g.body != nil {
		method, payload = http.MethodPost, bytes.NewReader(g.body)
	}
	req, err := http.NewRequestWithContext(ctx, method, g.url, payload)
	if err != nil {
		return nil, g.cfg.redactErr("%q is not a URL okrbot can GET", redactURL(g.url))
	}
	req.Header = g.header.Clone()
	if g.body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	req.Header.Set("Accept", accept)
	req.Header.Set("User-Agent", "okrbot")
	resp, err := g.cfg.client().Do(req)
	host := req.URL.Host
	if err != nil {
		return nil, errors.New(g.cfg.redact(describeGetError(host, err)))
	}
	defer resp.Body.Close()
	host = resp.Request.URL.Host
	limit := g.cfg.maxBytes()
	body, err := io.ReadAll(io.LimitReader(resp.Body, limit+1))
	if err != nil {
		return nil, fmt.Errorf("reading the answer of %s: %s", host, g.cfg.redact(err.Error()))
	}
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		msg := fmt.Sprintf("HTTP %d from %s", resp.StatusCode, host)
		switch {
		case (resp.StatusCode == 401 || resp.StatusCode == 403) && len(g.secrets) > 0:
			msg += ": check " + strings.Join(g.secrets, ", ")
		case resp.StatusCode == 401 || resp.StatusCode == 403:
			msg += ": it wants credentials; send them with --header \"Authorization: Bearer {env:NAME}\""
		case len(body) > 0:
			msg += ": " + excerpt(body)
		}
		return nil, errors.New(g.cfg.redact(msg))
	}
	if int64(len(body)) > limit {
		return nil, fmt.Errorf("the answer of %s is larger than %d KiB, more than okrbot reads", host, limit>>10)
	}
	return body, nil
}

// describeGetError says why a GET failed without quoting its URL, whose
// query may hold what should not be shown.
func describeGetError(host string, err error) string {
	var ue *url.Error
	if errors.As(err, &ue) {
		err = ue.Err
	}
	if errors.Is(err, context.DeadlineExceeded) || strings.Contains(err.Error(), "Client.Timeout") {
		return fmt.Sprintf("%s did not answer in time", host)
	}
	return fmt.Sprintf("cannot reach %s: %v", host, err)
}
