package zoomtest

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/oauth2"
)

// TestUserOAuth walks Zoom's user OAuth as a real client (x/oauth2 with
// PKCE) would, and checks the refusals Zoom gives.
func TestUserOAuth(t *testing.T) {
	s := NewServer()
	defer s.Close()
	const redirect = "http://127.0.0.1:1/login/zoom/callback"
	s.AllowLoginRedirect(redirect)
	s.AddUser(User{ID: "u1", Email: "olga@example.com", FirstName: "Olga", LastName: "Owner", RoleName: "Owner"})
	s.AddUser(User{ID: "u2", Email: "x@other.example", AccountID: "acct-other", Unverified: true})
	conf := &oauth2.Config{ClientID: s.LoginClientID, ClientSecret: s.LoginClientSecret, RedirectURL: redirect,
		Endpoint: oauth2.Endpoint{AuthURL: s.URL + "/oauth/authorize", TokenURL: s.OAuthURL(), AuthStyle: oauth2.AuthStyleInHeader}}
	noFollow := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	authorize := func(t *testing.T, u string) url.Values {
		t.Helper()
		res, err := noFollow.Get(u)
		require.NoError(t, err)
		res.Body.Close()
		require.Equal(t, http.StatusFound, res.StatusCode)
		back, err := url.Parse(res.Header.Get("Location"))
		require.NoError(t, err)
		return back.Query()
	}
	me := func(t *testing.T, tok *oauth2.Token) (int, map[string]any) {
		t.Helper()
		res, err := conf.Client(context.Background(), tok).Get(s.APIURL() + "/users/me")
		require.NoError(t, err)
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		var out map[string]any
		require.NoError(t, json.Unmarshal(b, &out), string(b))
		return res.StatusCode, out
	}
	ctx := context.Background()

	t.Run("code flow with PKCE", func(t *testing.T) {
		s.SignInAs("u1")
		verifier := oauth2.GenerateVerifier()
		q := authorize(t, conf.AuthCodeURL("st", oauth2.S256ChallengeOption(verifier)))
		assert.Equal(t, "st", q.Get("state"))
		tok, err := conf.Exchange(ctx, q.Get("code"), oauth2.VerifierOption(verifier))
		require.NoError(t, err)
		assert.Equal(t, "user:read:user", tok.Extra("scope"))
		status, body := me(t, tok)
		require.Equal(t, http.StatusOK, status)
		assert.Equal(t, "u1", body["id"])
		assert.Equal(t, s.AccountID, body["account_id"])
		assert.Equal(t, "Owner", body["role_name"])
		assert.Equal(t, float64(1), body["verified"])
		assert.Equal(t, "active", body["status"])

		_, err = conf.Exchange(ctx, q.Get("code"), oauth2.VerifierOption(verifier))
		assert.ErrorContains(t, err, "invalid_grant", "a code works once")
	})
	t.Run("another account's user", func(t *testing.T) {
		s.SignInAs("u2")
		q := authorize(t, conf.AuthCodeURL("st"))
		tok, err := conf.Exchange(ctx, q.Get("code"))
		require.NoError(t, err)
		_, body := me(t, tok)
		assert.Equal(t, "acct-other", body["account_id"])
		assert.Equal(t, float64(0), body["verified"])
	})
	t.Run("wrong verifier", func(t *testing.T) {
		s.SignInAs("u1")
		q := authorize(t, conf.AuthCodeURL("st", oauth2.S256ChallengeOption(oauth2.GenerateVerifier())))
		_, err := conf.Exchange(ctx, q.Get("code"), oauth2.VerifierOption(oauth2.GenerateVerifier()))
		assert.ErrorContains(t, err, "invalid_grant")
	})
	t.Run("expired code", func(t *testing.T) {
		s.SignInAs("u1")
		q := authorize(t, conf.AuthCodeURL("st"))
		s.SetNow(func() time.Time { return time.Now().Add(6 * time.Minute) })
		defer s.SetNow(time.Now)
		_, err := conf.Exchange(ctx, q.Get("code"))
		assert.ErrorContains(t, err, "invalid_grant", "codes last five minutes")
	})
	t.Run("unregistered redirect and wrong client", func(t *testing.T) {
		bad := *conf
		bad.RedirectURL = "https://attacker.example/cb"
		res, err := noFollow.Get(bad.AuthCodeURL("st"))
		require.NoError(t, err)
		res.Body.Close()
		assert.Equal(t, http.StatusBadRequest, res.StatusCode, "no redirect to an unregistered URI")
		bad = *conf
		bad.ClientSecret = "wrong"
		s.SignInAs("u1")
		q := authorize(t, conf.AuthCodeURL("st"))
		_, err = bad.Exchange(ctx, q.Get("code"))
		assert.ErrorContains(t, err, "invalid_client")
	})
	t.Run("not signed in to Zoom", func(t *testing.T) {
		s.SignInAs("")
		q := authorize(t, conf.AuthCodeURL("st"))
		assert.Equal(t, "access_denied", q.Get("error"))
		assert.Empty(t, q.Get("code"))
	})
	t.Run("an S2S token is no user token", func(t *testing.T) {
		status, _ := me(t, &oauth2.Token{AccessToken: "made-up", TokenType: "bearer"})
		assert.Equal(t, http.StatusUnauthorized, status)
	})
}
