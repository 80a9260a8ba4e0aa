package install

import (
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"regexp"
	"strings"
)

// Allowed are the Slack workspaces (team ids, T…) and Enterprise Grid
// organizations (enterprise ids, E…) okrbot may be installed in and
// serve, from OKRBOT_SLACK_TEAMS. A nil Allowed allows any: with public
// distribution on, anyone could then install a company's okrbot.
type Allowed map[string]bool

var (
	teamID       = regexp.MustCompile(`^T[A-Z0-9]+$`)
	enterpriseID = regexp.MustCompile(`^E[A-Z0-9]+$`)
)

// ParseAllowed reads a comma-separated list of team and enterprise ids;
// an empty list is nil, which allows any.
func ParseAllowed(list string) (Allowed, error) {
	var a Allowed
	for id := range strings.SplitSeq(list, ",") {
		id = strings.TrimSpace(id)
		if id == "" {
			continue
		}
		if !teamID.MatchString(id) && !enterpriseID.MatchString(id) {
			return nil, fmt.Errorf("%q is neither a Slack team id like T0123ABCD nor an Enterprise Grid organization id like E0123ABCD", id)
		}
		if a == nil {
			a = Allowed{}
		}
		a[id] = true
	}
	return a, nil
}

// Serves reports whether a workspace may use okrbot: its team is listed,
// or its organization.
func (a Allowed) Serves(enterpriseID, teamID string) bool {
	return a == nil || (teamID != "" && a[teamID]) || (enterpriseID != "" && a[enterpriseID])
}

// installs reports whether an installation may be kept. An org-wide one
// serves every workspace of its organization, so the organization must be
// listed; a workspace's own, its team or its organization.
func (a Allowed) installs(inst Installation) bool {
	if inst.IsEnterpriseInstall {
		return a == nil || a[inst.EnterpriseID]
	}
	return a.Serves(inst.EnterpriseID, inst.TeamID)
}

// randomText is 128 random bits, as text.
func randomText() string {
	b := make([]byte, 16)
	rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}
