package commands

import (
	"fmt"
	"strings"
	"time"

	"github.com/okrbot/okrbot/bot"
	"github.com/okrbot/okrbot/okr"
	"github.com/okrbot/okrbot/store"
)

// score is an objective's score: the one it was closed with, or the weighted
// progress of its key results.
func score(o store.Objective) float64 {
	if o.FinalScore != nil {
		return *o.FinalScore
	}
	parts := make([]okr.Weighted, len(o.KeyResults))
	for i, kr := range o.KeyResults {
		parts[i] = okr.Weighted{Value: kr.Progress(), Weight: kr.Weight}
	}
	return okr.Score(parts)
}

var bandMarks = map[okr.Band]string{okr.Red: "🔴", okr.Yellow: "🟡", okr.Green: "🟢"}

// scoreText is a score as people see it: colour, one decimal, bar.
func scoreText(v float64) string {
	return fmt.Sprintf("%s %.1f %s", bandMarks[okr.BandOf(v)], okr.Round1(v), bar(v))
}

// bar draws progress as ten cells, the same on every platform.
func bar(progress float64) string {
	full := int(progress*10 + 0.5)
	return strings.Repeat("▓", full) + strings.Repeat("░", 10-full)
}

// behindPace counts an active objective's key results that trail the time
// elapsed in its period.
func behindPace(o store.Objective, now time.Time) int {
	if o.Status != okr.Active {
		return 0
	}
	elapsed := o.Period.Domain().Elapsed(now)
	n := 0
	for _, kr := range o.KeyResults {
		if okr.BehindPace(kr.Progress(), elapsed) {
			n++
		}
	}
	return n
}

func objectiveTitle(o store.Objective) string {
	return fmt.Sprintf("*#%d %s*", o.Number, bot.Escape(o.Title))
}

func keyResultLabel(o store.Objective, kr store.KeyResult) string {
	return fmt.Sprintf("#%d.%d", o.Number, kr.Position)
}

// measureText shows where a key result stands: "8 / 20 deals", "done".
func measureText(kr store.KeyResult) string {
	if kr.Kind == okr.Milestone {
		if kr.Progress() >= 1 {
			return "done"
		}
		return "not done"
	}
	current := okr.FormatValue(kr.Current, kr.Unit)
	if okr.FormatValue(1, kr.Unit) == "1 "+kr.Unit {
		// A word unit reads once, at the end: "8 / 20 deals".
		current = okr.FormatNumber(kr.Current)
	}
	return bot.Escape(fmt.Sprintf("%s / %s", current, okr.FormatValue(kr.Target, kr.Unit)))
}

func ownerText(u *store.User) string {
	if u == nil || u.ID == 0 {
		return "no owner"
	}
	return bot.Mention(u.PlatformID)
}

// objectiveLine is an objective in a list: colour, number, title, score,
// owner and how many key results are behind.
func objectiveLine(o store.Objective, now time.Time) string {
	line := fmt.Sprintf("%s  %s · %s", objectiveTitle(o), scoreText(score(o)), ownerText(&o.Owner))
	if o.Team != nil {
		line += " · " + bot.Escape(o.Team.Name)
	}
	if n := behindPace(o, now); n > 0 {
		line += fmt.Sprintf(" · ⚠️ %d KR%s behind pace", n, plural(n))
	}
	switch o.Status {
	case okr.Closed:
		line += " · closed"
	case okr.Archived:
		line += " · archived"
	}
	return line
}

// keyResultLine is a key result in an objective's view.
func keyResultLine(o store.Objective, kr store.KeyResult, now time.Time) string {
	line := fmt.Sprintf("`%s` %s — %s · %s", keyResultLabel(o, kr), bot.Escape(kr.Title), measureText(kr), scoreText(kr.Progress()))
	if o.Status == okr.Active && okr.BehindPace(kr.Progress(), o.Period.Domain().Elapsed(now)) {
		line += " · ⚠️ behind pace"
	}
	return line
}

func keyResultContext(kr store.KeyResult, last *store.CheckIn) string {
	ctx := fmt.Sprintf("#%d · %s", kr.Number, ownerText(kr.Owner))
	if kr.Weight != 1 {
		ctx += " · weight " + okr.FormatNumber(kr.Weight)
	}
	if last == nil {
		return ctx + " · no check-in yet"
	}
	ctx += fmt.Sprintf(" · last check-in %s: %s", last.CreatedAt.UTC().Format("Jan 2"), last.Confidence.Label())
	if last.Comment != "" {
		ctx += fmt.Sprintf(", “%s”", bot.Escape(last.Comment))
	}
	return ctx
}

// warnings lists coaching advice.
func warnings(w []string) string {
	if len(w) == 0 {
		return ""
	}
	var b strings.Builder
	b.WriteString("💡 *Coaching*")
	for _, line := range w {
		b.WriteString("\n• " + bot.Escape(line))
	}
	return b.String()
}

func plural(n int) string {
	if n == 1 {
		return ""
	}
	return "s"
}
