package teams

import (
	"archive/zip"
	"bytes"
	_ "embed"
	"encoding/json"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"io"
	"math"
	"net/url"
	"regexp"
	"strings"
	"time"
)

// manifest is the Teams app manifest, with placeholderID where the app's
// id goes; the placeholder keeps the file valid against the schema.
//
//go:embed appPackage/manifest.json
var manifest []byte

const placeholderID = "00000000-0000-0000-0000-000000000000"

var guid = regexp.MustCompile(`^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$`)

// packageTime dates the zip's entries, so that the same app id always
// gives the same bytes.
var packageTime = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

// WritePackage writes the Teams app package to w: a zip of manifest.json,
// with appID (TEAMS_APP_ID) as the app's and the bot's id, and its two
// icons, color.png (192×192) and outline.png (32×32, white on
// transparent). With an https publicURL (OKRBOT_PUBLIC_URL) the app also
// has the dashboard as a personal tab, "OKRs", signed in with Teams single
// sign-on (webApplicationInfo). Upload it in Teams or in the Teams admin
// center.
func WritePackage(w io.Writer, appID, publicURL string) error {
	if !guid.MatchString(appID) {
		return fmt.Errorf("teams: app id %q is not a GUID such as 6f1c5e1a-0b1d-4c6e-9a53-3d2b7c1e8f00", appID)
	}
	m, err := withTab(manifest, publicURL)
	if err != nil {
		return err
	}
	z := zip.NewWriter(w)
	files := []struct {
		name string
		data []byte
	}{
		{"manifest.json", bytes.ReplaceAll(m, []byte(placeholderID), []byte(appID))},
		{"color.png", encodePNG(colorIcon())},
		{"outline.png", encodePNG(outlineIcon())},
	}
	for _, f := range files {
		fw, err := z.CreateHeader(&zip.FileHeader{Name: f.name, Method: zip.Deflate, Modified: packageTime})
		if err != nil {
			return err
		}
		if _, err := fw.Write(f.data); err != nil {
			return err
		}
	}
	return z.Close()
}

// TabPath is the dashboard's tab page under OKRBOT_PUBLIC_URL (the web
// package serves it; main's tests hold the two together).
const TabPath = "/teams/tab"

// withTab adds the dashboard's personal tab to a manifest, when publicURL
// is https; Teams shows no other tabs.
func withTab(m []byte, publicURL string) ([]byte, error) {
	if publicURL == "" {
		return m, nil
	}
	u, err := url.Parse(publicURL)
	if err != nil || u.Scheme != "https" || u.Host == "" {
		return nil, fmt.Errorf("teams: the tab needs an https OKRBOT_PUBLIC_URL, not %q", publicURL)
	}
	base := strings.TrimSuffix(publicURL, "/")
	var doc map[string]any
	if err := json.Unmarshal(m, &doc); err != nil {
		return nil, err
	}
	doc["staticTabs"] = []any{map[string]any{
		"entityId": "okrs", "name": "OKRs", "contentUrl": base + TabPath, "websiteUrl": base + "/",
		"scopes": []string{"personal"},
	}}
	doc["validDomains"] = []string{u.Host}
	doc["webApplicationInfo"] = map[string]any{"id": placeholderID, "resource": "api://" + u.Host + "/" + placeholderID}
	return json.MarshalIndent(doc, "", "  ")
}

func encodePNG(img image.Image) []byte {
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		panic(err) // encoding an in-memory image cannot fail
	}
	return b.Bytes()
}

// The icons are a target: a dot in a ring, okrbot's objective and the
// results around it. They are drawn here rather than kept as binaries, and
// drawn the same every time.

var accent = color.NRGBA{R: 0x1F, G: 0x6F, B: 0x50, A: 0xFF} // the manifest's accentColor

// colorIcon is the 192×192 full-colour icon: a white target on the accent
// colour.
func colorIcon() image.Image {
	return icon(192, 64, 46, 22, func(a float64) color.NRGBA {
		return color.NRGBA{R: mix(accent.R, 0xFF, a), G: mix(accent.G, 0xFF, a), B: mix(accent.B, 0xFF, a), A: 0xFF}
	})
}

// outlineIcon is the 32×32 outline icon Teams requires: white on a
// transparent background, nothing else.
func outlineIcon() image.Image {
	return icon(32, 14, 10.5, 5, func(a float64) color.NRGBA {
		return color.NRGBA{R: 0xFF, G: 0xFF, B: 0xFF, A: uint8(math.Round(a * 0xFF))}
	})
}

// icon draws the target of radii outer, inner and dot on an n×n image,
// each pixel painted by how much of it the target covers.
func icon(n int, outer, inner, dot float64, paint func(cover float64) color.NRGBA) image.Image {
	img := image.NewNRGBA(image.Rect(0, 0, n, n))
	cover := target(n, outer, inner, dot)
	for y := range n {
		for x := range n {
			img.SetNRGBA(x, y, paint(cover(x, y)))
		}
	}
	return img
}

// target returns how much of pixel (x, y) of an n×n image a ring (between
// radii outer and inner) and a dot (radius dot) around the centre cover,
// from 0 to 1, sampled 4×4 times per pixel for smooth edges.
func target(n int, outer, inner, dot float64) func(x, y int) float64 {
	c := float64(n) / 2
	return func(x, y int) float64 {
		hits := 0
		for i := range 4 {
			for j := range 4 {
				dx := float64(x) + (float64(i)+0.5)/4 - c
				dy := float64(y) + (float64(j)+0.5)/4 - c
				r := math.Hypot(dx, dy)
				if (r <= outer && r >= inner) || r <= dot {
					hits++
				}
			}
		}
		return float64(hits) / 16
	}
}

func mix(from, to uint8, a float64) uint8 {
	return uint8(math.Round(float64(from)*(1-a) + float64(to)*a))
}
