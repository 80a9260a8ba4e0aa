package commands

import (
	"fmt"
	"strings"
	"time"

	"github.com/okrbot/okrbot/bot"
	"github.com/okrbot/okrbot/okr"
	"github.com/okrbot/okrbot/store"
)

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

func objectiveTitle(o store.Objective) bot.Inline {
	return bot.Bold(bot.Textf("#%d %s", o.Number, o.Title))
}

func keyResultLabel(o store.Objective, kr store.KeyResult) string { return o.Label(kr) }

// MeasureText shows where a key result stands: "8 / 20 deals", "done".
func MeasureText(kr store.KeyResult) string {
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
	return fmt.Sprintf("%s / %s", current, okr.FormatValue(kr.Target, kr.Unit))
}

// ownerText names a person, or says there is no one.
func ownerText(u *store.User) bot.Inline {
	if u == nil || u.ID == 0 {
		return bot.Plain("no owner")
	}
	return bot.Mention(u.PlatformID, u.Name)
}

// objectiveLine is an objective in a list: colour, number, title, score,
// owner and how many key results are behind.
func objectiveLine(o store.Objective, now time.Time) bot.Text {
	line := bot.Textf("%s  %s · %s", objectiveTitle(o), scoreText(o.Score()), ownerText(&o.Owner))
	if o.Team != nil {
		line = append(line, bot.Plain(" · "+o.Team.Name))
	}
	if n := behindPace(o, now); n > 0 {
		line = append(line, bot.Plain(fmt.Sprintf(" · ⚠️ %d KR%s behind pace", n, plural(n))))
	}
	switch o.Status {
	case okr.Closed:
		line = append(line, bot.Plain(" · closed"))
	case okr.Archived:
		line = append(line, bot.Plain(" · archived"))
	}
	return line
}

// keyResultLine is a key result in an objective's view.
func keyResultLine(o store.Objective, kr store.KeyResult, now time.Time) bot.Text {
	line := bot.Textf("`%s` %s — %s · %s", keyResultLabel(o, kr), kr.Title, MeasureText(kr), scoreText(kr.Progress()))
	if o.Status == okr.Active && okr.BehindPace(kr.Progress(), o.Period.Domain().Elapsed(now)) {
		line = append(line, bot.Plain(" · ⚠️ behind pace"))
	}
	return line
}

func keyResultContext(kr store.KeyResult, last *store.CheckIn) bot.Text {
	ctx := bot.Textf("#%d · %s", kr.Number, ownerText(kr.Owner))
	if kr.Weight != 1 {
		ctx = append(ctx, bot.Plain(" · weight "+okr.FormatNumber(kr.Weight)))
	}
	if last == nil {
		return append(ctx, bot.Plain(" · no check-in yet"))
	}
	ctx = append(ctx, bot.Plain(fmt.Sprintf(" · last check-in %s: %s", last.CreatedAt.UTC().Format("Jan 2"), last.Confidence.Label())))
	if last.Comment != "" {
		ctx = append(ctx, bot.Plain(fmt.Sprintf(", “%s”", last.Comment)))
	}
	return ctx
}

// coachingSection lists coaching advice; it is empty without advice.
func coachingSection(advice []string) (bot.Section, bool) {
	if len(advice) == 0 {
		return bot.Section{}, false
	}
	sec := bot.Section{Text: bot.T("💡 ", bot.Bold("Coaching"))}
	for _, line := range advice {
		sec.Items = append(sec.Items, bot.T("• "+line))
	}
	return sec, true
}

func plural(n int) string {
	if n == 1 {
		return ""
	}
	return "s"
}
