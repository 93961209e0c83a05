package app_test

import (
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"rollcall/internal/app"
)

func TestSweepSettings(t *testing.T) {
	load := func(env map[string]string) (app.Config, error) {
		return app.LoadConfig(func(k string) string { return env[k] })
	}
	cfg, err := load(nil)
	require.NoError(t, err)
	assert.Equal(t, time.Hour, cfg.SweepEvery, "default")
	assert.Equal(t, 72*time.Hour, cfg.SweepLookback, "default")
	assert.Equal(t, 10.0, cfg.Zoom.ResourceIntensivePerMinute, "Zoom's Pro limit for the Dashboard's lists")

	for _, tc := range []struct {
		every, lookback string
		wantEvery       time.Duration
		wantLookback    time.Duration
	}{
		{"0", "", 0, 72 * time.Hour},
		{"0s", "1h", 0, time.Hour},
		{"1s", "1s", time.Second, time.Second},
		{"15m", "168h", 15 * time.Minute, 168 * time.Hour},
		{" 2h ", "4320h", 2 * time.Hour, 4320 * time.Hour},
	} {
		t.Run("accepts "+tc.every+" "+tc.lookback, func(t *testing.T) {
			cfg, err := load(map[string]string{"ROLLCALL_SWEEP_EVERY": tc.every, "ROLLCALL_SWEEP_LOOKBACK": tc.lookback})
			require.NoError(t, err)
			assert.Equal(t, tc.wantEvery, cfg.SweepEvery)
			assert.Equal(t, tc.wantLookback, cfg.SweepLookback)
		})
	}
	for _, tc := range []struct{ name, val string }{
		{"ROLLCALL_SWEEP_EVERY", "999ms"},
		{"ROLLCALL_SWEEP_EVERY", "-1h"},
		{"ROLLCALL_SWEEP_EVERY", "hourly"},
		{"ROLLCALL_SWEEP_EVERY", "60"},
		{"ROLLCALL_SWEEP_LOOKBACK", "0"},
		{"ROLLCALL_SWEEP_LOOKBACK", "500ms"},
		{"ROLLCALL_SWEEP_LOOKBACK", "4321h"},
		{"ROLLCALL_SWEEP_LOOKBACK", "3d"},
		{"ZOOM_RATE_RESOURCE_INTENSIVE", "0"},
		{"ZOOM_RATE_RESOURCE_INTENSIVE", "many"},
	} {
		t.Run("refuses "+tc.name+"="+tc.val, func(t *testing.T) {
			_, err := load(map[string]string{tc.name: tc.val})
			require.Error(t, err)
			assert.True(t, strings.HasPrefix(err.Error(), tc.name+": "), "names the setting: %v", err)
			assert.NotContains(t, err.Error(), "\n", "one line")
			assert.Contains(t, err.Error(), tc.val)
		})
	}
}
