package provider

import "time"

// formatTime renders Sentry timestamps the same way on every read, so an
// unchanged object never shows a diff.
func formatTime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(time.RFC3339)
}
