package slack

import (
	"bytes"
	"cmp"
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"sync"

	"github.com/slack-go/slack"
	"golang.org/x/sync/errgroup"
	"golang.org/x/sync/singleflight"

	"github.com/okrbot/okrbot/bot"
)

// Pictures (bot.Image) reach Slack as files: uploaded as files.uploadV2
// does it (slack-go's UploadFileContext), shared in no channel, and shown by
// image blocks that name the file (slack_file). That needs no public URL,
// so it works in Socket Mode as it does over HTTP. Uploads are remembered
// by workspace and content, so that a picture drawn again unchanged is not
// uploaded again. A picture that fails to upload, or that Slack then
// refuses to show, is replaced by its alt text: the message always goes
// out.

const (
	// maxAltText is the longest alt_text of an image block.
	maxAltText = 2000
	// maxFileAltText is the longest alt_txt of an uploaded file.
	maxFileAltText = 1000
	// parallelUploads bounds the uploads of one message's pictures.
	parallelUploads = 4
	// maxCachedFiles bounds the uploads remembered; past it the oldest
	// memory goes first, and at worst a picture is uploaded again.
	maxCachedFiles = 10_000
)

// fileKey names an uploaded picture: its workspace and content.
type fileKey struct {
	team string
	sum  [sha256.Size]byte
}

// files remembers the pictures uploaded to each workspace.
type files struct {
	mu    sync.Mutex
	ids   map[fileKey]string
	order []fileKey // oldest first
	once  singleflight.Group
}

func (f *files) get(k fileKey) string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.ids[k]
}

func (f *files) put(k fileKey, id string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if _, ok := f.ids[k]; !ok {
		f.order = append(f.order, k)
	}
	f.ids[k] = id
	for len(f.order) > maxCachedFiles {
		delete(f.ids, f.order[0])
		f.order = f.order[1:]
	}
}

// forget drops the files with these ids from the workspace's memory.
func (f *files) forget(team string, ids []string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.order = slices.DeleteFunc(f.order, func(k fileKey) bool {
		if k.team == team && slices.Contains(ids, f.ids[k]) {
			delete(f.ids, k)
			return true
		}
		return false
	})
}

// upload puts a picture in a workspace's files, unless it is there from
// before, and returns the file's id. Two messages with the same picture at
// once upload it once.
func (f *files) upload(ctx context.Context, api *slack.Client, ws bot.Workspace, img *bot.Image) (string, error) {
	k := fileKey{team: ws.TeamID, sum: sha256.Sum256(img.PNG)}
	if id := f.get(k); id != "" {
		return id, nil
	}
	id, err, _ := f.once.Do(fmt.Sprintf("%s/%x", k.team, k.sum), func() (any, error) {
		if id := f.get(k); id != "" {
			return id, nil
		}
		name := cmp.Or(img.Name, "chart") + ".png"
		file, err := api.UploadFileContext(ctx, slack.UploadFileParameters{
			Filename: name,
			Title:    name,
			FileSize: len(img.PNG),
			Reader:   bytes.NewReader(img.PNG),
			AltTxt:   plainText(img.Alt, maxFileAltText),
		})
		if err != nil {
			return "", err
		}
		f.put(k, file.ID)
		return file.ID, nil
	})
	if err != nil {
		return "", fmt.Errorf("slack: upload %s: %w", img.Name, err)
	}
	return id.(string), nil
}

// hasPictures reports whether a message has a picture to upload.
func hasPictures(m bot.Message) bool {
	return slices.ContainsFunc(m.Sections, func(s bot.Section) bool { return s.Image != nil && len(s.Image.PNG) > 0 })
}

// uploadImages uploads the pictures of m, and returns the file id of each
// section's picture: "" where it has none, or where the upload failed
// (logged), so that its alt text is shown instead.
func (a *Adapter) uploadImages(ctx context.Context, api *slack.Client, ws bot.Workspace, m bot.Message, log *slog.Logger) []string {
	ids := make([]string, len(m.Sections))
	var g errgroup.Group
	g.SetLimit(parallelUploads)
	for i, s := range m.Sections {
		if s.Image == nil || len(s.Image.PNG) == 0 {
			continue
		}
		if api == nil {
			log.Warn("picture not uploaded: no token for the workspace; its alt text is shown instead", "image", s.Image.Name)
			continue
		}
		g.Go(func() error {
			id, err := a.files.upload(ctx, api, ws, s.Image)
			if err != nil {
				log.Warn("picture not uploaded; its alt text is shown instead", "image", s.Image.Name, "err", err)
				return nil
			}
			ids[i] = id
			return nil
		})
	}
	_ = g.Wait() // the uploads report their own failures
	return ids
}

// post uploads the pictures of m (which must render: see RenderMessage),
// renders m with them for a surface of maxBlocks, and hands text and
// blocks to send. When Slack refuses blocks that show pictures, a picture
// is the likely cause (a file Slack has not finished processing, or one
// deleted since it was uploaded): those files are forgotten and m is sent
// again with the pictures' alt text in their place.
func (a *Adapter) post(ctx context.Context, api *slack.Client, ws bot.Workspace, m bot.Message, maxBlocks int, log *slog.Logger,
	send func(text string, blocks []slack.Block) error) error {
	ids := a.uploadImages(ctx, api, ws, m, log)
	text, blocks, err := renderBlocks(m, maxBlocks, ids)
	if err != nil {
		return err
	}
	err = send(text, blocks)
	if err == nil || !slices.ContainsFunc(ids, func(id string) bool { return id != "" }) || !refusedBlocks(err) {
		return err
	}
	log.Warn("Slack refused the message's pictures; sending it with their alt text instead", "err", err)
	a.files.forget(ws.TeamID, ids)
	text, blocks, err = renderBlocks(m, maxBlocks, nil)
	if err != nil {
		return err
	}
	return send(text, blocks)
}

// refusedBlocks reports whether Slack refused a message's or view's blocks.
func refusedBlocks(err error) bool {
	se, ok := errors.AsType[slack.SlackErrorResponse](err)
	return ok && (se.Err == "invalid_blocks" || se.Err == "invalid_arguments")
}

// imageBlock shows a picture: the uploaded file id, or, without one, the
// alt text as small print.
func imageBlock(img *bot.Image, id string) slack.Block {
	if id == "" {
		if img.Alt == "" {
			return nil
		}
		return slack.NewContextBlock("", mrkdwnObject(cutMarkup(escape(img.Alt), maxText)))
	}
	return slack.NewImageBlockSlackFile(&slack.SlackFileObject{ID: id}, plainText(cmp.Or(img.Alt, img.Name, "chart"), maxAltText), "", nil)
}
