package handlers_test

import (
	"bytes"
	"context"
	"encoding/json"
	"encoding/xml"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/xuri/excelize/v2"

	"rollcall/jobs"
	"rollcall/models"
	"rollcall/zoom"
	"rollcall/zoom/zoomtest"
)

// sofficePath finds LibreOffice (Debian's libreoffice-calc-nogui). Without
// it a plain `go test` skips the spreadsheet tests, but CI (CI=true), which
// installs it, fails them.
func sofficePath(t *testing.T) string {
	t.Helper()
	for _, name := range []string{"soffice", "libreoffice"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	const msg = "soffice not found: the spreadsheet test needs LibreOffice (apt-get install -y libreoffice-calc-nogui)"
	if os.Getenv("CI") == "true" {
		t.Fatal(msg + "; CI=true, so this is a failure, not a skip")
	}
	t.Skip(msg + "; skipped")
	return ""
}

// odsCell is one cell as LibreOffice read it: its type (string, float,
// date, boolean), typed value, the text a person sees, and any formula.
type odsCell struct {
	Type, Value, Date, Bool, Text, Formula string
}

// odsSheet is one table of a flat ODS document: rows of cells.
type odsSheet [][]odsCell

// openWithLibreOffice converts each file with LibreOffice headless to flat
// ODS (XML) and returns every sheet of each, and the raw XML.
func openWithLibreOffice(t *testing.T, files map[string][]byte) (map[string]odsSheet, map[string]string) {
	t.Helper()
	soffice := sofficePath(t)
	dir := t.TempDir()
	var args []string
	for name, b := range files {
		p := filepath.Join(dir, name)
		require.NoError(t, os.WriteFile(p, b, 0o600))
		args = append(args, p)
	}
	profile := "file://" + filepath.Join(dir, "profile") // its own profile: other soffice runs do not interfere
	cmd := exec.Command(soffice, append([]string{"-env:UserInstallation=" + profile, "--headless", "--norestore",
		"--convert-to", "fods", "--outdir", dir}, args...)...)
	cmd.Env = append(os.Environ(), "HOME="+dir)
	out, err := cmd.CombinedOutput()
	require.NoError(t, err, "soffice: %s", out)
	sheets, raw := map[string]odsSheet{}, map[string]string{}
	for name := range files {
		b, err := os.ReadFile(filepath.Join(dir, strings.TrimSuffix(name, ".xlsx")+".fods"))
		require.NoError(t, err, "soffice converted nothing: %s", out)
		sheets[name] = parseFODS(t, b)
		raw[name] = string(b)
	}
	return sheets, raw
}

// parseFODS reads the first table of a flat ODS document, expanding
// repeated cells (a run at the end of a row is cut).
func parseFODS(t *testing.T, b []byte) odsSheet {
	t.Helper()
	const table = "urn:oasis:names:tc:opendocument:xmlns:table:1.0"
	const office = "urn:oasis:names:tc:opendocument:xmlns:office:1.0"
	const text = "urn:oasis:names:tc:opendocument:xmlns:text:1.0"
	dec := xml.NewDecoder(bytes.NewReader(b))
	var (
		sheet  odsSheet
		cell   *odsCell
		repeat int
		paras  []string
		inP    bool
		tables int
	)
	attr := func(se xml.StartElement, space, local string) string {
		for _, a := range se.Attr {
			if a.Name.Space == space && a.Name.Local == local {
				return a.Value
			}
		}
		return ""
	}
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			break
		}
		require.NoError(t, err)
		switch el := tok.(type) {
		case xml.StartElement:
			switch {
			case el.Name.Space == table && el.Name.Local == "table":
				tables++
			case tables != 1:
			case el.Name.Space == table && el.Name.Local == "table-row":
				sheet = append(sheet, nil)
			case el.Name.Space == table && (el.Name.Local == "table-cell" || el.Name.Local == "covered-table-cell"):
				cell = &odsCell{Type: attr(el, office, "value-type"), Value: attr(el, office, "value"),
					Date: attr(el, office, "date-value"), Bool: attr(el, office, "boolean-value"),
					Formula: attr(el, table, "formula")}
				repeat, _ = strconv.Atoi(attr(el, table, "number-columns-repeated"))
				paras = nil
			case el.Name.Space == text && el.Name.Local == "p":
				inP = true
				paras = append(paras, "")
			case el.Name.Space == text && el.Name.Local == "line-break" && inP:
				paras[len(paras)-1] += "\n"
			case el.Name.Space == text && el.Name.Local == "s" && inP:
				n, _ := strconv.Atoi(attr(el, text, "c"))
				paras[len(paras)-1] += strings.Repeat(" ", max(n, 1))
			case el.Name.Space == text && el.Name.Local == "tab" && inP:
				paras[len(paras)-1] += "\t"
			}
		case xml.CharData:
			if inP && cell != nil {
				paras[len(paras)-1] += string(el)
			}
		case xml.EndElement:
			switch {
			case el.Name.Space == text && el.Name.Local == "p":
				inP = false
			case tables == 1 && el.Name.Space == table && (el.Name.Local == "table-cell" || el.Name.Local == "covered-table-cell"):
				cell.Text = strings.Join(paras, "\n")
				row := &sheet[len(sheet)-1]
				for range min(max(repeat, 1), 200) {
					*row = append(*row, *cell)
				}
				cell = nil
			}
		}
	}
	// Trailing empty cells are LibreOffice's padding.
	for i, row := range sheet {
		for len(row) > 0 && row[len(row)-1] == (odsCell{}) {
			row = row[:len(row)-1]
		}
		sheet[i] = row
	}
	for len(sheet) > 0 && len(sheet[len(sheet)-1]) == 0 {
		sheet = sheet[:len(sheet)-1]
	}
	return sheet
}

