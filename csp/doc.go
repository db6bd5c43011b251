// Package csp builds, validates and serves Content-Security-Policy headers
// with a fresh nonce per response.
//
// The threat it stops is cross-site scripting: markup an attacker manages to
// inject into a page (a stored comment, a reflected query parameter) must not
// run. A strict policy allows only scripts and styles that carry the nonce of
// the response they arrived in; the attacker cannot know that nonce because
// it is drawn from crypto/rand for every response and never derived from
// request input.
//
// Policies are declared with a typed builder ([New], [Policy.Set],
// [Policy.Add]) and checked against the CSP3 grammar when they are compiled,
// so a malformed source (a stray ';', an unquoted 'self') stops the server at
// start-up instead of silently weakening a page. Each compiled policy is a
// header template with nonce slots: serving it costs one string build.
//
// [Parse] reads a policy written as a header value; [ParseLenient] does not
// require default-src, so a partial policy can be read and reviewed too.
// The vocabulary ([Directive], [Source], [Policy.Effective]) is what
// package lint and package csptest read policies with.
//
// A [Manager] turns policies into chi-style middleware, one [Group] per route
// group. The nonce is stored in the request context where templ looks for
// it, so templ's own script and css templates stamp it, and [NonceFrom]
// reads it back anywhere else.
package csp
