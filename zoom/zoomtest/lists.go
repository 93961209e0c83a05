package zoomtest

import (
	"bytes"
	"cmp"
	"crypto/rand"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
)

// User is one user of the fake account, served by GET /users. Every
// meeting's host is served as a user too, unless AddUser added one with
// the same ID.
type User struct {
	// ID is the Zoom user ID (a meeting's HostID).
	ID string
	// Email, FirstName and LastName describe the user.
	Email, FirstName, LastName string
	// Type is 1 Basic, 2 Licensed, 4 Unassigned or 99 None; 0 serves 2.
	Type int
	// Status is "active", "inactive" or "pending"; "" serves "active".
	Status string
	// Dept and Timezone are optional.
	Dept, Timezone string
	// PMI is the personal meeting ID; 0 leaves it out.
	PMI int64
	// Created is when the user was created; zero serves 2024-01-15.
	Created time.Time
	// AccountID is the user's Zoom account; "" is the Server's. A user of
	// another account can sign in with Zoom (GET /users/me names that
	// account) but is not listed by GET /users.
	AccountID string
	// RoleName is "Owner", "Admin" or "Member" (or a custom role); ""
	// serves "Member".
	RoleName string
	// Unverified serves verified: 0 (an email Zoom has not confirmed).
	Unverified bool
}

// Registrant is one registrant of a meeting or webinar, served by
// GET /meetings/{id}/registrants and GET /webinars/{id}/registrants.
// Participants with a RegistrantID are served as approved registrants of
// their meeting number too.
type Registrant struct {
	// ID is the registrant ID (participant rows' registrant_id).
	ID string
	// Email, FirstName and LastName are what the registrant typed.
	Email, FirstName, LastName string
	// Status is "approved", "pending" or "denied"; "" serves "approved".
	Status string
	// Created is when they registered; zero serves a day before the meeting.
	Created time.Time
}

// AddUser adds (or replaces, by ID) a user of the account.
func (s *Server) AddUser(u User) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.users = slices.DeleteFunc(s.users, func(x User) bool { return x.ID == u.ID })
	s.users = append(s.users, u)
}

// AddRegistrant adds a registrant of meeting (or webinar) number id.
func (s *Server) AddRegistrant(id int64, r Registrant) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.registrants[id] = append(s.registrants[id], r)
}

// ended returns the stored meetings that have ended by the server's clock,
// sorted by start time then UUID; s.mu held.
func (s *Server) ended() []Meeting {
	var ms []Meeting
	now := s.now()
	for _, st := range s.meetings {
		if !st.m.End.IsZero() && !now.Before(st.m.End) {
			ms = append(ms, st.m)
		}
	}
	slices.SortFunc(ms, func(a, b Meeting) int {
		return cmp.Or(a.Start.Compare(b.Start), strings.Compare(a.UUID, b.UUID))
	})
	return ms
}

// dateRange parses and checks from and to as Zoom's list endpoints do.
func (s *Server) dateRange(q url.Values) (from, to time.Time, msg string) {
	parse := func(name string) (time.Time, string) {
		v := q.Get(name)
		if v == "" {
			return time.Time{}, "Invalid field: " + name + " is required."
		}
		for _, layout := range []string{time.DateOnly, time.DateTime} {
			if t, err := time.Parse(layout, v); err == nil {
				return t, ""
			}
		}
		return time.Time{}, "Invalid field: " + name + "."
	}
	if from, msg = parse("from"); msg != "" {
		return
	}
	if to, msg = parse("to"); msg != "" {
		return
	}
	switch {
	case to.Before(from):
		msg = "The to date must not be before the from date."
	case to.Sub(from) > 31*24*time.Hour:
		msg = "The date range must be within one month."
	case from.Before(s.now().UTC().AddDate(0, -6, -1)):
		msg = "You can only query data within the last 6 months."
	}
	return from, to, msg
}

// inRange reports whether t's UTC date lies in [from, to] (dates).
func inRange(t, from, to time.Time) bool {
	d := t.UTC().Format(time.DateOnly)
	return d >= from.Format(time.DateOnly) && d <= to.Format(time.DateOnly)
}

