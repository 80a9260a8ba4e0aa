package commands

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/okrbot/okrbot/bot"
	"github.com/okrbot/okrbot/okr"
	"github.com/okrbot/okrbot/store"
)

// OKRImportOptions say what an OKR import does beyond checking the file.
type OKRImportOptions struct {
	// Apply writes the import; without it nothing is written (a dry run).
	Apply bool
	// Update changes objectives and key results the workspace already has
	// where the file differs; without it they are left as they are.
	Update bool
}

// OKRImportReport says what an OKR import did, or would do.
type OKRImportReport struct {
	// Applied is true when the import was written.
	Applied    bool                `json:"applied"`
	Counts     ImportCounts        `json:"counts"`
	Objectives []ImportedObjective `json:"objectives"`
	People     []ImportedPerson    `json:"people"`
	// Ignored are the file's columns an import does not read.
	Ignored  []string        `json:"ignored_columns"`
	Problems []ImportProblem `json:"problems"`
}

// ImportCounts sum an import up.
type ImportCounts struct {
	NewObjectives int `json:"new_objectives"`
	NewKeyResults int `json:"new_key_results"`
	Alignments    int `json:"alignments"`
	Updated       int `json:"updated"`
	Unchanged     int `json:"unchanged"`
}

// The actions an import takes on an objective or key result.
const (
	ImportCreate    = "create"
	ImportUpdate    = "update"
	ImportDiffers   = "differs"
	ImportUnchanged = "unchanged"
)

// ImportedObjective is an objective of the file and what the import does
// with it.
type ImportedObjective struct {
	Line int `json:"line"`
	// Ref is the objective's reference in the file, if it has one.
	Ref string `json:"ref,omitempty"`
	// Number is the workspace's number of the objective: the one it has,
	// or, once applied, the one it was given.
	Number int64  `json:"number,omitempty"`
	Title  string `json:"title"`
	Period string `json:"period"`
	Owner  string `json:"owner"`
	// Parent is what it aligns to, as the file names it.
	Parent     string              `json:"parent,omitempty"`
	Action     string              `json:"action"`
	Changes    []string            `json:"changes,omitempty"`
	KeyResults []ImportedKeyResult `json:"key_results"`
}

// ImportedKeyResult is a key result of the file and what the import does
// with it.
type ImportedKeyResult struct {
	Line    int      `json:"line"`
	Title   string   `json:"title"`
	Owner   string   `json:"owner"`
	Measure string   `json:"measure"`
	Action  string   `json:"action"`
	Changes []string `json:"changes,omitempty"`
}

// ImportedPerson is someone the file names and who they turned out to be.
type ImportedPerson struct {
	Given      string `json:"given"`
	PlatformID string `json:"platform_id"`
	Name       string `json:"name"`
	// How says how they were found: known to okrbot, or looked up on the
	// platform (and remembered when applied).
	How string `json:"how"`
}

// ImportProblem is something wrong with a file, where it is.
type ImportProblem struct {
	Line    int    `json:"line"`
	Column  string `json:"column,omitempty"`
	Message string `json:"message"`
}

func (p ImportProblem) String() string { return fmt.Sprintf("line %d: %s", p.Line, p.Message) }

// maxOKRImportProblems keeps a file in the wrong format from listing each
// of its cells.
const maxOKRImportProblems = 100

// importObjective is an objective as the file gives it, over one or more
// rows.
type importObjective struct {
	line         int
	ref, refKey  string // as written, and as references match it
	period       string
	title        string
	description  string
	team         string
	owner        *importPerson
	parent       string
	parentLine   int
	status       okr.Status
	hasStatus    bool
	keyResults   []*importKeyResult
	existing     *store.Objective
	parentFile   *importObjective
	parentStored *store.Objective
	report       *ImportedObjective
	created      store.Objective
}

// importKeyResult is a key result as the file gives it.
type importKeyResult struct {
	line     int
	ref      string
	title    string
	owner    *importPerson // nil: the objective's owner
	measure  okr.Measure
	weight   float64
	existing *store.KeyResult
	report   *ImportedKeyResult
}

// importPerson is an owner the file names, resolved.
type importPerson struct {
	given string
	user  store.User // ID 0 for someone okrbot meets in this import
	email string     // to remember, when the platform gave it
	how   string
}

// personFound is a person looked for, or why they were not found.
type personFound struct {
	person *importPerson
	msg    string
}

