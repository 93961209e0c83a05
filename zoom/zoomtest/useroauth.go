package zoomtest

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"net/http"
	"net/url"
	"slices"
	"time"
)

// User OAuth, for "Sign in with Zoom" (a user-managed OAuth app):
//
//	GET  /oauth/authorize   response_type=code, client_id, redirect_uri, state,
//	                        optional code_challenge + code_challenge_method=S256
//	POST /oauth/token       grant_type=authorization_code, code, redirect_uri,
//	                        code_verifier (Basic auth of the login app)
//	GET  /v2/users/me       the signed-in user, with the user's access token
//
// The browser's Zoom session is SignInAs's user; authorize redirects at once,
// as Zoom does for a user who approved the app before. Codes last
// five minutes and work once; the redirect URI must be registered
// (AllowLoginRedirect) and equal at both steps.

// authCodeTTL is how long an authorization code works (Zoom: 5 minutes).
const authCodeTTL = 5 * time.Minute

type authCode struct {
	userID, redirect, challenge string
	expires                     time.Time
}

type userToken struct {
	userID  string
	expires time.Time
}

// userOAuth is the state of the login app; s.mu guards it.
type userOAuth struct {
	redirects  []string
	signedIn   string
	codes      map[string]authCode
	userTokens map[string]userToken
}

// AllowLoginRedirect registers uri as a redirect URI of the login app.
func (s *Server) AllowLoginRedirect(uri string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.oauth.redirects = append(s.oauth.redirects, uri)
}

// SignInAs makes the user with id the one signed in to Zoom in the
// browser: the next authorizations are theirs. "" signs out (authorize then
// answers access_denied).
func (s *Server) SignInAs(id string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.oauth.signedIn = id
}

// serveAuthorize is Zoom's authorize page for the signed-in user.
func (s *Server) serveAuthorize(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	redirect := q.Get("redirect_uri")
	s.mu.Lock()
	defer s.mu.Unlock()
	switch {
	case q.Get("client_id") != s.LoginClientID:
		writeError(w, http.StatusBadRequest, 4700, "Invalid client_id: "+q.Get("client_id"))
		return
	case !slices.Contains(s.oauth.redirects, redirect):
		writeError(w, http.StatusBadRequest, 4700, "Invalid redirect: "+redirect)
		return
	}
	back, _ := url.Parse(redirect)
	v := back.Query()
	if st := q.Get("state"); st != "" {
		v.Set("state", st)
	}
	method := q.Get("code_challenge_method")
	switch {
	case q.Get("response_type") != "code":
		v.Set("error", "unsupported_response_type")
	case q.Get("code_challenge") != "" && method != "S256" && method != "plain":
		v.Set("error", "invalid_request")
	case s.oauth.signedIn == "":
		v.Set("error", "access_denied")
	default:
		challenge := q.Get("code_challenge")
		if challenge != "" && method == "plain" {
			challenge = pkceS256(challenge)
		}
		code := rand.Text()
		s.oauth.codes[code] = authCode{userID: s.oauth.signedIn, redirect: redirect, challenge: challenge,
			expires: s.now().Add(authCodeTTL)}
		v.Set("code", code)
	}
	back.RawQuery = v.Encode()
	http.Redirect(w, r, back.String(), http.StatusFound)
}

func pkceS256(verifier string) string {
	sum := sha256.Sum256([]byte(verifier))
	return base64.RawURLEncoding.EncodeToString(sum[:])
}

// serveUserToken exchanges an authorization code of the login app for the
// user's access token; r's form is parsed. Zoom's error bodies are
// {"reason": ..., "error": ...}.
func (s *Server) serveUserToken(w http.ResponseWriter, r *http.Request, oauthError func(int, string, string)) {
	id, secret, ok := r.BasicAuth()
	if !ok || id != s.LoginClientID || secret != s.LoginClientSecret {
		oauthError(http.StatusUnauthorized, "invalid_client", "Invalid client_id or client_secret")
		return
	}
	s.mu.Lock()
	code, ok := s.oauth.codes[r.Form.Get("code")]
	delete(s.oauth.codes, r.Form.Get("code")) // a code works once
	now := s.now()
	s.mu.Unlock()
	switch {
	case !ok || !now.Before(code.expires):
		oauthError(http.StatusBadRequest, "invalid_grant", "Invalid authorization code "+r.Form.Get("code"))
		return
	case r.Form.Get("redirect_uri") != code.redirect:
		oauthError(http.StatusBadRequest, "invalid_grant", "Redirect URI mismatch.")
		return
	case code.challenge != "" && pkceS256(r.Form.Get("code_verifier")) != code.challenge:
		oauthError(http.StatusBadRequest, "invalid_grant", "Invalid code verifier.")
		return
	}
	tok := rand.Text()
	s.mu.Lock()
	ttl := s.tokenTTL
	s.oauth.userTokens[tok] = userToken{userID: code.userID, expires: s.now().Add(ttl)}
	s.mu.Unlock()
	writeJSON(w, http.StatusOK, mustJSON(map[string]any{
		"access_token":  tok,
		"token_type":    "bearer",
		"refresh_token": rand.Text(),
		"expires_in":    int(ttl / time.Second),
		"scope":         "user:read:user",
		"api_url":       s.URL,
	}))
}

// serveUsersMe answers GET /v2/users/me for a user's access token.
func (s *Server) serveUsersMe(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet {
		writeError(w, http.StatusMethodNotAllowed, 405, "Method not allowed.")
		return
	}
	tok := r.Header.Get("Authorization")
	if len(tok) > 7 && tok[:7] == "Bearer " {
		tok = tok[7:]
	}
	s.mu.Lock()
	ut, ok := s.oauth.userTokens[tok]
	valid := ok && s.now().Before(ut.expires)
	var u User
	found := false
	for _, x := range s.users {
		if x.ID == ut.userID {
			u, found = x, true
		}
	}
	account := s.AccountID
	s.mu.Unlock()
	if !valid {
		writeError(w, http.StatusUnauthorized, 124, "Invalid access token.")
		return
	}
	if !found {
		writeError(w, http.StatusNotFound, 1001, "User does not exist: "+ut.userID)
		return
	}
	writeJSON(w, http.StatusOK, meJSON(u, account))
}

// meJSON is u as GET /users/me serves it.
func meJSON(u User, defaultAccount string) []byte {
	verified := 1
	if u.Unverified {
		verified = 0
	}
	status := u.Status
	if status == "" {
		status = "active"
	}
	typ := u.Type
	if typ == 0 {
		typ = 2
	}
	role := u.RoleName
	if role == "" {
		role = "Member"
	}
	account := u.AccountID
	if account == "" {
		account = defaultAccount
	}
	roleID := map[string]string{"Owner": "0", "Admin": "1", "Member": "2"}[role]
	return mustJSON(map[string]any{
		"id": u.ID, "first_name": u.FirstName, "last_name": u.LastName,
		"display_name": u.FirstName + " " + u.LastName, "email": u.Email, "type": typ,
		"role_name": role, "role_id": roleID, "account_id": account, "account_number": 10000001,
		"status": status, "verified": verified, "timezone": u.Timezone, "dept": u.Dept,
		"language": "en-US", "login_types": []int{100}, "cluster": "us05",
		"created_at": "2024-01-15T09:30:00Z", "user_created_at": "2024-01-15T09:30:00Z",
	})
}