// col returns the index of header name in sheet's first row.
func (s odsSheet) col(t *testing.T, name string) int {
	t.Helper()
	for i, c := range s[0] {
		if c.Text == name {
			return i
		}
	}
	t.Fatalf("no column %q in %v", name, s[0])
	return -1
}

// at returns row r's cell i (empty beyond the row's end).
func (s odsSheet) at(r, i int) odsCell {
	if i < len(s[r]) {
		return s[r][i]
	}
	return odsCell{}
}

// scriptNames are display names in many scripts, and values a spreadsheet
// would otherwise turn into numbers, dates or formulas.
var scriptNames = []string{
	"Zoë Ångström", "山田 太郎", "Иван Петров", "محمد علي", "אברהם כהן", "देवनागरी नाम", "김민준", "ผู้เข้าร่วม",
	"Ελένη Παπαδοπούλου", "👩🏽‍💻 Dev", "+14155550123", "007", "1/2", "2026-01-31", "1e5", "TRUE", "=1+1",
}

// seedSpreadsheet stores a meeting whose ids and names stress what a
// spreadsheet would alter: ids that begin with '-', '+' or zeros, a long
// numeric id, and scriptNames.
func seedSpreadsheet(t *testing.T, e *env) models.Meeting {
	t.Helper()
	ctx := context.Background()
	zm := zoomtest.Generate(zoomtest.GenOptions{Participants: 10, Seed: 7, Start: weeklyStart, Topic: "Sheets ✓"})
	at := func(min int) *time.Time { x := zm.Start.Add(time.Duration(min) * time.Minute); return &x }
	rows := zm.Participants
	for i, name := range scriptNames {
		rows = append(rows, zoomtest.Participant{
			UserID: "0" + strconv.Itoa(16778240+i), ParticipantUUID: "S" + strconv.Itoa(i), Name: name,
			ParticipantUserID: []string{"-y1xVPfEhTLyInbcCgr1ri", "+Ab0", "00012"}[i%3] + strconv.Itoa(i),
			RegistrantID:      "12345678901234567890" + strconv.Itoa(i),
			Join:              *at(i + 1), Leave: at(55), LeaveReason: "left<br>then came back",
		})
	}
	end := zm.End
	m, err := e.store.UpsertEndedMeeting(ctx, models.MeetingEnded{UUID: zm.UUID, MeetingNumber: zm.ID, Topic: zm.Topic,
		HostID: zm.HostID, Type: 8, StartTime: zm.Start, EndTime: &end})
	require.NoError(t, err)
	segs := make([]models.Segment, len(rows))
	for i, p := range rows {
		var zp zoom.Participant
		require.NoError(t, json.Unmarshal(p.DashboardJSON(true), &zp))
		segs[i] = jobs.SegmentFrom(zp)
	}
	require.NoError(t, e.store.Tx(ctx, func(tx *models.Tx) error { return tx.ReplaceSegments(ctx, m.ID, "dashboard", segs) }))
	return m
}

