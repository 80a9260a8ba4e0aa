package store

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/okrbot/okrbot/okr"
)

// Sealer seals secrets before they are written and opens them after they
// are read; *secret.Box is one.
type Sealer interface {
	Seal(plaintext, where string) (string, error)
	Open(sealed, where string) (string, error)
}

// SetSealer gives the store the keys that seal installation tokens at rest.
// Call it once, before the Store is used. Without one, saving or reading an
// installation fails.
func (s *Store) SetSealer(box Sealer) { s.sealer = box }

// An Installation is okrbot installed in one Slack workspace, or in a whole
// Enterprise Grid organization at once (IsEnterpriseInstall, TeamID empty).
// Tokens are plain text here; the store keeps them sealed.
//
// bot/slack/install has a type with the same fields, so main converts one to
// the other with a type conversion: change both together.
type Installation struct {
	EnterpriseID   string
	EnterpriseName string
	// TeamID is empty for an organization-wide install.
	TeamID              string
	TeamName            string
	IsEnterpriseInstall bool
	BotUserID           string
	BotToken            string
	// RefreshToken and ExpiresAt are set when the Slack app rotates its
	// tokens: BotToken stops working at ExpiresAt, and RefreshToken gets a
	// new one.
	RefreshToken string
	ExpiresAt    time.Time
	// Scopes are the granted bot scopes, comma-separated as Slack lists them.
	Scopes      string
	InstallerID string
	InstalledAt time.Time
	// RevokedAt is when okrbot lost the installation's token, and
	// RevokedReason why: uninstalled, or a token Slack refused
	// (account_inactive, …). Only RevokedInstallations fills them.
	RevokedAt     time.Time
	RevokedReason string
}

// installation is an Installation as stored. Its token columns hold sealed
// text only: plain tokens never reach a model gorm could write.
type installation struct {
	ID uint `gorm:"primaryKey"`
	// Slack team ids are unique across Slack, so team_id leads the key and
	// lookups by team alone use it.
	TeamID              string `gorm:"not null;default:'';uniqueIndex:idx_installations_team_enterprise"`
	EnterpriseID        string `gorm:"not null;default:'';uniqueIndex:idx_installations_team_enterprise"`
	TeamName            string `gorm:"not null;default:''"`
	EnterpriseName      string `gorm:"not null;default:''"`
	IsEnterpriseInstall bool   `gorm:"not null;default:false"`
	BotUserID           string `gorm:"not null;default:''"`
	BotToken            string `gorm:"not null;default:''"`
	RefreshToken        string `gorm:"not null;default:''"`
	ExpiresAt           *time.Time
	Scopes              string    `gorm:"not null;default:''"`
	InstallerID         string    `gorm:"not null;default:''"`
	InstalledAt         time.Time `gorm:"not null"`
	UpdatedAt           time.Time
	// RevokedAt is when Slack said the app was uninstalled or its tokens
	// revoked, or refused its token; the tokens are wiped then, and the
	// workspace's data kept. RevokedReason says which.
	RevokedAt     *time.Time
	RevokedReason string `gorm:"not null;default:''"`
	// A token refresh is claimed by one replica (RefreshHolder) until
	// RefreshUntil, so that Slack's single-use refresh token is used once,
	// with no database transaction open while Slack answers. After a failed
	// refresh RefreshHolder is empty and RefreshUntil is when to try again;
	// RefreshFailures counts the failures in a row, for the backoff.
	RefreshHolder   string `gorm:"not null;default:''"`
	RefreshUntil    *time.Time
	RefreshFailures int `gorm:"not null;default:0"`
}

// oauthState is an OAuth state that has been used. It is kept until it
// expires, so the same state is refused a second time by every replica.
type oauthState struct {
	// Hash is the state's SHA-256; the state itself need not be kept.
	Hash      string    `gorm:"primaryKey"`
	ExpiresAt time.Time `gorm:"not null;index"`
}

// slackPlatform is the Workspace.Platform of Slack workspaces, the only
// platform with installations.
const slackPlatform = "slack"

// workspaceRows keeps a workspace's installation when the workspace is
// purged: organization-wide installs serve other workspaces too.
func (installation) workspaceRows(w Workspace) (string, []any) {
	if w.Platform != slackPlatform {
		return "", nil
	}
	return "team_id = ? AND is_enterprise_install = ?", []any{w.TeamID, false}
}

// workspaceRows: used states belong to no workspace.
func (oauthState) workspaceRows(Workspace) (string, []any) { return "", nil }

