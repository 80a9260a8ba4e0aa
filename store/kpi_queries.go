package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/okrbot/okrbot/okr"
)

// KPINameKey is how KPI names are compared: without regard to case or
// surrounding space.
func KPINameKey(name string) string { return strings.ToLower(strings.TrimSpace(name)) }

// CreateKPI stores a new KPI. A name the workspace already uses, in any
// case, is refused with a validation error on "name".
func (s *Store) CreateKPI(ctx context.Context, k *KPI) error {
	k.Name = strings.TrimSpace(k.Name)
	k.NameKey = KPINameKey(k.Name)
	if k.Health == "" {
		k.Health = okr.HealthNoData
	}
	err := s.q(ctx).Omit(clause.Associations).Create(k).Error
	if errors.Is(err, gorm.ErrDuplicatedKey) {
		return okr.Invalid("name", "There is already a KPI named %q.", k.Name)
	}
	if err != nil {
		return fmt.Errorf("create KPI %q: %w", k.Name, err)
	}
	return nil
}

// UpdateKPI saves the KPI's definition. A rename to a name in use is refused
// like CreateKPI refuses it. The latest value and the announced health are
// left alone: RecordMeasurement and SetKPIHealthIf own them, and a KPI
// loaded before a value came in must not put back the older one.
func (s *Store) UpdateKPI(ctx context.Context, k *KPI) error {
	k.Name = strings.TrimSpace(k.Name)
	k.NameKey = KPINameKey(k.Name)
	err := s.q(ctx).Select("*").Omit(clause.Associations, "last_value", "last_at", "health", "created_at").Where("workspace_id = ?", k.WorkspaceID).Updates(k).Error
	if errors.Is(err, gorm.ErrDuplicatedKey) {
		return okr.Invalid("name", "There is already a KPI named %q.", k.Name)
	}
	if err != nil {
		return fmt.Errorf("update KPI %d: %w", k.ID, err)
	}
	return nil
}

// preloadKPI joins a KPI's owner and team to it: one query for a list of
// any length. Conditions on its results name the kpis table.
func preloadKPI(db *gorm.DB) *gorm.DB { return db.Joins("Owner").Joins("Team") }

// KPIByID returns the workspace's KPI with an id, with its owner and team.
func (s *Store) KPIByID(ctx context.Context, workspaceID, id uint) (KPI, error) {
	var k KPI
	err := preloadKPI(s.q(ctx)).Where("kpis.workspace_id = ? AND kpis.id = ?", workspaceID, id).Take(&k).Error
	return k, notFound(err)
}

// KPIByName returns the workspace's KPI with a name, ignoring case.
func (s *Store) KPIByName(ctx context.Context, workspaceID uint, name string) (KPI, error) {
	var k KPI
	err := preloadKPI(s.q(ctx)).Where("kpis.workspace_id = ? AND kpis.name_key = ?", workspaceID, KPINameKey(name)).Take(&k).Error
	return k, notFound(err)
}

// KPIFilter selects KPIs. Zero fields do not filter.
type KPIFilter struct {
	TeamID          uint
	OwnerID         uint
	IDs             []uint
	IncludeArchived bool
}

// KPIs returns the workspace's KPIs that match f, by name, with owners and
// teams.
func (s *Store) KPIs(ctx context.Context, workspaceID uint, f KPIFilter) ([]KPI, error) {
	q := preloadKPI(s.q(ctx)).Where("kpis.workspace_id = ?", workspaceID)
	if f.TeamID != 0 {
		q = q.Where("kpis.team_id = ?", f.TeamID)
	}
	if f.OwnerID != 0 {
		q = q.Where("kpis.owner_id = ?", f.OwnerID)
	}
	if len(f.IDs) > 0 {
		q = q.Where("kpis.id IN ?", f.IDs)
	}
	if !f.IncludeArchived {
		q = q.Where("kpis.archived = ?", false)
	}
	var ks []KPI
	err := q.Order("kpis.name_key").Find(&ks).Error
	return ks, err
}

