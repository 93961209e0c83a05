package views

import (
	"math"
	"strconv"
	"strings"
)

// Charts are drawn on the server as SVG: no script, no chart library, no
// inline style (the CSP forbids it), only SVG attributes and the classes
// of app.css. Every chart carries a text alternative: a <title> and a
// <desc> it is labelled by, and the pages show the same numbers as text.

// ChartPoint is one x position of a trend chart: an instance or a day.
type ChartPoint struct {
	// Label is the short x-axis label ("Nov 23"); Title the point's full
	// description for its tooltip and the chart's description.
	Label, Title string
	// URL, when set, makes the point a link to the page that explains it.
	URL string
	// Percent is the attendance % (0–100); HasPercent is false where there
	// is none (nobody listed, not fetched yet): the line has a gap there.
	Percent    float64
	HasPercent bool
	// Count is the head count drawn as a bar.
	Count int
	// Absent is the number of expected people who did not come, drawn on
	// top of the head count; only drawn when the chart's input says
	// ShowAbsent (series with a roster).
	Absent int
}

// ChartInput is what NewTrendChart draws.
type ChartInput struct {
	// ID makes the chart's element ids unique on its page.
	ID string
	// Title and Desc are the text alternative; NewTrendChart appends each
	// point's Title to Desc.
	Title, Desc string
	Points      []ChartPoint
	// Threshold, when positive, draws the present threshold as a line.
	Threshold float64
	// ShowAbsent draws the points' Absent counts.
	ShowAbsent bool
}

// TrendChart is a drawn chart, ready for the TrendChartSVG component.
type TrendChart struct {
	ID, Title, Desc string
	Width, Height   int
	// Line is the attendance polyline(s): one "x,y x,y" string per run of
	// points that have a percent.
	Lines []string
	Dots  []ChartDot
	// Bars are the head counts; Absent the absences stacked on them.
	Bars, Absent []ChartBar
	// Grid are the horizontal lines at 0, 50 and 100 %.
	Grid []ChartGrid
	// XLabels are the x-axis labels that fit (every k-th point).
	XLabels []ChartLabel
	// ThresholdY is the present threshold's y ("" for none);
	// ThresholdLabel its text.
	ThresholdY, ThresholdLabel string
	// MaxCount labels the count axis.
	MaxCount string
	// PlotLeft, PlotRight, PlotBottom place the axis labels.
	PlotLeft, PlotRight, PlotBottom string
	Empty                           bool
	ShowAbsent                      bool
}

// ChartDot is one attendance point (a link when URL is set).
type ChartDot struct {
	X, Y, URL, Title string
}

// ChartBar is one bar.
type ChartBar struct {
	X, Y, W, H, Title string
}

// ChartGrid is one horizontal grid line with its label.
type ChartGrid struct {
	Y, Label string
}

// ChartLabel is one x-axis label.
type ChartLabel struct {
	X, Text string
}

// Trend chart geometry in SVG user units.
const (
	chartHeight   = 180
	chartTop      = 14
	chartBottom   = 150 // the plot's baseline
	chartLeft     = 38
	chartRight    = 34 // room on the right for the count axis
	chartMinStep  = 24 // at most this close, points stop getting wider apart
	chartMinWidth = 360
	chartLabelGap = 44 // minimum distance between two x labels
)

