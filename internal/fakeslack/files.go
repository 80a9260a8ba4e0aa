package fakeslack

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/slack-go/slack"
)

// UploadMethod is the Call.Method of the posts of a file's bytes to the
// upload URL that files.getUploadURLExternal gave out.
const UploadMethod = "file_upload"

// File is a file uploaded the way Slack's files.uploadV2 does it:
// files.getUploadURLExternal, the bytes posted to the URL it answers, then
// files.completeUploadExternal.
type File struct {
	ID    string
	Name  string
	Title string
	// AltText is the alt_txt given with files.getUploadURLExternal.
	AltText string
	// TeamID is the team whose token asked for the upload ("" for a token
	// the fake did not issue).
	TeamID  string
	Length  int
	Content []byte
	// Uploaded is true once the bytes came; Complete once
	// files.completeUploadExternal named the file.
	Uploaded, Complete bool
	// Channels are where files.completeUploadExternal shared it.
	Channels []string
}

// Files returns the files uploaded so far, complete or not, in the order
// their uploads began.
func (s *Server) Files() []File {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]File, 0, len(s.files))
	for _, f := range s.files {
		c := *f
		c.Content = slices.Clone(f.Content)
		c.Channels = slices.Clone(f.Channels)
		out = append(out, c)
	}
	slices.SortFunc(out, func(a, b File) int { return strings.Compare(a.ID, b.ID) })
	return out
}

// DeleteFile deletes a file, as a workspace admin may: blocks naming it are
// refused from then on.
func (s *Server) DeleteFile(id string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.files, id)
}

// getUploadURLLocked answers files.getUploadURLExternal: a file id and the
// URL to post its bytes to, on the fake itself.
func (s *Server) getUploadURLLocked(c *Call) answer {
	name := c.Params.Get("filename")
	length, err := strconv.Atoi(c.Params.Get("length"))
	switch {
	case name == "":
		return slackErr("invalid_arguments", "filename is required")
	case err != nil || length <= 0:
		return slackErr("invalid_arguments", "length must be a positive number of bytes")
	}
	s.seq++
	id := fmt.Sprintf("F%08d", s.seq)
	s.files[id] = &File{ID: id, Name: name, AltText: c.Params.Get("alt_txt"), TeamID: c.TeamID, Length: length}
	return ok(map[string]any{"file_id": id, "upload_url": s.srv.URL + "/upload/" + id})
}

// serveUpload takes a file's bytes, posted as the "file" part of a
// multipart form, as Slack's upload URLs do.
func (s *Server) serveUpload(w http.ResponseWriter, r *http.Request) {
	c := Call{Method: UploadMethod, Path: r.URL.Path, Params: map[string][]string{"file_id": {r.PathValue("id")}}}
	c.Token, _ = strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	var content []byte
	part := "no file part"
	if mr, err := r.MultipartReader(); err == nil {
		for {
			p, err := mr.NextPart()
			if err != nil {
				break
			}
			if p.FormName() == "file" {
				if content, err = io.ReadAll(p); err == nil {
					part = ""
				}
			}
		}
	}
	s.hold(r.Context(), c.Method)
	s.mu.Lock()
	c.At = s.now()
	a, faulted := s.faultLocked(&c, "")
	if !faulted {
		f := s.files[r.PathValue("id")]
		switch {
		case f == nil || f.Uploaded:
			a = answer{status: http.StatusNotFound}
		case part != "" || len(content) != f.Length:
			a = answer{status: http.StatusBadRequest}
		default:
			f.Content, f.Uploaded = content, true
			a = answer{status: http.StatusOK}
		}
	}
	s.mu.Unlock()
	if a.status == http.StatusOK && a.body == nil {
		// Slack answers an upload with a line of text, not JSON.
		c.Status = http.StatusOK
		s.calls.Record(c)
		fmt.Fprintf(w, "OK - %d", len(content))
		return
	}
	s.reply(w, &c, a)
}

// completeUploadLocked answers files.completeUploadExternal: every file
// named must have had its bytes uploaded, by the same team.
func (s *Server) completeUploadLocked(c *Call) answer {
	var named []slack.FileSummary
	if err := json.Unmarshal([]byte(c.Params.Get("files")), &named); err != nil || len(named) == 0 {
		return slackErr("invalid_arguments", "files must be a JSON array of {id, title}")
	}
	for _, n := range named {
		f := s.files[n.ID]
		if f == nil || f.TeamID != c.TeamID || f.Complete {
			return slackErr("file_not_found")
		}
		if !f.Uploaded {
			return slackErr("file_upload_not_found")
		}
	}
	var channels []string
	if ch := c.Params.Get("channel_id"); ch != "" {
		channels = append(channels, ch)
	}
	if chs := c.Params.Get("channels"); chs != "" {
		channels = append(channels, strings.Split(chs, ",")...)
	}
	out := make([]map[string]any, len(named))
	for i, n := range named {
		f := s.files[n.ID]
		f.Complete, f.Title, f.Channels = true, n.Title, channels
		out[i] = map[string]any{"id": f.ID, "title": f.Title}
	}
	return ok(map[string]any{"files": out})
}

var fileID = regexp.MustCompile(`^F[A-Z0-9]{8,}$`)

var imageNames = []string{".png", ".jpg", ".jpeg", ".gif"}

// checkImagesLocked refuses image blocks as Slack does: alt text, one
// source, and a slack_file that names a complete image file of the team
// posting (team "" when the poster is not known, as for response URLs).
// Slack also takes a file's URL; the fake gives out none, so it takes ids.
func (s *Server) checkImagesLocked(blocks []slack.Block, team string) string {
	for i, b := range blocks {
		img, isImage := b.(*slack.ImageBlock)
		if !isImage {
			continue
		}
		pointer := fmt.Sprintf("[json-pointer:/blocks/%d", i)
		switch {
		case img.AltText == "":
			return "missing required field: alt_text " + pointer + "]"
		case len([]rune(img.AltText)) > 2000:
			return "must be less than 2001 characters " + pointer + "/alt_text]"
		case (img.ImageURL == "") == (img.SlackFile == nil):
			return "must provide exactly one of image_url or slack_file " + pointer + "]"
		case img.SlackFile == nil:
			continue
		case (img.SlackFile.ID == "") == (img.SlackFile.URL == ""):
			return "must provide exactly one of id or url " + pointer + "/slack_file]"
		case img.SlackFile.ID != "" && !fileID.MatchString(img.SlackFile.ID):
			return "input must match regex pattern: ^[F][A-Z0-9]{8,}$ " + pointer + "/slack_file/id]"
		}
		// The fake gives out no file URLs, so only an id can name a file.
		f := s.files[img.SlackFile.ID]
		if f == nil || !f.Complete || (team != "" && f.TeamID != team) ||
			!slices.ContainsFunc(imageNames, func(ext string) bool { return strings.HasSuffix(strings.ToLower(f.Name), ext) }) {
			return "invalid slack file " + pointer + "/slack_file]"
		}
	}
	return ""
}
