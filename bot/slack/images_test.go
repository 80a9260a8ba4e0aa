package slack_test

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/slack-go/slack"

	"github.com/okrbot/okrbot/bot"
	"github.com/okrbot/okrbot/internal/fakeslack"
)

var chartPNG = []byte("\x89PNG\r\n\x1a\n a chart of churn")

const chartAlt = "Churn rate: 3.4% on Nov 16, target 2% (lower is better), off target."

// chartReply is a KPI's reply with its trend under its text.
func chartReply(png []byte) bot.Message {
	return bot.Message{Summary: bot.T("KPI Churn rate: 3.4%"), Sections: []bot.Section{
		{Text: bot.T(bot.Bold("Churn rate"), "  3.4% · off target")},
		{Image: &bot.Image{PNG: png, Alt: chartAlt, Name: "kpi-1"}},
		{Text: bot.T("Target ≤ 2%")},
	}}
}

// shown are the image blocks of a call and what stands in their place.
func shown(blocks []slack.Block) (images []*slack.ImageBlock, context []string) {
	for _, b := range blocks {
		switch b := b.(type) {
		case *slack.ImageBlock:
			images = append(images, b)
		case *slack.ContextBlock:
			for _, el := range b.ContextElements.Elements {
				context = append(context, el.(*slack.TextBlockObject).Text)
			}
		}
	}
	return images, context
}

// TestPicturesAreUploadedAndShown answers a slash command with a chart: the
// picture is uploaded as files.uploadV2 does, shared nowhere, and shown by
// an image block naming the file, under the text it belongs to. Shown
// again unchanged, it is not uploaded again.
func TestPicturesAreUploadedAndShown(t *testing.T) {
	e := setup(t)
	e.h.command = func(bot.Request) bot.Reply { m := chartReply(chartPNG); return bot.Reply{Message: &m} }
	e.serve(e.slashCommand("show 1", ""))
	reply := e.fake.WaitCalls(fakeslack.ResponseURLMethod, 1)[0]
	files := e.fake.Files()
	if len(files) != 1 || !bytes.Equal(files[0].Content, chartPNG) || !files[0].Complete || files[0].Name != "kpi-1.png" ||
		files[0].AltText != chartAlt || len(files[0].Channels) != 0 {
		t.Fatalf("files = %+v, want the chart uploaded whole and shared nowhere", files)
	}
	if e.h.lastRequest(t).ShowsImages != true {
		t.Error("the request did not say Slack shows pictures")
	}
	images, _ := shown(reply.Blocks)
	if len(images) != 1 || images[0].SlackFile == nil || images[0].SlackFile.ID != files[0].ID || images[0].AltText != chartAlt {
		t.Fatalf("image blocks = %+v, want one naming %s", images, files[0].ID)
	}
	if _, ok := reply.Blocks[1].(*slack.ImageBlock); !ok {
		t.Errorf("the picture is block %v, want it under the KPI's line", reply.Blocks)
	}

	e.serve(e.slashCommand("show 1", ""))
	again := e.fake.WaitCalls(fakeslack.ResponseURLMethod, 2)[1]
	if n := len(e.fake.Files()); n != 1 {
		t.Errorf("%d files after showing the same chart twice, want 1", n)
	}
	if n := len(e.fake.Calls("files.getUploadURLExternal")); n != 1 {
		t.Errorf("%d uploads begun, want 1", n)
	}
	if images, _ := shown(again.Blocks); len(images) != 1 || images[0].SlackFile.ID != files[0].ID {
		t.Errorf("the second reply shows %+v", images)
	}

	// Another picture is another upload.
	e.h.command = func(bot.Request) bot.Reply {
		m := chartReply(append(bytes.Clone(chartPNG), '!'))
		return bot.Reply{Message: &m}
	}
	e.serve(e.slashCommand("show 1", ""))
	e.fake.WaitCalls(fakeslack.ResponseURLMethod, 3)
	if n := len(e.fake.Files()); n != 2 {
		t.Errorf("%d files after a changed chart, want 2", n)
	}
}