// TestSpreadsheetsInLibreOffice downloads the three .xlsx files and opens
// them with LibreOffice, checking what a person sees: no formula anywhere,
// every name and id exactly as stored, times as dates in the asked zone,
// numbers as numbers, the header frozen and filtered.
func TestSpreadsheetsInLibreOffice(t *testing.T) {
	e := newExportEnv(t)
	m := seedSpreadsheet(t, e)
	hostile := seedExport(t, e, 11, weeklyStart.AddDate(0, 0, 7), "Hostile") // formula payloads; not the same series
	c := e.client(t, models.RoleViewer)
	id := strconv.FormatUint(m.ID, 10)
	files := map[string][]byte{}
	for name, path := range map[string]string{
		"attendance.xlsx": "/meetings/" + id + "/attendance.xlsx?tz=Asia/Kolkata",
		"sessions.xlsx":   "/meetings/" + id + "/sessions.xlsx?tz=Asia/Kolkata",
		"series.xlsx":     "/series/" + strconv.FormatInt(m.MeetingNumber, 10) + ".xlsx?tz=Asia/Kolkata",
		"hostile.xlsx":    "/meetings/" + strconv.FormatUint(hostile.ID, 10) + "/attendance.xlsx",
	} {
		res, body := get(t, c, e.srv.URL+path)
		require.Equal(t, http.StatusOK, res.StatusCode, "%s: %s", path, body)
		assert.Equal(t, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", res.Header.Get("Content-Type"))
		assert.Contains(t, res.Header.Get("Content-Disposition"), ".xlsx")
		files[name] = body
		assertFrozenAndFiltered(t, name, body)
	}
	sheets, raw := openWithLibreOffice(t, files)
	for name, x := range raw {
		if i := strings.Index(x, "table:formula"); i >= 0 {
			t.Errorf("%s: LibreOffice sees a formula: %s", name, x[max(i-300, 0):min(i+300, len(x))])
		}
		assert.Contains(t, x, `table:display-filter-buttons="true"`, "%s: no autofilter", name)
	}
	kolkata, err := time.LoadLocation("Asia/Kolkata")
	require.NoError(t, err)
	ctx := context.Background()
	segs, err := e.store.SegmentsForPage(ctx, m.ID)
	require.NoError(t, err)

	t.Run("attendance", func(t *testing.T) {
		s := sheets["attendance.xlsx"]
		as := models.ComputeAttendance(segs, models.Window{Start: m.StartTime, End: m.EndTime}, models.DefaultThresholds())
		require.Len(t, s, len(as)+1)
		name, user, reg := s.col(t, "name"), s.col(t, "user_id"), s.col(t, "registrant_id")
		join, secs, pct, present := s.col(t, "first_join"), s.col(t, "attended_seconds"), s.col(t, "attendance_percent"), s.col(t, "present")
		seen := map[string]bool{}
		for i, a := range as {
			r := i + 1
			f := a.Facts()
			assert.Equal(t, odsCell{Type: "string", Text: a.Name}, s.at(r, name), "row %d name", r)
			seen[a.Name] = true
			if f.UserID != "" {
				assert.Equal(t, odsCell{Type: "string", Text: f.UserID}, s.at(r, user), "row %d user_id", r)
			}
			if f.RegistrantID != "" {
				assert.Equal(t, odsCell{Type: "string", Text: f.RegistrantID}, s.at(r, reg), "row %d registrant_id", r)
			}
			assert.Equal(t, "date", s.at(r, join).Type, "row %d first_join", r)
			assert.Equal(t, a.FirstJoin.In(kolkata).Format("2006-01-02T15:04:05"), s.at(r, join).Date, "row %d first_join", r)
			assert.Equal(t, "float", s.at(r, secs).Type)
			assert.Equal(t, strconv.FormatInt(a.AttendedSeconds, 10), s.at(r, secs).Value)
			assert.Equal(t, "float", s.at(r, pct).Type)
			assert.InDelta(t, a.PercentRounded(), atof(t, s.at(r, pct).Value), 1e-9)
			assert.Equal(t, odsCell{Type: "string", Text: strconv.FormatBool(a.Present)}, s.at(r, present))
		}
		for _, n := range scriptNames {
			assert.True(t, seen[n], "name %q intact", n)
		}
	})

	t.Run("sessions", func(t *testing.T) {
		s := sheets["sessions.xlsx"]
		require.Len(t, s, len(segs)+1)
		byUUID := map[string]models.Segment{}
		for _, sg := range segs {
			byUUID[sg.ParticipantUUID] = sg
		}
		uuidCol, name, pui, reg, join, leave := s.col(t, "participant_uuid"), s.col(t, "name"),
			s.col(t, "participant_user_id"), s.col(t, "registrant_id"), s.col(t, "join_time"), s.col(t, "leave_time")
		userID, reason := s.col(t, "user_id"), s.col(t, "leave_reason")
		ids := 0
		for r := 1; r < len(s); r++ {
			sg, ok := byUUID[s.at(r, uuidCol).Text]
			require.True(t, ok, "row %d: participant_uuid %q", r, s.at(r, uuidCol).Text)
			assert.Equal(t, odsCell{Type: "string", Text: sg.Name}, s.at(r, name))
			assert.Equal(t, odsCell{Type: "string", Text: sg.UserID}, s.at(r, userID), "user_id keeps its zeros")
			if sg.ParticipantUserID != "" {
				assert.Equal(t, odsCell{Type: "string", Text: sg.ParticipantUserID}, s.at(r, pui))
				ids++
			}
			if sg.RegistrantID != "" {
				assert.Equal(t, odsCell{Type: "string", Text: sg.RegistrantID}, s.at(r, reg), "a long numeric id keeps every digit")
			}
			assert.Equal(t, sg.JoinTime.In(kolkata).Format("2006-01-02T15:04:05"), s.at(r, join).Date)
			if sg.LeaveTime != nil {
				assert.Equal(t, sg.LeaveTime.In(kolkata).Format("2006-01-02T15:04:05"), s.at(r, leave).Date)
			}
			if strings.HasPrefix(sg.ParticipantUUID, "S") {
				assert.Equal(t, "left\nthen came back", s.at(r, reason).Text)
			}
		}
		assert.Greater(t, ids, len(scriptNames)-1)
	})

	t.Run("series", func(t *testing.T) {
		s := sheets["series.xlsx"]
		require.Greater(t, len(s), len(scriptNames))
		assert.Equal(t, []string{"name", "email", "person_key"}, []string{s[0][0].Text, s[0][1].Text, s[0][2].Text})
		total := s.col(t, "total_seconds")
		minutes := 3 // the one instance's column
		for r := 1; r < len(s); r++ {
			assert.Equal(t, "string", s.at(r, 0).Type)
			assert.Equal(t, "float", s.at(r, total).Type)
			if c := s.at(r, minutes); c.Type != "" {
				assert.Equal(t, "float", c.Type)
			}
		}
	})

	t.Run("formula payloads stay text", func(t *testing.T) {
		s := sheets["hostile.xlsx"]
		names := map[string]bool{}
		for r := 1; r < len(s); r++ {
			assert.Equal(t, "string", s.at(r, 0).Type)
			names[s.at(r, 0).Text] = true
		}
		for _, p := range formulaPayloads {
			if strings.ContainsAny(p, "\r\t") {
				continue // LibreOffice's flat XML shows these control characters its own way
			}
			assert.True(t, names[p], "payload %q is the text of a cell, unchanged", p)
		}
	})
}

func atof(t *testing.T, s string) float64 {
	t.Helper()
	f, err := strconv.ParseFloat(s, 64)
	require.NoError(t, err)
	return f
}

// assertFrozenAndFiltered opens the file with excelize: the first row is
// frozen, and an autofilter covers the header and every row.
func assertFrozenAndFiltered(t *testing.T, name string, b []byte) {
	t.Helper()
	f, err := excelize.OpenReader(bytes.NewReader(b))
	require.NoError(t, err, name)
	defer f.Close()
	sheet := f.GetSheetName(0)
	panes, err := f.GetPanes(sheet)
	require.NoError(t, err)
	assert.True(t, panes.Freeze, name)
	assert.Equal(t, 1, panes.YSplit, name)
	assert.Equal(t, "A2", panes.TopLeftCell, name)
	rows, err := f.GetRows(sheet)
	require.NoError(t, err)
	dn := f.GetDefinedName()
	require.NotEmpty(t, dn, "%s: no _FilterDatabase name", name)
	last, err := excelize.CoordinatesToCellName(len(rows[0]), max(len(rows), 2), true)
	require.NoError(t, err)
	assert.Equal(t, "_xlnm._FilterDatabase", dn[0].Name, name)
	assert.True(t, strings.HasSuffix(dn[0].RefersTo, "!$A$1:"+last), "%s: %s, want …!$A$1:%s", name, dn[0].RefersTo, last)
}

// TestExportXLSXLinks follows the Excel links beside the CSV links: each
// answers a workbook with a header and rows.
func TestExportXLSXLinks(t *testing.T) {
	e := newExportEnv(t)
	m := seedExport(t, e, 17, weeklyStart, "Links")
	c := e.client(t, models.RoleViewer)
	hrefs := map[string]*regexp.Regexp{
		"/meetings/" + strconv.FormatUint(m.ID, 10):         regexp.MustCompile(`href="([^"]+\.xlsx[^"]*)"[^>]*data-testid="(?:attendance|sessions)-xlsx"`),
		"/series/" + strconv.FormatInt(m.MeetingNumber, 10): regexp.MustCompile(`href="([^"]+\.xlsx)"[^>]*data-testid="series-xlsx"`),
	}
	n := 0
	for page, re := range hrefs {
		res, body := get(t, c, e.srv.URL+page)
		require.Equal(t, http.StatusOK, res.StatusCode, page)
		for _, match := range re.FindAllStringSubmatch(string(body), -1) {
			link := strings.ReplaceAll(match[1], "&amp;", "&")
			res, b := get(t, c, e.srv.URL+link)
			require.Equal(t, http.StatusOK, res.StatusCode, link)
			f, err := excelize.OpenReader(bytes.NewReader(b))
			require.NoError(t, err, link)
			rows, err := f.GetRows(f.GetSheetName(0))
			require.NoError(t, err)
			assert.Greater(t, len(rows), 1, link)
			assert.Equal(t, "name", rows[0][0], link)
			f.Close()
			n++
		}
	}
	assert.Equal(t, 3, n, "attendance, sessions and series links")

	// Errors answer as the CSVs do.
	for _, p := range []string{"/meetings/999999/attendance.xlsx", "/meetings/999999/sessions.xlsx", "/series/999999.xlsx",
		"/meetings/" + strconv.FormatUint(m.ID, 10) + "/attendance.xlsx?tz=Mars/Olympus"} {
		res, _ := get(t, c, e.srv.URL+p)
		assert.Contains(t, []int{http.StatusNotFound, http.StatusBadRequest}, res.StatusCode, p)
		assert.Empty(t, res.Header.Get("Content-Disposition"), p)
	}
}
