package models

import "time"

// Clip returns how much of the span join..leave lies inside w, under the
// rules ComputeAttendance applies to one segment: a missing leave means
// the window's end (Now while live), and nothing outside the window counts.
// It is 0 for a span wholly outside the window.
func (w Window) Clip(join time.Time, leave *time.Time) time.Duration {
	start, end := w.Start, w.end()
	hi := end
	if leave != nil {
		hi = *leave
	}
	lo := join
	if lo.Before(start) {
		lo = start
	}
	if hi.After(end) {
		hi = end
	}
	if !hi.After(lo) {
		return 0
	}
	return hi.Sub(lo)
}
