package slack

import (
	"context"

	"github.com/slack-go/slack"

	"github.com/okrbot/okrbot/bot"
)

// appHome turns an app_home_opened event into the work to do after its ack:
// publishing the person's Home tab, when the handler fills one.
func (a *Adapter) appHome(t *bot.Track, ws bot.Workspace, user, tab string) (*exchange, afterAck) {
	x := a.newExchange(t, "app_home", ws, "", bot.User{ID: user})
	home, ok := a.h.(bot.HomeHandler)
	if !ok || tab != "home" || user == "" {
		return x, nil
	}
	return x, func(ctx context.Context) {
		x.enrichUser(ctx)
		var msg *bot.Message
		if x.call(func() { msg = home.Home(ctx, x.req) }) || msg == nil {
			return
		}
		_, blocks, err := renderBlocks(*msg, maxHomeBlocks)
		if err != nil {
			x.track.Fail()
			x.log.Error("home tab not rendered", "err", err)
			return
		}
		view := slack.HomeTabViewRequest{Type: slack.VTHomeTab, Blocks: slack.Blocks{BlockSet: blocks}}
		api, err := a.client(ctx, ws)
		if err == nil {
			_, err = api.PublishViewContext(ctx, slack.PublishViewContextRequest{UserID: user, View: view})
		}
		if err != nil {
			x.track.Fail()
			x.log.Warn("home tab not published", "err", err)
		}
	}
}