// KPINames returns the names of the workspace's KPIs that are not archived.
func (s *Store) KPINames(ctx context.Context, workspaceID uint) ([]string, error) {
	var names []string
	err := s.q(ctx).Model(&KPI{}).Where("workspace_id = ? AND archived = ?", workspaceID, false).
		Order("name_key").Pluck("name", &names).Error
	return names, err
}

// RecordMeasurement appends a measurement. When it is the KPI's newest, it
// becomes the KPI's latest value; a back-dated one only joins the history.
// Call it inside InTx.
func (s *Store) RecordMeasurement(ctx context.Context, m *Measurement) error {
	m.At = m.At.UTC()
	if err := s.q(ctx).Create(m).Error; err != nil {
		return fmt.Errorf("record measurement: %w", err)
	}
	res := s.q(ctx).Model(&KPI{}).
		Where("id = ? AND workspace_id = ? AND (last_at IS NULL OR last_at <= ?)", m.KPIID, m.WorkspaceID, m.At).
		Updates(map[string]any{"last_value": m.Value, "last_at": m.At})
	if res.Error != nil {
		return fmt.Errorf("record measurement: %w", res.Error)
	}
	return nil
}

// Measurements returns a KPI's newest measurements, newest first, at most
// limit.
func (s *Store) Measurements(ctx context.Context, workspaceID, kpiID uint, limit int) ([]Measurement, error) {
	var ms []Measurement
	err := s.q(ctx).Where("workspace_id = ? AND kpi_id = ?", workspaceID, kpiID).
		Order("at DESC, id DESC").Limit(limit).Find(&ms).Error
	return ms, err
}

// RecentDepth is how many of each KPI's newest measurements RecentPoints
// loads: enough for a sparkline and for the trend over four periods of a
// weekly KPI measured daily.
const RecentDepth = 32

// RecentPoints returns the newest depth values of each KPI, oldest first,
// in one query however many KPIs there are. More may come back when several
// share the oldest moment.
func (s *Store) RecentPoints(ctx context.Context, workspaceID uint, kpiIDs []uint, depth int) (map[uint][]okr.Point, error) {
	out := make(map[uint][]okr.Point, len(kpiIDs))
	if len(kpiIDs) == 0 || depth <= 0 {
		return out, nil
	}
	// The bound is computed once per KPI and then seeks the (kpi_id, at)
	// index, so this reads about depth rows a KPI, not its whole history.
	// Only the columns a chart needs are read: scanning is most of the cost.
	rows, err := s.q(ctx).Raw(`SELECT m.kpi_id, m.at, m.value FROM kpis k JOIN kpi_measurements m ON m.kpi_id = k.id
		AND m.at >= COALESCE((SELECT m3.at FROM kpi_measurements m3 WHERE m3.kpi_id = k.id ORDER BY m3.at DESC LIMIT 1 OFFSET ?), ?)
		WHERE k.workspace_id = ? AND k.id IN ? ORDER BY m.kpi_id, m.at, m.id`,
		depth-1, time.Time{}.UTC(), workspaceID, kpiIDs).Rows()
	if err != nil {
		return nil, fmt.Errorf("recent measurements: %w", err)
	}
	return scanPoints(rows, out, "recent measurements")
}

// TrendDepth bounds how many values of one KPI PointsSince loads: more
// than a chart 1,280 pixels wide can tell apart, and few enough that a KPI
// recorded every minute costs no more to draw than one recorded hourly.
const TrendDepth = 1000

