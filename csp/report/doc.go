// Package report receives Content-Security-Policy violation reports, the
// one input of a strict-CSP site that anyone may send:
//
//	m := csp.NewManager() // its policies report to m.ReportPath
//	mux.Handle("POST "+m.ReportPath, report.NewHandler(sink))
//
// The threat: the report endpoint accepts a POST from anyone,
// unauthenticated, carrying JSON the sender fully controls. Browsers send
// honest reports, but anyone can send forged ones: huge bodies, deeply
// nested JSON, wrong types, thousands of entries, control characters and
// terminal escapes aimed at whoever later reads the logs or an admin page,
// or a flood of noise from browser extensions that drowns the one real
// injection. So [Handler] limits each client and all of them together
// (see its doc), caps the body and the entries per batch, rejects deep
// nesting before decoding, decodes every field permissively so one odd
// value costs that value and not the report, and normalises everything
// once, here: URLs lose their queries, fragments, userinfo and path
// parameters (secrets a page URL may carry), and every string is
// length-capped and stripped of control characters and invalid UTF-8
// before it reaches a log line, a store or a page.
//
// Two wire formats normalise into one [Violation]:
//
//   - report-uri: Content-Type application/csp-report (older Firefox and
//     Safari send application/json), one object {"csp-report": {...}}.
//   - report-to (Reporting API): Content-Type application/reports+json, an
//     array of reports of which only type "csp-violation" is kept.
//
// [Parse] does the decoding alone. A [Sink] receives what the handler
// accepts: [LogSink] logs aggregates (one line per kind of violation per
// interval, one summary line for what was refused), [Sinks] sends to
// several, and an app's own sink stores them. [IsNoise] tells extension
// and browser noise apart; [Aggregate] is a stored kind of violation, as
// package suggest reads it.
package report
