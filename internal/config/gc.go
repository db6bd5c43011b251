package config

import "runtime/debug"

// DefaultGCPercent is the garbage collector target the server runs with
// when GOGC is not set.
//
// The kit's live heap is a few megabytes, so Go's default of 100% starts a
// collection after every few megabytes allocated: under load (a page per
// 20 µs, or a flood of violation reports) that is many collections a
// second, each taking CPU from the requests in flight. Measured with `make
// load-reports`: GET / p99 under a 6,000 reports/s flood rose 3.5x over
// unloaded at 100%, 1.8x at 400%, for about 10 MB more heap at the peak.
const DefaultGCPercent = 400

// TuneGC applies DefaultGCPercent unless GOGC is set in the environment.
func TuneGC(getenv func(string) string) {
	if getenv("GOGC") == "" {
		debug.SetGCPercent(DefaultGCPercent)
	}
}
