// Package views holds rollcall's templ components: the layout and the pages
// managers read. Views only render the values handlers give them; every
// number and time arrives computed and formatted.
package views

import "strconv"

// Page is what the layout needs on every page.
type Page struct {
	// Title is the page's own title; the layout appends the app name.
	Title string
	// Nav is the active navigation entry: "meetings" or "admin".
	Nav string
	// Email is the signed-in user's; empty hides the user menu.
	Email string
	// Admin shows the admin navigation.
	Admin bool
	// CSS is the URL of the stylesheet, versioned for long caching.
	CSS string
	// Icon is the URL of the favicon.
	Icon string
	// Zone names the time zone every time on the page is shown in.
	Zone string
	// Refresh, when positive, makes the page reload itself every Refresh
	// seconds (a live meeting's page).
	Refresh int
}

// Time is a formatted instant: ISO for the datetime attribute, Text to read.
type Time struct {
	ISO, Text string
}

// Link is a labelled URL.
type Link struct {
	Label, URL string
}

// MeetingsPage is the meetings list.
type MeetingsPage struct {
	Page
	// Q, Host, From and To echo the filter form.
	Q, Host, From, To string
	Rows              []MeetingRow
	// Newest, Newer and Older are the pagination links; empty when absent.
	Newest, Newer, Older string
}

// MeetingRow is one meeting in the list.
type MeetingRow struct {
	ID        uint64
	URL       string
	Topic     string
	Host      string
	Start     Time
	Length    string
	People    int
	Status    string
	LastError string
	SeriesURL string
}

// MeetingPage is one meeting instance's attendance.
type MeetingPage struct {
	Page
	ID                uint64
	Topic, Host       string
	Start, End        Time
	Live              bool
	Length            string
	Status, LastError string
	People, Present   int
	AvgPercent        string
	AvgAttended       string
	Thresholds        string
	Columns           []SortColumn
	Rows              []PersonRow
	Timeline          Timeline
	AttendanceCSV     string
	SessionsCSV       string
	AttendanceXLSX    string
	SessionsXLSX      string
	RefetchURL        string
	DeleteURL         string
	CanRefetch        bool
	SeriesURL         string
	Notice            string
	// ArrivedVia is how the meeting reached rollcall (webhook, sweep,
	// backfill); Source is the list its participants came from.
	ArrivedVia, Source string
	// PracticeSession marks a webinar's practice session.
	PracticeSession bool
	// Provisional marks an ended meeting's attendance built from its live
	// events, shown until the fetch from Zoom replaces it.
	Provisional bool
	// InNow, Waiting and Left sort a live meeting's people: in the meeting
	// now, in the waiting room now, and gone. nil unless Live.
	InNow, Waiting, Left []LiveRow
	// Roll is who was expected: absentees and suggestions.
	Roll Roll
}

// LiveRow is one person of a live meeting and their time so far (in the
// meeting; for Waiting, in the waiting room).
type LiveRow struct {
	Key, Name, SoFar string
}

// SortColumn is a sortable column header: a link that sorts by it.
type SortColumn struct {
	Key, Label, URL string
	// Sort is the aria-sort value: "ascending", "descending" or "none".
	Sort string
}

// PersonRow is one person's attendance in a meeting.
type PersonRow struct {
	Key, URL                 string
	Name, Email              string
	FirstJoin, LastLeave     Time
	Attended                 string
	AttendedSeconds          int64
	AttendedMinutes          string
	Percent                  string
	Sessions                 int
	Late, LeftEarly, Present bool
	Device, Location, Role   string
	LeaveReason              []string
	// Inline puts Segments in the row (a <details>); otherwise the name
	// links to SessionsURL, the person's sessions page.
	Inline      bool
	Segments    []SegmentRow
	SessionsURL string
	// Expected and Reason: the person was expected (roster, registered).
	Expected bool
	Reason   string
	// Linked are the other person keys merged into this row.
	Linked []string
}

// MeetingPersonPage is one person's sessions in one meeting.
type MeetingPersonPage struct {
	Page
	// MeetingURL links back to the meeting's people.
	MeetingURL, Topic string
	Row               PersonRow
}

// SegmentRow is one join..leave of a person.
type SegmentRow struct {
	Join, Leave              Time
	Duration                 string
	Status                   string
	Waiting                  bool
	Device, OS, Location, IP string
	Role                     string
	LeaveReason              []string
}

// SeriesPage is the people × instances matrix of a recurring meeting.
type SeriesPage struct {
	Page
	Number    int64
	Topic     string
	Instances []SeriesInstance
	People    []SeriesPerson
	Truncated bool
	// RosterURL is the series' roster page; HasExpected marks absences.
	RosterURL   string
	HasExpected bool
	// Trend draws each instance's average attendance and head count.
	Trend TrendChart
}

