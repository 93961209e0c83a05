package handlers

import (
	"context"
	"errors"
	"net/http"
	"regexp"
	"strings"

	"github.com/gin-gonic/gin"

	"rollcall/models"
	"rollcall/views"
)

// reviewInstances is how many of the latest meetings the review page
// looks for suggestions in.
const reviewInstances = 100

// changePerson serves POST /people/{key}/merge (form field into: the
// other person's key) and POST /people/{key}/unmerge. The route is a
// catch-all, as keys may hold "/", so the action is the path's last part.
func (h *Handlers) changePerson(c *gin.Context) error {
	path := strings.TrimPrefix(c.Param("key"), "/")
	if key, ok := strings.CutSuffix(path, "/merge"); ok && key != "" {
		return h.linkPeople(c, key, strings.TrimSpace(c.PostForm("into")), personURL(key))
	}
	if key, ok := strings.CutSuffix(path, "/unmerge"); ok && key != "" {
		return h.unlinkPerson(c, key)
	}
	return errStatus(http.StatusNotFound, "not found", nil)
}

// linkPeople links person from into person into, made by the signed-in
// admin, and answers 303 to back with a notice (or the refusal).
func (h *Handlers) linkPeople(c *gin.Context, from, into, back string) error {
	u := currentUser(c)
	ctx := c.Request.Context()
	before, err := h.store.PersonLinks(ctx)
	if err != nil {
		return err
	}
	err = h.store.Link(ctx, from, into, u.Email, h.cfg.Now())
	var ve *models.ValidationError
	switch {
	case errors.As(err, &ve):
		h.setFlash(c, flashError, "Not linked: "+ve.Error())
	case err != nil:
		return err
	default:
		h.log.InfoContext(ctx, "people linked", "from", clip(from), "into", clip(into), "user_id", u.ID)
		h.setFlash(c, flashNotice, "Linked: "+from+" is now "+into+".")
		h.announceLinkChange(ctx, before.Group(from))
	}
	c.Redirect(http.StatusSeeOther, back)
	return nil
}

// unlinkPerson undoes the link made from key and answers 303 to its page.
func (h *Handlers) unlinkPerson(c *gin.Context, key string) error {
	ctx := c.Request.Context()
	if err := h.store.Unlink(ctx, key); err != nil {
		return err
	}
	h.log.InfoContext(ctx, "people unlinked", "from", clip(key), "user_id", currentUser(c).ID)
	if after, err := h.store.PersonLinks(ctx); err == nil {
		h.announceLinkChange(ctx, after.Group(key))
	} else {
		h.log.ErrorContext(ctx, "identity links not read to announce an unlink", "err", err)
	}
	h.setFlash(c, flashNotice, "Unlinked: "+key+" is a person of its own again.")
	c.Redirect(http.StatusSeeOther, personURL(key))
	return nil
}

// linkAnnounceMeetings bounds how many meetings one identity change
// announces to outbound webhooks (the newest; older ones change too, and
// their receivers see it at their next read of the API).
const linkAnnounceMeetings = 200

// announceLinkChange tells outbound webhook receivers that the attendance
// of the meetings where keys appear changed (meeting.attendance_updated).
// The link is made already: a failure to announce is logged, not answered.
func (h *Handlers) announceLinkChange(ctx context.Context, keys []string) {
	ids, err := h.store.MeetingIDsOfPeople(ctx, keys, linkAnnounceMeetings)
	if err != nil {
		h.log.ErrorContext(ctx, "meetings of an identity change not announced", "err", err)
		return
	}
	for _, id := range ids {
		if err := h.queue.AttendanceChanged(ctx, id); err != nil {
			h.log.ErrorContext(ctx, "identity change not announced", "meeting_id", id, "err", err)
			return
		}
	}
}

// showReviewPage lists the suggested links of the latest meetings.
func (h *Handlers) showReviewPage(c *gin.Context) error {
	u := currentUser(c)
	loc, err := h.viewerZone(c, u)
	if err != nil {
		return err
	}
	ss, err := h.store.ReviewSuggestions(c.Request.Context(), reviewInstances, h.cfg.Now(), h.thresholds())
	if err != nil {
		return err
	}
	p := views.ReviewPage{Suggestions: suggestionRows(ss)}
	p.Notice, p.Problem = h.takeFlash(c)
	p.Page = h.frame(c, u, "Review", "review", loc.String())
	render(c, http.StatusOK, views.Review(p))
	return nil
}

// confirmSuggestion makes the suggested link (form fields from, into).
func (h *Handlers) confirmSuggestion(c *gin.Context) error {
	return h.linkPeople(c, c.PostForm("from"), c.PostForm("into"), reviewBack(c.PostForm("back")))
}

// dismissSuggestion records that the suggestion (from, into) is wrong: it
// is not offered again.
func (h *Handlers) dismissSuggestion(c *gin.Context) error {
	u := currentUser(c)
	from, into := c.PostForm("from"), c.PostForm("into")
	err := h.store.Dismiss(c.Request.Context(), from, into, u.Email, h.cfg.Now())
	var ve *models.ValidationError
	switch {
	case errors.As(err, &ve):
		h.setFlash(c, flashError, "Not dismissed: "+ve.Error())
	case err != nil:
		return err
	default:
		h.setFlash(c, flashNotice, "Dismissed: it will not be suggested again.")
	}
	c.Redirect(http.StatusSeeOther, reviewBack(c.PostForm("back")))
	return nil
}

// meetingPath is a meeting page's path, the one other place a suggestion
// form returns to.
var meetingPath = regexp.MustCompile(`^/meetings/[1-9][0-9]{0,18}$`)

// reviewBack is where a suggestion form returns: a meeting page it names,
// else the review page. Nothing else is taken from the form.
func reviewBack(back string) string {
	if meetingPath.MatchString(back) {
		return back
	}
	return "/admin/review"
}
