package report

// DropReason says why reports were refused, cut or set aside before they
// reached the sinks. Each reason counts in its own unit, named by String.
type DropReason uint8

// Drop reasons.
const (
	// DropRateLimited: requests refused with 429 because their client had
	// no token left; their bodies were not read.
	DropRateLimited DropReason = iota
	// DropRateLimitedViolations: violations cut from the end of a batch
	// larger than its client's tokens left.
	DropRateLimitedViolations
	// DropClientBusy: requests refused with 429 because their client
	// already had Handler's MaxPerClient requests in flight.
	DropClientBusy
	// DropServerBusy: requests refused with 429 because all MaxInFlight
	// slots were taken.
	DropServerBusy
	// DropSlowBody: requests answered 408 because their body did not
	// arrive within BodyTimeout.
	DropSlowBody
	// DropPastMaxEntries: Reporting API entries past MaxEntries, never
	// decoded (Batch.Dropped).
	DropPastMaxEntries
	// DropQueueFull: violations the Queue refused because it was full or
	// closed.
	DropQueueFull
	// DropWrongMethod: requests answered 405 because they were not POSTs.
	DropWrongMethod
	// DropWrongType: requests answered 415 because their Content-Type was
	// not a report's.
	DropWrongType
	// DropTooLarge: requests answered 413 because their body was larger
	// than MaxBodyBytes.
	DropTooLarge
	// DropMalformed: requests answered 400 because their body could not be
	// read to its end or did not parse as a report.
	DropMalformed
	numDropReasons
)

var dropNames = [numDropReasons]string{
	DropRateLimited:           "rate_limited_requests",
	DropRateLimitedViolations: "rate_limited_violations",
	DropClientBusy:            "client_busy_requests",
	DropServerBusy:            "server_busy_requests",
	DropSlowBody:              "slow_body_requests",
	DropPastMaxEntries:        "past_max_entries",
	DropQueueFull:             "queue_full_violations",
	DropWrongMethod:           "wrong_method_requests",
	DropWrongType:             "wrong_type_requests",
	DropTooLarge:              "too_large_requests",
	DropMalformed:             "malformed_requests",
}

// String is the reason's attribute name in the log's summary line.
func (r DropReason) String() string {
	if r < numDropReasons {
		return dropNames[r]
	}
	return "unknown"
}

// DropCounter counts what was dropped, for one summary line per interval
// instead of a line per drop: a client that is refused a thousand times a
// second must not write a thousand log lines. LogSink and Sinks implement
// it; the Handler and the Queue report to it when their sink (or option)
// has one. Dropped must not block.
type DropCounter interface {
	Dropped(reason DropReason, n int)
}
