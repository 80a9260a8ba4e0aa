package faketeams

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
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
	// messages holds the activities posted, by conversation id as posted
	// (a channel's threads are "channel;messageid=root").
	messages map[string][]*Activity
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
	for _, u := range s.users {
		if u.AADObjectID == id {
			return u, true
		}
	}
	return User{}, false
}

func (s *Server) convLocked(id, kind, member string) *conv {
	c, ok := s.convs[id]
	if !ok {
		c = &conv{id: id, kind: kind, member: member, messages: map[string][]*Activity{}}
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
		v = map[string]any{"error": map[string]any{"code": code, "message": code}}
	}
	writeJSON(w, status, v)
	s.record(*c)
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
	thread := c.Conversation
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
		s.answer(w, c, http.StatusNotFound, "ActivityNotFound", nil)
		return
	}
	s.seq++
	a.ID = fmt.Sprintf("17%011d", s.seq)
	if c.Op == OpReply {
		a.ReplyToID = c.ActivityID
	}
	cv.messages[thread] = append(cv.messages[thread], &a)
	s.mu.Unlock()
	s.answer(w, c, http.StatusCreated, "", map[string]any{"id": a.ID})
}

func (s *Server) member(w http.ResponseWriter, c *Call) {
	s.mu.Lock()
	base, _, _ := strings.Cut(c.Conversation, ";messageid=")
	_, known := s.convs[base]
	u, ok := s.userLocked(c.ActivityID)
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
