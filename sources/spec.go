package sources

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Kind is where a value comes from.
type Kind string

const (
	HTTP       Kind = "http"
	CSV        Kind = "csv"
	SQL        Kind = "sql"
	Prometheus Kind = "prometheus"
)

// Kinds lists every Kind, in the order help names them.
var Kinds = []Kind{HTTP, CSV, SQL, Prometheus}

// A Fetcher reads one number, now.
type Fetcher interface {
	Fetch(ctx context.Context) (float64, error)
}

// A Spec says where a value comes from. It holds no secret: headers and
// connection strings name environment variables as {env:NAME}, expanded
// when a Fetcher is made, so a Spec may be stored, shown and exported.
type Spec struct {
	Kind Kind `json:"kind,omitempty"`
	// URL is what http and csv GET.
	URL string `json:"url,omitempty"`
	// Path is the RFC 9535 JSONPath of the number in an http answer.
	Path string `json:"path,omitempty"`
	// Headers are "Name: value" lines sent with an http or csv request.
	Headers []string `json:"headers,omitempty"`
	// JSON, when set, makes an http source POST these fields as a JSON
	// object ("jql=project = SUP" is {"jql": "project = SUP"}; a value
	// that reads as a number is one), for the APIs that count on POST
	// (Jira, HubSpot).
	JSON []string `json:"json,omitempty"`
	// Cell is a csv's cell: "B7", or "column=Churn row=last".
	Cell string `json:"cell,omitempty"`
	// Database is the name of a sql source's database
	// (OKRBOT_SOURCE_DB_<NAME>).
	Database string `json:"database,omitempty"`
	// Query is a sql query or a PromQL expression.
	Query string `json:"query,omitempty"`
}

// ParseSpec reads a Spec stored by Encode.
func ParseSpec(kind, encoded string) (Spec, error) {
	var s Spec
	if err := json.Unmarshal([]byte(encoded), &s); err != nil {
		return s, fmt.Errorf("read %s source: %w", kind, err)
	}
	s.Kind = Kind(kind)
	return s, nil
}

// Encode is the Spec as stored: JSON without its kind.
func (s Spec) Encode() string {
	c := s
	c.Kind = ""
	b, _ := json.Marshal(c) // strings only: cannot fail
	return string(b)
}

// Where is the source in a few words, for /kpi show and the history:
// "http bi.example.com $.churn", "sql warehouse".
func (s Spec) Where() string {
	switch s.Kind {
	case HTTP:
		return fmt.Sprintf("http %s %s", hostOf(s.URL), s.Path)
	case CSV:
		return fmt.Sprintf("csv %s %s", hostOf(s.URL), s.Cell)
	case SQL:
		return "sql " + s.Database
	case Prometheus:
		return "prometheus " + s.Query
	}
	return string(s.Kind)
}

func hostOf(raw string) string {
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" {
		return raw
	}
	return u.Host
}

// secretRef is how a header or connection string names a secret.
var secretRef = regexp.MustCompile(`\{env:([^}]*)\}`)

var envName = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)

// secretNames are the environment variables text refers to.
func secretNames(text string) []string {
	var names []string
	for _, m := range secretRef.FindAllStringSubmatch(text, -1) {
		if !slices.Contains(names, m[1]) {
			names = append(names, m[1])
		}
	}
	return names
}

// sensitiveHeader is a header whose value is a credential: it must name
// one with {env:NAME} rather than hold it, as it was typed in a chat.
func sensitiveHeader(name string) bool {
	n := strings.ToLower(name)
	if n == "authorization" || n == "proxy-authorization" || n == "cookie" {
		return true
	}
	for _, w := range []string{"token", "key", "secret", "password", "auth"} {
		if strings.Contains(n, w) {
			return true
		}
	}
	return false
}

// Check says what is wrong with s under c, before anything is stored: a
// URL okrbot may not reach or that carries a password, a secret typed in
// a header or not listed in OKRBOT_SOURCE_SECRETS, a cell or path that does
// not read, a database not set up. It does not connect.
func (c *Config) Check(s Spec) error {
	switch s.Kind {
	case HTTP, CSV:
		if err := c.checkURL(s.URL); err != nil {
			return err
		}
		if err := c.checkQuery(s.URL); err != nil {
			return err
		}
		for _, h := range s.Headers {
			name, value, ok := strings.Cut(h, ":")
			name, value = strings.TrimSpace(name), strings.TrimSpace(value)
			if !ok || name == "" || strings.ContainsAny(name, " \t") {
				return fmt.Errorf("header %q is not \"Name: value\"", h)
			}
			if sensitiveHeader(name) && len(secretNames(value)) == 0 {
				return fmt.Errorf("header %s holds a credential: put it in an environment variable listed in OKRBOT_SOURCE_SECRETS and write {env:NAME} instead, so that it is never typed in a chat or stored", name)
			}
			if _, err := c.expand(value); err != nil {
				return err
			}
		}
		if len(s.JSON) > 0 && s.Kind != HTTP {
			return errors.New("--json goes with http sources only")
		}
		if _, err := c.jsonBody(s.JSON); err != nil {
			return err
		}
		if s.Kind == HTTP {
			if s.Path == "" {
				return errors.New("an http source needs --path, the JSONPath of the number, like '$.data.churn'")
			}
			if _, err := parsePath(s.Path); err != nil {
				return err
			}
		} else if _, err := parseCell(s.Cell); err != nil {
			return err
		}
	case SQL:
		if strings.TrimSpace(s.Query) == "" {
			return errors.New("a sql source needs a query returning one number")
		}
		if _, err := c.dsn(s.Database); err != nil {
			return err
		}
	case Prometheus:
		if strings.TrimSpace(s.Query) == "" {
			return errors.New("a prometheus source needs a PromQL query")
		}
		if c.PrometheusURL == "" {
			return errors.New("OKRBOT_SOURCE_PROMETHEUS_URL is not set: okrbot does not know which Prometheus to ask")
		}
	default:
		return fmt.Errorf("%q is not a kind of source: http, csv, sql or prometheus", s.Kind)
	}
	return nil
}