// PointsSince returns the values of KPIs over windows, by KPI, oldest
// first: those at or after since[id] and the newest one before it (the
// value in effect when the window opens), at most the newest limit of
// them. It is one statement however many KPIs: a SELECT for each start the
// KPIs have (KPIs of one cadence share one), joined by UNION ALL.
func (s *Store) PointsSince(ctx context.Context, workspaceID uint, since map[uint]time.Time, limit int) (map[uint][]okr.Point, error) {
	out := make(map[uint][]okr.Point, len(since))
	if len(since) == 0 || limit <= 0 {
		return out, nil
	}
	groups := map[time.Time][]uint{}
	for id, t := range since {
		t = t.UTC()
		groups[t] = append(groups[t], id)
	}
	starts := slices.SortedFunc(maps.Keys(groups), time.Time.Compare)
	selects := make([]string, len(starts))
	var args []any
	for i, t := range starts {
		ids := groups[t]
		slices.Sort(ids)
		// The rows start at the later of the window's opening value and
		// the limit-th newest: one bound, computed once per KPI, that
		// seeks the (kpi_id, at) index as RecentPoints' does. (Two bounds
		// would have the second evaluated again for every row.)
		opening := `COALESCE((SELECT m2.at FROM kpi_measurements m2 WHERE m2.kpi_id = k.id AND m2.at < ? ORDER BY m2.at DESC LIMIT 1), ?)`
		newest := `COALESCE((SELECT m3.at FROM kpi_measurements m3 WHERE m3.kpi_id = k.id ORDER BY m3.at DESC LIMIT 1 OFFSET ?), ?)`
		selects[i] = `SELECT m.kpi_id, m.at, m.value, m.id FROM kpis k JOIN kpi_measurements m ON m.kpi_id = k.id
			AND m.at >= CASE WHEN ` + opening + ` > ` + newest + ` THEN ` + opening + ` ELSE ` + newest + ` END
			WHERE k.workspace_id = ? AND k.id IN ?`
		args = append(args, t, t, limit-1, time.Time{}.UTC(), t, t, limit-1, time.Time{}.UTC(), workspaceID, ids)
	}
	rows, err := s.q(ctx).Raw(strings.Join(selects, " UNION ALL ")+" ORDER BY 1, 2, 4", args...).Rows()
	if err != nil {
		return nil, fmt.Errorf("measurements since: %w", err)
	}
	return scanPoints(rows, out, "measurements since")
}

// scanPoints adds rows of (id, at, value), and any columns after them
// that only ordered the rows, to out as points by id, in the rows' order,
// and closes rows. what names the query in errors.
func scanPoints(rows *sql.Rows, out map[uint][]okr.Point, what string) (map[uint][]okr.Point, error) {
	defer rows.Close()
	cols, err := rows.Columns()
	if err != nil {
		return nil, fmt.Errorf("%s: %w", what, err)
	}
	var (
		id uint
		p  okr.Point
	)
	dest := []any{&id, &p.At, &p.Value}
	for range len(cols) - len(dest) {
		dest = append(dest, new(any))
	}
	for rows.Next() {
		if err := rows.Scan(dest...); err != nil {
			return nil, fmt.Errorf("%s: %w", what, err)
		}
		p.At = p.At.UTC()
		out[id] = append(out[id], p)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("%s: %w", what, err)
	}
	return out, nil
}

// ValuesAt returns each KPI's value in effect at a moment: its newest
// measurement at or before it, however long the history since. KPIs without
// one are left out. One query, seeking the (kpi_id, at) index once a KPI.
func (s *Store) ValuesAt(ctx context.Context, workspaceID uint, kpiIDs []uint, at time.Time) (map[uint]okr.Point, error) {
	out := make(map[uint]okr.Point, len(kpiIDs))
	if len(kpiIDs) == 0 {
		return out, nil
	}
	rows, err := s.q(ctx).Raw(`SELECT m.kpi_id, m.at, m.value FROM kpis k JOIN kpi_measurements m
		ON m.id = (SELECT m2.id FROM kpi_measurements m2 WHERE m2.kpi_id = k.id AND m2.at <= ? ORDER BY m2.at DESC, m2.id DESC LIMIT 1)
		WHERE k.workspace_id = ? AND k.id IN ?`, at.UTC(), workspaceID, kpiIDs).Rows()
	if err != nil {
		return nil, fmt.Errorf("values at %s: %w", at, err)
	}
	defer rows.Close()
	for rows.Next() {
		var (
			id uint
			p  okr.Point
		)
		if err := rows.Scan(&id, &p.At, &p.Value); err != nil {
			return nil, fmt.Errorf("values at %s: %w", at, err)
		}
		out[id] = p
	}
	return out, rows.Err()
}