// servePage answers one page of rows under key, with top-level fields
// extra (JSON members without braces, may be ""), issuing a page token
// bound to listKey.
func (s *Server) servePage(w http.ResponseWriter, q url.Values, listKey, key, extra string, rows [][]byte) {
	pageSize := DefaultPageSize
	if v := q.Get("page_size"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			writeError(w, http.StatusBadRequest, 300, "Invalid field: page_size.")
			return
		}
		pageSize = min(n, MaxPageSize)
	}
	s.mu.Lock()
	offset := 0
	if tok := q.Get("next_page_token"); tok != "" {
		pt, ok := s.pageTokens[tok]
		if !ok || pt.expired || pt.uuid != listKey || pt.route != "list" || s.now().Sub(pt.issued) > s.pageTokenTTL {
			delete(s.pageTokens, tok)
			s.mu.Unlock()
			writeError(w, http.StatusBadRequest, 300, "The next page token is invalid or expired.")
			return
		}
		offset = pt.offset
	}
	offset = min(offset, len(rows))
	end := min(offset+pageSize, len(rows))
	next := ""
	if end < len(rows) {
		s.purgePageTokens()
		next = rand.Text()
		s.pageTokens[next] = &pageToken{uuid: listKey, route: "list", offset: end, issued: s.now()}
	}
	s.mu.Unlock()

	var b bytes.Buffer
	b.WriteByte('{')
	if extra != "" {
		b.WriteString(extra)
		b.WriteByte(',')
	}
	fmt.Fprintf(&b, `"page_count":%d,"page_size":%d,"total_records":%d,"next_page_token":%q,%q:[`,
		(len(rows)+pageSize-1)/pageSize, pageSize, len(rows), next, key)
	for i, row := range rows[offset:end] {
		if i > 0 {
			b.WriteByte(',')
		}
		b.Write(row)
	}
	b.WriteString("]}")
	writeJSON(w, http.StatusOK, b.Bytes())
}

// listKey identifies a list query for its page tokens.
func listKey(path string, q url.Values) string {
	c := url.Values{}
	for k, v := range q {
		if k != "next_page_token" && k != "page_size" {
			c[k] = v
		}
	}
	return path + "?" + c.Encode()
}

func (s *Server) serveDashboardList(w http.ResponseWriter, r *http.Request, webinar bool) {
	q := r.URL.Query()
	typ := cmp.Or(q.Get("type"), "live")
	valid := typ == "past" || typ == "live" || (!webinar && typ == "pastOne")
	if !valid {
		writeError(w, http.StatusBadRequest, 300, "Invalid field: type.")
		return
	}
	from, to, msg := s.dateRange(q)
	if msg != "" {
		writeError(w, http.StatusBadRequest, 300, msg)
		return
	}
	byEnd := q.Get("query_date_type") == "end_time"
	s.mu.Lock()
	if s.dashboardDenied {
		s.mu.Unlock()
		writeError(w, http.StatusBadRequest, 200,
			"Only available for Business or higher accounts with the Dashboard feature enabled.")
		return
	}
	var rows [][]byte
	for _, m := range s.ended() {
		at := m.Start
		if byEnd {
			at = m.End
		}
		// Nothing stored is live; past lists 2+ participants, pastOne one.
		if m.Webinar != webinar || typ == "live" || !inRange(at, from, to) ||
			(!webinar && (typ == "pastOne") != (len(m.Participants) <= 1)) {
			continue
		}
		rows = append(rows, dashboardListJSON(m))
	}
	s.mu.Unlock()
	key := "meetings"
	if webinar {
		key = "webinars"
	}
	extra := fmt.Sprintf(`"from":%q,"to":%q`, from.Format(time.DateOnly), to.Format(time.DateOnly))
	s.servePage(w, q, listKey(r.URL.Path, q), key, extra, rows)
}

