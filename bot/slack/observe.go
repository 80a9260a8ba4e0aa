package slack

import (
	"bytes"
	"cmp"
	"encoding/json"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"
)

// responseURLMethod names posts to a request's response_url, which are no
// Web API method.
const responseURLMethod = "response_url"

// apiTransport is the HTTP transport of every Web API client: it tells the
// Observer of each call and logs it (with the request id its context
// carries), under the name of its Web API method. slack-go reads the answer
// itself; this reads it first, because Slack answers most failures with 200
// and {"ok":false}. A token error it sees is reported with the client's
// token (slack-go sends it in the body, where a transport does not look).
type apiTransport struct {
	a     *Adapter
	base  http.RoundTripper
	token string
}

func (t *apiTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	method := t.a.methodOf(req.URL)
	start := time.Now()
	resp, err := t.base.RoundTrip(req)
	failure, status := err, 0
	if err == nil {
		status = resp.StatusCode
		var body []byte
		body, err = io.ReadAll(resp.Body)
		resp.Body.Close()
		resp.Body = io.NopCloser(bytes.NewReader(body))
		var code string
		code, failure = answerFailure(resp, body)
		failure = cmp.Or(err, failure)
		if slices.Contains(TokenErrors, code) && t.token != "" {
			t.a.tokenRefused(req.Context(), t.token, method, code)
		}
	}
	if t.a.obs != nil {
		t.a.obs.Called(Platform, method, failure)
	}
	t.a.log.DebugContext(req.Context(), "slack API call", "method", method, "status", status, "took", time.Since(start), "err", failure)
	if err != nil {
		return nil, err
	}
	return resp, nil
}

// methodOf names a call by its Web API method: the path after the API
// URL's, like chat.postMessage.
func (a *Adapter) methodOf(u *url.URL) string {
	if m, ok := strings.CutPrefix(u.Path, a.apiPath); ok && m != "" && !strings.Contains(m, "/") {
		return m
	}
	return responseURLMethod
}

// answerFailure says what an answer says failed: its HTTP status, or the
// error of a JSON answer that says "ok": false, and that error's code.
func answerFailure(resp *http.Response, body []byte) (string, error) {
	if resp.StatusCode/100 != 2 {
		return "", fmt.Errorf("HTTP %s", resp.Status)
	}
	if ct, _, _ := mime.ParseMediaType(resp.Header.Get("Content-Type")); ct != "application/json" {
		return "", nil
	}
	// Slack writes "ok" first: a successful answer is known from its
	// first key, without reading the rest of it.
	dec := json.NewDecoder(bytes.NewReader(body))
	if open, err := dec.Token(); err != nil || open != json.Delim('{') {
		return "", nil
	}
	if key, _ := dec.Token(); key == "ok" {
		if ok, _ := dec.Token(); ok == true {
			return "", nil
		}
	}
	var answer struct {
		OK    *bool  `json:"ok"`
		Error string `json:"error"`
	}
	if json.Unmarshal(body, &answer) == nil && answer.OK != nil && !*answer.OK {
		return answer.Error, fmt.Errorf("slack error %q", answer.Error)
	}
	return "", nil
}
