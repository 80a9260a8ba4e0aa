package loadtest

import (
	"bytes"
	"context"
	"crypto/hmac"
	"database/sql"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/okrbot/okrbot/internal/fakeslack"
	"github.com/okrbot/okrbot/okr"
)

// Baseline answers a slash command with the least work that still lists
// the objectives: it checks the signature, acks, runs one hand-written
// query and posts the list to the response_url. It is the yardstick
// okrbot's numbers are read against: what the machine and the database
// can do for the same answer.
type Baseline struct {
	db     *sql.DB
	secret string
	team   string
	now    func() time.Time
	client *http.Client
}

// NewBaseline answers for team's workspace from db, okrbot's database,
// checking signatures with secret.
func NewBaseline(db *sql.DB, secret, team string) *Baseline {
	return &Baseline{db: db, secret: secret, team: team, now: time.Now, client: newClient(time.Minute)}
}

// listQuery is the whole of /okr list all: the objectives of the period
// with their owners and key results, one row per key result.
const listQuery = `SELECT o.number, o.title, u.name, kr.kind, kr.start, kr.target, kr.current, kr.weight
FROM objectives o
JOIN workspaces w ON w.id = o.workspace_id
JOIN periods p ON p.id = o.period_id
JOIN users u ON u.id = o.owner_id
LEFT JOIN key_results kr ON kr.objective_id = o.id
WHERE w.platform = $1 AND w.team_id = $2 AND p.name = $3 AND o.status IN ('active', 'closed')
ORDER BY o.number, kr.position`

func (b *Baseline) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxReply))
	if err != nil {
		http.Error(w, "unreadable body", http.StatusBadRequest)
		return
	}
	if !b.signed(r.Header, body) {
		http.Error(w, "invalid signature", http.StatusUnauthorized)
		return
	}
	form, err := url.ParseQuery(string(body))
	if err != nil || form.Get("response_url") == "" {
		http.Error(w, "not a slash command", http.StatusBadRequest)
		return
	}
	w.WriteHeader(http.StatusOK)
	go b.answer(form.Get("response_url"))
}

// signed checks Slack's v0 signature and that the timestamp is recent.
func (b *Baseline) signed(h http.Header, body []byte) bool {
	sec, err := strconv.ParseInt(h.Get("X-Slack-Request-Timestamp"), 10, 64)
	if err != nil || b.now().Sub(time.Unix(sec, 0)).Abs() > 5*time.Minute {
		return false
	}
	want := fakeslack.Sign(b.secret, time.Unix(sec, 0), body).Get("X-Slack-Signature")
	return hmac.Equal([]byte(h.Get("X-Slack-Signature")), []byte(want))
}

func (b *Baseline) answer(responseURL string) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	text, err := b.list(ctx)
	if err != nil {
		// The load tool counts it and shows the first few.
		text = "Something went wrong: " + err.Error()
	}
	msg, _ := json.Marshal(map[string]string{"response_type": "ephemeral", "text": text})
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, responseURL, bytes.NewReader(msg))
	if err != nil {
		return // never: the URL was the tool's own
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := b.client.Do(req)
	if err != nil {
		return // the request is missing in the report
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
}

// list runs the query and writes the list: a line per objective with its
// score, the weighted mean of its key results' progress, and its owner.
func (b *Baseline) list(ctx context.Context) (string, error) {
	period := okr.QuarterOf(b.now()).Name
	rows, err := b.db.QueryContext(ctx, listQuery, platform, b.team, period)
	if err != nil {
		return "", err
	}
	defer rows.Close()
	var out strings.Builder
	fmt.Fprintf(&out, "All objectives in %s\n", period)
	var (
		number        int64
		title, owner  string
		score, weight float64
	)
	line := func() {
		if number != 0 {
			if weight > 0 {
				score /= weight
			}
			fmt.Fprintf(&out, "#%d %s  %.1f · %s\n", number, title, score, owner)
		}
	}
	for rows.Next() {
		var (
			n                 int64
			t, o              string
			kind              sql.NullString
			start, target, cu sql.NullFloat64
			w                 sql.NullFloat64
		)
		if err := rows.Scan(&n, &t, &o, &kind, &start, &target, &cu, &w); err != nil {
			return "", err
		}
		if n != number {
			line()
			number, title, owner, score, weight = n, t, o, 0, 0
		}
		if w.Valid {
			m := okr.Measure{Kind: okr.Kind(kind.String), Start: start.Float64, Target: target.Float64, Current: cu.Float64}
			score += m.Progress() * w.Float64
			weight += w.Float64
		}
	}
	line()
	return out.String(), rows.Err()
}