func (s *Server) serveUserMeetings(w http.ResponseWriter, r *http.Request, seg string) {
	q := r.URL.Query()
	user, err := url.PathUnescape(seg)
	if err != nil {
		writeError(w, http.StatusBadRequest, 300, "Invalid user ID.")
		return
	}
	typ := cmp.Or(q.Get("type"), "past")
	if typ != "past" && typ != "pastOne" && typ != "pastJoined" {
		writeError(w, http.StatusBadRequest, 300, "Invalid field: type.")
		return
	}
	from, to, msg := s.dateRange(q)
	if msg != "" {
		writeError(w, http.StatusBadRequest, 300, msg)
		return
	}
	s.mu.Lock()
	known := false
	for _, u := range s.allUsers() {
		known = known || u.ID == user || strings.EqualFold(u.Email, user)
	}
	if !known {
		s.mu.Unlock()
		writeError(w, http.StatusNotFound, 1001, "User does not exist: "+user+".")
		return
	}
	var rows [][]byte
	for _, m := range s.ended() {
		host := m.HostID == user || strings.EqualFold(m.HostEmail, user)
		var keep bool
		switch typ {
		case "past":
			keep = host && len(m.Participants) > 1
		case "pastOne":
			keep = host && len(m.Participants) <= 1
		case "pastJoined":
			keep = slices.ContainsFunc(m.Participants, func(p Participant) bool {
				return p.ParticipantUserID == user || (p.Email != "" && strings.EqualFold(p.Email, user))
			})
		}
		if keep && inRange(m.Start, from, to) {
			rows = append(rows, reportMeetingJSON(m))
		}
	}
	s.mu.Unlock()
	extra := fmt.Sprintf(`"from":%q,"to":%q`, from.Format(time.DateOnly), to.Format(time.DateOnly))
	s.servePage(w, q, listKey(r.URL.Path, q), "meetings", extra, rows)
}

// allUsers returns the added users and every other meeting host, sorted by
// ID; s.mu held.
func (s *Server) allUsers() []User {
	users := slices.DeleteFunc(slices.Clone(s.users), func(u User) bool {
		return u.AccountID != "" && u.AccountID != s.AccountID
	})
	seen := map[string]bool{}
	for _, u := range users {
		seen[u.ID] = true
	}
	for _, st := range s.meetings {
		m := st.m
		if m.HostID == "" || seen[m.HostID] {
			continue
		}
		seen[m.HostID] = true
		first, last, _ := strings.Cut(m.HostName, " ")
		users = append(users, User{ID: m.HostID, Email: m.HostEmail, FirstName: first, LastName: last,
			Timezone: m.Timezone, PMI: m.ID, Dept: "Engineering"})
	}
	slices.SortFunc(users, func(a, b User) int { return strings.Compare(a.ID, b.ID) })
	return users
}

func (s *Server) serveUsers(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	status := cmp.Or(q.Get("status"), "active")
	if status != "active" && status != "inactive" && status != "pending" {
		writeError(w, http.StatusBadRequest, 300, "Invalid field: status.")
		return
	}
	s.mu.Lock()
	var rows [][]byte
	for _, u := range s.allUsers() {
		if cmp.Or(u.Status, "active") == status {
			rows = append(rows, userJSON(u, q.Get("include_fields")))
		}
	}
	s.mu.Unlock()
	s.servePage(w, q, listKey(r.URL.Path, q), "users", "", rows)
}

// serveUser answers GET /users/{userId}: one user of allUsers (an added
// user or a meeting's host), or Zoom's 404 with code 1001.
func (s *Server) serveUser(w http.ResponseWriter, seg string) {
	id, err := url.PathUnescape(seg)
	if err != nil {
		writeError(w, http.StatusNotFound, 1001, "User does not exist: "+seg+".")
		return
	}
	s.mu.Lock()
	users := s.allUsers()
	s.mu.Unlock()
	for _, u := range users {
		if u.ID == id || (u.Email != "" && strings.EqualFold(u.Email, id)) {
			writeJSON(w, http.StatusOK, userJSON(u, ""))
			return
		}
	}
	writeError(w, http.StatusNotFound, 1001, "User does not exist: "+id+".")
}

