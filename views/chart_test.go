package views

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestTrendChartDrawsPercentCountsAndGaps(t *testing.T) {
	c := NewTrendChart(ChartInput{
		ID: "t", Title: "Trend", Desc: "Attendance per instance.", Threshold: 75,
		Points: []ChartPoint{
			{Label: "Nov 2", Title: "Nov 2: 10 people", URL: "/meetings/1", Percent: 100, HasPercent: true, Count: 10},
			{Label: "Nov 9", Title: "Nov 9: not fetched", Count: 0},
			{Label: "Nov 16", Title: "Nov 16: 5 people", URL: "/meetings/3", Percent: 50, HasPercent: true, Count: 5},
		},
	})
	require.Len(t, c.Bars, 3)
	assert.Len(t, c.Dots, 2, "no dot where there is no percent")
	assert.Len(t, c.Lines, 2, "the line breaks at the gap")
	assert.Equal(t, "14.0", c.Dots[0].Y, "100 % is the top of the plot")
	assert.Equal(t, "82.0", c.Dots[1].Y, "50 % is half-way")
	assert.Equal(t, "14.0", c.Bars[0].Y, "the largest head count fills the plot")
	assert.Equal(t, "10", c.MaxCount)
	assert.Equal(t, "48.0", c.ThresholdY)
	assert.Equal(t, "Attendance per instance. Nov 2: 10 people. Nov 9: not fetched. Nov 16: 5 people.", c.Desc)
	assert.Empty(t, c.Absent, "absences are drawn only when asked for")

	var buf bytes.Buffer
	require.NoError(t, TrendChartSVG(c).Render(context.Background(), &buf))
	svg := buf.String()
	assert.Contains(t, svg, `role="img" aria-labelledby="t-title t-desc"`)
	assert.Contains(t, svg, `<title id="t-title">Trend</title>`)
	assert.Contains(t, svg, `<a href="/meetings/3">`)
	assert.NotContains(t, svg, "style=", "the CSP allows no inline style")
}

func TestTrendChartStacksAbsencesWhenTheSeriesHasARoster(t *testing.T) {
	c := NewTrendChart(ChartInput{ID: "r", ShowAbsent: true, Points: []ChartPoint{
		{Label: "a", Percent: 80, HasPercent: true, Count: 6, Absent: 4},
		{Label: "b", Percent: 90, HasPercent: true, Count: 10},
	}})
	require.Len(t, c.Absent, 1, "one bar per instance with absences")
	assert.Equal(t, "10", c.MaxCount, "the count axis holds present and absent")
	assert.Equal(t, "a: 4 absent", c.Absent[0].Title)
	assert.Equal(t, c.Bars[1].Y, c.Absent[0].Y, "6 present + 4 absent reach as high as 10 present")
	var buf bytes.Buffer
	require.NoError(t, TrendChartSVG(c).Render(context.Background(), &buf))
	assert.Equal(t, 1, strings.Count(buf.String(), `data-testid="chart-absent"`))
	assert.Contains(t, buf.String(), "absent", "the legend names them")
}

func TestSparklineSaysItsNumbers(t *testing.T) {
	s := NewSparkline("Attendance of Ann", []SparkValue{{Percent: 100, Attended: true}, {}, {Percent: 30.4, Attended: true}}, 75)
	assert.Equal(t, "Attendance of Ann, oldest first: 100 %, absent, 30 %", s.Label)
	assert.Len(t, s.Points, 2)
	require.Len(t, s.Misses, 1)
	assert.Equal(t, "19.0", s.Misses[0].Y, "a miss sits on the baseline")
	var buf bytes.Buffer
	require.NoError(t, SparklineSVG(s).Render(context.Background(), &buf))
	assert.Contains(t, buf.String(), `aria-label="Attendance of Ann, oldest first: 100 %, absent, 30 %"`)
	assert.True(t, NewSparkline("x", nil, 75).Empty)
}

func TestCountAgreesWithItsNumber(t *testing.T) {
	assert.Equal(t, "1 instance", Count(1, "instance", "instances"))
	assert.Equal(t, "0 instances", Count(0, "instance", "instances"))
	assert.Equal(t, "2 people", Count(2, "person", "people"))
}
