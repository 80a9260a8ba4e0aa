package slack

import (
	"context"

	"github.com/slack-go/slack"

	"github.com/okrbot/okrbot/bot"
)

// appHome turns an app_home_opened event into the work to do after its ack:
// publishing the person's Home tab, when the handler fills one.
func (a *Adapter) appHome(t *bot.Track, ws bot.Workspace, user, channel, tab string) (*exchange, afterAck) {
	x := a.newExchange(t, "app_home", ws, "", bot.User{ID: user})
	// The event's channel is okrbot's own DM with the person, unlike the
	// D… channel of a slash command, which may be two people's DM.
	x.req.Address.Ref = channel
	x.quietWhenBusy = true
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
		if _, _, err := renderBlocks(*msg, maxHomeBlocks, nil); err != nil {
			x.track.Fail()
			x.log.Error("home tab not rendered", "err", err)
			return
		}
		api, err := a.client(ctx, ws)
		if err == nil {
			err = a.post(ctx, api, ws, *msg, maxHomeBlocks, x.log, func(_ string, blocks []slack.Block) error {
				view := slack.HomeTabViewRequest{Type: slack.VTHomeTab, Blocks: slack.Blocks{BlockSet: blocks}}
				_, err := api.PublishViewContext(ctx, slack.PublishViewContextRequest{UserID: user, View: view})
				return err
			})
		}
		if err != nil {
			x.track.Fail()
			x.log.Warn("home tab not published", "err", err)
		}
	}
}
