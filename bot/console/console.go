// Package console is a chat adapter for the terminal: it reads the same
// command lines people type in Slack ("/okr list") from a reader and prints
// the replies as plain text, so okrbot can be tried without a workspace and
// driven by scripts. Pictures in replies (charts) are saved as PNG files in
// a directory, and their paths printed with their alt text.
//
// It imports bot only, and must never import the store or a platform SDK.
package console

import (
	"bufio"
	"cmp"
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/okrbot/okrbot/bot"
)

// Capabilities are what the console can do: a person's id is their name,
// and nothing is sent there but answers.
var Capabilities = bot.Capabilities{PlatformName: "the console", NamesArePeople: true}

// Console reads commands from In and writes replies to Out, as User.
type Console struct {
	Handler bot.Handler
	In      io.Reader
	Out     io.Writer
	User    bot.User
	// Prompt is printed before each line is read, for people at a terminal.
	Prompt string
	// ImageDir is where pictures in replies are saved, as NAME.png, each
	// replacing the one of the same name; it is created when needed. Empty
	// means no pictures: commands do not draw them.
	ImageDir string
}

// Run answers lines until In ends, "exit" or "quit" is typed, or ctx ends.
func (c *Console) Run(ctx context.Context) error {
	scanner := bufio.NewScanner(c.In)
	scanner.Buffer(make([]byte, 64*1024), 1024*1024)
	for {
		if c.Prompt != "" {
			fmt.Fprint(c.Out, c.Prompt)
		}
		if !scanner.Scan() {
			return scanner.Err()
		}
		if err := ctx.Err(); err != nil {
			return nil
		}
		line := strings.TrimSpace(scanner.Text())
		switch {
		case line == "" || strings.HasPrefix(line, "//"):
			continue
		case line == "exit" || line == "quit":
			return nil
		}
		command, text := "/okr", line
		if strings.HasPrefix(line, "/") {
			command, text, _ = strings.Cut(line, " ")
		} else if word, rest, _ := strings.Cut(line, " "); word == "okr" || word == "kpi" {
			command, text = "/"+word, rest
		}
		if command != "/okr" && command != "/kpi" {
			fmt.Fprintf(c.Out, "Unknown command %s. Try /okr help.\n\n", command)
			continue
		}
		ws := bot.Workspace{Platform: bot.ConsolePlatform, TeamID: bot.ConsolePlatform}
		req := bot.Request{Workspace: ws, User: c.User, Address: bot.Address{Workspace: ws, Kind: bot.DirectChat, ID: c.User.ID},
			Command: command, Text: strings.TrimSpace(text), ShowsImages: c.ImageDir != "", Capabilities: Capabilities}
		r := c.Handler.Command(ctx, req)
		fmt.Fprintln(c.Out, render(r, c.save(r)))
	}
}

// save writes the pictures of a reply to ImageDir, and returns the path of
// each, or the error that kept it from being saved.
func (c *Console) save(r bot.Reply) map[*bot.Image]string {
	if r.Message == nil || c.ImageDir == "" {
		return nil
	}
	paths := map[*bot.Image]string{}
	for _, s := range r.Message.Sections {
		if img := s.Image; img != nil {
			name := strings.NewReplacer("/", "-", "\\", "-").Replace(cmp.Or(img.Name, "chart"))
			if strings.Trim(name, ".") == "" {
				name = "chart"
			}
			path := filepath.Join(c.ImageDir, name+".png")
			if err := WriteFile(path, img.PNG); err != nil {
				paths[img] = "(not saved: " + err.Error() + ")"
			} else {
				paths[img] = path
			}
		}
	}
	return paths
}

// WriteFile replaces path with data whole, making its directory if needed:
// a viewer that has the picture open never reads half of the next one, and
// a failure leaves the old one.
func WriteFile(path string, data []byte) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	f, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*")
	if err != nil {
		return err
	}
	_, err = f.Write(data)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Chmod(f.Name(), 0o644)
	}
	if err == nil {
		err = os.Rename(f.Name(), path)
	}
	if err != nil {
		os.Remove(f.Name())
	}
	return err
}

// Render prints a reply as plain text. A form cannot open in a terminal, so
// it prints how to do the same with commands; a picture is printed as its
// alt text.
func Render(r bot.Reply) string { return render(r, nil) }

// render is Render with the paths the pictures were saved at.
func render(r bot.Reply, saved map[*bot.Image]string) string {
	var b strings.Builder
	if r.Form != nil {
		fmt.Fprintf(&b, "(In Slack this opens the %q form.)\n%s\n", r.Form.Title, Plain(r.Form.Fallback))
	}
	if m := r.Message; m != nil {
		if len(m.Sections) == 0 {
			b.WriteString(Plain(m.Summary) + "\n")
		}
		for _, s := range m.Sections {
			lines := make([]string, 0, len(s.Items)+1)
			if !s.Text.IsEmpty() {
				lines = append(lines, Plain(s.Text))
			}
			for _, it := range s.Items {
				lines = append(lines, Plain(it))
			}
			if len(lines) > 0 {
				b.WriteString(strings.Join(lines, "\n") + "\n")
			}
			if s.Image != nil {
				if path := saved[s.Image]; path != "" {
					b.WriteString("📈 " + path + "\n    " + s.Image.Alt + "\n")
				} else {
					b.WriteString("📈 " + s.Image.Alt + "\n")
				}
			}
			if !s.Context.IsEmpty() {
				b.WriteString("    " + strings.ReplaceAll(Plain(s.Context), "\n", "\n    ") + "\n")
			}
			if len(s.Buttons) > 0 {
				labels := make([]string, len(s.Buttons))
				for i, btn := range s.Buttons {
					labels[i] = "[" + btn.Label + "]"
					if btn.URL != "" {
						labels[i] += " (" + btn.URL + ")"
					}
				}
				b.WriteString(strings.Join(labels, " ") + "\n")
			}
		}
	}
	return b.String()
}

// Plain renders text for a terminal: emphasis and code keep the marks people
// know from chat (*bold*, _italic_, `code`), people are @name (their ID in
// the console), channels #name, and links "label (URL)".
func Plain(t bot.Text) string {
	var b strings.Builder
	writePlain(&b, t)
	return b.String()
}

func writePlain(b *strings.Builder, t bot.Text) {
	for _, in := range t {
		switch in.Kind {
		case bot.BoldKind:
			b.WriteString("*" + Plain(in.Inner) + "*")
		case bot.ItalicKind:
			b.WriteString("_" + Plain(in.Inner) + "_")
		case bot.CodeKind:
			b.WriteString("`" + in.Text + "`")
		case bot.MentionKind:
			b.WriteString("@" + cmp.Or(in.ID, in.Text))
		case bot.ChannelKind:
			b.WriteString("#" + cmp.Or(in.Text, in.ID))
		default:
			b.WriteString(bot.Text{in}.String())
		}
	}
}