// KeyResultsDrivenBy returns the key results linked to the KPIs, by KPI.
func (s *Store) KeyResultsDrivenBy(ctx context.Context, workspaceID uint, kpiIDs []uint) (map[uint][]KeyResult, error) {
	out := map[uint][]KeyResult{}
	if len(kpiIDs) == 0 {
		return out, nil
	}
	var krs []KeyResult
	err := s.q(ctx).Where("workspace_id = ? AND kpi_id IN ?", workspaceID, kpiIDs).Order("number").Find(&krs).Error
	if err != nil {
		return nil, fmt.Errorf("key results driven by KPIs: %w", err)
	}
	for _, kr := range krs {
		out[*kr.KPIID] = append(out[*kr.KPIID], kr)
	}
	return out, nil
}

// ObjectivesByIDs returns the workspace's objectives with the ids, by id,
// without their associations.
func (s *Store) ObjectivesByIDs(ctx context.Context, workspaceID uint, ids []uint) (map[uint]Objective, error) {
	return byID(ctx, s, workspaceID, ids, func(o Objective) uint { return o.ID })
}

// byID loads the workspace's rows of a table with the ids, in one query,
// keyed by id.
func byID[T any](ctx context.Context, s *Store, workspaceID uint, ids []uint, id func(T) uint) (map[uint]T, error) {
	out := make(map[uint]T, len(ids))
	if len(ids) == 0 {
		return out, nil
	}
	var rows []T
	if err := s.q(ctx).Where("workspace_id = ? AND id IN ?", workspaceID, ids).Find(&rows).Error; err != nil {
		return nil, err
	}
	for _, r := range rows {
		out[id(r)] = r
	}
	return out, nil
}

// SetAlertChannel makes channel where the team's KPI alerts go (teamID 0:
// the workspace's default).
func (s *Store) SetAlertChannel(ctx context.Context, workspaceID, teamID uint, channel string) error {
	a := AlertChannel{WorkspaceID: workspaceID, TeamID: teamID, Channel: channel}
	return s.q(ctx).Clauses(clause.OnConflict{
		Columns:   []clause.Column{{Name: "workspace_id"}, {Name: "team_id"}},
		DoUpdates: clause.AssignmentColumns([]string{"channel"}),
	}).Create(&a).Error
}

// AlertChannels returns the workspace's alert channels by team id (0 for the
// default).
func (s *Store) AlertChannels(ctx context.Context, workspaceID uint) (map[uint]string, error) {
	var as []AlertChannel
	if err := s.q(ctx).Where("workspace_id = ?", workspaceID).Find(&as).Error; err != nil {
		return nil, err
	}
	out := make(map[uint]string, len(as))
	for _, a := range as {
		out[a.TeamID] = a.Channel
	}
	return out, nil
}

// CreateAPIToken stores a token (its hash).
func (s *Store) CreateAPIToken(ctx context.Context, t *APIToken) error {
	return s.q(ctx).Create(t).Error
}

// APITokens returns the workspace's tokens that are not revoked, oldest
// first.
func (s *Store) APITokens(ctx context.Context, workspaceID uint) ([]APIToken, error) {
	var ts []APIToken
	err := s.q(ctx).Where("workspace_id = ? AND revoked_at IS NULL", workspaceID).Order("id").Find(&ts).Error
	return ts, err
}

// RevokeAPIToken revokes the workspace's token with an id.
func (s *Store) RevokeAPIToken(ctx context.Context, workspaceID, id uint, now time.Time) error {
	res := s.q(ctx).Model(&APIToken{}).Where("workspace_id = ? AND id = ? AND revoked_at IS NULL", workspaceID, id).
		Update("revoked_at", now.UTC())
	if res.Error != nil {
		return res.Error
	}
	if res.RowsAffected == 0 {
		return okr.ErrNotFound
	}
	return nil
}

