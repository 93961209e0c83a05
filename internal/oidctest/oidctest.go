// Package oidctest runs a real OpenID provider on loopback for tests: the
// example provider of zitadel/oidc (its op package and example storage),
// with its own login form, discovery, keys, PKCE and ID tokens. What this
// package adds is only what tests need to steer it: users with groups (a
// "groups" claim), a switch that makes it issue already expired ID tokens,
// and a token substitution (a genuine ID token of another client in the
// token response).
package oidctest

import (
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/zitadel/oidc/v3/example/server/exampleop"
	"github.com/zitadel/oidc/v3/example/server/storage"
	"github.com/zitadel/oidc/v3/pkg/oidc"
	"github.com/zitadel/oidc/v3/pkg/op"
	"golang.org/x/text/language"
)

// User is one account at the provider.
type User struct {
	// ID is the subject (sub) of its ID tokens.
	ID string
	// Username and Password are what its login form takes.
	Username, Password string
	Email              string
	EmailVerified      bool
	// Groups are sent in the "groups" claim.
	Groups []string
}

// Provider is the running provider.
type Provider struct {
	// Issuer is its issuer URL, http://127.0.0.1:port/ (with the slash).
	Issuer string
	// ClientID and ClientSecret are the web client registered for the
	// redirect URI given to Start.
	ClientID, ClientSecret string

	addr    string
	store   *store
	handler http.Handler

	mu         sync.Mutex
	srv        *http.Server
	substitute string // see SubstituteIDToken
}

// Start runs a provider on a free loopback port with one web client whose
// redirect URI is redirect. Call Close when done.
func Start(redirect string) (*Provider, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	p := New(ln.Addr().String(), redirect)
	p.serve(ln)
	return p, nil
}

// New makes a provider for addr (host:port) without serving it: Up serves
// it. A test of a provider that is down at rollcall's start uses it.
func New(addr, redirect string) *Provider {
	issuer := "http://" + addr + "/"
	users := &users{byID: map[string]User{}}
	clients := map[string]*storage.Client{
		"rollcall":    storage.WebClient("rollcall", "rollcall-secret", redirect),
		OtherClientID: storage.WebClient(OtherClientID, otherSecret, otherRedirect),
	}
	st := &store{Storage: storage.NewStorageWithClients(users, clients), users: users}
	return &Provider{
		Issuer: issuer, ClientID: "rollcall", ClientSecret: "rollcall-secret", addr: addr, store: st,
		handler: exampleop.SetupServer(issuer, st, nil, false),
	}
}

// Up serves the provider on its address (again, after Down).
func (p *Provider) Up() error {
	ln, err := net.Listen("tcp", p.addr)
	if err != nil {
		return err
	}
	p.serve(ln)
	return nil
}

func (p *Provider) serve(ln net.Listener) {
	srv := &http.Server{Handler: p, ReadHeaderTimeout: 10 * time.Second}
	p.mu.Lock()
	p.srv = srv
	p.mu.Unlock()
	go srv.Serve(ln) //nolint:errcheck // ErrServerClosed at Down
}

// Down stops serving: connections are refused until Up.
func (p *Provider) Down() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.srv != nil {
		p.srv.Close() //nolint:errcheck // closing errors are of no interest
		p.srv = nil
	}
}

// Close is Down.
func (p *Provider) Close() { p.Down() }

// AddUser adds or replaces (by ID) a user.
func (p *Provider) AddUser(u User) { p.store.users.put(u) }

// SetGroups replaces the groups of user id.
func (p *Provider) SetGroups(id string, groups ...string) {
	p.store.users.mu.Lock()
	defer p.store.users.mu.Unlock()
	u := p.store.users.byID[id]
	u.Groups = groups
	p.store.users.byID[id] = u
}

// IssueExpired makes ID tokens issued from now on expire an hour before they
// are issued (true), or last an hour as usual (false).
func (p *Provider) IssueExpired(on bool) {
	p.store.mu.Lock()
	defer p.store.mu.Unlock()
	p.store.expired = on
}

// SubstituteIDToken makes the next token response carry idToken instead
// of the one the provider made: what a token substitution attack (or a
// provider mixing up its clients) delivers. TokenFor makes a real one.
func (p *Provider) SubstituteIDToken(idToken string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.substitute = idToken
}

// OtherClientID is a second web client of the provider, another app.
const OtherClientID = "other-app"

const (
	otherSecret   = "other-secret"
	otherRedirect = "http://127.0.0.1/other/callback"
)

