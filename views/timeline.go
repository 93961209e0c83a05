package views

import (
	"context"
	"html"
	"io"
	"strconv"
	"time"

	"github.com/a-h/templ"
)

// Timeline geometry, in SVG user units. The plot is 1,000 units wide: a
// label column on the left, then time from left to right.
const (
	tlWidth      = 1000
	tlLabelWidth = 190
	tlRight      = 990
	tlTop        = 24
	tlBarH       = 8
	tlTrackGap   = 2
	tlLanePad    = 3
	// tlPlotOverlap is how far left of the names' column the bars'
	// picture begins: room for half a tick label.
	tlPlotOverlap = 16
)

// TimelineInput is what a timeline is drawn from.
type TimelineInput struct {
	Start, End time.Time
	Zone       *time.Location
	People     []TimelinePerson
}

// TimelinePerson is one lane: a person and their segments.
type TimelinePerson struct {
	Label    string
	Segments []TimelineSegment
}

// TimelineSegment is one bar; a zero Leave means "until the end".
type TimelineSegment struct {
	Join, Leave time.Time
	Waiting     bool
}

// Timeline is a drawn timeline, ready for the Timeline component.
type Timeline struct {
	Width, Height int
	// LabelWidth is the width of the names' column; PlotX and PlotWidth
	// are where the bars' picture starts and how wide it is (it overlaps
	// the names' column by a little, so the first tick label shows whole).
	LabelWidth, PlotX, PlotWidth int
	Lanes                        []Lane
	StartX, EndX                 string
	Ticks                        []Tick
	Empty                        bool
}

// Lane is one person's row of the timeline.
type Lane struct {
	Y, H, TextY string
	Odd         bool
	Label       string
	Bars        []Bar
}

// Bar is one segment's rectangle.
type Bar struct {
	X, Y, W, H string
	Waiting    bool
	Title      string
}

// Tick is a labelled time on the axis.
type Tick struct {
	X, Label string
}

// NewTimeline lays out one lane per person and one bar per segment.
// Segments of a person that overlap (two devices at once) go on separate
// tracks within the lane, so overlaps are visible rather than hidden. The
// time axis spans the meeting window, widened (by at most half the window on
// each side) to show segments that begin before or end after it.
func NewTimeline(in TimelineInput) Timeline {
	loc := in.Zone
	if loc == nil {
		loc = time.UTC
	}
	start, end := in.Start, in.End
	if !end.After(start) {
		end = start.Add(time.Minute)
	}
	win := end.Sub(start)
	lo, hi := start, end
	for _, p := range in.People {
		for _, s := range p.Segments {
			if s.Join.Before(lo) {
				lo = s.Join
			}
			if !s.Leave.IsZero() && s.Leave.After(hi) {
				hi = s.Leave
			}
		}
	}
	if lo.Before(start.Add(-win / 2)) {
		lo = start.Add(-win / 2)
	}
	if hi.After(end.Add(win / 2)) {
		hi = end.Add(win / 2)
	}
	span := float64(hi.Sub(lo))
	x := func(t time.Time) float64 {
		if t.Before(lo) {
			t = lo
		}
		if t.After(hi) {
			t = hi
		}
		return tlLabelWidth + float64(t.Sub(lo))/span*(tlRight-tlLabelWidth)
	}

	t := Timeline{Width: tlWidth, LabelWidth: tlLabelWidth, PlotX: tlLabelWidth - tlPlotOverlap,
		PlotWidth: tlWidth - tlLabelWidth + tlPlotOverlap, StartX: fnum(x(start)), EndX: fnum(x(end)), Empty: len(in.People) == 0}
	y := tlTop
	for i, p := range in.People {
		var trackEnds []time.Time
		bars := make([]Bar, 0, len(p.Segments))
		for _, s := range p.Segments {
			leave := s.Leave
			if leave.IsZero() {
				leave = end
			}
			track := -1
			for k, e := range trackEnds {
				if !s.Join.Before(e) {
					track = k
					break
				}
			}
			if track < 0 {
				track = len(trackEnds)
				trackEnds = append(trackEnds, leave)
			} else {
				trackEnds[track] = leave
			}
			x0, x1 := x(s.Join), x(leave)
			w := max(x1-x0, 1.5) // a short visit stays visible
			title := make([]byte, 0, len(p.Label)+40)
			title = append(append(title, p.Label...), ": "...)
			title = append(s.Join.In(loc).AppendFormat(title, "15:04:05"), "–"...)
			title = leave.In(loc).AppendFormat(title, "15:04:05")
			if s.Waiting {
				title = append(title, " (waiting room)"...)
			}
			bars = append(bars, Bar{
				X: fnum(x0), Y: strconv.Itoa(y + tlLanePad + track*(tlBarH+tlTrackGap)),
				W: fnum(w), H: strconv.Itoa(tlBarH), Waiting: s.Waiting, Title: string(title),
			})
		}
		tracks := max(len(trackEnds), 1)
		h := tracks*(tlBarH+tlTrackGap) - tlTrackGap + 2*tlLanePad
		t.Lanes = append(t.Lanes, Lane{
			Y: strconv.Itoa(y), H: strconv.Itoa(h), TextY: strconv.Itoa(y + tlLanePad + tlBarH),
			Odd: i%2 == 1, Label: truncate(p.Label, 30), Bars: bars,
		})
		y += h
	}
	t.Height = y + 4
	t.Ticks = ticks(lo, hi, loc, x)
	return t
}