// APITokenByHash returns the token with a hash unless it is revoked.
func (s *Store) APITokenByHash(ctx context.Context, hash string) (APIToken, error) {
	var t APIToken
	err := s.q(ctx).Where("hash = ? AND revoked_at IS NULL", hash).Take(&t).Error
	return t, notFound(err)
}

// WorkspaceUninstalled reports whether okrbot was installed in a workspace
// and is no longer: every installation that served it (its own, or its
// organization's) was uninstalled or revoked. A workspace that never had
// an installation (a single workspace served with SLACK_BOT_TOKEN, a Teams
// tenant) is not uninstalled.
func (s *Store) WorkspaceUninstalled(ctx context.Context, workspaceID uint) (bool, error) {
	var w Workspace
	if err := s.q(ctx).Where("id = ?", workspaceID).Take(&w).Error; err != nil {
		return false, notFound(err)
	}
	if w.Platform != slackPlatform {
		return false, nil
	}
	var counts struct{ Total, Active int64 }
	err := s.q(ctx).Model(&installation{}).
		Select("COUNT(*) AS total, COALESCE(SUM(CASE WHEN revoked_at IS NULL THEN 1 ELSE 0 END), 0) AS active").
		Where("(team_id = ? AND is_enterprise_install = ?) OR (enterprise_id <> '' AND enterprise_id = ? AND is_enterprise_install = ?)",
			w.TeamID, false, w.Org, true).
		Scan(&counts).Error
	if err != nil {
		return false, fmt.Errorf("installations of workspace %d: %w", workspaceID, err)
	}
	return counts.Total > 0 && counts.Active == 0, nil
}

// TouchAPIToken records that a token was used.
func (s *Store) TouchAPIToken(ctx context.Context, id uint, now time.Time) error {
	return s.q(ctx).Model(&APIToken{}).Where("id = ?", id).UpdateColumn("last_used_at", now.UTC()).Error
}

// SaveDigestSubscription creates or replaces the subscription of a channel
// (for a team, or the whole workspace).
func (s *Store) SaveDigestSubscription(ctx context.Context, d *DigestSubscription) error {
	return s.q(ctx).Clauses(clause.OnConflict{
		Columns: []clause.Column{{Name: "workspace_id"}, {Name: "channel"}, {Name: "team_id"}},
		// A changed schedule is planned again.
		DoUpdates: clause.AssignmentColumns([]string{"schedule", "tz", "created_by_id", "next_run_at"}),
	}).Create(d).Error
}

// DigestSubscriptions returns the workspace's digest subscriptions.
func (s *Store) DigestSubscriptions(ctx context.Context, workspaceID uint) ([]DigestSubscription, error) {
	var ds []DigestSubscription
	err := s.q(ctx).Where("workspace_id = ?", workspaceID).Order("channel, team_id").Find(&ds).Error
	return ds, err
}

// DeleteDigestSubscriptions removes every subscription of a channel and
// reports how many there were.
func (s *Store) DeleteDigestSubscriptions(ctx context.Context, workspaceID uint, channel string) (int, error) {
	res := s.q(ctx).Where("workspace_id = ? AND channel = ?", workspaceID, channel).Delete(&DigestSubscription{})
	return int(res.RowsAffected), res.Error
}

// CheckInsSince returns the workspace's check-ins made at or after since.
func (s *Store) CheckInsSince(ctx context.Context, workspaceID uint, since time.Time) ([]CheckIn, error) {
	var cs []CheckIn
	err := s.q(ctx).Where("workspace_id = ? AND created_at >= ?", workspaceID, since.UTC()).Order("id").Find(&cs).Error
	return cs, err
}

// SetKPIHealthIf moves a KPI's announced health from one value to another
// and reports whether it did: of two replicas that see the same change,
// only one moves it, and only that one announces it.
func (s *Store) SetKPIHealthIf(ctx context.Context, workspaceID, id uint, from, to okr.Health) (bool, error) {
	res := s.q(ctx).Model(&KPI{}).Where("id = ? AND workspace_id = ? AND health = ?", id, workspaceID, from).
		UpdateColumn("health", to)
	return res.RowsAffected == 1, res.Error
}

