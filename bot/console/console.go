// Package console is a chat adapter for the terminal: it reads the same
// command lines people type in Slack ("/okr list") from a reader and prints
// the replies as plain text, so okrbot can be tried without a workspace and
// driven by scripts.
//
// It imports bot only, and must never import the store or a platform SDK.
package console

import (
	"bufio"
	"cmp"
	"context"
	"fmt"
	"io"
	"strings"

	"github.com/okrbot/okrbot/bot"
)

// Console reads commands from In and writes replies to Out, as User.
type Console struct {
	Handler bot.Handler
	In      io.Reader
	Out     io.Writer
	User    bot.User
	// Prompt is printed before each line is read, for people at a terminal.
	Prompt string
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
			Command: command, Text: strings.TrimSpace(text)}
		fmt.Fprintln(c.Out, Render(c.Handler.Command(ctx, req)))
	}
}

// Render prints a reply as plain text. A form cannot open in a terminal, so
// it prints how to do the same with commands.
func Render(r bot.Reply) string {
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
			if !s.Context.IsEmpty() {
				b.WriteString("    " + strings.ReplaceAll(Plain(s.Context), "\n", "\n    ") + "\n")
			}
			if len(s.Buttons) > 0 {
				labels := make([]string, len(s.Buttons))
				for i, btn := range s.Buttons {
					labels[i] = "[" + btn.Label + "]"
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
