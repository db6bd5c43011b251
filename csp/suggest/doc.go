// Package suggest turns stored violation reports into the smallest safe
// change to a route group's policy: the resulting header, the Go builder
// expression to put in the route table, the reports the change resolves,
// and, for each report it will not allow, what to change in the page
// instead.
//
//	aggs := store.List(...) // []report.Aggregate, every kind of report stored
//	for _, s := range suggest.Groups(manager.Groups(), aggs, suggest.Options{}) {
//		fmt.Println(s.Group, s.Header+":", s.Value) // and s.Go, s.Resolved, s.Refused
//	}
//
// The threat it stops is the unsafe fix. A report that says "inline script
// blocked" is most easily silenced with 'unsafe-inline', and one that says
// "eval blocked" with 'unsafe-eval'; either turns every markup injection
// into script execution, which is what the policy is there to prevent. So
// the suggester never proposes 'unsafe-inline', 'unsafe-eval',
// 'unsafe-hashes', '*', a wildcard host, or a bare scheme (https:, data:)
// for scripts: every source it adds is an exact origin (scheme, host and
// port) taken from a blocked URL, or one of a few narrow values (data: and
// blob: for images and media, data: for fonts, 'wasm-unsafe-eval', a
// Trusted Types policy name). Every suggested policy is then run through
// package lint, and a change that would bring a High finding is refused
// instead of suggested: no output of [Suggest] has one.
//
// Reports are forgeable (anyone can POST to the receiver), so a suggestion
// is a proposal for a person, never applied by itself: each source comes
// with the reports, pages and counts that asked for it, so an operator can
// tell a real third party from a planted one before copying the line.
//
// The package is pure: it reads a group's declared policies (csp.Group, as
// csp.Manager.Groups lists them) and stored aggregates (report.Aggregate),
// and returns values; [Write] prints them for a terminal.
package suggest
