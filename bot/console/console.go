// Package console is a chat adapter for the terminal: it reads the same
// command lines people type in Slack ("/okr list") from a reader and prints
// the replies as plain text, so okrbot can be tried without a workspace and
// driven by scripts.
//
// It imports bot only, and must never import the store or a platform SDK.
package console

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"regexp"
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
		req := bot.Request{Workspace: bot.Workspace{Platform: bot.ConsolePlatform, TeamID: bot.ConsolePlatform}, User: c.User,
			Channel: "console", Command: command, Text: strings.TrimSpace(text)}
		fmt.Fprintln(c.Out, Render(c.Handler.Command(ctx, req)))
	}
}

// Render prints a reply as plain text. A form cannot open in a terminal, so
// it prints the command line that does the same.
func Render(r bot.Reply) string {
	var b strings.Builder
	if r.Form != nil {
		fmt.Fprintf(&b, "(In Slack this opens the %q form.)\n%s\n", r.Form.Title, Plain(r.Form.Fallback))
	}
	if m := r.Message; m != nil {
		if len(m.Sections) == 0 {
			b.WriteString(Plain(m.Text) + "\n")
		}
		for _, s := range m.Sections {
			if s.Text != "" {
				b.WriteString(Plain(s.Text) + "\n")
			}
			if s.Context != "" {
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

var (
	userRef    = regexp.MustCompile(`<@([^>|]+)(?:\|[^>]*)?>`)
	channelRef = regexp.MustCompile(`<#[^>|]+\|([^>]*)>`)
	linkRef    = regexp.MustCompile(`<([^@#!>|][^>|]*)\|([^>]*)>`)
)

// Plain turns message markup into terminal text: people and channels by
// name, links with their address, escapes undone.
func Plain(text string) string {
	text = userRef.ReplaceAllString(text, "@$1")
	text = channelRef.ReplaceAllString(text, "#$1")
	text = linkRef.ReplaceAllString(text, "$2 ($1)")
	return bot.Unescape(text)
}
