// Package reports receives, parses and normalises Content-Security-Policy
// violation reports.
//
// The threat: the report endpoint is the one route of the kit that accepts
// a POST from anyone, unauthenticated, carrying JSON the sender fully
// controls. Browsers send honest reports, but anyone can send forged ones:
// huge bodies, deeply nested JSON, wrong types, thousands of entries,
// control characters and terminal escapes aimed at whoever later reads the
// logs or an admin page, or a flood of noise from browser extensions that
// drowns the one real injection. So the receiver caps the body (64 KiB by
// default) and the entries per batch (100), rejects deep nesting before
// decoding, decodes every field permissively so one odd value costs that
// value and not the report, and normalises everything once, here: URLs
// lose their queries, fragments, userinfo and path parameters (secrets a
// page URL may carry), and every string is length-capped and stripped of
// control characters and invalid UTF-8 before it reaches a log line, a
// store or a page.
//
// Two wire formats normalise into one [Violation]:
//
//   - report-uri: Content-Type application/csp-report (older Firefox and
//     Safari send application/json), one object {"csp-report": {...}}.
//   - report-to (Reporting API): Content-Type application/reports+json, an
//     array of reports of which only type "csp-violation" is kept.
//
// [Parse] does the decoding; [Receiver] is the http.Handler that serves the
// endpoint, with a per-client cap, a body deadline and a per-violation rate
// limit, and hands each [Batch] to a [Sink]. [LogSink] logs aggregates
// (one line per kind of violation per interval, one summary line for
// drops); [Queue] is the bounded, never-blocking sink in front of a store
// (package store), and [Hub] fans stored violations out to live
// subscribers.
package reports