func (r installation) where(column string) string {
	return "installations/" + r.EnterpriseID + "/" + r.TeamID + "/" + column
}

func (s *Store) seal(r *installation, column, plain string) (string, error) {
	if plain == "" {
		return "", nil
	}
	if s.sealer == nil {
		return "", errors.New("store: no secret key to seal tokens with (OKRBOT_SECRET_KEY)")
	}
	sealed, err := s.sealer.Seal(plain, r.where(column))
	if err != nil {
		return "", fmt.Errorf("seal %s of %s: %w", column, r.name(), err)
	}
	return sealed, nil
}

func (s *Store) open(r *installation, column, sealed string) (string, error) {
	if sealed == "" {
		return "", nil
	}
	if s.sealer == nil {
		return "", errors.New("store: no secret key to open tokens with (OKRBOT_SECRET_KEY)")
	}
	plain, err := s.sealer.Open(sealed, r.where(column))
	if err != nil {
		return "", fmt.Errorf("open %s of %s: %w", column, r.name(), err)
	}
	return plain, nil
}

func (r installation) name() string {
	if r.IsEnterpriseInstall {
		return "the installation in organization " + r.EnterpriseID
	}
	return "the installation in workspace " + r.TeamID
}

func (s *Store) toRow(in Installation) (installation, error) {
	r := installation{
		TeamID: in.TeamID, EnterpriseID: in.EnterpriseID, TeamName: in.TeamName, EnterpriseName: in.EnterpriseName,
		IsEnterpriseInstall: in.IsEnterpriseInstall, BotUserID: in.BotUserID,
		Scopes: in.Scopes, InstallerID: in.InstallerID, InstalledAt: in.InstalledAt.UTC(),
	}
	if !in.ExpiresAt.IsZero() {
		at := in.ExpiresAt.UTC()
		r.ExpiresAt = &at
	}
	var err error
	if r.BotToken, err = s.seal(&r, "bot_token", in.BotToken); err != nil {
		return r, err
	}
	r.RefreshToken, err = s.seal(&r, "refresh_token", in.RefreshToken)
	return r, err
}

func (s *Store) fromRow(r installation) (Installation, error) {
	in := Installation{
		TeamID: r.TeamID, EnterpriseID: r.EnterpriseID, TeamName: r.TeamName, EnterpriseName: r.EnterpriseName,
		IsEnterpriseInstall: r.IsEnterpriseInstall, BotUserID: r.BotUserID,
		Scopes: r.Scopes, InstallerID: r.InstallerID, InstalledAt: r.InstalledAt,
	}
	if r.ExpiresAt != nil {
		in.ExpiresAt = *r.ExpiresAt
	}
	var err error
	if in.BotToken, err = s.open(&r, "bot_token", r.BotToken); err != nil {
		return in, err
	}
	in.RefreshToken, err = s.open(&r, "refresh_token", r.RefreshToken)
	return in, err
}

// installationKey selects an installation by its team id or, for an
// organization-wide install (teamID empty), its enterprise id. Slack team
// ids are unique across Slack, so a team's enterprise id is not needed to
// find it.
func installationKey(enterpriseID, teamID string) (string, []any) {
	if teamID != "" {
		return "team_id = ? AND is_enterprise_install = ?", []any{teamID, false}
	}
	return "enterprise_id = ? AND team_id = '' AND is_enterprise_install = ?", []any{enterpriseID, true}
}

// installationColumns are the columns a new install overwrites.
var installationColumns = []string{"team_name", "enterprise_name", "is_enterprise_install", "bot_user_id", "bot_token",
	"refresh_token", "expires_at", "scopes", "installer_id", "installed_at", "updated_at", "revoked_at", "revoked_reason",
	"refresh_holder", "refresh_until", "refresh_failures"}

// SaveInstallation records an install, replacing the one of the same
// workspace or organization: installing again after an uninstall brings the
// workspace back with its data.
func (s *Store) SaveInstallation(ctx context.Context, in Installation) error {
	switch {
	case in.IsEnterpriseInstall && (in.EnterpriseID == "" || in.TeamID != ""):
		return fmt.Errorf("save installation: an organization-wide install has an enterprise id and no team id (got %q, %q)", in.EnterpriseID, in.TeamID)
	case !in.IsEnterpriseInstall && in.TeamID == "":
		return errors.New("save installation: no team id")
	}
	r, err := s.toRow(in)
	if err != nil {
		return err
	}
	err = s.q(ctx).Clauses(clause.OnConflict{
		Columns:   []clause.Column{{Name: "team_id"}, {Name: "enterprise_id"}},
		DoUpdates: clause.AssignmentColumns(installationColumns),
	}).Create(&r).Error
	if err != nil {
		return fmt.Errorf("save %s: %w", r.name(), err)
	}
	return nil
}

