package cmd

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"

	"github.com/okrbot/okrbot/bot/teams"
)

// teamsPackage runs "okrbot teams-package [--out FILE]": it writes the
// Teams app package (manifest and icons) with TEAMS_APP_ID filled in, ready
// to upload in Teams.
func (m *Main) teamsPackage(_ context.Context, args []string) error {
	fs := flag.NewFlagSet("teams-package", flag.ContinueOnError)
	fs.SetOutput(m.Stderr)
	out := fs.String("out", "okrbot-teams.zip", "the zip file to write")
	if err := fs.Parse(args); err != nil {
		return err
	}
	appID := m.cfg().TeamsAppID
	if appID == "" {
		return errors.New("teams-package: set TEAMS_APP_ID to the bot's Microsoft app (client) id")
	}
	f, err := os.Create(*out)
	if err != nil {
		return err
	}
	err = teams.WritePackage(f, appID, m.cfg().PublicURL)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		os.Remove(*out)
		return fmt.Errorf("teams-package: %w", err)
	}
	fmt.Fprintf(m.Stdout, "Wrote %s. Upload it in Teams: Apps → Manage your apps → Upload an app.\n", *out)
	return nil
}
