package teams

import (
	"cmp"
	"context"
	"log/slog"
	"net/http"

	"github.com/okrbot/okrbot/bot"
)

// onEvent handles what Teams tells a bot about where it is ("Conversation
// events"):
//
//   - installationUpdate: the app was added ("add"), removed ("remove"),
//     upgraded ("add-upgrade") or its upgrade removed ("remove-upgrade",
//     the app stays) for a person, a group chat or a team;
//   - conversationUpdate: members were added to or removed from a
//     conversation, the bot itself (the same news as an install) or
//     people (a team's roster changed).
//
// Teams sends both on an install; the Handler welcomes once. An install or
// removal is recorded before the answer, so that once Teams has its 200 a
// removed person gets nothing more; reading a roster and sending the
// welcome come after.
func (a *Adapter) onEvent(ctx context.Context, w http.ResponseWriter, t *bot.Track, log *slog.Logger, act *activity) {
	var later func(context.Context)
	ih, ok := a.h.(bot.InstallHandler)
	if ok && act.tenant() != "" && act.Conversation != nil {
		ctx, cancel := context.WithTimeout(ctx, invokeTimeout)
		switch {
		case act.Type == "installationUpdate" && (act.Action == "add" || act.Action == "add-upgrade"),
			act.Type == "conversationUpdate" && a.names(act.MembersAdded, act):
			later = a.installed(ctx, log, ih, act)
		case act.Type == "installationUpdate" && act.Action == "remove",
			act.Type == "conversationUpdate" && a.names(act.MembersRemoved, act):
			a.removed(ctx, log, ih, act)
		case act.Type == "conversationUpdate" && len(act.MembersAdded)+len(act.MembersRemoved) > 0 && act.kind() != personalChat:
			later = a.rosterChanged(ctx, log, ih, act)
		default:
			log.Debug("event ignored", "action", act.Action, "event", act.eventType())
		}
		cancel()
	}
	w.WriteHeader(http.StatusOK)
	t.Acked()
	a.queue.Later(ctx, t, log, later, nil)
}

// names reports whether the bot is among accounts.
func (a *Adapter) names(accounts []account, act *activity) bool {
	for _, m := range accounts {
		if m.ID == "28:"+a.appID || (act.Recipient != nil && m.ID == act.Recipient.ID) {
			return true
		}
	}
	return false
}

func (act *activity) eventType() string {
	if act.ChannelData == nil {
		return ""
	}
	return act.ChannelData.EventType
}

// installOf is where an install event happened, as the core keeps it: a
// person's one-to-one chat, or the channel of a team (the one chosen when
// adding the app, else the one the event came from) or a group chat, with
// the team or group chat whose roster okrbot reads.
func (a *Adapter) installOf(act *activity) (bot.Install, string) {
	ws := bot.Workspace{Platform: Platform, TeamID: act.tenant()}
	ref := refOf(act)
	in := bot.Install{At: bot.Address{Workspace: ws, Kind: bot.Channel, ID: ref.Conversation}}
	if act.From != nil {
		in.By = bot.User{ID: act.From.AADObjectID, Name: act.From.Name}
	}
	switch ref.Kind {
	case personalChat:
		if act.From == nil || act.From.AADObjectID == "" {
			return bot.Install{}, ""
		}
		in.At.Kind, in.At.ID = bot.DirectChat, act.From.AADObjectID
	case channelChat:
		cd := act.ChannelData
		if cd != nil && cd.Team != nil {
			in.Team = cd.Team.ID
		}
		channel := ref.Conversation
		if cd != nil && cd.Channel != nil && cd.Channel.ID != "" {
			channel = cd.Channel.ID
		}
		if cd != nil && cd.Settings != nil && cd.Settings.SelectedChannel != nil && cd.Settings.SelectedChannel.ID != "" {
			channel = cd.Settings.SelectedChannel.ID
		}
		ref.Conversation, in.At.ID = channel, channel
		in.Team = cmp.Or(in.Team, channel)
	default:
		in.Team = ref.Conversation
	}
	in.At.Ref = ref.encode()
	return in, act.ServiceURL
}

// installed records an install, and returns what follows the answer:
// reading the roster of a team or group chat, then the welcome, once.
func (a *Adapter) installed(ctx context.Context, log *slog.Logger, ih bot.InstallHandler, act *activity) func(context.Context) {
	in, svc := a.installOf(act)
	if in.At.ID == "" {
		log.Warn("install without a person ignored")
		return nil
	}
	if in.At.Kind == bot.DirectChat {
		a.dir.setPersonal(in.At.Workspace.TeamID, in.At.ID, refOf(act))
	}
	welcome, err := ih.Installed(ctx, in)
	if err != nil {
		log.Error("install not recorded", "err", err)
		return nil
	}
	log.Info("okrbot installed", "team", in.Team, "at", in.At.ID, "welcome", welcome != nil)
	if in.Team == "" && welcome == nil {
		return nil
	}
	return func(ctx context.Context) {
		// The roster first: by the time people read the welcome, okrbot
		// can reach each of them.
		if in.Team != "" {
			if err := a.readRoster(ctx, in, svc); err != nil {
				log.Warn("roster not read", "team", in.Team, "err", err)
			}
		}
		if welcome != nil {
			ref, _ := decodeRef(in.At.Ref)
			if _, err := a.conn.sendActivity(ctx, svc, ref.Conversation, "", a.cards.message(ctx, in.At.Workspace, *welcome)); err != nil {
				log.Warn("welcome not sent", "err", err)
			}
		}
	}
}

// removed records that the app was removed. Nothing is sent: Teams would
// refuse it, and the person or team asked for quiet.
func (a *Adapter) removed(ctx context.Context, log *slog.Logger, ih bot.InstallHandler, act *activity) {
	in, _ := a.installOf(act)
	if in.At.ID == "" {
		log.Warn("removal without a person ignored")
		return
	}
	if in.At.Kind == bot.DirectChat {
		a.dir.setPersonal(in.At.Workspace.TeamID, in.At.ID, convRef{})
	}
	if err := ih.Removed(ctx, in); err != nil {
		log.Error("removal not recorded", "err", err)
		return
	}
	log.Info("okrbot removed", "team", in.Team, "at", in.At.ID)
}