// SeriesInstance is one column of the series matrix.
type SeriesInstance struct {
	URL   string
	Start Time
	// Short is a compact date for the column header.
	Short string
}

// SeriesPerson is one row of the series matrix with its totals.
type SeriesPerson struct {
	Key, URL, Name, Email string
	Cells                 []SeriesCell
	TotalMinutes          string
	PresentCount          int
	AttendedCount         int
	AvgPercent            string
	// Spark draws the row's percentages, instance by instance.
	Spark Sparkline
}

// SeriesCell is a person's attendance at one instance.
type SeriesCell struct {
	Attended bool // listed in the instance at all
	Absent   bool // expected there and matched nobody
	Minutes  string
	Percent  string
	Present  bool
}

// PersonPage lists one person's meetings.
type PersonPage struct {
	Page
	Key, Name, Email string
	Rows             []PersonMeetingRow
	TotalMinutes     string
	PresentCount     int
	Identity         Identity
	// AvgPercent is the mean attendance over Rows; Spark draws the rows'
	// percentages, oldest first.
	AvgPercent string
	Spark      Sparkline
}

// PersonMeetingRow is the person's attendance at one meeting.
type PersonMeetingRow struct {
	URL, Topic      string
	Start           Time
	Minutes         string
	Percent         string
	Sessions        int
	Late, LeftEarly bool
	Present         bool
}

// JobsPage is the admins' view of the fetch queue.
type JobsPage struct {
	Page
	Counts []StatusCount
	Rows   []JobRow
}

// StatusCount is how many meetings are in one fetch status.
type StatusCount struct {
	Status string
	N      int64
}

// JobRow is a meeting waiting for or failing its fetch.
type JobRow struct {
	ID         uint64
	URL        string
	Topic      string
	Start      Time
	Status     string
	Attempts   int
	LastError  string
	Updated    Time
	RefetchURL string
}

// CoveragePage is the admins' view of sweeps and backfills and of the
// meetings whose webhook never came.
type CoveragePage struct {
	Page
	// SweepEvery and SweepLookback describe the sweep setting ("off" when
	// sweeps are off).
	SweepEvery, SweepLookback string
	Runs                      []CoverageRunRow
	Missed                    []MissedRow
}

// CoverageRunRow is one sweep or backfill.
type CoverageRunRow struct {
	ID                                    uint64
	Kind                                  string
	DryRun                                bool
	Started                               Time
	Duration                              string
	From, To                              Time
	Lister                                string
	Found, AlreadyStored, Queued, Refused int
	Errors                                string
}

// MissedRow is a meeting that reached rollcall through a sweep or a
// backfill: its webhook was missed.
type MissedRow struct {
	ID         uint64
	URL        string
	Topic      string
	Start      Time
	ArrivedVia string
	Status     string
	LastError  string
}

// ErrorPage is a failed request's page.
type ErrorPage struct {
	Page
	Status  int
	Message string
}

func itoa(n int) string   { return strconv.Itoa(n) }
func i64(n int64) string  { return strconv.FormatInt(n, 10) }
func u64(n uint64) string { return strconv.FormatUint(n, 10) }

// HomePage is a manager's morning: what is live, the last days at a
// glance, the trend, the series falling and the people slipping.
type HomePage struct {
	Page
	// Period names the days looked at ("Mon 23 Nov – Sun 29 Nov").
	Period string
	Live   []HomeMeeting
	// Meetings, People, AvgPercent and Failed are the figures at a glance;
	// each has the URL of the page that explains it.
	Meetings, People               int
	AvgPercent                     string
	Failed                         int64
	MeetingsURL, PeopleURL, AvgURL string
	FailedURL                      string
	Trend                          TrendChart
	Days                           []HomeDay
	Falling                        []HomeFalling
	Slipping                       []HomeSlipping
	Failures                       []HomeMeeting
	Threshold                      string
	SlippingRows                   int
}

// HomeMeeting is a meeting named on the home page.
type HomeMeeting struct {
	URL, Topic string
	Start      Time
	// Detail is a short fact (a live meeting's people so far, a failure's
	// error).
	Detail string
}

// HomeDay is one day of the trend, as text beside the chart.
type HomeDay struct {
	Label, URL string
	Meetings   int
	People     int
	Percent    string // "—" when no meeting of the day has attendance
}

// HomeFalling is a series whose attendance fell.
type HomeFalling struct {
	Topic, URL                   string
	Previous, Latest             string // percentages
	PreviousURL, LatestURL       string
	PreviousPeople, LatestPeople int
	Fall                         string
}

// HomeSlipping is a person slipping in a series.
type HomeSlipping struct {
	Name, URL, Topic, SeriesURL string
	// Recent are their last percentages, oldest first, each linked.
	Recent        []Link
	PresentBefore int
	Spark         Sparkline
}
