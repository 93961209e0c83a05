package handlers

import (
	"errors"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"strconv"
	"strings"

	"github.com/gin-gonic/gin"

	"rollcall/models"
	"rollcall/views"
)

// maxRosterBytes bounds a roster upload's body: 10,000 entries of a
// typical 80 to 150 bytes fit with room to spare, while a stranger can
// make rollcall hold no more than this. limitForms leaves this route alone
// so that the bound applies only after adminOnly: nobody without an admin
// session gets more than a redirect or a 403, the body unread.
const maxRosterBytes = 4 << 20

// rosterPath is the route of a series' roster (limitForms names it).
const rosterPath = "/series/:number/roster"

// rosterURL returns the roster page of series n.
func rosterURL(n int64) string { return seriesURL(n) + "/roster" }

// seriesParam reads the :number of a series route; anything else is 404.
func seriesParam(c *gin.Context) (int64, error) {
	n, err := strconv.ParseInt(c.Param("number"), 10, 64)
	if err != nil || n <= 0 {
		return 0, errStatus(http.StatusNotFound, "not found", err)
	}
	return n, nil
}

// showRosterPage shows a series' roster, the report of its last upload,
// and for admins the forms that replace it.
func (h *Handlers) showRosterPage(c *gin.Context) error {
	u := currentUser(c)
	number, err := seriesParam(c)
	if err != nil {
		return err
	}
	loc, err := h.viewerZone(c, u)
	if err != nil {
		return err
	}
	ctx := c.Request.Context()
	topic := "Meeting " + strconv.FormatInt(number, 10)
	if ms, err := h.store.SeriesInstances(ctx, number, 1); err == nil && ms[0].Topic != "" {
		topic = ms[0].Topic
	} else if err != nil && !errors.Is(err, models.ErrNotFound) {
		return err
	}
	entries, err := h.store.Roster(ctx, number)
	if err != nil {
		return err
	}
	p := views.RosterPage{
		Number: number, Topic: topic, SeriesURL: seriesURL(number), CSVURL: rosterURL(number) + ".csv",
		FormURL: rosterURL(number), CanEdit: u.IsAdmin(), Entries: make([]views.RosterRow, len(entries)),
	}
	for i, e := range entries {
		p.Entries[i] = views.RosterRow{Line: e.Line, Email: e.Email, Name: e.Name, ExternalID: e.ExternalID, Group: e.Group}
	}
	up, err := h.store.LastRosterUpload(ctx, number)
	switch {
	case err == nil:
		p.Upload = &views.RosterUploadReport{By: up.UploadedBy, At: clock{loc: loc}.full(up.UploadedAt), Taken: up.Taken,
			Replaced: up.Replaced, Refusals: up.RefusalLines()}
	case !errors.Is(err, models.ErrNotFound):
		return err
	}
	p.Notice, p.Problem = h.takeFlash(c)
	p.Page = h.frame(c, u, "Roster of "+topic, "meetings", loc.String())
	render(c, http.StatusOK, views.Roster(p))
	return nil
}

// uploadRoster replaces a series' roster with the CSV uploaded (multipart
// field file) or pasted (form field csv), records what it took and
// refused, and answers 303 back to the roster page. A file that cannot be
// a roster at all leaves the roster as it was.
func (h *Handlers) uploadRoster(c *gin.Context) error {
	number, err := seriesParam(c)
	if err != nil {
		return err
	}
	data, err := rosterBody(c)
	if err != nil {
		return err
	}
	u := currentUser(c)
	ctx := c.Request.Context()
	up := models.RosterUpload{UploadedBy: u.Email, UploadedAt: h.cfg.Now()}
	parsed, perr := models.ParseRoster(data)
	var ve *models.ValidationError
	switch {
	case errors.As(perr, &ve):
		up.Refusals = ve.Problem
		if err := h.store.RecordRefusedRoster(ctx, number, up); err != nil {
			return err
		}
		h.setFlash(c, flashError, "The roster was not changed: "+ve.Problem)
	case perr != nil:
		return perr
	default:
		up.Refusals = strings.Join(parsed.Refusals, "\n")
		if err := h.store.ReplaceRoster(ctx, number, parsed.Entries, up); err != nil {
			return err
		}
		msg := fmt.Sprintf("Roster replaced: %d entries taken, %d lines refused.", len(parsed.Entries), len(parsed.Refusals))
		if len(parsed.Ignored) > 0 {
			msg += fmt.Sprintf(" Columns ignored: %s.", strings.Join(parsed.Ignored, ", "))
		}
		h.setFlash(c, flashNotice, msg)
	}
	h.log.InfoContext(ctx, "roster uploaded", "meeting_number", number, "user_id", u.ID, "entries", len(parsed.Entries))
	c.Redirect(http.StatusSeeOther, rosterURL(number))
	return nil
}

// rosterBody reads the upload, at most maxRosterBytes: the multipart field
// file when it has one, else the form field csv.
func rosterBody(c *gin.Context) ([]byte, error) {
	c.Request.Body = http.MaxBytesReader(c.Writer, c.Request.Body, maxRosterBytes)
	err := c.Request.ParseMultipartForm(maxRosterBytes)
	if errors.Is(err, http.ErrNotMultipart) {
		err = c.Request.ParseForm()
	}
	var tooBig *http.MaxBytesError
	switch {
	case errors.As(err, &tooBig):
		return nil, errStatus(http.StatusRequestEntityTooLarge, fmt.Sprintf("a roster is at most %d MiB", maxRosterBytes>>20), nil)
	case err != nil:
		return nil, errStatus(http.StatusBadRequest, "bad form", err)
	}
	if mf := c.Request.MultipartForm; mf != nil {
		defer func() { _ = mf.RemoveAll() }()
		if fhs := mf.File["file"]; len(fhs) > 0 && fhs[0].Size > 0 {
			return readPart(fhs[0])
		}
	}
	if v := c.Request.PostForm.Get("csv"); v != "" {
		return []byte(v), nil
	}
	return nil, errStatus(http.StatusBadRequest, "give a CSV file (field file) or paste one (field csv)", nil)
}

// readPart reads an uploaded file, bounded by the body's limit.
func readPart(fh *multipart.FileHeader) ([]byte, error) {
	f, err := fh.Open()
	if err != nil {
		return nil, errStatus(http.StatusBadRequest, "bad upload", err)
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, maxRosterBytes+1))
	if err != nil {
		return nil, errStatus(http.StatusBadRequest, "bad upload", err)
	}
	if len(data) > maxRosterBytes {
		return nil, errStatus(http.StatusRequestEntityTooLarge, "roster too large", nil)
	}
	return data, nil
}

// rosterColumns is the header of a roster's CSV download: what an upload
// reads back.
var rosterColumns = []string{"email", "name", "external_id", "group"}

// exportRoster serves /series/:number/roster.csv: the roster as an upload
// would give it back.
func (h *Handlers) exportRoster(c *gin.Context) error {
	number, err := seriesParam(c)
	if err != nil {
		return err
	}
	opt, err := h.exportOptions(c)
	if err != nil {
		return err
	}
	entries, err := h.store.Roster(c.Request.Context(), number)
	if err != nil {
		return err
	}
	w := startCSV(c, fileName{topic: "meeting " + strconv.FormatInt(number, 10), kind: "roster", loc: opt.loc})
	s := newCSVStream(w, opt.bom, rosterColumns)
	for _, e := range entries {
		if err := s.write([]string{e.Email, e.Name, e.ExternalID, e.Group}); err != nil {
			return exportFailed(c, err)
		}
	}
	if err := s.close(); err != nil {
		return exportFailed(c, err)
	}
	return nil
}