func (s *Server) serveRegistrants(w http.ResponseWriter, r *http.Request, webinar bool, seg string) {
	q := r.URL.Query()
	id, err := strconv.ParseInt(seg, 10, 64)
	what := "Meeting"
	if webinar {
		what = "Webinar"
	}
	if err != nil || id <= 0 {
		writeError(w, http.StatusNotFound, 3001, what+" does not exist: "+seg+".")
		return
	}
	status := cmp.Or(q.Get("status"), "approved")
	if status != "approved" && status != "pending" && status != "denied" {
		writeError(w, http.StatusBadRequest, 300, "Invalid field: status.")
		return
	}
	s.mu.Lock()
	regs := slices.Clone(s.registrants[id])
	found := len(regs) > 0
	seen := map[string]bool{}
	for _, x := range regs {
		seen[x.ID] = true
	}
	var start time.Time
	ms := s.ended()
	for _, m := range ms {
		if m.ID != id || m.Webinar != webinar {
			continue
		}
		found = true
		if start.IsZero() {
			start = m.Start
		}
		for _, p := range m.Participants {
			if p.RegistrantID == "" || seen[p.RegistrantID] {
				continue
			}
			seen[p.RegistrantID] = true
			first, last, _ := strings.Cut(p.Name, " ")
			regs = append(regs, Registrant{ID: p.RegistrantID, Email: p.Email, FirstName: first, LastName: last})
		}
	}
	s.mu.Unlock()
	if !found {
		writeError(w, http.StatusNotFound, 3001, what+" does not exist: "+seg+".")
		return
	}
	var rows [][]byte
	for i, x := range regs {
		if cmp.Or(x.Status, "approved") == status {
			rows = append(rows, registrantJSON(x, id, webinar, start, i))
		}
	}
	s.servePage(w, q, listKey(r.URL.Path, q), "registrants", "", rows)
}

func (s *Server) serveReportDetail(w http.ResponseWriter, webinar bool, seg string) {
	if m, ok := s.meetingOrNotFound(w, seg, webinar); ok {
		writeJSON(w, http.StatusOK, reportDetailJSON(m))
	}
}

// userJSON is u as a row of GET /users; include is the include_fields
// parameter ("custom_attributes", "host_key").
func userJSON(u User, include string) []byte {
	created := u.Created
	if created.IsZero() {
		created = time.Date(2024, 1, 15, 9, 30, 0, 0, time.UTC)
	}
	type attr struct {
		Key   string `json:"key"`
		Name  string `json:"name"`
		Value string `json:"value"`
	}
	type licence struct {
		LicenseType    string `json:"license_type"`
		LicenseOption  int64  `json:"license_option"`
		SubscriptionID string `json:"subscription_id"`
	}
	type row struct {
		ID                string    `json:"id"`
		FirstName         string    `json:"first_name,omitempty"`
		LastName          string    `json:"last_name,omitempty"`
		DisplayName       string    `json:"display_name,omitempty"`
		Email             string    `json:"email"`
		Type              int       `json:"type"`
		PMI               *int64    `json:"pmi,omitempty"`
		Timezone          string    `json:"timezone,omitempty"`
		Verified          int       `json:"verified"`
		Dept              string    `json:"dept,omitempty"`
		CreatedAt         string    `json:"created_at"`
		UserCreatedAt     string    `json:"user_created_at"`
		LastLoginTime     string    `json:"last_login_time,omitempty"`
		LastClientVersion string    `json:"last_client_version,omitempty"`
		GroupIDs          []string  `json:"group_ids,omitempty"`
		IMGroupIDs        []string  `json:"im_group_ids,omitempty"`
		DivisionIDs       []string  `json:"division_ids,omitempty"`
		EmployeeUniqueID  string    `json:"employee_unique_id,omitempty"`
		RoleID            string    `json:"role_id"`
		Status            string    `json:"status"`
		PlanUnitedType    string    `json:"plan_united_type,omitempty"`
		LicenseInfoList   []licence `json:"license_info_list,omitempty"`
		CustomAttributes  []attr    `json:"custom_attributes,omitempty"`
		HostKey           string    `json:"host_key,omitempty"`
	}
	r := row{
		ID: u.ID, FirstName: u.FirstName, LastName: u.LastName,
		DisplayName: strings.TrimSpace(u.FirstName + " " + u.LastName), Email: u.Email,
		Type: cmp.Or(u.Type, 2), Timezone: u.Timezone, Verified: 1, Dept: u.Dept,
		CreatedAt: zoomTime(created), UserCreatedAt: zoomTime(created),
		GroupIDs: []string{"g-staff"}, RoleID: "2", Status: cmp.Or(u.Status, "active"),
	}
	if u.PMI != 0 {
		r.PMI = &u.PMI
	}
	if r.Status != "pending" { // pending users have never signed in
		r.LastLoginTime = zoomTime(created.AddDate(0, 3, 0))
		r.LastClientVersion = "6.3.11.60501(mac)"
	}
	if r.Type == 2 {
		r.PlanUnitedType = "1"
		r.LicenseInfoList = []licence{{LicenseType: "MEETING", LicenseOption: 2, SubscriptionID: "sub-" + u.ID[:min(6, len(u.ID))]}}
		r.IMGroupIDs = []string{"im-staff"}
	}
	if len(u.ID)%2 == 0 { // SSO users only
		r.EmployeeUniqueID = "E" + strconv.Itoa(len(u.Email)*7919)
		r.DivisionIDs = []string{"div-1"}
	}
	for _, f := range strings.Split(include, ",") {
		switch strings.TrimSpace(f) {
		case "custom_attributes":
			r.CustomAttributes = []attr{{Key: "cbf_1", Name: "Cost centre", Value: "4711"}}
		case "host_key":
			r.HostKey = strconv.Itoa(100000 + len(u.Email)*997%900000)
		}
	}
	return mustJSON(r)
}

