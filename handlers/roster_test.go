package handlers

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"rollcall/models"
)

// uploadRosterFile posts data as the multipart field file to the roster of
// series number, as role, and returns the response.
func (e *pagesEnv) uploadRosterFile(t *testing.T, role string, number int64, data []byte) *http.Response {
	t.Helper()
	var b bytes.Buffer
	mw := multipart.NewWriter(&b)
	fw, err := mw.CreateFormFile("file", "roster.csv")
	require.NoError(t, err)
	_, err = fw.Write(data)
	require.NoError(t, err)
	require.NoError(t, mw.Close())
	req, err := http.NewRequest(http.MethodPost, e.srv.URL+rosterURL(number), &b)
	require.NoError(t, err)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	res, err := e.client(t, role).Do(req)
	require.NoError(t, err)
	_, _ = io.Copy(io.Discard, res.Body)
	res.Body.Close()
	return res
}

// texts returns the text of each element matching sel on path as role.
func (e *pagesEnv) texts(t *testing.T, role, path, sel string) []string {
	t.Helper()
	res, _, doc := e.get(t, role, path)
	require.Equal(t, http.StatusOK, res.StatusCode, path)
	var out []string
	for _, n := range doc.Find(sel).EachIter() {
		out = append(out, text(n))
	}
	return out
}

// rosterFile is the uploaded roster of the tests: Ann comes, Zed does not,
// Cat is listed by name only (a suggestion, never a match), two lines are
// refused.
const rosterFile = "email;name;group\r\nann@example.com;Ann;A\r\nzed@example.com;Zed Absent;B\r\n;Cat\r\nnot-an-email;X\r\nANN@example.com;Dup\r\n"