// okrImport is one import in progress.
type okrImport struct {
	s        *Service
	c        *caller
	opts     OKRImportOptions
	header   okrHeader
	report   OKRImportReport
	people   map[string]personFound
	existing []store.Objective
	byNumber map[int64]*store.Objective
	periods  map[string]bool // the workspace's period names, folded
}

func (im *okrImport) problem(line int, column, format string, args ...any) {
	switch n := len(im.report.Problems); {
	case n < maxOKRImportProblems:
		im.report.Problems = append(im.report.Problems, ImportProblem{Line: line, Column: column, Message: fmt.Sprintf(format, args...)})
	case n == maxOKRImportProblems:
		im.report.Problems = append(im.report.Problems, ImportProblem{Line: line, Message: "…and more problems after this line; fix these first"})
	}
}

// ImportOKRs imports a sheet of objectives and key results into a
// workspace: one row per key result with its objective's columns repeated
// (or left empty under the first), or one row for an objective without key
// results. It checks everything first and reports every problem by line;
// with opts.Apply and no problem it writes it all in one transaction.
// Objectives the workspace has (the same #number, or the same period,
// title and owner) are not created again.
func (s *Service) ImportOKRs(ctx context.Context, workspaceID uint, sheet Sheet, opts OKRImportOptions) (OKRImportReport, error) {
	ws, err := s.store.WorkspaceByID(ctx, workspaceID)
	if err != nil {
		return OKRImportReport{}, err
	}
	// An import is made by no one in particular, with an admin's rights.
	caps := s.platforms[ws.Platform]
	caps.PlatformName = cmp.Or(caps.PlatformName, ws.Platform)
	c := &caller{req: bot.Request{Workspace: ChatWorkspace(ws), Capabilities: caps}, ws: ws, admin: true}
	im := &okrImport{s: s, c: c, opts: opts, people: map[string]personFound{}, byNumber: map[int64]*store.Objective{}, periods: map[string]bool{}}
	im.report.Objectives, im.report.People, im.report.Problems = []ImportedObjective{}, []ImportedPerson{}, []ImportProblem{}
	var problems []ImportProblem
	im.header, problems = readOKRHeader(sheet.Header)
	im.report.Ignored = append([]string{}, im.header.ignored...)
	if len(problems) > 0 {
		im.report.Problems = problems
		return im.report, nil
	}
	if im.existing, err = s.store.Objectives(ctx, workspaceID, store.ObjectiveFilter{}); err != nil {
		return im.report, err
	}
	for i := range im.existing {
		im.byNumber[im.existing[i].Number] = &im.existing[i]
	}
	periods, err := s.store.Periods(ctx, workspaceID)
	if err != nil {
		return im.report, err
	}
	for _, p := range periods {
		im.periods[strings.ToLower(p.Name)] = true
	}
	objectives, err := im.read(ctx, sheet.Rows)
	if err != nil {
		return im.report, err
	}
	im.match(objectives)
	im.align(objectives)
	im.plan(objectives)
	if len(im.report.Problems) > 0 || !opts.Apply {
		return im.report, nil
	}
	if err := im.apply(ctx, objectives); err != nil {
		return im.report, err
	}
	im.report.Applied = true
	return im.report, nil
}