// TestFailedUploadStillDeliversTheText shows that a picture Slack will not
// take (here: an install without files:write) leaves the message whole,
// with the picture's alt text in its place, and is logged.
func TestFailedUploadStillDeliversTheText(t *testing.T) {
	e := setup(t)
	e.fake.FailMethod("files.getUploadURLExternal", fakeslack.SlackError("missing_scope"))
	e.h.command = func(bot.Request) bot.Reply { m := chartReply(chartPNG); return bot.Reply{Message: &m} }
	e.serve(e.slashCommand("show 1", ""))
	reply := e.fake.WaitCalls(fakeslack.ResponseURLMethod, 1)[0]
	if reply.Error != "" {
		t.Fatalf("reply refused: %s", reply.Error)
	}
	images, context := shown(reply.Blocks)
	if len(images) != 0 || len(context) != 1 || context[0] != "Churn rate: 3.4% on Nov 16, target 2% (lower is better), off target." {
		t.Errorf("images %v, small print %q; want the alt text in the picture's place", images, context)
	}
	if !strings.Contains(reply.Text(), "Churn rate") || !strings.Contains(e.logs.String(), "picture not uploaded") ||
		!strings.Contains(e.logs.String(), "missing_scope") {
		t.Errorf("text %q, logs:\n%s", reply.Text(), e.logs.String())
	}
}

// TestRefusedPictureIsSentAgainWithoutIt shows a message whose cached
// picture Slack no longer has (deleted by an admin): Slack refuses the
// blocks, the message goes out again with the alt text, and the next one
// uploads the picture anew.
func TestRefusedPictureIsSentAgainWithoutIt(t *testing.T) {
	e := setup(t)
	ctx := context.Background()
	if _, err := e.a.Send(ctx, e.channel("C0LEADS"), chartReply(chartPNG)); err != nil {
		t.Fatal(err)
	}
	e.fake.DeleteFile(e.fake.Files()[0].ID)
	if len(e.fake.Files()) != 0 {
		t.Fatal("the file was not deleted")
	}
	if _, err := e.a.Send(ctx, e.channel("C0LEADS"), chartReply(chartPNG)); err != nil {
		t.Fatalf("send after the picture was deleted: %v", err)
	}
	posts := e.fake.Calls("chat.postMessage")
	if len(posts) != 3 || posts[1].Error != "invalid_blocks" || posts[2].Error != "" {
		t.Fatalf("posts: %d, errors %q %q; want the refused one sent again", len(posts), posts[1].Error, posts[2].Error)
	}
	if images, context := shown(posts[2].Blocks); len(images) != 0 || len(context) != 1 {
		t.Errorf("sent again with images %v, small print %q", images, context)
	}
	if _, err := e.a.Send(ctx, e.channel("C0LEADS"), chartReply(chartPNG)); err != nil {
		t.Fatal(err)
	}
	last := e.fake.Calls("chat.postMessage")[3]
	files := e.fake.Files()
	if images, _ := shown(last.Blocks); len(files) != 1 || len(images) != 1 || images[0].SlackFile.ID != files[0].ID {
		t.Errorf("the next message shows %v with files %v; want the picture uploaded again", images, files)
	}
}

// TestHomeTabShowsPictures publishes a Home tab with a chart, in Socket
// Mode: the picture needs no public URL.
func TestHomeTabShowsPictures(t *testing.T) {
	e := setup(t)
	runSocket(t, e)
	e.h.home = func(req bot.Request) *bot.Message {
		if !req.ShowsImages {
			t.Error("the Home tab's request did not say Slack shows pictures")
		}
		m := chartReply(chartPNG)
		return &m
	}
	e.fake.Deliver(fakeslack.EnvelopeEventsAPI, map[string]any{"type": "event_callback", "team_id": team,
		"event": map[string]any{"type": "app_home_opened", "user": alice, "tab": "home"}})
	view := e.fake.WaitCalls("views.publish", 1)[0]
	if view.Error != "" {
		t.Fatalf("views.publish: %s", view.Error)
	}
	files := e.fake.Files()
	if images, _ := shown(view.View.Blocks.BlockSet); len(files) != 1 || len(images) != 1 || images[0].SlackFile.ID != files[0].ID {
		t.Errorf("home tab shows %v, files %v", images, files)
	}
}