// KPIsMeasuredBefore returns the KPIs of the workspaces given, not archived
// and not yet announced as stale, whose latest value is older than before:
// the candidates for going stale.
func (s *Store) KPIsMeasuredBefore(ctx context.Context, workspaceIDs []uint, before time.Time) ([]KPI, error) {
	if len(workspaceIDs) == 0 {
		return nil, nil
	}
	var ks []KPI
	err := s.q(ctx).Where("workspace_id IN ? AND archived = ? AND health <> ? AND last_at < ?", workspaceIDs, false, okr.HealthStale, before.UTC()).
		Order("workspace_id, id").Find(&ks).Error
	return ks, err
}

// Workspaces returns every workspace, oldest first.
func (s *Store) Workspaces(ctx context.Context) ([]Workspace, error) {
	var ws []Workspace
	err := s.q(ctx).Order("id").Find(&ws).Error
	return ws, err
}

// EachMeasurement calls fn with each of the workspace's measurements, by KPI
// and time, reading them one at a time so exports need not hold the whole
// history.
func (s *Store) EachMeasurement(ctx context.Context, workspaceID uint, fn func(Measurement) error) error {
	rows, err := s.q(ctx).Model(&Measurement{}).Where("workspace_id = ?", workspaceID).Order("kpi_id, at, id").Rows()
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var m Measurement
		if err := s.db.ScanRows(rows, &m); err != nil {
			return err
		}
		if err := fn(m); err != nil {
			return err
		}
	}
	return rows.Err()
}

// CheckInsOf returns the check-ins of key results, oldest first.
func (s *Store) CheckInsOf(ctx context.Context, workspaceID uint, keyResultIDs []uint) ([]CheckIn, error) {
	var cs []CheckIn
	if len(keyResultIDs) == 0 {
		return cs, nil
	}
	err := s.q(ctx).Where("workspace_id = ? AND key_result_id IN ?", workspaceID, keyResultIDs).Order("key_result_id, created_at, id").Find(&cs).Error
	return cs, err
}

// UsersByID returns the workspace's people with the ids.
func (s *Store) UsersByID(ctx context.Context, workspaceID uint, ids []uint) (map[uint]User, error) {
	return byID(ctx, s, workspaceID, ids, func(u User) uint { return u.ID })
}

// MarkDigestSent records when a subscription's digest went out, so the next
// one measures the biggest movers from then.
func (s *Store) MarkDigestSent(ctx context.Context, id uint, at time.Time) error {
	return s.q(ctx).Model(&DigestSubscription{}).Where("id = ?", id).UpdateColumn("last_sent_at", at.UTC()).Error
}

// LastConfidences returns the confidence of the newest check-in of each of
// the workspace's key results that has one, in one query that reads each
// key result's newest row by the primary key rather than scanning its
// history.
func (s *Store) LastConfidences(ctx context.Context, workspaceID uint, keyResultIDs []uint) (map[uint]okr.Confidence, error) {
	out := make(map[uint]okr.Confidence, len(keyResultIDs))
	if len(keyResultIDs) == 0 {
		return out, nil
	}
	rows, err := s.q(ctx).Raw(`SELECT c.key_result_id, c.confidence FROM check_ins c
		JOIN (SELECT MAX(id) AS id FROM check_ins WHERE workspace_id = ? AND key_result_id IN ? GROUP BY key_result_id) l ON l.id = c.id`,
		workspaceID, keyResultIDs).Rows()
	if err != nil {
		return nil, fmt.Errorf("last confidences: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var (
			id uint
			c  okr.Confidence
		)
		if err := rows.Scan(&id, &c); err != nil {
			return nil, fmt.Errorf("last confidences: %w", err)
		}
		out[id] = c
	}
	return out, rows.Err()
}