// read turns rows into objectives, checking each cell.
func (im *okrImport) read(ctx context.Context, rows []SheetRow) ([]*importObjective, error) {
	var (
		objectives []*importObjective
		last       *importObjective
	)
	byKey := map[string]*importObjective{}
	for _, row := range rows {
		get := func(col string) string {
			if i, ok := im.header.at[col]; ok && i < len(row.Cells) {
				return strings.TrimSpace(row.Cells[i])
			}
			return ""
		}
		if !slices.ContainsFunc(row.Cells, func(c string) bool { return strings.TrimSpace(c) != "" }) {
			continue
		}
		ref, title := get("objective"), get("objective_title")
		if im.header.titled && strings.HasPrefix(title, "#") && im.byNumber[number(title)] != nil {
			ref, title = title, ""
		}
		var o *importObjective
		if ref == "" && title == "" {
			// A row under an objective's first, with its cells left empty
			// (or merged, in a spreadsheet), adds a key result to it.
			if last == nil || get("key_result_title") == "" {
				im.problem(row.Line, "objective_title", "the objective is empty; every row names its objective, or continues the one above with a key result")
				continue
			}
			o = last
		} else if o = byKey["ref:"+fileRef(ref)]; ref != "" && o != nil {
			if err := im.repeated(ctx, row.Line, o, get); err != nil {
				return nil, err
			}
		} else if e := im.byNumber[number(ref)]; title == "" && e != nil {
			// "#12" alone names the workspace's objective #12, to add key
			// results to it or align it.
			o = im.stored(row.Line, ref, get("parent"), e)
			byKey["ref:"+fileRef(ref)] = o
			objectives = append(objectives, o)
		} else {
			owner, err := im.owner(ctx, row.Line, "objective owner", get("objective_owner"), get("objective_owner_email"))
			if err != nil {
				return nil, err
			}
			fresh := im.objective(row.Line, get, owner)
			key := "ref:" + fileRef(ref)
			if ref == "" {
				who := ""
				if owner != nil {
					who = owner.given
				}
				key = "t:" + strings.ToLower(fresh.period+"|"+fresh.title+"|"+who)
			}
			if o = byKey[key]; o == nil {
				o = fresh
				byKey[key] = o
				objectives = append(objectives, o)
			} else if err := im.repeated(ctx, row.Line, o, get); err != nil {
				return nil, err
			}
		}
		last = o
		kr, err := im.keyResult(ctx, row.Line, get)
		if err != nil {
			return nil, err
		}
		if kr != nil {
			o.keyResults = append(o.keyResults, kr)
		}
	}
	if len(objectives) == 0 && len(im.report.Problems) == 0 {
		im.problem(1, "", "the file has no objectives under its header")
	}
	return objectives, ctx.Err()
}

// number is the objective number a reference like "#12" gives, or 0.
func number(ref string) int64 {
	n, err := strconv.ParseInt(fileRef(ref), 10, 64)
	if err != nil {
		return 0
	}
	return n
}

// stored is an objective of the workspace that a row names by number
// only, as it is.
func (im *okrImport) stored(line int, ref, parent string, e *store.Objective) *importObjective {
	o := &importObjective{line: line, ref: ref, refKey: fileRef(ref), title: e.Title, description: e.Description, period: e.Period.Name,
		parent: parent, parentLine: line, status: e.Status, owner: &importPerson{given: e.Owner.PlatformID, user: e.Owner}}
	if e.Team != nil {
		o.team = e.Team.Name
	}
	return o
}

// fileRef is a reference as references match: "#A7", "a7" and "A7" are one.
func fileRef(ref string) string {
	return strings.ToLower(strings.TrimPrefix(strings.TrimSpace(ref), "#"))
}

// objective reads the objective columns of a row.
func (im *okrImport) objective(line int, get func(string) string, owner *importPerson) *importObjective {
	o := &importObjective{line: line, ref: get("objective"), refKey: fileRef(get("objective")), title: get("objective_title"),
		description: get("description"), parent: get("parent"), parentLine: line, owner: owner, status: okr.Active}
	o.period = get("period")
	switch {
	case o.period == "":
		o.period = im.s.quarter().Name
	case !im.periods[strings.ToLower(o.period)]:
		p, err := okr.ParsePeriod(o.period)
		if err != nil {
			im.problem(line, "period", "period %q is not a quarter like 2026-Q4 nor a period of this workspace", o.period)
		} else {
			o.period = p.Name
		}
	}
	if o.title == "" {
		im.problem(line, "objective_title", "objective %s has no title", o.ref)
	} else if err := okr.ValidateTitle("objective title", o.title); err != nil {
		im.problem(line, "objective_title", "%s", validationText(err))
	}
	if err := validDescription("description", o.description); err != nil {
		im.problem(line, "description", "%s", validationText(err))
	}
	team, err := im.c.teamName("team", get("team"))
	if err != nil {
		im.problem(line, "team", "%s", validationText(err))
	}
	o.team = team
	if st := get("status"); st != "" {
		o.hasStatus = true
		switch strings.Join(strings.Fields(strings.ToLower(strings.NewReplacer("_", " ", "-", " ").Replace(st))), " ") {
		case "active", "open", "in progress", "not started", "on track", "at risk", "behind", "off track":
			o.status = okr.Active
		case "closed", "done", "completed", "complete":
			o.status = okr.Closed
		case "archived":
			o.status = okr.Archived
		default:
			im.problem(line, "status", "status %q is not active, closed or archived", st)
		}
	}
	if owner == nil && get("objective_owner") == "" && get("objective_owner_email") == "" {
		im.problem(line, "objective_owner", "objective %q has no owner; give their email or their name", o.title)
	}
	return o
}