// NewTrendChart lays out attendance % as a line (0–100 on the left axis)
// over head counts as bars (0–max on the right axis), one x position per
// point.
func NewTrendChart(in ChartInput) TrendChart {
	n := len(in.Points)
	width := max(chartMinWidth, chartLeft+chartRight+n*chartMinStep)
	c := TrendChart{
		ID: in.ID, Title: in.Title, Width: width, Height: chartHeight, Empty: n == 0, ShowAbsent: in.ShowAbsent,
		PlotLeft: itoa(chartLeft - 4), PlotRight: itoa(width - chartRight + 4), PlotBottom: itoa(chartBottom),
	}
	plotW := float64(width - chartLeft - chartRight)
	step := plotW / float64(max(n, 1))
	x := func(i int) float64 { return chartLeft + step*(float64(i)+0.5) }
	y := func(pct float64) float64 {
		pct = math.Max(0, math.Min(100, pct))
		return chartBottom - pct/100*(chartBottom-chartTop)
	}
	for _, g := range []float64{0, 50, 100} {
		c.Grid = append(c.Grid, ChartGrid{Y: fnum(y(g)), Label: strconv.Itoa(int(g)) + " %"})
	}
	if in.Threshold > 0 {
		c.ThresholdY = fnum(y(in.Threshold))
		c.ThresholdLabel = "present ≥ " + strconv.FormatFloat(in.Threshold, 'f', -1, 64) + " %"
	}
	maxCount := 1
	for _, p := range in.Points {
		total := p.Count
		if in.ShowAbsent {
			total += p.Absent
		}
		maxCount = max(maxCount, total)
	}
	c.MaxCount = itoa(maxCount)
	barW := math.Max(2, step*0.6)
	countH := func(k int) float64 { return float64(k) / float64(maxCount) * (chartBottom - chartTop) }
	labelEvery := max(1, int(math.Ceil(chartLabelGap/step)))
	var run []string
	desc := []string{in.Desc}
	for i, p := range in.Points {
		cx := x(i)
		h := countH(p.Count)
		c.Bars = append(c.Bars, ChartBar{
			X: fnum(cx - barW/2), Y: fnum(chartBottom - h), W: fnum(barW), H: fnum(h),
			Title: p.Label + ": " + itoa(p.Count) + " " + plural(p.Count, "person", "people"),
		})
		if in.ShowAbsent && p.Absent > 0 {
			ah := countH(p.Absent)
			c.Absent = append(c.Absent, ChartBar{
				X: fnum(cx - barW/2), Y: fnum(chartBottom - h - ah), W: fnum(barW), H: fnum(ah),
				Title: p.Label + ": " + itoa(p.Absent) + " absent",
			})
		}
		if p.HasPercent {
			cy := y(p.Percent)
			run = append(run, fnum(cx)+","+fnum(cy))
			c.Dots = append(c.Dots, ChartDot{X: fnum(cx), Y: fnum(cy), URL: p.URL, Title: p.Title})
		} else if len(run) > 0 {
			c.Lines = append(c.Lines, strings.Join(run, " "))
			run = nil
		}
		if (n-1-i)%labelEvery == 0 { // the latest point always has its label
			c.XLabels = append(c.XLabels, ChartLabel{X: fnum(cx), Text: p.Label})
		}
		if p.Title != "" {
			desc = append(desc, p.Title+".")
		}
	}
	if len(run) > 0 {
		c.Lines = append(c.Lines, strings.Join(run, " "))
	}
	c.Desc = strings.TrimSpace(strings.Join(desc, " "))
	return c
}

// SparkValue is one value of a sparkline: a percentage, or a miss.
type SparkValue struct {
	Percent  float64
	Attended bool
}

// Sparkline is a drawn sparkline, ready for the SparklineSVG component.
type Sparkline struct {
	// Label is the text alternative (also the <title>).
	Label         string
	Width, Height int
	Line          string
	// Points are the attended values; Misses the instances not attended
	// (drawn as marks on the baseline).
	Points, Misses []ChartDot
	// ThresholdY is the present threshold's y ("" for none).
	ThresholdY string
	Empty      bool
}

// Sparkline geometry.
const (
	sparkStep   = 8
	sparkHeight = 22
	sparkPad    = 3
)

// NewSparkline draws values (oldest first) in a small box, 0–100 % bottom
// to top; a missed instance counts as 0 on the line and is marked. label
// introduces the numbers in the text alternative ("Attendance at the last
// 8 instances").
func NewSparkline(label string, values []SparkValue, threshold float64) Sparkline {
	n := len(values)
	s := Sparkline{Width: max(2*sparkPad+(n-1)*sparkStep, 24), Height: sparkHeight, Empty: n == 0}
	y := func(pct float64) float64 {
		pct = math.Max(0, math.Min(100, pct))
		return sparkHeight - sparkPad - pct/100*(sparkHeight-2*sparkPad)
	}
	if threshold > 0 {
		s.ThresholdY = fnum(y(threshold))
	}
	pts := make([]string, n)
	texts := make([]string, n)
	for i, v := range values {
		x := float64(sparkPad + i*sparkStep)
		if n == 1 {
			x = float64(s.Width) / 2
		}
		pct := 0.0
		texts[i] = "absent"
		if v.Attended {
			pct = v.Percent
			texts[i] = strconv.FormatFloat(math.Round(v.Percent), 'f', 0, 64) + " %"
		}
		d := ChartDot{X: fnum(x), Y: fnum(y(pct))}
		if v.Attended {
			s.Points = append(s.Points, d)
		} else {
			s.Misses = append(s.Misses, d)
		}
		pts[i] = d.X + "," + d.Y
	}
	s.Line = strings.Join(pts, " ")
	s.Label = label + ", oldest first: " + strings.Join(texts, ", ")
	if n == 0 {
		s.Label = label + ": none"
	}
	return s
}

// plural returns one when n is 1, else many.
func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

// Count returns "1 instance", "3 instances": n and the noun in agreement.
func Count(n int, one, many string) string { return itoa(n) + " " + plural(n, one, many) }