func TestRosterAbsenteesAndLinks(t *testing.T) {
	e := newPagesEnv(t)
	first, second := e.seedWeekly(t)
	res := e.uploadRosterFile(t, models.RoleAdmin, seriesNumber, []byte(rosterFile))
	require.Equal(t, http.StatusSeeOther, res.StatusCode)
	assert.Equal(t, rosterURL(seriesNumber), res.Header.Get("Location"))

	// The roster page: what was taken, what was refused and why.
	roster := rosterURL(seriesNumber)
	assert.Equal(t, []string{"ann@example.com", "zed@example.com", ""}, e.texts(t, models.RoleViewer, roster, `[data-testid=entry-email]`))
	assert.Equal(t, []string{`line 5: invalid email "not-an-email"`, "line 6: the same email as line 2"},
		e.texts(t, models.RoleViewer, roster, `[data-testid=refusal]`))
	assert.Equal(t, []string{"admin@example.com"}, e.texts(t, models.RoleViewer, roster, `[data-testid=upload-by]`))

	// The meeting page: Absent (2) with the reasons; Ann is expected.
	page := meetingURL(first.ID)
	assert.Equal(t, []string{"Cat", "Zed Absent"}, e.texts(t, models.RoleViewer, page, `[data-testid=absent-name]`))
	assert.Equal(t, []string{"roster", "roster (B)"}, e.texts(t, models.RoleViewer, page, `[data-testid=absent-reason]`))
	assert.Contains(t, e.texts(t, models.RoleViewer, page, `h2`), "Absent (2)")
	assert.Len(t, e.texts(t, models.RoleViewer, page, `[data-key="e:ann@example.com"] [data-testid=expected]`), 1)
	assert.Empty(t, e.texts(t, models.RoleViewer, page, `[data-testid=suggestion]`), "viewers are not offered links")
	assert.Len(t, e.texts(t, models.RoleAdmin, page, `[data-testid=suggestion][data-from="n:cat"][data-into="l:cat"]`), 1)

	// attendance.csv: a row per absentee, status and expected filled in.
	res, body, _ := e.get(t, models.RoleViewer, page+"/attendance.csv?tz=UTC")
	require.Equal(t, http.StatusOK, res.StatusCode)
	rosterGolden(t, "export_attendance_roster.csv", []byte(body))

	// The series matrix and its CSV mark the absences.
	res, body, doc := e.get(t, models.RoleViewer, seriesURL(seriesNumber))
	require.Equal(t, http.StatusOK, res.StatusCode)
	zed := doc.Find(`[data-testid=series-person][data-key="e:zed@example.com"] [data-absent=true]`)
	assert.Equal(t, 2, zed.Length(), "Zed missed both instances: %s", body)
	_, body, _ = e.get(t, models.RoleViewer, seriesURL(seriesNumber)+".csv")
	assert.Contains(t, body, "Zed Absent,zed@example.com,e:zed@example.com,absent,absent,0,0,0,0.0,0.0,2\r\n")
	// The API's series says the same.
	res, body, _ = e.get(t, models.RoleViewer, "/api/v1/series/"+strconv.FormatInt(seriesNumber, 10))
	require.Equal(t, http.StatusOK, res.StatusCode, body)
	var api struct {
		People []struct {
			PersonKey string `json:"person_key"`
			Cells     []struct {
				Absent bool `json:"absent"`
			} `json:"cells"`
		} `json:"people"`
	}
	require.NoError(t, json.Unmarshal([]byte(body), &api))
	absentCells := map[string]int{}
	for _, p := range api.People {
		for _, c := range p.Cells {
			if c.Absent {
				absentCells[p.PersonKey]++
			}
		}
	}
	assert.Equal(t, 2, absentCells["e:zed@example.com"], "Zed missed both instances: %s", body)

	// Zed never came: Zed's page lists the two instances missed.
	assert.Equal(t, []string{"roster (B)", "roster (B)"}, e.texts(t, models.RoleViewer, personURL("e:zed@example.com"), `[data-testid=missed-reason]`))
	res, _, _ = e.get(t, models.RoleViewer, personURL("e:nobody@example.com"))
	assert.Equal(t, http.StatusNotFound, res.StatusCode, "neither seen nor expected")

	// Confirm the suggestion: Cat's row is now the roster's Cat.
	res = e.post(t, models.RoleAdmin, "/admin/review/confirm", url.Values{"from": {"n:cat"}, "into": {"l:cat"}, "back": {page}})
	require.Equal(t, http.StatusSeeOther, res.StatusCode)
	assert.Equal(t, page, res.Header.Get("Location"))
	assert.Equal(t, []string{"Zed Absent"}, e.texts(t, models.RoleViewer, page, `[data-testid=absent-name]`))
	assert.Len(t, e.texts(t, models.RoleViewer, page, `[data-key="l:cat"] [data-testid=expected]`), 1)
	assert.Equal(t, []string{"Also known as: n:cat"}, e.texts(t, models.RoleViewer, page, `[data-key="l:cat"] [data-testid=linked-keys]`))

	// Cat's page: the link (who made it) and the instance Cat missed.
	catPage := personURL("l:cat")
	assert.Equal(t, []string{"admin@example.com"}, e.texts(t, models.RoleViewer, catPage, `[data-testid=link-by]`))
	missed := e.texts(t, models.RoleViewer, catPage, `[data-testid=missed-meeting] a`)
	assert.Equal(t, []string{"Weekly sync"}, missed)
	res, _, doc = e.get(t, models.RoleViewer, catPage)
	require.Equal(t, http.StatusOK, res.StatusCode)
	href, _ := doc.Find(`[data-testid=missed-meeting] a`).Attr("href")
	assert.Equal(t, meetingURL(second.ID), href)

	// Undo: Cat is absent again, and the suggestion is back.
	res = e.post(t, models.RoleAdmin, personURL("n:cat")+"/unmerge", nil)
	require.Equal(t, http.StatusSeeOther, res.StatusCode)
	assert.Equal(t, []string{"Cat", "Zed Absent"}, e.texts(t, models.RoleViewer, page, `[data-testid=absent-name]`))
	// Dismissed: never offered again, here or on the review page.
	res = e.post(t, models.RoleAdmin, "/admin/review/dismiss", url.Values{"from": {"n:cat"}, "into": {"l:cat"}, "back": {"https://evil.example/"}})
	require.Equal(t, http.StatusSeeOther, res.StatusCode)
	assert.Equal(t, "/admin/review", res.Header.Get("Location"), "a back that is not a meeting page is ignored")
	assert.Empty(t, e.texts(t, models.RoleAdmin, page, `[data-testid=suggestion]`))
	assert.Empty(t, e.texts(t, models.RoleAdmin, "/admin/review", `[data-testid=suggestion][data-from="n:cat"]`))
}