// repeated checks that a later row of an objective agrees with its first
// row where it repeats its columns; empty cells are fine.
func (im *okrImport) repeated(ctx context.Context, line int, o *importObjective, get func(string) string) error {
	differ := func(col, first string) {
		if now := get(col); now != "" && first != "" && !strings.EqualFold(strings.TrimPrefix(first, "#"), strings.TrimPrefix(now, "#")) {
			im.problem(line, col, "the %s of objective %s is %q here but %q on line %d", columnLabel(col), cmpOr(o.ref, strconv.Quote(o.title)), now, first, o.line)
		}
	}
	differ("objective_title", o.title)
	differ("description", o.description)
	differ("parent", o.parent)
	if get("team") != "" {
		if team, err := im.c.teamName("team", get("team")); err == nil && !strings.EqualFold(team, o.team) {
			im.problem(line, "team", "the team of objective %s is %q here but %q on line %d", cmpOr(o.ref, strconv.Quote(o.title)), team, o.team, o.line)
		}
	}
	if o.parent == "" && get("parent") != "" {
		o.parent, o.parentLine = get("parent"), line
	}
	if get("objective_owner") == "" && get("objective_owner_email") == "" {
		return nil
	}
	owner, err := im.owner(ctx, line, "objective owner", get("objective_owner"), get("objective_owner_email"))
	if err != nil || owner == nil {
		return err
	}
	if o.owner == nil {
		o.owner = owner
	} else if owner.user.PlatformID != o.owner.user.PlatformID {
		im.problem(line, "objective_owner", "the owner of objective %s is %s here but %s on line %d", cmpOr(o.ref, strconv.Quote(o.title)), owner.given, o.owner.given, o.line)
	}
	return nil
}

