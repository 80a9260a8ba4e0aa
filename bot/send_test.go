package bot_test

import (
	"context"
	"testing"

	"github.com/okrbot/okrbot/bot"
)

// sender is a bot.Sender of one platform that counts the opens asked of it.
type sender struct{ opened []string }

func (s *sender) Serves(context.Context, bot.Workspace) bool { return true }
func (s *sender) Send(context.Context, bot.Address, bot.Message) (bot.MessageRef, error) {
	return bot.MessageRef{}, nil
}
func (s *sender) Update(context.Context, bot.MessageRef, bot.Message) error { return nil }

// opener is a sender that must open conversations first.
type opener struct{ sender }

func (o *opener) Open(_ context.Context, to bot.Address) error {
	o.opened = append(o.opened, to.ID)
	return nil
}

func TestSendersOpenWithTheSenderOfThePlatform(t *testing.T) {
	slack, teams := &opener{}, &sender{}
	s := bot.Senders{"slack": slack, "teams": teams}
	ctx := context.Background()
	for _, to := range []bot.Address{
		{Workspace: bot.Workspace{Platform: "slack"}, Kind: bot.DirectChat, ID: "U1"},
		{Workspace: bot.Workspace{Platform: "teams"}, Kind: bot.DirectChat, ID: "29:1"},
	} {
		if err := s.Open(ctx, to); err != nil {
			t.Errorf("open %s: %v", to.ID, err)
		}
	}
	if len(slack.opened) != 1 || slack.opened[0] != "U1" {
		t.Errorf("slack opened %v, want [U1]", slack.opened)
	}
	err := s.Open(ctx, bot.Address{Workspace: bot.Workspace{Platform: "console"}, ID: "U1"})
	if kind, _ := bot.FailureOf(err); kind != bot.Permanent {
		t.Errorf("open on a platform without a sender: %v, want a permanent error", err)
	}
}
