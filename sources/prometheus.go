package sources

import (
	"context"
	"errors"
	"fmt"
	"math"
	"net/http"
	"strings"

	"github.com/prometheus/client_golang/api"
	promv1 "github.com/prometheus/client_golang/api/prometheus/v1"
	"github.com/prometheus/common/model"
)

// promSource is the one sample of an instant PromQL query against the
// Prometheus of the settings (OKRBOT_SOURCE_PROMETHEUS_URL), which an
// admin set and is therefore not held to OKRBOT_SOURCE_HOSTS.
type promSource struct {
	cfg   *Config
	query string
}

func (s *promSource) Fetch(ctx context.Context) (float64, error) {
	ctx, cancel := context.WithTimeout(ctx, s.cfg.timeout())
	defer cancel()
	host := hostOf(s.cfg.PrometheusURL)
	fail := func(format string, args ...any) error {
		msg := strings.ReplaceAll(fmt.Sprintf(format, args...), s.cfg.PrometheusURL, "OKRBOT_SOURCE_PROMETHEUS_URL")
		return errors.New(s.cfg.redact(msg))
	}
	client, err := api.NewClient(api.Config{Address: s.cfg.PrometheusURL,
		Client: &http.Client{Timeout: s.cfg.timeout(), Transport: &http.Transport{Proxy: http.ProxyFromEnvironment}}})
	if err != nil {
		return 0, fail("OKRBOT_SOURCE_PROMETHEUS_URL does not read: %v", err)
	}
	v, _, _, err := promv1.NewAPI(client).Query(ctx, s.query, now())
	if pe, ok := errors.AsType[*promv1.Error](err); ok {
		detail := ""
		if pe.Detail != "" {
			detail = ": " + excerpt([]byte(pe.Detail))
		}
		return 0, fail("Prometheus at %s answered %s: %s%s", host, pe.Type, pe.Msg, detail)
	}
	if err != nil {
		return 0, fail("Prometheus at %s: %v", host, err)
	}
	switch v := v.(type) {
	case model.Vector:
		switch len(v) {
		case 0:
			return 0, fail("%s returned no sample from Prometheus at %s (no series matches it now)", s.query, host)
		case 1:
			return finite(float64(v[0].Value), s.query, fail)
		default:
			return 0, fail("%s returned %d series, not one (%s, …); aggregate it, with sum(…) for one", s.query, len(v), excerpt([]byte(v[0].Metric.String())))
		}
	case *model.Scalar:
		return finite(float64(v.Value), s.query, fail)
	}
	return 0, fail("%s returned a %s, not an instant number", s.query, v.Type())
}

func finite(f float64, query string, fail func(string, ...any) error) (float64, error) {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return 0, fail("%s is %v, not a number okrbot can record", query, f)
	}
	return f, nil
}
