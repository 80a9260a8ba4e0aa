package faketeams

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
)

// GraphScope is the scope of the tokens Graph takes.
const GraphScope = "https://graph.microsoft.com/.default"

// CatalogAppID is the app's id in the fake tenant's app catalog (its
// manifest id is AppID).
const CatalogAppID = "c47a1000-0000-4000-8000-0000000000ca"

// RosterPageSize is how many members a page of pagedmembers holds, small
// so that paging is exercised whatever the bot asks for.
const RosterPageSize = 2

// notInstalled is Teams' answer to a one-to-one chat with someone who has
// not installed the app and shares no team with the bot.
var notInstalled = map[string]any{"error": map[string]any{
	"code":    "ForbiddenOperationException",
	"message": "Bot is not installed in user's personal scope",
}}

// GraphURL is the setting for TEAMS_GRAPH_URL.
func (s *Server) GraphURL() string { return s.srv.URL + "/graph" }

// Installed reports whether the app is installed for a person ("29:" or
// Entra object id).
func (s *Server) Installed(id string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	u, ok := s.userLocked(id)
	return ok && s.installed[u.ID]
}

// AddMember puts a person in a team's or group chat's roster, quietly:
// MemberAdded also tells the bot, as Teams does.
func (s *Server) AddMember(team string, u User) {
	s.AddUser(u)
	s.mu.Lock()
	defer s.mu.Unlock()
	s.addMemberLocked(team, u.ID)
}

func (s *Server) addMemberLocked(team, id string) {
	if team != "" && !slices.Contains(s.rosters[team], id) {
		s.rosters[team] = append(s.rosters[team], id)
	}
}

func (s *Server) memberLocked(team, id string) bool { return slices.Contains(s.rosters[team], id) }

// sharesTeamLocked reports whether a person is in a team or group chat
// the bot is in.
func (s *Server) sharesTeamLocked(id string) bool {
	for team, in := range s.botIn {
		if in && s.memberLocked(team, id) {
			return true
		}
	}
	return false
}

// Install installs the app for a person, as they do from the Teams app
// store or an admin's setup policy does, and returns the activities Teams
// sends the bot: conversationUpdate (the bot added to their personal
// chat) and installationUpdate (add).
func (s *Server) Install(u User) []Activity {
	p := s.Personal(u)
	return s.lifecycle(p, u, true)
}

// Uninstall removes the app for a person and returns the activities Teams
// sends: conversationUpdate (the bot removed) and installationUpdate
// (remove). Sends into their chat are refused afterwards, unless a team of
// theirs has the bot.
func (s *Server) Uninstall(u User) []Activity {
	s.mu.Lock()
	delete(s.installed, u.ID)
	p := s.personalLocked(u)
	s.mu.Unlock()
	return s.lifecycle(p, u, false)
}

// AddBot adds the bot to a team (from the channel p) or a group chat, by a
// person, and returns what Teams sends: conversationUpdate with the bot in
// membersAdded (eventType teamMemberAdded) and installationUpdate (add,
// with the channel picked).
func (s *Server) AddBot(p Place, by User) []Activity {
	team := p.TeamID
	if p.Kind == "groupChat" {
		team = p.ConversationID
	}
	s.AddUser(by)
	s.mu.Lock()
	s.botIn[team] = true
	s.addMemberLocked(team, by.ID)
	s.mu.Unlock()
	return s.lifecycle(p, by, true)
}

// RemoveBot removes the bot from a team or group chat and returns what
// Teams sends. Posts there are refused afterwards.
func (s *Server) RemoveBot(p Place, by User) []Activity {
	team := p.TeamID
	if p.Kind == "groupChat" {
		team = p.ConversationID
	}
	s.mu.Lock()
	s.botIn[team] = false
	s.mu.Unlock()
	return s.lifecycle(p, by, false)
}

