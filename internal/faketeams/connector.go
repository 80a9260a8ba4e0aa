package faketeams

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strings"
)

// User is a person of the fake tenant.
type User struct {
	// ID is the person's "29:" id for the fake bot.
	ID          string
	AADObjectID string
	Name        string
	Email       string
	// Guest makes them a guest of the tenant (userRole "guest").
	Guest bool
}

// conv is a conversation the bot is in.
type conv struct {
	id, kind string
	member   string // the person of a personal chat ("29:" id)
	// team is the roster a channel or group chat shares: its team's id,
	// or the group chat's own.
	team string
	// messages holds the activities posted, by conversation id as posted
	// (a channel's threads are "channel;messageid=root").
	messages map[string][]*Activity
	// known are the ids of the messages in the conversation, people's and
	// the bot's: the only ones a reply may name.
	known map[string]bool
}

// AddUser adds or replaces a person of the tenant.
func (s *Server) AddUser(u User) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.users[u.ID] = u
}

func (s *Server) userLocked(id string) (User, bool) {
	if u, ok := s.users[id]; ok {
		return u, true
	}
	// The members API also takes a user principal name, which the fake
	// takes to be the email.
	for _, u := range s.users {
		if u.AADObjectID == id || u.Email != "" && strings.EqualFold(u.Email, id) {
			return u, true
		}
	}
	return User{}, false
}

func (s *Server) convLocked(id, kind, member string) *conv {
	c, ok := s.convs[id]
	if !ok {
		c = &conv{id: id, kind: kind, member: member, messages: map[string][]*Activity{}, known: map[string]bool{}}
		s.convs[id] = c
	}
	return c
}

// DeleteConversation removes a conversation, as when a person removes a
// chat's history: posts into it fail with 404 ConversationNotFound, and
// creating the chat again gives a new id.
func (s *Server) DeleteConversation(id string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.convs, id)
}

// DeleteMessage removes a message, as when a person deletes it or Teams
// no longer keeps it: updates of it fail with 404
// ActivityNotFoundInConversation. conv is as posted to.
func (s *Server) DeleteMessage(conv, id string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	base, _, _ := strings.Cut(conv, ";messageid=")
	if c, ok := s.convs[base]; ok {
		c.messages[conv] = slices.DeleteFunc(c.messages[conv], func(a *Activity) bool { return a.ID == id })
	}
}

// Messages returns the activities in a conversation as a person sees them
// now (updates applied), oldest first. id is as posted to: a channel's
// thread is "channel;messageid=root".
func (s *Server) Messages(id string) []Activity {
	s.mu.Lock()
	defer s.mu.Unlock()
	base, _, _ := strings.Cut(id, ";messageid=")
	c, ok := s.convs[base]
	if !ok {
		return nil
	}
	var out []Activity
	for _, a := range c.messages[id] {
		out = append(out, *a)
	}
	return out
}

// PersonalChat is the id of the one-to-one chat between the bot and a
// person, if it exists.
func (s *Server) PersonalChat(userID string) (string, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	u, ok := s.userLocked(userID)
	if !ok {
		return "", false
	}
	for _, c := range s.convs {
		if c.kind == "personal" && c.member == u.ID {
			return c.id, true
		}
	}
	return "", false
}

func (s *Server) serveConnector(w http.ResponseWriter, r *http.Request) {
	segs, err := pathSegments(strings.TrimPrefix(r.URL.EscapedPath(), "/amer"))
	c := Call{Op: OpUnknown, Method: r.Method, Path: "/" + strings.Join(segs, "/")}
	body, _ := io.ReadAll(io.LimitReader(r.Body, 1<<20))
	c.Body = body
	token, _ := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	c.Token = token
	if err != nil || len(segs) < 2 || segs[0] != "v3" || segs[1] != "conversations" {
		s.answer(w, &c, http.StatusNotFound, "BadSyntax", nil)
		return
	}
	switch {
	case len(segs) == 2 && r.Method == http.MethodPost:
		c.Op = OpCreate
	case len(segs) == 4 && segs[3] == "activities" && r.Method == http.MethodPost:
		c.Op, c.Conversation = OpSend, segs[2]
	case len(segs) == 5 && segs[3] == "activities" && r.Method == http.MethodPost:
		c.Op, c.Conversation, c.ActivityID = OpReply, segs[2], segs[4]
	case len(segs) == 5 && segs[3] == "activities" && r.Method == http.MethodPut:
		c.Op, c.Conversation, c.ActivityID = OpUpdate, segs[2], segs[4]
	case len(segs) == 5 && segs[3] == "members" && r.Method == http.MethodGet:
		c.Op, c.Conversation, c.ActivityID = OpMember, segs[2], segs[4]
	case len(segs) == 4 && segs[3] == "pagedmembers" && r.Method == http.MethodGet:
		c.Op, c.Conversation = OpRoster, segs[2]
	default:
		s.answer(w, &c, http.StatusNotFound, "BadSyntax", nil)
		return
	}
	if !s.tokenValid(token) {
		s.answer(w, &c, http.StatusUnauthorized, "Unauthorized", nil)
		return
	}
	switch c.Op {
	case OpCreate:
		s.create(w, &c)
	case OpSend, OpReply, OpUpdate:
		s.post(w, &c)
	case OpMember:
		s.member(w, &c)
	case OpRoster:
		s.roster(w, &c, r.URL.Query())
	}
}