// registrantJSON is r as a row of a registrant list for meeting number id.
// Every other registrant answered the optional questions of the form.
func registrantJSON(r Registrant, id int64, webinar bool, start time.Time, i int) []byte {
	created := r.Created
	if created.IsZero() {
		created = start.Add(-24 * time.Hour)
	}
	kind := "j"
	if webinar {
		kind = "w"
	}
	type question struct {
		Title string `json:"title"`
		Value string `json:"value"`
	}
	type row struct {
		ID                    string     `json:"id"`
		Address               string     `json:"address,omitempty"`
		City                  string     `json:"city,omitempty"`
		Comments              string     `json:"comments,omitempty"`
		Country               string     `json:"country,omitempty"`
		CustomQuestions       []question `json:"custom_questions,omitempty"`
		Email                 string     `json:"email"`
		FirstName             string     `json:"first_name"`
		Industry              string     `json:"industry,omitempty"`
		JobTitle              string     `json:"job_title,omitempty"`
		LastName              string     `json:"last_name,omitempty"`
		NoOfEmployees         *string    `json:"no_of_employees,omitempty"`
		Org                   string     `json:"org,omitempty"`
		Phone                 string     `json:"phone,omitempty"`
		PurchasingTimeFrame   *string    `json:"purchasing_time_frame,omitempty"`
		RoleInPurchaseProcess *string    `json:"role_in_purchase_process,omitempty"`
		State                 string     `json:"state,omitempty"`
		Status                string     `json:"status"`
		Zip                   string     `json:"zip,omitempty"`
		CreateTime            string     `json:"create_time,omitempty"`
		JoinURL               string     `json:"join_url"`
		ParticipantPinCode    *int       `json:"participant_pin_code,omitempty"`
	}
	x := row{
		ID: r.ID, Email: r.Email, FirstName: r.FirstName, LastName: r.LastName,
		Status: cmp.Or(r.Status, "approved"), CreateTime: zoomTime(created),
		JoinURL: fmt.Sprintf("https://example.zoom.us/%s/%d?tk=%s", kind, id, r.ID),
	}
	if i%2 == 1 {
		emp, when, role := "51-100", "1-3 months", "Evaluator/Recommender"
		x.Address, x.City, x.State, x.Zip, x.Country = "1 Main St", "Springfield", "IL", "62701", "US"
		x.Comments, x.Industry, x.JobTitle, x.Org, x.Phone = "Looking forward <b>to it</b>", "Education", "Lecturer", "Example University", "+1 555 0100"
		x.NoOfEmployees, x.PurchasingTimeFrame, x.RoleInPurchaseProcess = &emp, &when, &role
		x.CustomQuestions = []question{{Title: "Student number", Value: strconv.Itoa(10000 + i)}}
	}
	if !webinar && i%3 == 0 {
		pin := 100000 + i
		x.ParticipantPinCode = &pin
	}
	return mustJSON(x)
}
