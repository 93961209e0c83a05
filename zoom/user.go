package zoom

import (
	"context"
	"errors"
	"net/url"
	"strings"
)

// Name returns how the user is called: the display name, else first and
// last name, else "".
func (u User) Name() string {
	if n := strings.TrimSpace(u.DisplayName); n != "" {
		return n
	}
	return strings.TrimSpace(strings.TrimSpace(u.FirstName) + " " + strings.TrimSpace(u.LastName))
}

// User returns the user userID (or email) of the account, from
// GET /users/{userId} (rate label Light; scope user:read:admin). It names
// a webinar's host, whose webinar.ended carries only the host's ID. A user
// Zoom does not know is an *APIError with HTTP 404 (code 1001).
func (c *Client) User(ctx context.Context, userID string) (User, error) {
	if userID == "" {
		return User{}, errors.New("zoom: user: empty user ID")
	}
	var u User
	if err := c.get(ctx, request{limiter: c.light, path: "/users/" + url.PathEscape(userID)}, &u); err != nil {
		return User{}, err
	}
	return u, nil
}