// TokenFor signs in as username at the provider on behalf of the other
// client, with nonce, and returns the ID token the provider issues to that
// client: genuine, signed, unexpired, but for another audience.
func (p *Provider) TokenFor(username, password, nonce string) (string, error) {
	jar, _ := cookiejar.New(nil)
	c := &http.Client{Jar: jar, Timeout: 10 * time.Second, CheckRedirect: func(r *http.Request, _ []*http.Request) error {
		if r.URL.Path == "/other/callback" {
			return http.ErrUseLastResponse
		}
		return nil
	}}
	q := url.Values{"client_id": {OtherClientID}, "redirect_uri": {otherRedirect}, "response_type": {"code"},
		"scope": {"openid email profile"}, "nonce": {nonce}, "state": {"other"}}
	res, err := c.Get(p.Issuer + "auth?" + q.Encode())
	if err != nil {
		return "", err
	}
	res.Body.Close()
	id := res.Request.URL.Query().Get("authRequestID")
	res, err = c.PostForm(p.Issuer+"login/username", url.Values{"id": {id}, "username": {username}, "password": {password}})
	if err != nil {
		return "", err
	}
	res.Body.Close()
	back, err := url.Parse(res.Header.Get("Location"))
	if err != nil || back.Query().Get("code") == "" {
		return "", fmt.Errorf("oidctest: no code for the other client (status %d, %q)", res.StatusCode, res.Header.Get("Location"))
	}
	req, _ := http.NewRequest(http.MethodPost, p.Issuer+"oauth/token", strings.NewReader(url.Values{
		"grant_type": {"authorization_code"}, "code": {back.Query().Get("code")}, "redirect_uri": {otherRedirect}}.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.SetBasicAuth(OtherClientID, otherSecret)
	res, err = c.Do(req)
	if err != nil {
		return "", err
	}
	defer res.Body.Close()
	var tok struct {
		IDToken string `json:"id_token"`
	}
	if err := json.NewDecoder(res.Body).Decode(&tok); err != nil || tok.IDToken == "" {
		return "", fmt.Errorf("oidctest: no ID token for the other client (status %d): %v", res.StatusCode, err)
	}
	return tok.IDToken, nil
}

// ServeHTTP serves the provider, substituting the ID token of a token
// response when SubstituteIDToken asked for it.
func (p *Provider) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	p.mu.Lock()
	sub := p.substitute
	if r.URL.Path == "/oauth/token" {
		p.substitute = ""
	}
	p.mu.Unlock()
	if sub == "" || r.URL.Path != "/oauth/token" {
		p.handler.ServeHTTP(w, r)
		return
	}
	rec := httptest.NewRecorder()
	p.handler.ServeHTTP(rec, r)
	var body map[string]any
	if rec.Code == http.StatusOK && json.Unmarshal(rec.Body.Bytes(), &body) == nil {
		body["id_token"] = sub
		out, _ := json.Marshal(body)
		rec.Body.Reset()
		rec.Body.Write(out)
	}
	for k, v := range rec.Header() {
		if k != "Content-Length" {
			w.Header()[k] = v
		}
	}
	w.WriteHeader(rec.Code)
	w.Write(rec.Body.Bytes()) //nolint:errcheck // the client went away
}

// users is the provider's user store.
type users struct {
	mu   sync.Mutex
	byID map[string]User
}

func (u *users) put(x User) {
	u.mu.Lock()
	defer u.mu.Unlock()
	u.byID[x.ID] = x
}

func (u *users) get(id string) (User, bool) {
	u.mu.Lock()
	defer u.mu.Unlock()
	x, ok := u.byID[id]
	return x, ok
}

func toStorage(x User) *storage.User {
	return &storage.User{ID: x.ID, Username: x.Username, Password: x.Password, FirstName: x.Username,
		LastName: "Test", Email: x.Email, EmailVerified: x.EmailVerified, PreferredLanguage: language.English}
}

func (u *users) GetUserByID(id string) *storage.User {
	if x, ok := u.get(id); ok {
		return toStorage(x)
	}
	return nil
}

func (u *users) GetUserByUsername(name string) *storage.User {
	u.mu.Lock()
	defer u.mu.Unlock()
	for _, x := range u.byID {
		if x.Username == name {
			return toStorage(x)
		}
	}
	return nil
}

func (u *users) ExampleClientID() string { return storage.ServiceUserID }

// store is the example storage with groups and the test switches.
type store struct {
	*storage.Storage
	users *users

	mu      sync.Mutex
	expired bool
}

// GetClientByClientID puts the user's claims (email, groups) into the ID
// token, as Google, Entra and Keycloak do, and applies IssueExpired.
func (s *store) GetClientByClientID(ctx context.Context, id string) (op.Client, error) {
	c, err := s.Storage.GetClientByClientID(ctx, id)
	if err != nil {
		return nil, err
	}
	return client{Client: c, s: s}, nil
}

type client struct {
	op.Client
	s *store
}

func (c client) IDTokenUserinfoClaimsAssertion() bool { return true }

func (c client) IDTokenLifetime() time.Duration {
	c.s.mu.Lock()
	defer c.s.mu.Unlock()
	if c.s.expired {
		return -time.Hour
	}
	return c.Client.IDTokenLifetime()
}

// SetUserinfoFromRequest adds the groups claim to ID tokens.
func (s *store) SetUserinfoFromRequest(ctx context.Context, info *oidc.UserInfo, req op.IDTokenRequest, scopes []string) error {
	if err := s.Storage.SetUserinfoFromRequest(ctx, info, req, scopes); err != nil {
		return err
	}
	s.addGroups(info, req.GetSubject(), scopes)
	return nil
}

// SetUserinfoFromToken adds the groups claim to the userinfo endpoint's answer.
func (s *store) SetUserinfoFromToken(ctx context.Context, info *oidc.UserInfo, tokenID, subject, origin string) error {
	if err := s.Storage.SetUserinfoFromToken(ctx, info, tokenID, subject, origin); err != nil {
		return err
	}
	s.addGroups(info, info.Subject, []string{oidc.ScopeProfile})
	return nil
}

func (s *store) addGroups(info *oidc.UserInfo, subject string, scopes []string) {
	if u, ok := s.users.get(subject); ok && len(u.Groups) > 0 && slices.Contains(scopes, oidc.ScopeProfile) {
		info.AppendClaims("groups", slices.Clone(u.Groups))
	}
}

// String names the provider in test logs.
func (p *Provider) String() string { return fmt.Sprintf("oidctest provider at %s", p.Issuer) }
