package handlers

import (
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/gin-gonic/gin"

	"rollcall/models"
	"rollcall/views"
)

// showUsersPage lists users for an admin, with forms to add and remove.
func (h *Handlers) showUsersPage(c *gin.Context) error {
	notice, errMsg := h.takeFlash(c)
	return h.renderUsers(c, http.StatusOK, errMsg, notice)
}

func (h *Handlers) renderUsers(c *gin.Context, status int, errMsg, notice string) error {
	me := currentUser(c)
	users, err := h.store.Users(c.Request.Context())
	if err != nil {
		return err
	}
	zone, err := h.viewerZone(c, me)
	if err != nil {
		return err
	}
	identities, err := h.store.Identities(c.Request.Context())
	if err != nil {
		return err
	}
	byUser := map[uint64][]models.Identity{}
	for _, id := range identities {
		byUser[id.UserID] = append(byUser[id.UserID], id)
	}
	k := clock{loc: zone}
	p := views.UsersPage{Page: h.frame(c, me, "Users", "users", zone.String()),
		Error: errMsg, Notice: notice, MinPassword: models.MinPasswordLength}
	for _, u := range users {
		row := views.UserRow{
			ID: u.ID, Email: u.Email, Role: u.Role, Created: k.full(u.CreatedAt),
			DeleteURL: fmt.Sprintf("/admin/users/%d/delete", u.ID), Self: u.ID == me.ID,
		}
		row.Identities, row.LastSignIn = identityRows(u, byUser[u.ID], k)
		p.Rows = append(p.Rows, row)
	}
	render(c, status, views.Users(p))
	return nil
}

// addUser creates a user from the admin's form.
func (h *Handlers) addUser(c *gin.Context) error {
	u, err := h.store.CreateUser(c.Request.Context(), c.PostForm("email"), c.PostForm("role"), c.PostForm("password"))
	var verr *models.ValidationError
	switch {
	case errors.As(err, &verr):
		return h.renderUsers(c, http.StatusBadRequest, verr.Error(), "")
	case errors.Is(err, models.ErrExists):
		return h.renderUsers(c, http.StatusConflict, "A user with that email exists already.", "")
	case err != nil:
		return err
	}
	h.log.Info("user added", "email", u.Email, "role", u.Role, "by", currentUser(c).Email)
	h.setFlash(c, flashNotice, "Added "+u.Email+".")
	c.Redirect(http.StatusSeeOther, "/admin/users")
	return nil
}

// removeUser deletes a user and ends their sessions. Admins cannot remove
// themselves, so rollcall always keeps one admin who can sign in.
func (h *Handlers) removeUser(c *gin.Context) error {
	id, err := parseID(c, "id")
	if err != nil {
		return errStatus(http.StatusNotFound, "no such user", err)
	}
	if id == currentUser(c).ID {
		return h.renderUsers(c, http.StatusBadRequest, "You cannot remove yourself.", "")
	}
	if err := h.store.DeleteUser(c.Request.Context(), id); err != nil {
		return err
	}
	h.log.Info("user removed", "user_id", id, "by", currentUser(c).Email)
	h.setFlash(c, flashNotice, "User removed.")
	c.Redirect(http.StatusSeeOther, "/admin/users")
	return nil
}

// identityRows lists the ways u signs in (a password first, when u has
// one, even before its first use) and u's latest sign-in.
func identityRows(u models.User, ids []models.Identity, k clock) ([]views.IdentityRow, views.Time) {
	var rows []views.IdentityRow
	if u.PasswordHash != "" {
		rows = append(rows, views.IdentityRow{Provider: models.ProviderPassword, Email: u.Email})
	}
	var last *time.Time
	for _, id := range ids {
		if id.Provider != models.ProviderPassword {
			rows = append(rows, views.IdentityRow{Provider: id.Provider, Email: id.Email})
		}
		if id.LastSignInAt != nil && (last == nil || id.LastSignInAt.After(*last)) {
			last = id.LastSignInAt
		}
	}
	if last == nil {
		return rows, views.Time{}
	}
	return rows, k.full(*last)
}