func TestMergeFromThePersonPage(t *testing.T) {
	e := newPagesEnv(t)
	first, _ := e.seedWeekly(t)
	ctx := context.Background()
	hook, err := e.store.CreateWebhookEndpoint(ctx, "https://receiver.example/hook", "whsec_c2VjcmV0")
	require.NoError(t, err)
	// Dan (waiting room only) and Eve are one person, says an admin.
	res := e.post(t, models.RoleAdmin, personURL("n:dan")+"/merge", url.Values{"into": {"e:eve@example.com"}})
	require.Equal(t, http.StatusSeeOther, res.StatusCode)
	assert.Equal(t, personURL("n:dan"), res.Header.Get("Location"))
	// Receivers hear of it: meeting.attendance_updated for each meeting
	// Dan was in, and no other.
	danIn, err := e.store.MeetingIDsOfPeople(ctx, []string{"n:dan"}, 100)
	require.NoError(t, err)
	require.Contains(t, danIn, first.ID)
	announced := func() []uint64 {
		ds, err := e.store.WebhookDeliveries(ctx, hook.ID, 100)
		require.NoError(t, err)
		var ids []uint64
		for _, d := range ds {
			assert.Equal(t, models.EventAttendanceUpdated, d.EventType)
			ids = append(ids, d.MeetingID)
		}
		return ids
	}
	assert.ElementsMatch(t, danIn, announced(), "one announcement per meeting Dan was in")
	page := meetingURL(first.ID)
	keys := e.texts(t, models.RoleViewer, page, `[data-testid=person] [data-testid=person-name]`)
	assert.Len(t, keys, 4, "five people, two of them one: %v", keys)
	// Eve's time is unchanged (Dan had none) and still counted once.
	res, _, doc := e.get(t, models.RoleViewer, page)
	require.Equal(t, http.StatusOK, res.StatusCode)
	secs, _ := doc.Find(`[data-key="e:eve@example.com"] [data-testid=attended]`).Attr("data-seconds")
	assert.Equal(t, "600", secs)
	// A cycle is refused with a reason, nothing changes.
	res = e.post(t, models.RoleAdmin, personURL("e:eve@example.com")+"/merge", url.Values{"into": {"n:dan"}})
	require.Equal(t, http.StatusSeeOther, res.StatusCode)
	links, err := e.store.Links(ctx)
	require.NoError(t, err)
	require.Len(t, links, 1)
	assert.Equal(t, "n:dan", links[0].FromKey)
	assert.ErrorContains(t, e.store.Link(context.Background(), "e:eve@example.com", "n:dan", "x", e.now), "already the same person")
	// Viewers may not link.
	res = e.post(t, models.RoleViewer, personURL("n:cat")+"/merge", url.Values{"into": {"n:dan"}})
	assert.Equal(t, http.StatusForbidden, res.StatusCode)
	// Unlinking what is not linked is a 404.
	res = e.post(t, models.RoleAdmin, personURL("n:cat")+"/unmerge", nil)
	assert.Equal(t, http.StatusNotFound, res.StatusCode)
	// Undoing the link is announced too.
	res = e.post(t, models.RoleAdmin, personURL("n:dan")+"/unmerge", nil)
	require.Equal(t, http.StatusSeeOther, res.StatusCode)
	assert.ElementsMatch(t, append(slices.Clone(danIn), danIn...), announced(), "the unlink announces the same meetings again")

	// The API's person follows links as the page does: Eve (one meeting)
	// linked into Ann (both) is a person of both meetings.
	require.NoError(t, e.store.Link(ctx, "e:eve@example.com", "e:ann@example.com", "admin@example.com", e.now))
	both, err := e.store.MeetingIDsOfPeople(ctx, []string{"e:eve@example.com", "e:ann@example.com"}, 100)
	require.NoError(t, err)
	eveIn, err := e.store.MeetingIDsOfPeople(ctx, []string{"e:eve@example.com"}, 100)
	require.NoError(t, err)
	require.Greater(t, len(both), len(eveIn), "Ann was in a meeting Eve was not")
	res, body, _ := e.get(t, models.RoleViewer, "/api/v1/people/"+url.PathEscape("e:eve@example.com"))
	require.Equal(t, http.StatusOK, res.StatusCode, body)
	var eve struct {
		Meetings []struct {
			Meeting struct {
				ID uint64 `json:"id"`
			} `json:"meeting"`
		} `json:"meetings"`
	}
	require.NoError(t, json.Unmarshal([]byte(body), &eve))
	var got []uint64
	for _, m := range eve.Meetings {
		got = append(got, m.Meeting.ID)
	}
	assert.ElementsMatch(t, both, got, "%s", body)
}

