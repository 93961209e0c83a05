package zoom

import (
	"fmt"
	"strings"
)

// Source names the Zoom API that lists a past meeting's participants.
type Source string

const (
	// SourceAuto asks the Dashboard first and falls back to the Report when
	// Zoom refuses the Dashboard for plan or scope (code 200 or 4700, or HTTP 403).
	SourceAuto Source = "auto"
	// SourceDashboard uses GET /metrics/meetings/{uuid}/participants
	// (Business plan or higher; device, network and leave-reason data).
	SourceDashboard Source = "dashboard"
	// SourceReport uses GET /report/meetings/{uuid}/participants (Pro plan or
	// higher; per-row duration, no device data).
	SourceReport Source = "report"
	// SourceWebhooks asks neither API: a meeting's participants are built
	// from the live participant events Zoom posts (meeting.participant_joined,
	// _left and the rest). The Client's participant calls then fail.
	SourceWebhooks Source = "webhooks"
)

// ParseSource parses a participants source as written in settings
// (ZOOM_PARTICIPANTS_SOURCE). The empty string means SourceAuto; letter case
// and surrounding white space are ignored. Any other value is an error.
func ParseSource(s string) (Source, error) {
	switch Source(strings.ToLower(strings.TrimSpace(s))) {
	case "", SourceAuto:
		return SourceAuto, nil
	case SourceDashboard:
		return SourceDashboard, nil
	case SourceReport:
		return SourceReport, nil
	case SourceWebhooks:
		return SourceWebhooks, nil
	}
	return "", fmt.Errorf("zoom: unknown participants source %q (want auto, dashboard, report or webhooks)", s)
}

// String returns the source's setting value.
func (s Source) String() string { return string(s) }
