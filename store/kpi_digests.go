package store

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"gorm.io/gorm/clause"
)

// DigestsToPlan returns subscriptions of the workspaces given that have no
// next run yet, at most limit.
func (s *Store) DigestsToPlan(ctx context.Context, workspaceIDs []uint, limit int) ([]DigestSubscription, error) {
	if len(workspaceIDs) == 0 {
		return nil, nil
	}
	var ds []DigestSubscription
	err := s.q(ctx).Where("next_run_at IS NULL AND workspace_id IN ?", workspaceIDs).Order("id").Limit(limit).Find(&ds).Error
	return ds, err
}

// PlanDigest sets a subscription's next run, unless someone planned it
// first.
func (s *Store) PlanDigest(ctx context.Context, id uint, next time.Time) error {
	return s.q(ctx).Model(&DigestSubscription{}).Where("id = ? AND next_run_at IS NULL", id).
		UpdateColumn("next_run_at", next.UTC()).Error
}

// JobDigest is the kind of job that sends a scheduled digest.
const JobDigest = "digest"

// DigestJob is what the job of a digest needs.
type DigestJob struct {
	Delivery uint `json:"delivery"`
}

// PlanDueDigests turns the digests of the workspaces given that are due at
// now into deliveries, each with the job that sends it: every
// subscription whose next run has come gets a delivery for its latest
// occurrence due, and its next run moves to next(subscription, now), in
// one transaction per batch of limit. The unique key of a delivery
// (subscription, occurrence) makes each occurrence go out once, however
// many replicas plan at once. It returns how many deliveries it recorded.
func (s *Store) PlanDueDigests(ctx context.Context, workspaceIDs []uint, now time.Time, limit int,
	next func(d DigestSubscription, after time.Time) time.Time) (int, error) {
	if len(workspaceIDs) == 0 {
		return 0, nil
	}
	now = now.UTC()
	planned := 0
	for {
		var n int
		err := s.InTx(ctx, func(tx *Store) error {
			q := tx.q(ctx).Where("next_run_at <= ? AND workspace_id IN ?", now, workspaceIDs).
				Order("next_run_at, id").Limit(limit)
			var due []DigestSubscription
			if err := tx.skipLocked(q).Find(&due).Error; err != nil {
				return err
			}
			n = len(due)
			for _, d := range due {
				// Missed occurrences are not sent one after the other: only
				// the latest one due is, and the next run is the first after
				// now.
				occurrence := *d.NextRunAt
				for n := next(d, occurrence); !n.After(now); n = next(d, n) {
					occurrence = n
				}
				moved := tx.q(ctx).Model(&DigestSubscription{}).Where("id = ? AND next_run_at = ?", d.ID, *d.NextRunAt).
					UpdateColumn("next_run_at", next(d, now).UTC())
				if moved.Error != nil {
					return fmt.Errorf("plan digest %d: %w", d.ID, moved.Error)
				}
				if moved.RowsAffected != 1 {
					continue // another replica planned it
				}
				dl := DigestDelivery{WorkspaceID: d.WorkspaceID, SubscriptionID: d.ID, Occurrence: occurrence.UTC(), CreatedAt: now}
				res := tx.q(ctx).Clauses(clause.OnConflict{DoNothing: true}).Create(&dl)
				if res.Error != nil {
					return fmt.Errorf("plan digest %d: %w", d.ID, res.Error)
				}
				if res.RowsAffected != 1 {
					continue
				}
				planned++
				if _, err := tx.EnqueueJob(ctx, NewJob{Kind: JobDigest, WorkspaceID: d.WorkspaceID, UniqueKey: strconv.FormatUint(uint64(dl.ID), 10),
					Args: DigestJob{Delivery: dl.ID}, RunAt: occurrence}); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil || n < limit {
			return planned, err
		}
	}
}

// DigestDeliveryByID returns one of a workspace's digest deliveries, with
// its subscription; okr.ErrNotFound when either is gone (unsubscribed).
func (s *Store) DigestDeliveryByID(ctx context.Context, workspaceID, id uint) (DigestDelivery, DigestSubscription, error) {
	var dl DigestDelivery
	var d DigestSubscription
	if err := s.q(ctx).Where("workspace_id = ? AND id = ?", workspaceID, id).Take(&dl).Error; err != nil {
		return dl, d, notFound(err)
	}
	err := s.q(ctx).Where("workspace_id = ? AND id = ?", workspaceID, dl.SubscriptionID).Take(&d).Error
	return dl, d, notFound(err)
}

// FinishDigest marks a delivery done with a note ("sent", or why it was
// skipped); a sent digest becomes its subscription's last.
func (s *Store) FinishDigest(ctx context.Context, dl DigestDelivery, at time.Time, sent bool, note string) error {
	return s.InTx(ctx, func(tx *Store) error {
		if err := tx.q(ctx).Model(&DigestDelivery{}).Where("id = ?", dl.ID).
			Updates(map[string]any{"done_at": at.UTC(), "note": note}).Error; err != nil {
			return err
		}
		if !sent {
			return nil
		}
		return tx.MarkDigestSent(ctx, dl.SubscriptionID, at)
	})
}

// DigestDeliveries returns a subscription's deliveries, oldest first.
func (s *Store) DigestDeliveries(ctx context.Context, subscriptionID uint) ([]DigestDelivery, error) {
	var ds []DigestDelivery
	err := s.q(ctx).Where("subscription_id = ?", subscriptionID).Order("occurrence, id").Find(&ds).Error
	return ds, err
}
