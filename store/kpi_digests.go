package store

import (
	"context"
	"errors"
	"fmt"
	"time"

	"gorm.io/gorm"
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

// A ClaimedDigest is a digest this process has the lease to send.
type ClaimedDigest struct {
	Delivery     DigestDelivery
	Subscription DigestSubscription
}

// ClaimDigests claims the digests of the workspaces given that are due at
// now, each leased until now+lease:
// every subscription whose next run has come gets a delivery for its latest
// occurrence due, and its next run moves to next(subscription, now), in one
// transaction; deliveries whose sender's lease ran out before they were done
// are taken over. The unique key of a delivery makes each occurrence go to
// one process only, however many replicas claim at once.
func (s *Store) ClaimDigests(ctx context.Context, workspaceIDs []uint, now time.Time, lease time.Duration, limit int,
	next func(d DigestSubscription, after time.Time) time.Time) ([]ClaimedDigest, error) {
	if len(workspaceIDs) == 0 {
		return nil, nil
	}
	now = now.UTC()
	until := now.Add(lease)
	var claimed []ClaimedDigest
	err := s.InTx(ctx, func(tx *Store) error {
		claimed = claimed[:0]
		q := tx.q(ctx).Where("next_run_at <= ? AND workspace_id IN ?", now, workspaceIDs).
			Order("next_run_at, id").Limit(limit)
		var due []DigestSubscription
		if err := tx.skipLocked(q).Find(&due).Error; err != nil {
			return err
		}
		for _, d := range due {
			// Missed occurrences are not sent one after the other: only the
			// latest one due is, and the next run is the first after now.
			occurrence := *d.NextRunAt
			for n := next(d, occurrence); !n.After(now); n = next(d, n) {
				occurrence = n
			}
			dl := DigestDelivery{WorkspaceID: d.WorkspaceID, SubscriptionID: d.ID, Occurrence: occurrence, ClaimedUntil: &until, Attempts: 1}
			res := tx.q(ctx).Clauses(clause.OnConflict{DoNothing: true}).Create(&dl)
			if res.Error != nil {
				return fmt.Errorf("claim digest %d: %w", d.ID, res.Error)
			}
			moved := tx.q(ctx).Model(&DigestSubscription{}).Where("id = ? AND next_run_at = ?", d.ID, *d.NextRunAt).
				UpdateColumn("next_run_at", next(d, now).UTC())
			if moved.Error != nil {
				return fmt.Errorf("claim digest %d: %w", d.ID, moved.Error)
			}
			if res.RowsAffected == 1 && moved.RowsAffected == 1 {
				claimed = append(claimed, ClaimedDigest{Delivery: dl, Subscription: d})
			}
		}
		// Take over deliveries whose sender died.
		var stale []DigestDelivery
		sq := tx.q(ctx).Where("done_at IS NULL AND claimed_until < ? AND workspace_id IN ?", now, workspaceIDs).Order("id").Limit(limit)
		if err := tx.skipLocked(sq).Find(&stale).Error; err != nil {
			return err
		}
		for _, dl := range stale {
			res := tx.q(ctx).Model(&DigestDelivery{}).Where("id = ? AND done_at IS NULL AND claimed_until = ?", dl.ID, dl.ClaimedUntil).
				Updates(map[string]any{"claimed_until": until, "attempts": gorm.Expr("attempts + 1")})
			if res.Error != nil {
				return res.Error
			}
			if res.RowsAffected != 1 {
				continue
			}
			var d DigestSubscription
			err := tx.q(ctx).Where("id = ?", dl.SubscriptionID).Take(&d).Error
			if errors.Is(err, gorm.ErrRecordNotFound) {
				// Unsubscribed meanwhile: nothing to send.
				if err := tx.q(ctx).Model(&DigestDelivery{}).Where("id = ?", dl.ID).
					Updates(map[string]any{"done_at": now, "note": "unsubscribed"}).Error; err != nil {
					return err
				}
				continue
			}
			if err != nil {
				return err
			}
			dl.ClaimedUntil, dl.Attempts = &until, dl.Attempts+1
			claimed = append(claimed, ClaimedDigest{Delivery: dl, Subscription: d})
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return claimed, nil
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