// lifecycle is the pair of activities of an install or removal at p.
func (s *Server) lifecycle(p Place, by User, added bool) []Activity {
	update := s.event(p, by, "conversationUpdate")
	install := s.event(p, by, "installationUpdate")
	bot := []Account{{ID: BotID}}
	if added {
		update.MembersAdded, install.Action = bot, "add"
	} else {
		update.MembersRemoved, install.Action = bot, "remove"
	}
	if p.Kind == "channel" {
		update.ChannelData.EventType = map[bool]string{true: "teamMemberAdded", false: "teamMemberRemoved"}[added]
		install.ChannelData.Settings = &Settings{SelectedChannel: &IDName{ID: p.ConversationID}}
		install.ChannelData.Source = &IDName{Name: "message"}
	}
	return []Activity{update, install}
}

// MemberAdded puts a person in a team's roster and returns the
// conversationUpdate Teams sends the bot.
func (s *Server) MemberAdded(p Place, u User, by User) Activity {
	s.AddMember(p.TeamID, u)
	a := s.event(p, by, "conversationUpdate")
	a.MembersAdded = []Account{{ID: u.ID, AADObjectID: u.AADObjectID}}
	a.ChannelData.EventType = "teamMemberAdded"
	return a
}

// MemberRemoved takes a person out of a team's roster and returns the
// conversationUpdate Teams sends the bot.
func (s *Server) MemberRemoved(p Place, u User, by User) Activity {
	s.mu.Lock()
	s.rosters[p.TeamID] = slices.DeleteFunc(s.rosters[p.TeamID], func(id string) bool { return id == u.ID })
	s.mu.Unlock()
	a := s.event(p, by, "conversationUpdate")
	a.MembersRemoved = []Account{{ID: u.ID, AADObjectID: u.AADObjectID}}
	a.ChannelData.EventType = "teamMemberRemoved"
	return a
}

// event is a conversationUpdate or installationUpdate at p: in a team it
// names the team's General channel (the team id) as the conversation, and
// the team and channel in channelData, as Teams does.
func (s *Server) event(p Place, by User, typ string) Activity {
	a := s.activity(Place{Kind: p.Kind, ConversationID: p.ConversationID, TeamID: p.TeamID}, by, typ)
	a.Locale = ""
	if p.Kind == "channel" {
		a.Conversation.ID = p.TeamID
		a.ChannelData.Channel = &IDName{ID: p.ConversationID}
		if typ == "installationUpdate" {
			a.Conversation.ID = p.ConversationID
		}
	}
	return a
}

// roster answers pagedmembers: a team's or group chat's members, a page at
// a time, for a bot that is in it.
func (s *Server) roster(w http.ResponseWriter, c *Call, q url.Values) {
	s.mu.Lock()
	cv, ok := s.convs[c.Conversation]
	var team string
	if ok {
		team = cv.team
	}
	in := team != "" && s.botIn[team]
	ids := slices.Clone(s.rosters[team])
	s.mu.Unlock()
	switch {
	case !ok || team == "":
		s.answer(w, c, http.StatusNotFound, "ConversationNotFound", nil)
		return
	case !in:
		s.answer(w, c, http.StatusForbidden, "BotNotInConversationRoster", nil)
		return
	}
	size := RosterPageSize
	if n, err := strconv.Atoi(q.Get("pageSize")); err == nil && n > 0 {
		size = min(size, n)
	}
	from := 0
	if t := q.Get("continuationToken"); t != "" {
		n, err := strconv.Atoi(strings.TrimPrefix(t, "page-"))
		if err != nil || n < 0 || n > len(ids) {
			s.answer(w, c, http.StatusBadRequest, "BadArgument", nil)
			return
		}
		from = n
	}
	to := min(from+size, len(ids))
	members := []map[string]any{}
	s.mu.Lock()
	for _, id := range ids[from:to] {
		u := s.users[id]
		members = append(members, map[string]any{
			"id": u.ID, "name": u.Name, "aadObjectId": u.AADObjectID, "email": u.Email,
			"userPrincipalName": u.Email, "tenantId": TenantID, "userRole": "user",
		})
	}
	s.mu.Unlock()
	page := map[string]any{"members": members}
	if to < len(ids) {
		page["continuationToken"] = "page-" + strconv.Itoa(to)
	}
	s.answer(w, c, http.StatusOK, "", page)
}