// ticks returns axis labels at a round step giving about six of them.
func ticks(lo, hi time.Time, loc *time.Location, x func(time.Time) float64) []Tick {
	steps := []time.Duration{time.Minute, 2 * time.Minute, 5 * time.Minute, 10 * time.Minute,
		15 * time.Minute, 30 * time.Minute, time.Hour, 2 * time.Hour, 3 * time.Hour,
		6 * time.Hour, 12 * time.Hour, 24 * time.Hour}
	step := steps[len(steps)-1]
	for _, s := range steps {
		if hi.Sub(lo)/s <= 7 {
			step = s
			break
		}
	}
	var out []Tick
	// Round in the display zone so that ticks fall on its whole hours.
	_, off := lo.In(loc).Zone()
	offset := time.Duration(off) * time.Second
	first := lo.Add(offset).Truncate(step).Add(-offset)
	if first.Before(lo) {
		first = first.Add(step)
	}
	for t := first; !t.After(hi); t = t.Add(step) {
		out = append(out, Tick{X: fnum(x(t)), Label: t.In(loc).Format("15:04")})
	}
	return out
}

func fnum(f float64) string { return strconv.FormatFloat(f, 'f', 1, 64) }

// truncate shortens s to n runes with an ellipsis.
func truncate(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n-1]) + "…"
}

// timelineBars writes a lane's bars: one <rect> with its <title> each, as
// the template would, but appended into one buffer. A 1,000-person
// meeting has 3,000 bars, and templ's expressions (a fmt.Sprint and an
// escape per attribute) made them a fifth of the page's rendering.
func timelineBars(bars []Bar) templ.Component {
	return templ.ComponentFunc(func(_ context.Context, w io.Writer) error {
		buf := make([]byte, 1, 1+160*len(bars))
		buf[0] = ' ' // the template's space after the lane's label
		for _, b := range bars {
			buf = append(buf, `<rect class="bar`...)
			if b.Waiting {
				buf = append(buf, ` bar-waiting`...)
			}
			buf = append(buf, `" x="`...)
			buf = append(buf, html.EscapeString(b.X)...)
			buf = append(buf, `" y="`...)
			buf = append(buf, html.EscapeString(b.Y)...)
			buf = append(buf, `" width="`...)
			buf = append(buf, html.EscapeString(b.W)...)
			buf = append(buf, `" height="`...)
			buf = append(buf, html.EscapeString(b.H)...)
			buf = append(buf, `" data-testid="bar"><title>`...)
			buf = append(buf, html.EscapeString(b.Title)...)
			buf = append(buf, `</title></rect>`...)
		}
		_, err := w.Write(buf)
		return err
	})
}
