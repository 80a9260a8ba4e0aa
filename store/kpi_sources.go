package store

import (
	"context"
	"errors"
	"fmt"
	"time"

	"gorm.io/gorm"

	"gorm.io/gorm/clause"
)

// A KPISource is where a KPI's value is fetched from, on its cadence. Spec
// names secrets ({env:NAME}) and never holds them.
type KPISource struct {
	ID          uint   `gorm:"primaryKey"`
	WorkspaceID uint   `gorm:"not null;uniqueIndex:idx_kpi_sources_workspace_kpi"`
	KPIID       uint   `gorm:"column:kpi_id;not null;uniqueIndex:idx_kpi_sources_workspace_kpi"`
	Kind        string `gorm:"not null"`
	// Spec is the source's parameters as sources.Spec encodes them.
	Spec string `gorm:"not null"`
	// EverySeconds is the cadence: one value per period of this length,
	// periods counted from midnight UTC.
	EverySeconds int64 `gorm:"not null"`
	CreatedByID  uint  `gorm:"not null"`
	// NextFetchAt is when the source is due; a claim moves it to the next
	// period at once, so no other process fetches it in this one.
	NextFetchAt time.Time `gorm:"not null;index"`
	// LeaseUntil is how long the process that claimed the source has to
	// fetch it.
	LeaseUntil  *time.Time
	LastFetchAt *time.Time
	// LastError is the last failure in words; "" after a success.
	LastError    string `gorm:"not null;default:''"`
	FailingSince *time.Time
	// Failures counts the failures in a row, for the backoff.
	Failures int `gorm:"not null;default:0"`
	// OwnerTold is whether the KPI's owner was told the source is failing.
	OwnerTold bool `gorm:"not null;default:false"`
	// Notice is what the owner is yet to be told: NoticeFailing,
	// NoticeRecovered or "".
	Notice    string `gorm:"not null;default:''"`
	CreatedAt time.Time
	UpdatedAt time.Time
}

// What a KPI's owner is yet to be told about its source.
const (
	NoticeFailing   = "failing"
	NoticeRecovered = "recovered"
)

// TableName groups the table with the KPIs.
func (KPISource) TableName() string { return "kpi_sources" }

// Every is the source's cadence.
func (k KPISource) Every() time.Duration { return time.Duration(k.EverySeconds) * time.Second }

// PeriodStart is the start of the period of length every that holds t:
// periods are counted from midnight UTC, so an hourly source fetches on the
// hour and a daily one at midnight UTC.
func PeriodStart(t time.Time, every time.Duration) time.Time {
	return t.UTC().Truncate(every)
}

// SetKPISource points a KPI at a source, replacing any it had; it is due
// at once, with no failure behind it.
func (s *Store) SetKPISource(ctx context.Context, src *KPISource, now time.Time) error {
	src.NextFetchAt = now.UTC()
	src.LeaseUntil, src.LastError, src.FailingSince, src.Failures, src.OwnerTold, src.Notice = nil, "", nil, 0, false, ""
	err := s.q(ctx).Clauses(clause.OnConflict{
		Columns: []clause.Column{{Name: "workspace_id"}, {Name: "kpi_id"}},
		DoUpdates: clause.AssignmentColumns([]string{"kind", "spec", "every_seconds", "created_by_id", "next_fetch_at",
			"lease_until", "last_error", "failing_since", "failures", "owner_told", "notice", "updated_at"}),
	}).Create(src).Error
	if err != nil {
		return fmt.Errorf("set source of KPI %d: %w", src.KPIID, err)
	}
	return nil
}

// KPISourceOf returns a KPI's source; okr.ErrNotFound when it has none.
func (s *Store) KPISourceOf(ctx context.Context, workspaceID, kpiID uint) (KPISource, error) {
	var src KPISource
	err := s.q(ctx).Where("workspace_id = ? AND kpi_id = ?", workspaceID, kpiID).Take(&src).Error
	return src, notFound(err)
}