// RemoveFromCatalog takes the app out of the tenant's app catalog, as if
// it had never been uploaded there.
func (s *Server) RemoveFromCatalog() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.catalogID = ""
}

// serveCatalog is Graph's list of the tenant's app catalog, filtered by
// externalId (the manifest id) as okrbot asks.
func (s *Server) serveCatalog(w http.ResponseWriter, r *http.Request) {
	c := Call{Op: OpCatalog, Method: r.Method, Path: r.URL.Path}
	if !s.graphAuthorized(w, r, &c) {
		return
	}
	filter := r.URL.Query().Get("$filter")
	want := "externalId eq '" + AppID + "'"
	if filter != want {
		s.answer(w, &c, http.StatusBadRequest, "", graphError("BadRequest", fmt.Sprintf("Invalid filter clause %q.", filter)))
		return
	}
	s.mu.Lock()
	id := s.catalogID
	s.mu.Unlock()
	apps := []map[string]any{}
	if id != "" {
		apps = append(apps, map[string]any{"id": id, "externalId": AppID, "displayName": BotName, "distributionMethod": "organization"})
	}
	s.answer(w, &c, http.StatusOK, "", map[string]any{"@odata.context": s.GraphURL() + "/v1.0/$metadata#appCatalogs/teamsApps", "value": apps})
}

// serveInstallApp is Graph's install of an app for a person: the app must
// be named by its catalog id, and the person must exist. 409 if it is
// installed already.
func (s *Server) serveInstallApp(w http.ResponseWriter, r *http.Request) {
	c := Call{Op: OpInstall, Method: r.Method, Path: r.URL.Path}
	if !s.graphAuthorized(w, r, &c) {
		return
	}
	var body map[string]string
	_ = json.NewDecoder(r.Body).Decode(&body)
	c.Body, _ = json.Marshal(body)
	s.mu.Lock()
	bind := s.GraphURL() + "/v1.0/appCatalogs/teamsApps/" + s.catalogID
	u, ok := s.userLocked(r.PathValue("id"))
	switch {
	case s.catalogID == "" || body["teamsApp@odata.bind"] != bind:
		s.mu.Unlock()
		s.answer(w, &c, http.StatusBadRequest, "", graphError("BadRequest", "teamsApp@odata.bind must name an app of the tenant's catalog"))
	case !ok:
		s.mu.Unlock()
		s.answer(w, &c, http.StatusNotFound, "", graphError("NotFound", "User not found"))
	case s.installed[u.ID]:
		s.mu.Unlock()
		s.answer(w, &c, http.StatusConflict, "", graphError("Conflict", "App is already installed."))
	default:
		s.installed[u.ID] = true
		s.mu.Unlock()
		s.answer(w, &c, http.StatusCreated, "", map[string]any{"id": "inst-" + u.AADObjectID})
	}
}

// graphAuthorized checks a Graph call's token: one issued for Graph, not
// the Bot Connector's.
func (s *Server) graphAuthorized(w http.ResponseWriter, r *http.Request, c *Call) bool {
	token, _ := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	c.Token = token
	if !s.tokenFor(token, GraphScope) {
		s.answer(w, c, http.StatusUnauthorized, "", graphError("InvalidAuthenticationToken", "Access token validation failure. Invalid audience."))
		return false
	}
	return true
}

// graphError is Graph's error envelope.
func graphError(code, message string) map[string]any {
	return map[string]any{"error": map[string]any{"code": code, "message": message}}
}
