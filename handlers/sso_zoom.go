package handlers

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/gin-gonic/gin"
	"golang.org/x/oauth2"

	"rollcall/models"
)

// maxZoomUserBody bounds what GET /users/me may send.
const maxZoomUserBody = 1 << 20

func (z *ZoomLoginConfig) oauth2(redirect string) *oauth2.Config {
	return &oauth2.Config{
		ClientID: z.ClientID, ClientSecret: z.ClientSecret, RedirectURL: redirect,
		Endpoint: oauth2.Endpoint{AuthURL: z.AuthURL, TokenURL: z.TokenURL, AuthStyle: oauth2.AuthStyleInHeader},
	}
}

// startZoom sends the browser to Zoom's user OAuth (authorization code with
// PKCE, a state bound to this browser).
func (h *Handlers) startZoom(c *gin.Context) error {
	z := h.cfg.SSO.Zoom
	if z == nil {
		return errStatus(http.StatusNotFound, "Sign in with Zoom is not set up", nil)
	}
	state, _, verifier, err := h.beginSSO(c, models.ProviderZoom)
	if err != nil {
		return err
	}
	c.Redirect(http.StatusFound, z.oauth2(h.callbackURL("zoom")).AuthCodeURL(state, oauth2.S256ChallengeOption(verifier)))
	return nil
}

// zoomUser is what rollcall reads of GET /users/me.
type zoomUser struct {
	ID        string `json:"id"`
	Email     string `json:"email"`
	AccountID string `json:"account_id"`
	RoleName  string `json:"role_name"`
	Status    string `json:"status"`
	Verified  int    `json:"verified"`
}

// zoomCallback finishes Sign in with Zoom: the state, the code exchanged
// with the PKCE verifier, GET /users/me, and only a user of the account
// ZOOM_ACCOUNT_ID is let in.
func (h *Handlers) zoomCallback(c *gin.Context) error {
	z := h.cfg.SSO.Zoom
	if z == nil {
		return errStatus(http.StatusNotFound, "Sign in with Zoom is not set up", nil)
	}
	st, code, err := h.finishSSO(c, models.ProviderZoom)
	if err != nil {
		return err
	}
	client := ssoHTTPClient(z.HTTPClient)
	ctx, cancel := context.WithTimeout(context.WithValue(c.Request.Context(), oauth2.HTTPClient, client), 30*time.Second)
	defer cancel()
	tok, err := z.oauth2(h.callbackURL("zoom")).Exchange(ctx, code, oauth2.VerifierOption(st.Verifier))
	if err != nil {
		return refuse(http.StatusBadGateway, "Zoom did not accept the sign-in. Start again.", "code exchange: "+err.Error())
	}
	me, err := fetchZoomMe(ctx, client, z.APIURL, tok)
	if err != nil {
		return refuse(http.StatusBadGateway, "Zoom did not say who you are. Start again.", "users/me: "+err.Error())
	}
	if me.AccountID != z.AccountID {
		return refuse(http.StatusForbidden, "That Zoom user belongs to another Zoom account than this rollcall's.",
			"zoom account "+clip(me.AccountID)+" is not ZOOM_ACCOUNT_ID")
	}
	if me.ID == "" || (me.Status != "" && me.Status != "active") {
		return refuse(http.StatusForbidden, "That Zoom user is not active.", "zoom user not active: "+clip(me.Status))
	}
	id := ssoIdentity{Provider: models.ProviderZoom, Subject: me.ID, Email: models.NormalizeEmail(me.Email),
		EmailVerified: me.Verified == 1, DomainAllowed: true}
	if len(z.AdminRoles) > 0 {
		id.Role = models.RoleViewer
		for _, r := range z.AdminRoles {
			if strings.EqualFold(r, me.RoleName) {
				id.Role = models.RoleAdmin
			}
		}
	}
	return h.signInSSO(c, id, st.Next)
}

// fetchZoomMe asks Zoom who tok's user is.
func fetchZoomMe(ctx context.Context, client *http.Client, apiURL string, tok *oauth2.Token) (zoomUser, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, apiURL+"/users/me", nil)
	if err != nil {
		return zoomUser{}, err
	}
	tok.SetAuthHeader(req)
	res, err := client.Do(req)
	if err != nil {
		return zoomUser{}, err
	}
	defer res.Body.Close()
	body, err := io.ReadAll(io.LimitReader(res.Body, maxZoomUserBody))
	if err != nil {
		return zoomUser{}, err
	}
	if res.StatusCode != http.StatusOK {
		return zoomUser{}, fmt.Errorf("HTTP %d: %s", res.StatusCode, clipTo(string(body), 200))
	}
	var me zoomUser
	if err := json.Unmarshal(body, &me); err != nil {
		return zoomUser{}, err
	}
	return me, nil
}