// KPISources returns the sources of the workspace's KPIs, by KPI id.
func (s *Store) KPISources(ctx context.Context, workspaceID uint, kpiIDs []uint) (map[uint]KPISource, error) {
	out := map[uint]KPISource{}
	if len(kpiIDs) == 0 {
		return out, nil
	}
	var srcs []KPISource
	if err := s.q(ctx).Where("workspace_id = ? AND kpi_id IN ?", workspaceID, kpiIDs).Find(&srcs).Error; err != nil {
		return nil, fmt.Errorf("KPI sources: %w", err)
	}
	for _, src := range srcs {
		out[src.KPIID] = src
	}
	return out, nil
}

// DeleteKPISource stops fetching a KPI's value; false when it had no
// source.
func (s *Store) DeleteKPISource(ctx context.Context, workspaceID, kpiID uint) (bool, error) {
	res := s.q(ctx).Where("workspace_id = ? AND kpi_id = ?", workspaceID, kpiID).Delete(&KPISource{})
	return res.RowsAffected > 0, res.Error
}

// ClaimDueSources claims up to limit sources of the workspaces given that
// are due at now and not held by another process, for lease. Each claim
// is a conditional update of one row, so two processes never both claim
// one, and it moves the source's next fetch to the next period at once:
// a source is fetched once per period even if the process that claimed it
// dies. Sources of archived KPIs are not claimed.
func (s *Store) ClaimDueSources(ctx context.Context, workspaceIDs []uint, now time.Time, lease time.Duration, limit int) ([]KPISource, error) {
	if len(workspaceIDs) == 0 {
		return nil, nil
	}
	now = now.UTC()
	// The lease is what a fetch's result is recorded against: kept to the
	// microsecond both databases store, it compares equal when read back.
	until := now.Add(lease).Truncate(time.Microsecond)
	var claimed []KPISource
	err := s.InTx(ctx, func(tx *Store) error {
		q := tx.q(ctx).Where("workspace_id IN ? AND next_fetch_at <= ? AND (lease_until IS NULL OR lease_until < ?)", workspaceIDs, now, now).
			Where("kpi_id IN (SELECT id FROM kpis WHERE archived = ?)", false).
			Order("next_fetch_at, id").Limit(limit)
		var due []KPISource
		if err := tx.skipLocked(q).Find(&due).Error; err != nil {
			return err
		}
		for _, src := range due {
			next := PeriodStart(now, src.Every()).Add(src.Every())
			res := tx.q(ctx).Model(&KPISource{}).
				Where("id = ? AND next_fetch_at <= ? AND (lease_until IS NULL OR lease_until < ?)", src.ID, now, now).
				Updates(map[string]any{"lease_until": until, "next_fetch_at": next})
			if res.Error != nil {
				return res.Error
			}
			if res.RowsAffected == 1 {
				src.LeaseUntil, src.NextFetchAt = &until, next
				claimed = append(claimed, src)
			}
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("claim due KPI sources: %w", err)
	}
	return claimed, nil
}

// errSourceChanged is a fetch whose source was changed, turned off or
// claimed again while it ran: its result belongs to no one.
var errSourceChanged = errors.New("the KPI's source changed while it was fetched")

// IsSourceChanged reports whether err is a fetch outrun by a change of its
// source.
func IsSourceChanged(err error) bool { return errors.Is(err, errSourceChanged) }

// SourceFetched records a successful fetch of a claimed source at, and
// what the owner is to be told: that it works again, if they were told it
// failed. What they were told is read in the statement itself, as another
// process may have told them while the fetch ran. Call it inside InTx,
// with the measurement.
func (s *Store) SourceFetched(ctx context.Context, src KPISource, at time.Time) (KPISource, error) {
	return s.finishFetch(ctx, src, map[string]any{"last_fetch_at": at.UTC(), "last_error": "", "failing_since": nil, "failures": 0,
		"notice": gorm.Expr("CASE WHEN (failing_since IS NOT NULL AND owner_told) OR notice = ? THEN ? ELSE '' END", NoticeRecovered, NoticeRecovered)})
}

// SourceFailed records a failed fetch of a claimed source: the error in
// words, since when it fails, and its next try after a backoff that
// doubles with each failure in a row, from one period up to a day (or the
// period, if longer). The first failure of a run is to be told to the
// owner, unless they still know of it (told of the last failure, and not
// yet of its recovery).
func (s *Store) SourceFailed(ctx context.Context, src KPISource, at time.Time, why string) (KPISource, error) {
	at = at.UTC()
	failures := src.Failures + 1
	wait := min(src.Every()<<min(failures-1, 16), max(24*time.Hour, src.Every()))
	return s.finishFetch(ctx, src, map[string]any{"last_fetch_at": at, "last_error": why, "failures": failures,
		"failing_since": gorm.Expr("COALESCE(failing_since, ?)", at), "next_fetch_at": at.Add(wait),
		"notice": gorm.Expr("CASE WHEN failing_since IS NOT NULL THEN notice WHEN owner_told THEN '' ELSE ? END", NoticeFailing)})
}

// finishFetch ends the claim of src with changes, unless the source was
// changed since it was claimed, and returns it as it is now. A notice the
// changes decided on becomes a job that tells the owner, in the same
// transaction: the owner is told once, by whichever process works it.
func (s *Store) finishFetch(ctx context.Context, src KPISource, changes map[string]any) (KPISource, error) {
	changes["lease_until"] = nil
	var now KPISource
	err := s.InTx(ctx, func(tx *Store) error {
		res := tx.q(ctx).Model(&KPISource{}).Where("id = ? AND lease_until = ?", src.ID, src.LeaseUntil).Updates(changes)
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected == 0 {
			return errSourceChanged
		}
		if err := tx.q(ctx).Where("id = ?", src.ID).Take(&now).Error; err != nil {
			return err
		}
		if now.Notice == "" {
			return nil
		}
		var at time.Time // both kinds of fetch set it
		if now.LastFetchAt != nil {
			at = now.LastFetchAt.UTC()
		}
		if _, err := tx.EnqueueJob(ctx, NewJob{Kind: JobSourceNotice, WorkspaceID: now.WorkspaceID,
			UniqueKey: fmt.Sprintf("%d/%s/%s", now.ID, now.Notice, at.Format(time.RFC3339Nano)),
			Args:      SourceNoticeJob{Source: now.ID, Notice: now.Notice, Error: now.LastError}, RunAt: at}); err != nil {
			return err
		}
		return tx.q(ctx).Model(&KPISource{}).Where("id = ?", now.ID).
			Updates(map[string]any{"notice": "", "owner_told": now.Notice == NoticeFailing}).Error
	})
	if errors.Is(err, errSourceChanged) {
		return src, err
	}
	if err != nil {
		return src, fmt.Errorf("record fetch of KPI %d: %w", src.KPIID, err)
	}
	return now, nil
}

// JobSourceNotice is the kind of job that tells a KPI's owner that its
// source fails, or works again.
const JobSourceNotice = "source-notice"

// SourceNoticeJob is what a source notice's job needs: the notice and, for
// a failure, the error as it was when the notice was decided.
type SourceNoticeJob struct {
	Source uint   `json:"source"`
	Notice string `json:"notice"`
	Error  string `json:"error,omitempty"`
}

// KPISourceByID is a source of the workspace by its own id.
func (s *Store) KPISourceByID(ctx context.Context, workspaceID, id uint) (KPISource, error) {
	var src KPISource
	err := s.q(ctx).Where("workspace_id = ? AND id = ?", workspaceID, id).Take(&src).Error
	return src, notFound(err)
}

// SameValueInPeriod reports whether the KPI has a measurement from source
// at or after periodStart with value v: a fetch that finds it again adds
// no row.
func (s *Store) SameValueInPeriod(ctx context.Context, workspaceID, kpiID uint, source string, periodStart time.Time, v float64) (bool, error) {
	var n int64
	err := s.q(ctx).Model(&Measurement{}).Where("workspace_id = ? AND kpi_id = ? AND source = ? AND at >= ? AND value = ?",
		workspaceID, kpiID, source, periodStart.UTC(), v).Limit(1).Count(&n).Error
	return n > 0, err
}
