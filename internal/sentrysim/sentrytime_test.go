package sentrysim

import (
	"testing"
	"time"
)

// TestSentryTime checks the hand-written date format against time.Format.
func TestSentryTime(t *testing.T) {
	for _, tm := range []time.Time{
		time.Date(2026, 11, 23, 22, 30, 5, 123456789, time.UTC),
		time.Date(1999, 1, 2, 3, 4, 5, 0, time.FixedZone("x", 3600)),
		time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC),
		{},
	} {
		if got, want := sentryTime(tm), tm.UTC().Format("2006-01-02T15:04:05.000Z"); got != want {
			t.Errorf("sentryTime(%v) = %q, want %q", tm, got, want)
		}
	}
}
