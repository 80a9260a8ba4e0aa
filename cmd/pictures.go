package cmd

import (
	"context"
	"errors"
	"time"

	"github.com/okrbot/okrbot/bot"
	"github.com/okrbot/okrbot/okr"
	"github.com/okrbot/okrbot/store"
)

// teamsPictures keeps the pictures of Teams cards in the database, so that
// any replica serves a link that another drew.
type teamsPictures struct {
	st  *store.Store
	now func() time.Time // nil: time.Now
}

func (p teamsPictures) clock() time.Time {
	if p.now == nil {
		return time.Now()
	}
	return p.now()
}

func (p teamsPictures) KeepPicture(ctx context.Context, ws bot.Workspace, id string, png []byte, until time.Time) error {
	w, err := p.st.Workspace(ctx, ws.Platform, ws.TeamID)
	if err != nil {
		return err
	}
	return p.st.KeepChartPicture(ctx, w.ID, id, png, until, p.clock())
}

// Picture finds a picture without making its workspace: a link may outlive
// the workspace, purged since.
func (p teamsPictures) Picture(ctx context.Context, ws bot.Workspace, id string) ([]byte, error) {
	w, err := p.st.FindWorkspace(ctx, ws.Platform, ws.TeamID)
	if errors.Is(err, okr.ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	png, err := p.st.ChartPicture(ctx, w.ID, id, p.clock())
	if errors.Is(err, okr.ErrNotFound) {
		return nil, nil
	}
	return png, err
}