// pathSegments splits an escaped path and unescapes each segment, so that
// ids holding '/' or ';' stay whole.
func pathSegments(escaped string) ([]string, error) {
	var segs []string
	for seg := range strings.SplitSeq(strings.Trim(escaped, "/"), "/") {
		u, err := url.PathUnescape(seg)
		if err != nil {
			return nil, err
		}
		segs = append(segs, u)
	}
	return segs, nil
}

func (s *Server) answer(w http.ResponseWriter, c *Call, status int, code string, v any) {
	c.Status = status
	if v == nil {
		writeError(w, status, code)
	} else {
		writeJSON(w, status, v)
	}
	s.record(*c)
}

// documented are the messages Microsoft's "Status codes from bot
// conversational APIs" gives with each error code.
var documented = map[string]string{
	"BadArgument":                    "Bad argument.",
	"BadSyntax":                      "Bad format of conversation ID.",
	"Unauthorized":                   "Authorization has been denied for this request.",
	"BotNotRegistered":               "No registration found for this bot.",
	"BotDisabledByAdmin":             "The tenant admin disabled this bot.",
	"BotNotInConversationRoster":     "The bot isn't part of the conversation roster.",
	"ConversationBlockedByUser":      "User blocked the conversation with the bot.",
	"ForbiddenOperationException":    "Bot is not installed in user's personal scope",
	"InvalidBotApiHost":              "Invalid bot api host. For GCC tenants, please call https://smba.infra.gcc.teams.microsoft.com.",
	"NotEnoughPermissions":           "The bot doesn't have the permissions this operation needs.",
	"ActivityNotFoundInConversation": "Conversation not found.",
	"ConversationNotFound":           "Conversation not found.",
	"MemberNotFound":                 "The member could not be found in the conversation.",
	"PreconditionFailed":             "Precondition failed, please try again.",
	"MessageSizeTooBig":              "Message size too large.",
	"Throttled":                      "Too many requests. Also returns when to retry after.",
	"ServiceError":                   "Internal server error.",
}

// subCodes are the codes Teams sends in its second envelope,
// {"errorCode":209,"message":"{\"subCode\":\"MessageWritesBlocked\"}"},
// with the JSON of the sub-code inside a string.
var subCodes = map[string]int{"MessageWritesBlocked": 209}

// defaultCodes are the codes Teams answers a status with when a test
// names none; 503 and 504 come from gateways, with no envelope at all.
var defaultCodes = map[int]string{
	http.StatusTooManyRequests:     "Throttled",
	http.StatusPreconditionFailed:  "PreconditionFailed",
	http.StatusInternalServerError: "ServiceError",
	http.StatusBadGateway:          "ServiceError",
}

// writeError answers an error in the envelope Teams uses for its code.
func writeError(w http.ResponseWriter, status int, code string) {
	if code == "" {
		code = defaultCodes[status]
	}
	if code == "" {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		w.WriteHeader(status)
		fmt.Fprintln(w, http.StatusText(status))
		return
	}
	if n, ok := subCodes[code]; ok {
		sub, _ := json.Marshal(map[string]string{"subCode": code})
		writeJSON(w, status, map[string]any{"errorCode": n, "message": string(sub)})
		return
	}
	msg := documented[code]
	if msg == "" {
		msg = code
	}
	writeJSON(w, status, map[string]any{"error": map[string]any{"code": code, "message": msg}})
}

// create opens (or finds) a one-to-one chat, as Teams does for
// {"isGroup": false, "members": [one], "tenantId": …}.
func (s *Server) create(w http.ResponseWriter, c *Call) {
	var p struct {
		IsGroup  bool      `json:"isGroup"`
		Members  []Account `json:"members"`
		TenantID string    `json:"tenantId"`
		Bot      *Account  `json:"bot"`
	}
	if json.Unmarshal(c.Body, &p) != nil || p.IsGroup || len(p.Members) != 1 {
		s.answer(w, c, http.StatusBadRequest, "BadSyntax", nil)
		return
	}
	member := p.Members[0].ID
	if f := s.takeFault(OpCreate, member); f != nil {
		s.answerFault(w, c, f)
		return
	}
	if p.TenantID != TenantID || (p.Bot != nil && p.Bot.ID != BotID) {
		s.answer(w, c, http.StatusForbidden, "Forbidden", nil)
		return
	}
	s.mu.Lock()
	u, ok := s.userLocked(member)
	if !ok {
		s.mu.Unlock()
		s.answer(w, c, http.StatusNotFound, "NotFound", nil)
		return
	}
	// Teams opens a chat by "29:" id with someone in a team the bot is in,
	// and by Entra object id only with someone who installed the app.
	if !s.installed[u.ID] && (member != u.ID || !s.sharesTeamLocked(u.ID)) {
		s.mu.Unlock()
		s.answer(w, c, http.StatusForbidden, "", notInstalled)
		return
	}
	id := ""
	for _, cv := range s.convs {
		if cv.kind == "personal" && cv.member == u.ID {
			id = cv.id
		}
	}
	if id == "" {
		s.seq++
		id = fmt.Sprintf("a:1chat-%s-%d", strings.TrimPrefix(u.ID, "29:"), s.seq)
		s.convLocked(id, "personal", u.ID)
	}
	s.mu.Unlock()
	c.Conversation = id
	s.answer(w, c, http.StatusCreated, "", map[string]any{"id": id})
}

