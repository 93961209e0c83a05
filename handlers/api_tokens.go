package handlers

import (
	"net/http"
	"strconv"
	"time"

	"github.com/gin-gonic/gin"

	"rollcall/models"
	"rollcall/views"
)

// tokenExpiries are the lifetimes the settings page offers for a new API
// token, the first the default (`rollcall tokens add --expires` takes any).
var tokenExpiries = []views.Link{
	{Label: "in 90 days", URL: "2160h"},
	{Label: "in 30 days", URL: "720h"},
	{Label: "in a year", URL: "8760h"},
	{Label: "never", URL: "never"},
}

// tokenTTL reads the new-token form's expiry: one of tokenExpiries.
func tokenTTL(v string) (time.Duration, error) {
	for _, x := range tokenExpiries {
		if x.URL != v {
			continue
		}
		if v == "never" {
			return 0, nil
		}
		return time.ParseDuration(v)
	}
	return 0, &models.ValidationError{Field: "expires", Problem: "pick one of the choices"}
}

// tokenRows lists u's tokens for the settings page, in the viewer's zone.
func (h *Handlers) tokenRows(c *gin.Context, u models.User) ([]views.TokenRow, error) {
	ts, err := h.store.Tokens(c.Request.Context(), u.ID)
	if err != nil {
		return nil, err
	}
	loc, err := h.viewerZone(c, u)
	if err != nil {
		loc = time.UTC
	}
	k := clock{loc: loc}
	when := func(t *time.Time, none string) views.Time {
		if t == nil {
			return views.Time{Text: none}
		}
		return k.full(*t)
	}
	rows := make([]views.TokenRow, len(ts))
	for i, t := range ts {
		rows[i] = views.TokenRow{
			Name: t.Name, Created: k.full(t.CreatedAt),
			LastUsed: when(t.LastUsedAt, "never"), Expires: when(t.ExpiresAt, "never"),
			RevokeURL: "/settings/tokens/" + strconv.FormatUint(t.ID, 10) + "/delete",
		}
	}
	return rows, nil
}

// createToken makes an API token for the signed-in user (POST
// /settings/tokens, fields name and expires) and shows it once, on the
// settings page it answers with: it is never stored, so it cannot be
// shown again.
func (h *Handlers) createToken(c *gin.Context) error {
	u := currentUser(c)
	ttl, err := tokenTTL(c.PostForm("expires"))
	if err == nil {
		var secret string
		_, secret, err = h.store.CreateToken(c.Request.Context(), u.ID, c.PostForm("name"), ttl, h.cfg.Now())
		if err == nil {
			h.log.Info("api token created", "email", u.Email)
			h.renderSettingsPage(c, http.StatusOK, "", "", secret)
			return nil
		}
	}
	if _, msg := classify(err); msg != "internal error" {
		h.renderSettingsPage(c, http.StatusBadRequest, "Token: "+msg+".", "", "")
		return nil
	}
	return err
}

// revokeToken deletes one of the signed-in user's tokens (POST
// /settings/tokens/:id/delete); another user's token is not found.
func (h *Handlers) revokeToken(c *gin.Context) error {
	u := currentUser(c)
	id, err := parseID(c, "id")
	if err != nil {
		return err
	}
	if err := h.store.RevokeToken(c.Request.Context(), id, u.ID); err != nil {
		return err
	}
	h.log.Info("api token revoked", "email", u.Email, "token_id", id)
	h.setFlash(c, flashNotice, "Token revoked.")
	c.Redirect(http.StatusSeeOther, "/settings")
	return nil
}