func cmpOr(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

// validationText is the message of a validation error, else the error.
func validationText(err error) string {
	var invalid *okr.ValidationError
	if errors.As(err, &invalid) {
		return invalid.Msg
	}
	return err.Error()
}

// keyResult reads the key result columns of a row; nil when the row has
// none (an objective without key results) or they are wrong. The error is
// okrbot's own, from looking its owner up.
func (im *okrImport) keyResult(ctx context.Context, line int, get func(string) string) (*importKeyResult, error) {
	title := get("key_result_title")
	if title == "" {
		for _, col := range []string{"key_result_owner", "key_result_owner_email", "kind", "start", "target", "current", "unit", "weight"} {
			if get(col) != "" {
				im.problem(line, "key_result_title", "the key result has a %s but no title", columnLabel(col))
				break
			}
		}
		return nil, nil
	}
	kr := &importKeyResult{line: line, ref: get("key_result"), title: title, weight: 1}
	ok := true
	bad := func(col, format string, args ...any) {
		im.problem(line, col, format, args...)
		ok = false
	}
	if err := okr.ValidateTitle("key result title", title); err != nil {
		bad("key_result_title", "%s", validationText(err))
	}
	number := func(col string) (float64, bool) {
		text := get(col)
		v, err := okr.ParseNumber(col, text)
		if err != nil {
			bad(col, "%s %q is not a number", columnLabel(col), text)
			return 0, false
		}
		return v, true
	}
	kind := okr.Metric
	switch k := headerKey(get("kind")); k {
	case "metric", "number", "numeric", "percentage", "percent", "currency", "increase", "decrease", "increase to", "decrease to", "outcome", "":
		if k == "" && get("target") == "" && get("start") == "" {
			kind = okr.Milestone
		}
	case "milestone", "binary", "done", "yes no", "done not done", "boolean", "task", "effort", "achieved not achieved":
		kind = okr.Milestone
	default:
		bad("kind", "kind %q is not metric or milestone", get("kind"))
	}
	kr.measure.Kind = kind
	if kind == okr.Milestone {
		kr.measure.Target = 1
		switch headerKey(strings.TrimSuffix(get("current"), "%")) {
		case "", "0", "no", "false", "not done", "open", "todo", "to do", "not started", "in progress":
		case "1", "100", "yes", "true", "done", "complete", "completed", "achieved":
			kr.measure.Current = 1
		default:
			bad("current", "current %q of a milestone is not done or not done (1 or 0)", get("current"))
		}
	} else {
		if get("target") == "" {
			bad("target", "key result %q has no target; give one, or make its kind milestone", title)
		} else if v, good := number("target"); good {
			kr.measure.Target = v
		}
		if get("start") != "" {
			if v, good := number("start"); good {
				kr.measure.Start = v
			}
		}
		kr.measure.Current = kr.measure.Start
		if get("current") != "" {
			if v, good := number("current"); good {
				kr.measure.Current = v
			}
		}
		unit, err := parseUnit(get("unit"))
		if err != nil {
			bad("unit", "%s", validationText(err))
		}
		if unit == "" && (strings.HasSuffix(get("target"), "%") || strings.HasSuffix(get("start"), "%")) {
			unit = "%"
		}
		kr.measure.Unit = unit
	}
	if w := get("weight"); w != "" {
		v, err := parseWeight(w)
		if err != nil {
			bad("weight", "weight %q is not a number above 0 and up to %d", w, maxWeight)
		}
		kr.weight = v
	}
	if get("key_result_owner") != "" || get("key_result_owner_email") != "" {
		owner, err := im.owner(ctx, line, "key result owner", get("key_result_owner"), get("key_result_owner_email"))
		if err != nil || owner == nil {
			return nil, err
		}
		kr.owner = owner
	}
	if !ok {
		return nil, nil
	}
	return kr, nil
}

// isEmail reports whether text is an email address rather than a name or
// an id.
func isEmail(text string) bool {
	at := strings.LastIndex(text, "@")
	return at > 0 && strings.Contains(text[at:], ".") && !strings.ContainsAny(text, " <>")
}

// owner resolves the person a row names by id, name or email: known to
// okrbot, else looked up on the workspace's platform. Someone no one can
// find is a problem of the row; the error is for failures of okrbot's own.
func (im *okrImport) owner(ctx context.Context, line int, what, who, email string) (*importPerson, error) {
	who = strings.TrimSpace(who)
	if email == "" && isEmail(who) {
		who, email = "", who
	}
	name := strings.TrimPrefix(who, "@")
	if name == "" && email == "" {
		return nil, nil
	}
	key := strings.ToLower(name) + "|" + strings.ToLower(email)
	found, ok := im.people[key]
	if !ok {
		p, msg, err := im.findPerson(ctx, name, email)
		if err != nil {
			return nil, err
		}
		found = personFound{p, msg}
		im.people[key] = found
		if p != nil {
			p.given = cmpOr(who, email)
			im.report.People = append(im.report.People, ImportedPerson{Given: p.given, PlatformID: p.user.PlatformID, Name: p.user.Name, How: p.how})
		}
	}
	p, msg := found.person, found.msg
	if p == nil {
		im.problem(line, strings.ReplaceAll(what, " ", "_"), "%s %s", what, msg)
		return nil, nil
	}
	return p, nil
}

// findPerson finds someone by platform id or name, then by email; the
// message says why no one was found.
func (im *okrImport) findPerson(ctx context.Context, name, email string) (*importPerson, string, error) {
	st, wsID := im.s.store, im.c.ws.ID
	if name != "" {
		u, err := st.UserByPlatformID(ctx, wsID, name)
		if errors.Is(err, okr.ErrNotFound) {
			u, err = st.UserByName(ctx, wsID, name)
		}
		if err == nil {
			return &importPerson{user: u, email: email, how: "known to okrbot"}, "", nil
		}
		if !errors.Is(err, okr.ErrNotFound) {
			return nil, "", err
		}
	}
	if email != "" {
		u, err := st.UserByEmail(ctx, wsID, email)
		if err == nil {
			return &importPerson{user: u, how: "known to okrbot by email"}, "", nil
		}
		if !errors.Is(err, okr.ErrNotFound) {
			return nil, "", err
		}
	}
	if email != "" {
		m, err := st.RosterMemberByEmail(ctx, wsID, email)
		if err == nil {
			u, err := st.UserByPlatformID(ctx, wsID, m.PlatformID)
			if errors.Is(err, okr.ErrNotFound) {
				u, err = store.User{PlatformID: m.PlatformID, Name: m.Name}, nil
			}
			if err != nil {
				return nil, "", err
			}
			return &importPerson{user: u, email: email, how: "found by email in a team's roster"}, "", nil
		}
		if !errors.Is(err, okr.ErrNotFound) {
			return nil, "", err
		}
	}
	if im.c.req.NamesArePeople && name != "" {
		// In the console a person's id is their name.
		return &importPerson{user: store.User{PlatformID: name, Name: name}, email: email, how: "new in the console"}, "", nil
	}
	if im.s.people == nil {
		return nil, fmt.Sprintf("%q is not someone okrbot knows, and okrbot cannot look people up on %s from here; have them use okrbot once, or import where okrbot is connected to %[2]s",
			cmpOr(email, name), im.c.req.PlatformName), nil
	}
	ws := ChatWorkspace(im.c.ws)
	var (
		found bot.User
		err   error
		how   string
	)
	if email != "" {
		found, err = im.s.people.PersonByEmail(ctx, ws, email)
		how = "found by email on " + im.c.req.PlatformName
	} else {
		found, err = im.s.people.Person(ctx, ws, name)
		how = "found on " + im.c.req.PlatformName
	}
	switch {
	case errors.Is(err, bot.ErrNoPerson) && email != "":
		return nil, fmt.Sprintf("%q is not the email of anyone on %s", email, im.c.req.PlatformName), nil
	case errors.Is(err, bot.ErrNoPerson):
		return nil, fmt.Sprintf("%q is not someone okrbot knows nor a member id on %s; give their email", name, im.c.req.PlatformName), nil
	case errors.Is(err, errors.ErrUnsupported):
		return nil, fmt.Sprintf("%q cannot be looked up: %s cannot find people by email here; name them by their %[2]s id", cmpOr(email, name), im.c.req.PlatformName), nil
	case err != nil:
		return nil, fmt.Sprintf("%q could not be looked up on %s (%v); try again", cmpOr(email, name), im.c.req.PlatformName, err), nil
	}
	u, err := st.UserByPlatformID(ctx, wsID, found.ID)
	if errors.Is(err, okr.ErrNotFound) {
		u, err = store.User{PlatformID: found.ID, Name: found.Name, TZ: found.TZ}, nil
	}
	if err != nil {
		return nil, "", err
	}
	return &importPerson{user: u, email: email, how: how}, "", nil
}

// match finds the objectives and key results the workspace already has:
// by #number (when the title, or the period and owner, agree, so that a
// file from another okrbot never lands on an unrelated objective), else by
// period, title and owner.
func (im *okrImport) match(objectives []*importObjective) {
	taken := map[uint]bool{}
	for _, o := range objectives {
		if o.owner == nil {
			continue
		}
		var found *store.Objective
		if n, err := strconv.ParseInt(o.refKey, 10, 64); err == nil {
			if e := im.byNumber[n]; e != nil && (strings.EqualFold(e.Title, o.title) ||
				strings.EqualFold(e.Period.Name, o.period) && e.OwnerID == o.owner.user.ID) {
				found = e
			}
		}
		for i := range im.existing {
			e := &im.existing[i]
			if found == nil && !taken[e.ID] && strings.EqualFold(e.Title, o.title) && strings.EqualFold(e.Period.Name, o.period) &&
				o.owner.user.ID != 0 && e.OwnerID == o.owner.user.ID {
				found = e
			}
		}
		if found == nil || taken[found.ID] {
			continue
		}
		taken[found.ID] = true
		o.existing = found
		for _, kr := range o.keyResults {
			for i := range found.KeyResults {
				e := &found.KeyResults[i]
				if strings.EqualFold(e.Title, kr.title) || kr.ref != "" && (fileRef(kr.ref) == strconv.FormatInt(e.Number, 10) ||
					fileRef(kr.ref) == strings.TrimPrefix(found.Label(*e), "#")) {
					kr.existing = e
					break
				}
			}
		}
	}
}

// align resolves each objective's parent, in the file (by reference or
// title, in any order) or in the workspace (by #number), and refuses loops.
func (im *okrImport) align(objectives []*importObjective) {
	byRef, byTitle := map[string]*importObjective{}, map[string][]*importObjective{}
	for _, o := range objectives {
		if o.refKey != "" {
			byRef[o.refKey] = o
		}
		byTitle[strings.ToLower(o.title)] = append(byTitle[strings.ToLower(o.title)], o)
	}
	for _, o := range objectives {
		if o.parent == "" {
			continue
		}
		k := fileRef(o.parent)
		if p := byRef[k]; p != nil {
			o.parentFile = p
			continue
		}
		if ps := byTitle[strings.ToLower(o.parent)]; len(ps) == 1 {
			o.parentFile = ps[0]
			continue
		}
		if n, err := strconv.ParseInt(k, 10, 64); err == nil && im.byNumber[n] != nil {
			o.parentStored = im.byNumber[n]
			continue
		}
		im.problem(o.parentLine, "parent", "parent %s is not in the file and not an objective of this workspace", o.parent)
	}
	// Loops run through the file's objectives and those of the workspace
	// they align to, with the alignments the import would leave.
	label := func(o *importObjective) string {
		if o.ref != "" {
			return o.ref
		}
		return strconv.Quote(o.title)
	}
	fileOf := map[uint]*importObjective{}
	for _, o := range objectives {
		if o.existing != nil {
			fileOf[o.existing.ID] = o
		}
	}
	parent, lines := map[string]string{}, map[string]int{}
	var order []string
	var stored func(e *store.Objective) string
	stored = func(e *store.Objective) string {
		if o := fileOf[e.ID]; o != nil {
			return label(o)
		}
		n := fmt.Sprintf("#%d", e.Number)
		if _, seen := parent[n]; !seen && e.ParentID != nil {
			parent[n] = ""
			for i := range im.existing {
				if im.existing[i].ID == *e.ParentID {
					parent[n] = stored(&im.existing[i])
				}
			}
		}
		return n
	}
	for _, o := range objectives {
		n := label(o)
		order, lines[n] = append(order, n), o.parentLine
		switch {
		case o.parentFile != nil:
			parent[n] = label(o.parentFile)
		case o.parentStored != nil:
			parent[n] = stored(o.parentStored)
		}
	}
	if loop := okr.AlignmentLoop(parent, order); loop != nil {
		im.problem(lines[loop[0]], "parent", "loop: %s", strings.Join(loop, " → "))
	}
}

// plan works out what the import changes and puts it in the report.
func (im *okrImport) plan(objectives []*importObjective) {
	r := &im.report
	for _, o := range objectives {
		ro := ImportedObjective{Line: o.line, Ref: o.ref, Title: o.title, Period: o.period, Parent: o.parent, Action: ImportCreate}
		if o.owner != nil {
			ro.Owner = personText(o.owner.user)
		}
		if o.existing != nil {
			ro.Number, ro.Action = o.existing.Number, ImportUnchanged
			ro.Changes = im.objectiveChanges(o)
			if len(ro.Changes) > 0 {
				ro.Action = ImportDiffers
				if im.opts.Update {
					ro.Action = ImportUpdate
				}
			}
		}
		if ro.Action == ImportCreate {
			r.Counts.NewObjectives++
		}
		if (o.parentFile != nil || o.parentStored != nil) && (o.existing == nil || im.opts.Update && im.parentChanges(o)) {
			r.Counts.Alignments++
		}
		ro.KeyResults = []ImportedKeyResult{}
		for _, kr := range o.keyResults {
			rk := ImportedKeyResult{Line: kr.line, Title: kr.title, Measure: measureOf(kr.measure), Action: ImportCreate}
			switch {
			case kr.owner != nil:
				rk.Owner = personText(kr.owner.user)
			case o.owner != nil:
				rk.Owner = personText(o.owner.user)
			}
			if kr.existing != nil {
				rk.Action, rk.Changes = ImportUnchanged, keyResultDiff(o, kr)
				if len(rk.Changes) > 0 {
					rk.Action = ImportDiffers
					if im.opts.Update {
						rk.Action = ImportUpdate
					}
					if im.opts.Update && o.existing.Status != okr.Active {
						im.problem(kr.line, "key_result_title", "objective #%d is %s: its key results stay as they were scored", o.existing.Number, o.existing.Status)
					}
				}
			} else if o.existing != nil && o.existing.Status != okr.Active {
				im.problem(kr.line, "key_result_title", "objective #%d is %s; a new key result belongs in a new objective", o.existing.Number, o.existing.Status)
			}
			switch rk.Action {
			case ImportCreate:
				r.Counts.NewKeyResults++
			case ImportUpdate:
				r.Counts.Updated++
			case ImportUnchanged, ImportDiffers:
				r.Counts.Unchanged++
			}
			ro.KeyResults = append(ro.KeyResults, rk)
		}
		switch ro.Action {
		case ImportUpdate:
			r.Counts.Updated++
		case ImportUnchanged, ImportDiffers:
			r.Counts.Unchanged++
		}
		r.Objectives = append(r.Objectives, ro)
	}
	for i, o := range objectives {
		o.report = &r.Objectives[i]
		for j, kr := range o.keyResults {
			kr.report = &r.Objectives[i].KeyResults[j]
		}
	}
}

// personText names a person in a report: "Ada Lovelace (U123)".
func personText(u store.User) string {
	if u.Name == "" || u.Name == u.PlatformID {
		return u.PlatformID
	}
	return u.Name + " (" + u.PlatformID + ")"
}

// measureOf shows a measure in a report: "0 → 20 deals, now 4", "done".
func measureOf(m okr.Measure) string {
	if m.Kind == okr.Milestone {
		if m.Current >= 1 {
			return "milestone, done"
		}
		return "milestone, not done"
	}
	return fmt.Sprintf("%s → %s, now %s", okr.FormatValue(m.Start, m.Unit), okr.FormatValue(m.Target, m.Unit), okr.FormatValue(m.Current, m.Unit))
}

// parentChanges reports whether the file aligns an existing objective
// elsewhere than it is.
func (im *okrImport) parentChanges(o *importObjective) bool {
	e := o.existing
	switch {
	case o.parentStored != nil:
		return e.ParentID == nil || *e.ParentID != o.parentStored.ID
	case o.parentFile != nil && o.parentFile.existing != nil:
		return e.ParentID == nil || *e.ParentID != o.parentFile.existing.ID
	}
	return o.parentFile != nil
}

// objectiveChanges says where the file differs from an objective the
// workspace has, in the columns it gives.
func (im *okrImport) objectiveChanges(o *importObjective) []string {
	e := o.existing
	var out []string
	change := func(what, old, new string) { out = append(out, fmt.Sprintf("%s: %q → %q", what, old, new)) }
	if o.title != e.Title {
		change("title", e.Title, o.title)
	}
	if _, given := im.header.at["description"]; given && o.description != e.Description {
		change("description", e.Description, o.description)
	}
	if _, given := im.header.at["team"]; given {
		team := ""
		if e.Team != nil {
			team = e.Team.Name
		}
		if !strings.EqualFold(team, o.team) {
			change("team", team, o.team)
		}
	}
	if o.owner != nil && o.owner.user.ID != e.OwnerID {
		change("owner", e.Owner.PlatformID, o.owner.user.PlatformID)
	}
	if o.parent != "" && im.parentChanges(o) {
		change("parent", "", o.parent)
	}
	return out
}

// keyResultDiff says where the file differs from a key result the
// workspace has.
func keyResultDiff(o *importObjective, kr *importKeyResult) []string {
	e := kr.existing
	var out []string
	num := func(what string, old, new float64, unit string) {
		if old != new {
			out = append(out, fmt.Sprintf("%s: %s → %s", what, okr.FormatValue(old, unit), okr.FormatValue(new, unit)))
		}
	}
	if kr.title != e.Title {
		out = append(out, fmt.Sprintf("title: %q → %q", e.Title, kr.title))
	}
	if e.Kind != kr.measure.Kind {
		return append(out, fmt.Sprintf("kind: %s → %s (not changed by an import)", e.Kind, kr.measure.Kind))
	}
	if e.Kind == okr.Metric {
		num("start", e.Start, kr.measure.Start, e.Unit)
		num("target", e.Target, kr.measure.Target, e.Unit)
		if e.Unit != kr.measure.Unit {
			out = append(out, fmt.Sprintf("unit: %q → %q", e.Unit, kr.measure.Unit))
		}
	}
	num("current", e.Current, kr.measure.Current, e.Unit)
	if e.Weight != kr.weight {
		out = append(out, fmt.Sprintf("weight: %s → %s", okr.FormatNumber(e.Weight), okr.FormatNumber(kr.weight)))
	}
	owner := kr.owner
	if owner == nil {
		owner = o.owner
	}
	if owner != nil && (e.OwnerID == nil || *e.OwnerID != owner.user.ID) {
		out = append(out, fmt.Sprintf("owner: %s → %s", platformIDOf(e.Owner), owner.user.PlatformID))
	}
	return out
}