// post stores a sent, replied or updated activity.
func (s *Server) post(w http.ResponseWriter, c *Call) {
	if f := s.takeFault(OpSend, c.Conversation); f != nil {
		s.answerFault(w, c, f)
		return
	}
	var a Activity
	if json.Unmarshal(c.Body, &a) != nil || a.Type != "message" {
		s.answer(w, c, http.StatusBadRequest, "BadSyntax", nil)
		return
	}
	c.Activity = &a
	if n := len(c.Body); n > 28*1024 {
		s.answer(w, c, http.StatusRequestEntityTooLarge, "MessageSizeTooBig", nil)
		return
	}
	s.mu.Lock()
	base, _, _ := strings.Cut(c.Conversation, ";messageid=")
	cv, ok := s.convs[base]
	if !ok {
		s.mu.Unlock()
		s.answer(w, c, http.StatusNotFound, "ConversationNotFound", nil)
		return
	}
	if cv.team != "" && !s.botIn[cv.team] {
		// The bot was removed from the team or group chat.
		s.mu.Unlock()
		s.answer(w, c, http.StatusForbidden, "BotNotInConversationRoster", nil)
		return
	}
	if cv.kind == "personal" && !s.installed[cv.member] && !s.sharesTeamLocked(cv.member) {
		// The person removed the app, and no team of theirs has it.
		s.mu.Unlock()
		s.answer(w, c, http.StatusForbidden, "BotNotInConversationRoster", nil)
		return
	}
	thread := c.Conversation
	// Teams has threads in channels only, each under a message of the
	// channel; a reply names a message of the conversation.
	_, root, threaded := strings.Cut(c.Conversation, ";messageid=")
	switch {
	case threaded && cv.kind != "channel":
		s.mu.Unlock()
		s.answer(w, c, http.StatusBadRequest, "BadArgument", nil)
		return
	case threaded && !cv.known[root], c.Op == OpReply && !cv.known[c.ActivityID]:
		s.mu.Unlock()
		s.answer(w, c, http.StatusNotFound, "ActivityNotFoundInConversation", nil)
		return
	}
	if c.Op == OpUpdate {
		for _, old := range cv.messages[thread] {
			if old.ID == c.ActivityID {
				a.ID, a.ReplyToID = old.ID, old.ReplyToID
				*old = a
				s.mu.Unlock()
				s.answer(w, c, http.StatusOK, "", map[string]any{"id": a.ID})
				return
			}
		}
		s.mu.Unlock()
		s.answer(w, c, http.StatusNotFound, "ActivityNotFoundInConversation", nil)
		return
	}
	s.seq++
	a.ID = fmt.Sprintf("17%011d", s.seq)
	if c.Op == OpReply {
		a.ReplyToID = c.ActivityID
	}
	cv.known[a.ID] = true
	cv.messages[thread] = append(cv.messages[thread], &a)
	s.mu.Unlock()
	s.answer(w, c, http.StatusCreated, "", map[string]any{"id": a.ID})
}

// member answers for one member of a conversation, and only for its
// members: a personal chat's person, a team's or group chat's roster.
func (s *Server) member(w http.ResponseWriter, c *Call) {
	s.mu.Lock()
	base, _, _ := strings.Cut(c.Conversation, ";messageid=")
	cv, known := s.convs[base]
	u, ok := s.userLocked(c.ActivityID)
	if known && ok {
		ok = (cv.kind == "personal" && cv.member == u.ID) || (cv.team != "" && s.memberLocked(cv.team, u.ID))
	}
	s.mu.Unlock()
	switch {
	case !known:
		s.answer(w, c, http.StatusNotFound, "ConversationNotFound", nil)
	case !ok:
		s.answer(w, c, http.StatusNotFound, "MemberNotFound", nil)
	default:
		role := "user"
		if u.Guest {
			role = "guest"
		}
		s.answer(w, c, http.StatusOK, "", map[string]any{
			"id": u.ID, "name": u.Name, "aadObjectId": u.AADObjectID, "email": u.Email,
			"userPrincipalName": u.Email, "tenantId": TenantID, "userRole": role,
		})
	}
}