// checkURL refuses a URL that is not http(s), carries credentials, or
// names a host okrbot may not reach (by name: addresses are checked again
// when connecting).
func (c *Config) checkURL(raw string) error {
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" || (u.Scheme != "http" && u.Scheme != "https") {
		return fmt.Errorf("%q is not an http:// or https:// URL", redactURL(raw))
	}
	if u.User != nil {
		return fmt.Errorf("the URL carries a user name or password, which would be stored and shown: put the credential in an environment variable listed in OKRBOT_SOURCE_SECRETS and send it with --header \"Authorization: Bearer {env:NAME}\"")
	}
	return c.Hosts.checkName(u.Hostname())
}

// checkQuery refuses a credential written into a URL's query (?api_key=…)
// and secrets in it that cannot be expanded; {env:NAME} there is expanded
// like in a header.
func (c *Config) checkQuery(raw string) error {
	u, err := url.Parse(raw)
	if err != nil {
		return nil // checkURL said so
	}
	if len(secretNames(u.Host)) > 0 {
		return errors.New("{env:NAME} may stand in a URL's path or query, not its host")
	}
	for name, values := range u.Query() {
		for _, v := range values {
			if sensitiveHeader(name) && len(secretNames(v)) == 0 {
				return fmt.Errorf("the URL's parameter %s holds a credential: put it in an environment variable listed in OKRBOT_SOURCE_SECRETS and write %s={env:NAME} instead", name, name)
			}
		}
	}
	_, err = c.expand(raw)
	return err
}

// jsonBody is the JSON object of "key=value" fields, its secrets
// expanded; nil for none.
func (c *Config) jsonBody(fields []string) ([]byte, error) {
	if len(fields) == 0 {
		return nil, nil
	}
	obj := map[string]any{}
	for _, f := range fields {
		k, v, ok := strings.Cut(f, "=")
		if k = strings.TrimSpace(k); !ok || k == "" {
			return nil, fmt.Errorf("--json %q is not KEY=VALUE, like jql=project = SUP", f)
		}
		v, err := c.expand(strings.TrimSpace(v))
		if err != nil {
			return nil, err
		}
		if n, err := strconv.ParseFloat(v, 64); err == nil {
			obj[k] = n
		} else {
			obj[k] = v
		}
	}
	return json.Marshal(obj)
}

// redactURL drops credentials from a URL that is shown.
func redactURL(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		if i := strings.LastIndex(raw, "@"); i >= 0 {
			return "…" + raw[i:]
		}
		return raw
	}
	u.User = nil
	return u.String()
}

// expand replaces each {env:NAME} in text with the secret's value.
func (c *Config) expand(text string) (string, error) {
	var err error
	out := secretRef.ReplaceAllStringFunc(text, func(ref string) string {
		name := secretRef.FindStringSubmatch(ref)[1]
		v, e := c.secret(name)
		if e != nil && err == nil {
			err = e
		}
		return v
	})
	return out, err
}

func (c *Config) secret(name string) (string, error) {
	if !envName.MatchString(name) {
		return "", fmt.Errorf("{env:%s} does not name an environment variable", name)
	}
	v, listed := c.Secrets[name]
	switch {
	case !listed:
		return "", fmt.Errorf("%s is not listed in OKRBOT_SOURCE_SECRETS, so okrbot will not send it anywhere", name)
	case v == "":
		return "", fmt.Errorf("%s is listed in OKRBOT_SOURCE_SECRETS but not set", name)
	}
	return v, nil
}

// redact replaces every secret's value in text with its {env:NAME}: an
// error may quote what a server or driver echoed back.
func (c *Config) redact(text string) string {
	for name, v := range c.Secrets {
		if len(v) >= 4 {
			text = strings.ReplaceAll(text, v, "{env:"+name+"}")
		}
	}
	return text
}

// excerpt is the first 200 bytes of a body, for an error.
func excerpt(b []byte) string {
	const n = 200
	s := strings.ToValidUTF8(string(b[:min(len(b), n)]), "�")
	s = strings.Join(strings.Fields(s), " ")
	if len(b) > n {
		s += "…"
	}
	return s
}

// number reads a value that should be a number: a JSON number, a string
// holding one ("2.4", "2.4%", "1,234"), or a SQL column.
func number(v any) (float64, bool) {
	switch n := v.(type) {
	case float64:
		return n, true
	case float32:
		return float64(n), true
	case int64:
		return float64(n), true
	case int:
		return float64(n), true
	case int32:
		return float64(n), true
	case uint64:
		return float64(n), true
	case json.Number:
		f, err := n.Float64()
		return f, err == nil
	case []byte:
		return number(string(n))
	case string:
		s := strings.TrimSpace(n)
		s = strings.TrimSuffix(s, "%")
		s = strings.ReplaceAll(s, ",", "")
		f, err := strconv.ParseFloat(strings.TrimSpace(s), 64)
		return f, err == nil && s != ""
	}
	return 0, false
}

// Defaults of Config.
const (
	DefaultTimeout  = 10 * time.Second
	DefaultMaxBytes = 1 << 20
)
