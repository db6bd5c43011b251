package servertest

import (
	"log/slog"
	"testing"
)

// TestLoggerOutlivesItsTest: a server goroutine that logs after its test
// has ended (a queue flushing late) is dropped quietly; t.Log would panic.
func TestLoggerOutlivesItsTest(t *testing.T) {
	var log *slog.Logger
	t.Run("inner", func(t *testing.T) {
		log = Logger(t)
		log.Info("below warn: not shown")
		log.Warn("shown in the inner test's log when it fails")
	})
	log.Error("after the inner test ended")
}
