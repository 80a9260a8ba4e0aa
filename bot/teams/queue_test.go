package teams_test

import (
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/okrbot/okrbot/bot"
	"github.com/okrbot/okrbot/internal/faketeams"
)

// TestWhenTheQueueIsFullPeopleAreToldOkrbotIsBusy fills a queue of one
// worker and no room to wait: a message gets its 200 at once and a reply
// saying okrbot is busy, a click gets that as its answer, and neither
// reaches the handler; okrbot answers again once the queue has room.
func TestWhenTheQueueIsFullPeopleAreToldOkrbotIsBusy(t *testing.T) {
	t.Parallel()
	e := newEnvWith(t, bot.NewQueue(1, 0))
	channel := e.fake.Channel(teamID, channelID)
	list := e.fake.Message(channel, ada, "okr list")
	e.post(list, faketeams.Claims{})
	card := e.only(channelID + ";messageid=" + list.ID).Card()

	e.h.block, e.h.started = make(chan struct{}), make(chan struct{}, 1)
	serve := func(act faketeams.Activity) *httptest.ResponseRecorder {
		rec := httptest.NewRecorder()
		e.a.ServeHTTP(rec, e.fake.Request(endpoint, act, faketeams.Claims{}))
		if rec.Code != http.StatusOK {
			t.Fatalf("%s answered %d: %s", act.Type, rec.Code, rec.Body)
		}
		return rec
	}
	adas := e.fake.Personal(ada)
	serve(e.fake.Message(adas, ada, "okr slow"))
	<-e.h.started

	bobs := e.fake.Personal(bob)
	serve(e.fake.Message(bobs, bob, "okr hello"))
	click, err := e.fake.Click(channel.InThread(list.ID), bob, card, "Snooze", nil)
	if err != nil {
		t.Fatal(err)
	}
	ans, err := faketeams.ReadAnswer(serve(click).Body.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	if ans.Message() != bot.Busy {
		t.Errorf("busy click's answer = %q", ans.Message())
	}
	if n, acts := len(e.h.Requests()), len(e.h.Actions()); n != 2 || acts != 0 {
		t.Errorf("handler saw %d commands and %d clicks while busy, want only the list and the slow command", n, acts)
	}

	close(e.h.block)
	e.drain()
	mustContain(t, "Bob's busy reply", e.only(bobs.ConversationID).Card().Text(), bot.Busy)
	mustContain(t, "Ada's slow reply", e.only(adas.ConversationID).Card().Text(), "you said: slow")

	e.h.block, e.h.started = nil, nil
	e.post(e.fake.Message(bobs, bob, "okr again"), faketeams.Claims{})
	if msgs := e.fake.Messages(bobs.ConversationID); len(msgs) != 2 {
		t.Fatalf("%d messages in Bob's chat, want the busy reply and the answer", len(msgs))
	} else {
		mustContain(t, "Bob's answer", msgs[1].Card().Text(), "you said: again")
	}
}
