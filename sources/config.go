package sources

import (
	"errors"
	"fmt"
	"net"
	"net/http"
	"strings"
	"time"
)

// Config is what fetching needs from okrbot's settings.
type Config struct {
	// Hosts is where http and csv sources may connect
	// (OKRBOT_SOURCE_HOSTS).
	Hosts Hosts
	// Secrets are the values of the environment variables listed in
	// OKRBOT_SOURCE_SECRETS, by name: the only ones {env:NAME} expands.
	Secrets map[string]string
	// Database is the connection string of a sql source's database by its
	// name (OKRBOT_SOURCE_DB_<NAME>), "" when not set.
	Database func(name string) string
	// PrometheusURL is the Prometheus that prometheus sources ask
	// (OKRBOT_SOURCE_PROMETHEUS_URL).
	PrometheusURL string
	// Timeout bounds one fetch: DefaultTimeout when zero.
	Timeout time.Duration
	// MaxBytes bounds an answer's size: DefaultMaxBytes when zero.
	MaxBytes int64
}

func (c *Config) timeout() time.Duration {
	if c.Timeout > 0 {
		return c.Timeout
	}
	return DefaultTimeout
}

func (c *Config) maxBytes() int64 {
	if c.MaxBytes > 0 {
		return c.MaxBytes
	}
	return DefaultMaxBytes
}

// maxRedirects is how many redirects a fetch follows.
const maxRedirects = 5

// client is an HTTP client that connects only where Hosts allows, on the
// first request and on every redirect, uses no proxy from the environment
// (which would connect for it, unchecked), and gives up after the timeout.
func (c *Config) client() *http.Client {
	t := &http.Transport{
		Proxy:                 nil,
		DialContext:           c.Hosts.dialer(func() *net.Dialer { return &net.Dialer{Timeout: c.timeout()} }),
		TLSHandshakeTimeout:   c.timeout(),
		ResponseHeaderTimeout: c.timeout(),
		MaxIdleConns:          1,
		DisableKeepAlives:     true,
	}
	return &http.Client{Transport: t, Timeout: c.timeout(), CheckRedirect: func(req *http.Request, via []*http.Request) error {
		if len(via) >= maxRedirects {
			return fmt.Errorf("more than %d redirects", maxRedirects)
		}
		if err := c.checkURL(req.URL.String()); err != nil {
			return fmt.Errorf("redirected to %s: %w", redactURL(req.URL.String()), err)
		}
		// A credential meant for one host is not handed to another.
		if req.URL.Host != via[0].URL.Host {
			for _, h := range stripOnRedirect(via[0].Header) {
				req.Header.Del(h)
			}
		}
		return nil
	}}
}

// stripOnRedirect are the headers of the first request that hold secrets.
func stripOnRedirect(h http.Header) []string {
	var names []string
	for name := range h {
		if sensitiveHeader(name) {
			names = append(names, name)
		}
	}
	return names
}

// Open makes the Fetcher of s, expanding its secrets. s must pass Check.
func (c *Config) Open(s Spec) (Fetcher, error) {
	if err := c.Check(s); err != nil {
		return nil, err
	}
	switch s.Kind {
	case HTTP, CSV:
		header := http.Header{}
		var names []string
		for _, h := range s.Headers {
			name, value, _ := strings.Cut(h, ":")
			v, err := c.expand(strings.TrimSpace(value))
			if err != nil {
				return nil, err
			}
			header.Add(strings.TrimSpace(name), v)
			names = append(names, secretNames(value)...)
		}
		body, err := c.jsonBody(s.JSON)
		if err != nil {
			return nil, err
		}
		for _, f := range s.JSON {
			names = append(names, secretNames(f)...)
		}
		target, err := c.expand(s.URL)
		if err != nil {
			return nil, err
		}
		names = append(names, secretNames(s.URL)...)
		g := getter{cfg: c, url: target, header: header, secrets: names, body: body}
		if s.Kind == HTTP {
			p, _ := parsePath(s.Path)
			return &jsonSource{get: g, path: p, raw: s.Path}, nil
		}
		cell, _ := parseCell(s.Cell)
		return &csvSource{get: g, cell: cell}, nil
	case SQL:
		dsn, err := c.dsn(s.Database)
		if err != nil {
			return nil, err
		}
		return &sqlSource{cfg: c, name: s.Database, dsn: dsn, query: s.Query}, nil
	case Prometheus:
		return &promSource{cfg: c, query: s.Query}, nil
	}
	return nil, errors.New("unknown source")
}

// now is the moment an instant query asks about; a variable so that
// nothing else in the package reads the clock.
var now = time.Now
