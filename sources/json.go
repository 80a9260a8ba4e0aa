package sources

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"

	"github.com/theory/jsonpath"
)

// jsonSource is a number in a JSON answer, found by an RFC 9535 JSONPath.
type jsonSource struct {
	get  getter
	path *jsonpath.Path
	raw  string
}

func parsePath(p string) (*jsonpath.Path, error) {
	path, err := jsonpath.Parse(p)
	if err != nil {
		return nil, fmt.Errorf("%q is not a JSONPath (RFC 9535), like '$.data.churn': %v", p, err)
	}
	return path, nil
}

func (s *jsonSource) Fetch(ctx context.Context) (float64, error) {
	body, err := s.get.get(ctx, "application/json")
	if err != nil {
		return 0, err
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	var doc any
	if err := dec.Decode(&doc); err != nil {
		return 0, s.get.cfg.redactErr("%s answered something that is not JSON: %s", hostOf(s.get.url), excerpt(body))
	}
	nodes := s.path.Select(doc)
	switch len(nodes) {
	case 0:
		return 0, s.get.cfg.redactErr("%s matched nothing in %s", s.raw, excerpt(body))
	case 1:
	default:
		return 0, s.get.cfg.redactErr("%s matched %d values, not one, in %s", s.raw, len(nodes), excerpt(body))
	}
	v, ok := number(nodes[0])
	if !ok {
		shown, _ := json.Marshal(nodes[0])
		return 0, s.get.cfg.redactErr("%s is %s, not a number", s.raw, excerpt(shown))
	}
	return v, nil
}

// redactErr is an error made like fmt.Errorf, with secrets' values
// replaced by their names.
func (c *Config) redactErr(format string, args ...any) error {
	return fmt.Errorf("%s", c.redact(fmt.Sprintf(format, args...)))
}
