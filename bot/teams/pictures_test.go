package teams_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"errors"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/okrbot/okrbot/bot"
	"github.com/okrbot/okrbot/bot/teams"
	"github.com/okrbot/okrbot/internal/faketeams"
)

const (
	publicURL = "https://okrbot.example.com"
	chartAlt  = "Churn rate: 3.4% on Nov 16, target 2% (lower is better), off target."
)

// picture is a PNG's worth of bytes that do not compress, as a chart's do
// not: n of them.
func picture(n int) []byte {
	r := rand.New(rand.NewPCG(uint64(n), 1))
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(r.Uint32())
	}
	return append([]byte("\x89PNG\r\n\x1a\n"), b...)
}

func chartMessage(png []byte) bot.Message {
	return bot.Message{Summary: bot.T("KPI Churn rate: 3.4%"), Sections: []bot.Section{
		{Text: bot.T(bot.Bold("Churn rate"), "  3.4% · off target")},
		{Image: &bot.Image{PNG: png, Alt: chartAlt, Name: "kpi-1"}},
	}}
}

// withPublicURL is an env whose adapter serves pictures at publicURL.
func withPublicURL(t *testing.T) *env {
	t.Helper()
	e := newEnv(t)
	cfg := config(e.fake, e.clock)
	cfg.PublicURL = publicURL
	a, err := teams.New(cfg, e.h)
	if err != nil {
		t.Fatal(err)
	}
	e.a = a
	return e
}

// sentImages sends msg to the leadership channel and returns the card's
// Image elements and its text.
func (e *env) sentImages(msg bot.Message) ([]map[string]any, string) {
	e.t.Helper()
	if _, err := e.a.Send(context.Background(), e.channel(), msg); err != nil {
		e.t.Fatal(err)
	}
	msgs := e.fake.Messages(channelID)
	card := msgs[len(msgs)-1].Card()
	return card.Elements("Image"), card.Text()
}

// TestSmallPictureRidesInTheCard: a picture that fits in Teams' 28 KB goes
// in the card as a data URI, with its alt text.
func TestSmallPictureRidesInTheCard(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	png := picture(8 << 10)
	images, _ := e.sentImages(chartMessage(png))
	if len(images) != 1 || images[0]["altText"] != chartAlt {
		t.Fatalf("images %v", images)
	}
	data, found := strings.CutPrefix(images[0]["url"].(string), "data:image/png;base64,")
	if got, err := base64.StdEncoding.DecodeString(data); !found || err != nil || !bytes.Equal(got, png) {
		t.Errorf("the card's picture is not the PNG: %v", err)
	}
}

// TestLargePictureIsLinkedAndServed: a picture too big for a card is
// linked, with okrbot's public URL, at a signed link that serves it until
// it expires; a link altered in any way is refused.
func TestLargePictureIsLinkedAndServed(t *testing.T) {
	t.Parallel()
	e := withPublicURL(t)
	png := picture(30 << 10)
	images, _ := e.sentImages(chartMessage(png))
	if len(images) != 1 || images[0]["altText"] != chartAlt {
		t.Fatalf("images %v", images)
	}
	link, err := url.Parse(images[0]["url"].(string))
	if err != nil || link.Scheme != "https" || link.Host != "okrbot.example.com" || !strings.HasPrefix(link.Path, teams.ChartPath) {
		t.Fatalf("link %v, %v", link, err)
	}
	get := func(u url.URL) *httptest.ResponseRecorder {
		t.Helper()
		rec := httptest.NewRecorder()
		e.a.Pictures().ServeHTTP(rec, httptest.NewRequest(http.MethodGet, u.RequestURI(), nil))
		return rec
	}
	rec := get(*link)
	if rec.Code != http.StatusOK || rec.Header().Get("Content-Type") != "image/png" || !bytes.Equal(rec.Body.Bytes(), png) {
		t.Fatalf("GET %s: %d %s, %d bytes", link, rec.Code, rec.Header().Get("Content-Type"), rec.Body.Len())
	}

	// Each link below is the real one with one thing changed.
	altered := func(edit func(path *string, q url.Values)) url.URL {
		u := *link
		q := u.Query()
		edit(&u.Path, q)
		u.RawQuery = q.Encode()
		return u
	}
	exp, _ := strconv.ParseInt(link.Query().Get("exp"), 10, 64)
	for name, u := range map[string]url.URL{
		"no signature":      altered(func(_ *string, q url.Values) { q.Del("sig") }),
		"another signature": altered(func(_ *string, q url.Values) { q.Set("sig", "AAAAAAAAAAAAAAAAAAAAAA") }),
		"a later expiry":    altered(func(_ *string, q url.Values) { q.Set("exp", strconv.FormatInt(exp+86400, 10)) }),
		"no expiry":         altered(func(_ *string, q url.Values) { q.Del("exp") }),
		"another workspace": altered(func(_ *string, q url.Values) { q.Set("w", "another-tenant") }),
		"another picture":   altered(func(p *string, _ url.Values) { *p = teams.ChartPath + strings.Repeat("0", 32) + ".png" }),
	} {
		if rec := get(u); rec.Code != http.StatusForbidden || bytes.Contains(rec.Body.Bytes(), png[8:40]) {
			t.Errorf("%s: %d; want 403 and no picture", name, rec.Code)
		}
	}

	// A week later the link has expired.
	e.clock.Advance(7*24*time.Hour + time.Second)
	if rec := get(*link); rec.Code != http.StatusForbidden {
		t.Errorf("an expired link: %d, want 403", rec.Code)
	}
}

// TestLargePictureWithoutPublicURLShowsItsAltText: without a public URL a
// picture too big for a card is left out, its alt text in its place, and
// the message goes out.
func TestLargePictureWithoutPublicURLShowsItsAltText(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	if e.a.Pictures() != nil {
		t.Error("pictures are served without a public URL")
	}
	images, text := e.sentImages(chartMessage(picture(30 << 10)))
	if len(images) != 0 || !strings.Contains(text, "Churn rate: 3.4% on Nov 16, target 2% (lower is better), off target.") ||
		!strings.Contains(text, "**Churn rate**") {
		t.Errorf("images %v, text:\n%s", images, text)
	}
}

// TestRequestsSayTeamsShowsPictures: Teams shows pictures in every answer.
func TestRequestsSayTeamsShowsPictures(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.post(e.fake.Message(e.fake.Personal(ada), ada, "okr list"), faketeams.Claims{})
	if reqs := e.h.Requests(); len(reqs) != 1 || !reqs[0].ShowsImages {
		t.Errorf("requests %+v do not say pictures show", reqs)
	}
}

// brokenPictures is a database that cannot keep pictures.
type brokenPictures struct{}

func (brokenPictures) KeepPicture(context.Context, bot.Workspace, string, []byte, time.Time) error {
	return errors.New("database is down")
}

func (brokenPictures) Picture(context.Context, bot.Workspace, string) ([]byte, error) {
	return nil, errors.New("database is down")
}

// TestPictureNotKeptShowsItsAltText: when the database cannot keep a
// picture too big for a card, no replica could serve its link, so the
// card shows its alt text and the message goes out.
func TestPictureNotKeptShowsItsAltText(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	cfg := config(e.fake, e.clock)
	cfg.PublicURL, cfg.Pictures = publicURL, brokenPictures{}
	a, err := teams.New(cfg, e.h)
	if err != nil {
		t.Fatal(err)
	}
	e.a = a
	images, text := e.sentImages(chartMessage(picture(30 << 10)))
	if len(images) != 0 || !strings.Contains(text, chartAlt) {
		t.Errorf("images %v, text:\n%s", images, text)
	}
}
