package commands

import (
	"context"

	"github.com/okrbot/okrbot/bot"
	"github.com/okrbot/okrbot/store"
)

// Address is where a message to a person (kind bot.DirectChat, id their
// platform id) or a channel of ws goes, with what the platform told okrbot
// about reaching it.
func (s *Service) Address(ctx context.Context, ws store.Workspace, kind bot.AddressKind, id string) (bot.Address, error) {
	ref, err := s.store.ConversationRef(ctx, ws.ID, string(kind), id)
	return bot.Address{Workspace: ChatWorkspace(ws), Kind: kind, ID: id, Ref: ref}, err
}

// ChatWorkspace is a stored workspace as the chat platforms know it.
func ChatWorkspace(ws store.Workspace) bot.Workspace {
	return bot.Workspace{Platform: ws.Platform, TeamID: ws.TeamID, Org: ws.Org}
}