func TestRosterUploadLimits(t *testing.T) {
	e := newPagesEnv(t)
	e.seedWeekly(t)
	rows := func(n int) []byte {
		var b bytes.Buffer
		b.WriteString("email,name\n")
		for i := range n {
			fmt.Fprintf(&b, "person.%d@example.com,Person %d\n", i, i)
		}
		return b.Bytes()
	}
	// 10,000 entries (far over the 64 KiB of other forms) are taken.
	big := rows(models.MaxRosterEntries)
	require.Greater(t, len(big), maxFormBytes)
	res := e.uploadRosterFile(t, models.RoleAdmin, seriesNumber, big)
	require.Equal(t, http.StatusSeeOther, res.StatusCode)
	entries, err := e.store.Roster(context.Background(), seriesNumber)
	require.NoError(t, err)
	assert.Len(t, entries, models.MaxRosterEntries)

	// 10,001 are refused as a whole: the roster stays as it was.
	res = e.uploadRosterFile(t, models.RoleAdmin, seriesNumber, rows(models.MaxRosterEntries+1))
	require.Equal(t, http.StatusSeeOther, res.StatusCode)
	entries, err = e.store.Roster(context.Background(), seriesNumber)
	require.NoError(t, err)
	assert.Len(t, entries, models.MaxRosterEntries)
	assert.Equal(t, []string{"more than 10000 entries (line 10002 is one too many); the roster was not changed"},
		e.texts(t, models.RoleAdmin, rosterURL(seriesNumber), `[data-testid=refusal]`))
	assert.Len(t, e.texts(t, models.RoleAdmin, rosterURL(seriesNumber), `[data-testid=upload-refused-whole]`), 1)

	// Over the route's own limit: 413, nothing read into the roster.
	res = e.uploadRosterFile(t, models.RoleAdmin, seriesNumber, bytes.Repeat([]byte("x"), maxRosterBytes+1))
	assert.Equal(t, http.StatusRequestEntityTooLarge, res.StatusCode)
	// A viewer's upload is refused before its body is read.
	res = e.uploadRosterFile(t, models.RoleViewer, seriesNumber, []byte(rosterFile))
	assert.Equal(t, http.StatusForbidden, res.StatusCode)
	// Nothing given: 400.
	res = e.post(t, models.RoleAdmin, rosterURL(seriesNumber), url.Values{"csv": {""}})
	assert.Equal(t, http.StatusBadRequest, res.StatusCode)

	// Pasted CSV works as well; the download gives it back, a formula
	// defused.
	res = e.post(t, models.RoleAdmin, rosterURL(seriesNumber), url.Values{"csv": {"name,email\n=1+1,a@example.com\nBo,\n"}})
	require.Equal(t, http.StatusSeeOther, res.StatusCode)
	res, body, _ := e.get(t, models.RoleViewer, rosterURL(seriesNumber)+".csv")
	require.Equal(t, http.StatusOK, res.StatusCode)
	assert.Equal(t, "email,name,external_id,group\r\na@example.com,'=1+1,,\r\n,Bo,,\r\n", body)
}

func TestMeetingPageShowsARegistrantRefusal(t *testing.T) {
	e := newPagesEnv(t)
	first, _ := e.seedWeekly(t)
	require.NoError(t, e.store.ReplaceRegistrants(context.Background(), first.ID, nil,
		"Zoom refused the registrants (needs the scope meeting:read:list_registrants:admin): HTTP 400", e.now))
	got := e.texts(t, models.RoleViewer, meetingURL(first.ID), `[data-testid=registrant-note]`)
	require.Len(t, got, 1)
	assert.Contains(t, got[0], "meeting:read:list_registrants:admin")
	assert.Empty(t, e.texts(t, models.RoleViewer, meetingURL(first.ID), `[data-testid=absent-table]`), "nobody expected")
}

// rosterGolden compares got with testdata/name, rewriting it under -update.
func rosterGolden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *UpdateGolden {
		require.NoError(t, os.WriteFile(path, got, 0o644))
	}
	want, err := os.ReadFile(path)
	require.NoError(t, err, "go test ./handlers -run %s -update", t.Name())
	assert.Equal(t, strings.Split(string(want), "\r\n"), strings.Split(string(got), "\r\n"), "%s (-update to accept)", path)
}
