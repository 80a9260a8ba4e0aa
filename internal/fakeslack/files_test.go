package fakeslack_test

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/slack-go/slack"

	"github.com/okrbot/okrbot/internal/fakeslack"
)

// TestUploadedImagesCanBeShown uploads a picture as slack-go's
// files.uploadV2 does, and shows it in an image block; blocks naming a file
// that is unknown, incomplete or not a picture are refused as Slack does.
func TestUploadedImagesCanBeShown(t *testing.T) {
	f := fakeslack.New(t)
	api := client(f)
	ctx := context.Background()
	png := []byte("\x89PNG\r\n\x1a\n a chart")
	file, err := api.UploadFileContext(ctx, slack.UploadFileParameters{Filename: "kpi-1.png", FileSize: len(png),
		Reader: bytes.NewReader(png), Title: "Churn rate", AltTxt: "Churn rate: 3.4%"})
	if err != nil {
		t.Fatal(err)
	}
	files := f.Files()
	if len(files) != 1 || files[0].ID != file.ID || !bytes.Equal(files[0].Content, png) || !files[0].Complete ||
		files[0].Title != "Churn rate" || files[0].AltText != "Churn rate: 3.4%" || len(files[0].Channels) != 0 {
		t.Fatalf("files = %+v", files)
	}
	if n := len(f.Calls(fakeslack.UploadMethod)); n != 1 {
		t.Errorf("%d uploads of the bytes, want 1", n)
	}
	image := func(id string) slack.MsgOption {
		return slack.MsgOptionBlocks(slack.NewImageBlockSlackFile(&slack.SlackFileObject{ID: id}, "Churn rate: 3.4%", "", nil))
	}
	if _, _, err := api.PostMessageContext(ctx, "C1", image(file.ID)); err != nil {
		t.Errorf("post an uploaded image: %v", err)
	}

	// Asked for but never uploaded, and uploaded but not a picture.
	pending, err := api.GetUploadURLExternalContext(ctx, slack.GetUploadURLExternalParameters{FileName: "x.png", FileSize: 3})
	if err != nil {
		t.Fatal(err)
	}
	text, err := api.UploadFileContext(ctx, slack.UploadFileParameters{Filename: "notes.txt", FileSize: 5, Content: "notes"})
	if err != nil {
		t.Fatal(err)
	}
	for _, id := range []string{"F99999999", pending.FileID, text.ID} {
		_, _, err := api.PostMessageContext(ctx, "C1", image(id))
		if err == nil || !strings.Contains(err.Error(), "invalid_blocks") {
			t.Errorf("image of file %s: %v, want invalid_blocks", id, err)
		}
	}
	if _, err := api.CompleteUploadExternalContext(ctx, slack.CompleteUploadExternalParameters{Files: []slack.FileSummary{{ID: pending.FileID}}}); err == nil {
		t.Error("completed an upload whose bytes never came")
	}
	// A file is its team's: another team's token cannot show it.
	f.AddTeam(fakeslack.Team{ID: "T0OTHER", Name: "Other"})
	token, err := f.InstallBot(fakeslack.Grant{TeamID: "T0OTHER", UserID: "U0ADMIN"})
	if err != nil {
		t.Fatal(err)
	}
	other := slack.New(token, slack.OptionAPIURL(f.APIURL()))
	if _, _, err := other.PostMessageContext(ctx, "C1", image(file.ID)); err == nil || !strings.Contains(err.Error(), "invalid_blocks") {
		t.Errorf("another team showed the file: %v", err)
	}
}