// InstallationFor returns the installation that serves a workspace: its own,
// or else its organization's organization-wide install. An uninstalled one
// is not found (okr.ErrNotFound). teamID may be empty for events about an
// organization as a whole.
func (s *Store) InstallationFor(ctx context.Context, enterpriseID, teamID string) (Installation, error) {
	var r installation
	err := gorm.ErrRecordNotFound
	if teamID != "" {
		cond, args := installationKey(enterpriseID, teamID)
		err = s.q(ctx).Where(cond, args...).Where("revoked_at IS NULL").Order("updated_at DESC").Take(&r).Error
	}
	if errors.Is(err, gorm.ErrRecordNotFound) && enterpriseID != "" {
		cond, args := installationKey(enterpriseID, "")
		err = s.q(ctx).Where(cond, args...).Where("revoked_at IS NULL").Take(&r).Error
	}
	if err != nil {
		return Installation{}, notFound(err)
	}
	return s.fromRow(r)
}

// ActiveInstallations returns every installation that has not been
// uninstalled, oldest first.
func (s *Store) ActiveInstallations(ctx context.Context) ([]Installation, error) {
	var rows []installation
	if err := s.q(ctx).Where("revoked_at IS NULL").Order("id").Find(&rows).Error; err != nil {
		return nil, err
	}
	out := make([]Installation, len(rows))
	for i, r := range rows {
		var err error
		if out[i], err = s.fromRow(r); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// ClaimRefresh claims the refresh of an installation's rotating token
// until `until`, unless another replica holds the claim or a failed refresh
// asked to wait until after now. It returns the installation as stored
// now, the failed refreshes in a row before this one, and whether the
// claim is holder's. The claim is one UPDATE, so no transaction stays open
// while Slack is asked: only the claim's holder refreshes, and its
// FinishRefresh counts only while it still holds it. The installation is
// named by its team id, or by its enterprise id for an organization-wide
// install (teamID empty).
func (s *Store) ClaimRefresh(ctx context.Context, enterpriseID, teamID, holder string, now, until time.Time) (Installation, int, bool, error) {
	cond, args := installationKey(enterpriseID, teamID)
	res := s.q(ctx).Model(&installation{}).Where(cond, args...).Where("revoked_at IS NULL").
		Where("(refresh_until IS NULL OR refresh_until <= ?)", now.UTC()).
		Updates(map[string]any{"refresh_holder": holder, "refresh_until": until.UTC()})
	if res.Error != nil {
		return Installation{}, 0, false, fmt.Errorf("claim the token refresh of %s/%s: %w", enterpriseID, teamID, res.Error)
	}
	var r installation
	if err := s.q(ctx).Where(cond, args...).Where("revoked_at IS NULL").Take(&r).Error; err != nil {
		return Installation{}, 0, false, notFound(err)
	}
	in, err := s.fromRow(r)
	return in, r.RefreshFailures, res.RowsAffected == 1 && r.RefreshHolder == holder, err
}

// FinishRefresh ends holder's claim on an installation's refresh: with the
// new tokens of next, or, when next is nil, as a failure, with no refresh
// tried again before retryAt. It reports whether the claim was still
// holder's; when it was not (the claim ran out and another took it, or the
// installation was revoked meanwhile), nothing is changed.
func (s *Store) FinishRefresh(ctx context.Context, enterpriseID, teamID, holder string, next *Installation, now, retryAt time.Time) (bool, error) {
	cond, args := installationKey(enterpriseID, teamID)
	changes := map[string]any{"refresh_holder": "", "refresh_until": retryAt.UTC(), "refresh_failures": gorm.Expr("refresh_failures + 1")}
	if next != nil {
		r, err := s.toRow(*next)
		if err != nil {
			return false, err
		}
		changes = map[string]any{"bot_token": r.BotToken, "refresh_token": r.RefreshToken, "expires_at": r.ExpiresAt,
			"updated_at": now.UTC(), "refresh_holder": "", "refresh_until": nil, "refresh_failures": 0}
	}
	res := s.q(ctx).Model(&installation{}).Where(cond, args...).Where("revoked_at IS NULL AND refresh_holder = ?", holder).Updates(changes)
	if res.Error != nil {
		return false, fmt.Errorf("finish the token refresh of %s/%s: %w", enterpriseID, teamID, res.Error)
	}
	return res.RowsAffected == 1, nil
}

// RevokeInstallation wipes an installation's tokens after Slack said the app
// was uninstalled or its tokens revoked, or refused its token; reason says
// which, for the log and okrbot check. The row stays, with when it
// happened, and so does the workspace's data until it is purged. Revoking
// twice keeps the first time and reason; an unknown installation is
// okr.ErrNotFound. The installation is named by its team id, or by its
// enterprise id for an organization-wide install (teamID empty).
func (s *Store) RevokeInstallation(ctx context.Context, enterpriseID, teamID string, at time.Time, reason string) error {
	cond, args := installationKey(enterpriseID, teamID)
	res := s.q(ctx).Model(&installation{}).Where(cond, args...).
		Updates(map[string]any{"bot_token": "", "refresh_token": "", "expires_at": nil,
			"revoked_reason": gorm.Expr("CASE WHEN revoked_at IS NULL THEN ? ELSE revoked_reason END", reason),
			"revoked_at":     gorm.Expr("COALESCE(revoked_at, ?)", at.UTC()), "updated_at": at.UTC(),
			"refresh_holder": "", "refresh_until": nil, "refresh_failures": 0})
	if res.Error != nil {
		return fmt.Errorf("revoke installation %s/%s: %w", enterpriseID, teamID, res.Error)
	}
	if res.RowsAffected == 0 {
		return okr.ErrNotFound
	}
	return nil
}

// RevokedInstallations returns the installations okrbot lost its token in
// and that were not installed again, with when and why, oldest first.
func (s *Store) RevokedInstallations(ctx context.Context) ([]Installation, error) {
	var rows []installation
	if err := s.q(ctx).Where("revoked_at IS NOT NULL").Order("id").Find(&rows).Error; err != nil {
		return nil, err
	}
	out := make([]Installation, len(rows))
	for i, r := range rows {
		out[i] = Installation{TeamID: r.TeamID, EnterpriseID: r.EnterpriseID, TeamName: r.TeamName, EnterpriseName: r.EnterpriseName,
			IsEnterpriseInstall: r.IsEnterpriseInstall, InstalledAt: r.InstalledAt, RevokedAt: *r.RevokedAt, RevokedReason: r.RevokedReason}
	}
	return out, nil
}

// UseOAuthState marks an OAuth state as used until it expires, and reports
// whether it was still unused. States are kept in the database rather than
// in memory so that a state used at one replica is refused at every other.
func (s *Store) UseOAuthState(ctx context.Context, state string, expires, now time.Time) (bool, error) {
	fresh := false
	err := s.InTx(ctx, func(tx *Store) error {
		if err := tx.q(ctx).Where("expires_at < ?", now.UTC()).Delete(&oauthState{}).Error; err != nil {
			return err
		}
		res := tx.q(ctx).Clauses(clause.OnConflict{DoNothing: true}).
			Create(&oauthState{Hash: stateHash(state), ExpiresAt: expires.UTC()})
		fresh = res.RowsAffected == 1
		return res.Error
	})
	if err != nil {
		return false, fmt.Errorf("use OAuth state: %w", err)
	}
	return fresh, nil
}

// ResealSecrets seals every stored secret again with the key that seals now
// (the first of OKRBOT_SECRET_KEY), in one transaction: after it, older keys
// can be dropped. It returns how many secrets it re-sealed.
func (s *Store) ResealSecrets(ctx context.Context) (int, error) {
	n := 0
	err := s.InTx(ctx, func(tx *Store) error {
		var rows []installation
		q := tx.q(ctx)
		if tx.dialect == "postgres" {
			q = q.Clauses(clause.Locking{Strength: "UPDATE"})
		}
		if err := q.Order("id").Find(&rows).Error; err != nil {
			return err
		}
		for _, r := range rows {
			in, err := tx.fromRow(r)
			if err != nil {
				return err
			}
			nr, err := tx.toRow(in)
			if err != nil {
				return err
			}
			err = tx.q(ctx).Model(&installation{}).Where("id = ?", r.ID).
				Updates(map[string]any{"bot_token": nr.BotToken, "refresh_token": nr.RefreshToken}).Error
			if err != nil {
				return fmt.Errorf("re-seal %s: %w", r.name(), err)
			}
			for _, v := range []string{nr.BotToken, nr.RefreshToken} {
				if v != "" {
					n++
				}
			}
		}
		return nil
	})
	if err != nil {
		return 0, err
	}
	return n, nil
}

func stateHash(state string) string {
	sum := sha256.Sum256([]byte(state))
	return hex.EncodeToString(sum[:])
}
