package report

import "strings"

// scrubURL reduces a URL field of a report (document, blocked, source) to
// what a dashboard needs: where the page or resource is, not what the
// visitor carried in it.
//
// The threat: a report repeats URLs the visitor's browser had, and the
// receiver hands them on to the log, the store, the dashboard and the live
// stream, which other people read. Page URLs carry secrets in their query
// (?auth_token=, ?email=, password-reset links), fragment (OAuth implicit
// flow's #access_token=), userinfo (https://user:pass@host/) or path
// parameters (Tomcat's and Jetty's ;jsessionid=). So they are removed once,
// here, before any of those sees the value. What is kept:
//
//   - http, https, ws and wss URLs: scheme, host, port and path, with the
//     userinfo, every ;parameter of every path segment, the query and the
//     fragment removed. The scheme is lower-cased. The authority is found
//     where the WHATWG URL parser finds it for these schemes, not only
//     after "//": after any run of '/' and '\', or none, so
//     "https:user:PASS@host", "https:/\user:PASS@host" and
//     "https:///user:PASS@host" (all of them https://user:PASS@host/ to a
//     browser) lose their userinfo too.
//   - any other scheme (data:, blob:, javascript:, file:, about:,
//     chrome-extension:, ...): the scheme alone, lower-cased, the way CSP3
//     ("strip URL for use in reports") has browsers report it. A data: URL
//     is content, a blob: URL names a page's object, a file: URL a local
//     path: none is needed to find the violation.
//   - anything without a scheme: the keywords browsers send instead of a
//     URL ("inline", "eval", "wasm-eval", "trusted-types-policy",
//     "trusted-types-sink", older browsers' "self", "data", "blob", bare
//     schemes such as "chrome-extension"), cut at the first '?' or '#', which
//     no keyword contains; a scheme-relative "//host/path" (or "\\host",
//     "/\host": two of '/' and '\' in any order, as the parser reads them
//     against an http base) is scrubbed like an http URL.
//
// A secret in the path itself (/reset/<token>) is kept: nothing tells it
// from a page name. Like browsers, leading and trailing spaces and control
// characters are ignored and tabs and newlines inside are removed first.
// The result never grows, and a value that needs no change is returned as
// is, without allocating.
func scrubURL(s string) string {
	// Trim again after the cut: "/a ?t" must not end in a space, or a
	// second scrub would change it.
	s = trimEnd(cutQuery(trimURL(s)))
	scheme, rest, ok := splitScheme(s)
	if !ok {
		if startsAuthority(s) {
			return trimEnd(scrubAuthority(s))
		}
		return s
	}
	lower := asciiLower(scheme)
	switch lower {
	case "http", "https", "ws", "wss":
	default:
		return lower
	}
	// What a removal exposes at the end ("http: ;x") is trimmed too.
	out := trimEnd(scrubAuthority(rest))
	if lower == scheme && len(out) == len(rest) {
		return s // only removals happen, so same length means unchanged
	}
	return lower + ":" + out
}

// splitScheme splits s at the colon after an RFC 3986 scheme (a letter,
// then letters, digits, '+', '-' or '.'). ok is false when s has none.
func splitScheme(s string) (scheme, rest string, ok bool) {
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z':
		case i > 0 && ('0' <= c && c <= '9' || c == '+' || c == '-' || c == '.'):
		case i > 0 && c == ':':
			return s[:i], s[i+1:], true
		default:
			return "", s, false
		}
	}
	return "", s, false
}

// startsAuthority reports whether a value without a scheme starts with an
// authority: two of '/' and '\', in any order, which the WHATWG URL parser
// reads that way against an http(s) base (the page the report came from).
func startsAuthority(s string) bool {
	return len(s) >= 2 && isSlash(s[0]) && isSlash(s[1])
}

func isSlash(c byte) bool { return c == '/' || c == '\\' }

// scrubAuthority scrubs what follows an http(s) or ws(s) scheme's colon
// (or a scheme-relative value), query and fragment already cut, the way
// the WHATWG URL parser reads it for these "special" schemes: any run of
// '/' and '\' (none included: "https:host" is https://host/), then the
// authority up to the next '/' or '\', then the path. The userinfo ends
// at the authority's last '@'. The slashes are kept as they came, so the
// result never grows.
//
// When removing a userinfo leaves no host ("http:@/@x"), a second scrub
// would read the path's leading slashes as part of the first run and what
// follows them as the authority: so this one does so at once, in the same
// single pass.
func scrubAuthority(rest string) string {
	runs := [][2]int{{0, skipSlashes(rest, 0)}} // the slashes kept
	pos, end := runs[0][1], len(rest)
	host := ""
	for {
		end = len(rest)
		if i := strings.IndexAny(rest[pos:], `/\`); i >= 0 {
			end = pos + i
		}
		at := strings.LastIndexByte(rest[pos:end], '@')
		pos += at + 1 // past the userinfo, if any
		host = rest[pos:end]
		if at < 0 || host != "" || end == len(rest) {
			break
		}
		// A userinfo and no host: the slashes after it continue the run.
		next := skipSlashes(rest, end)
		runs = append(runs, [2]int{end, next})
		pos = next
	}
	scrubbed := dropPathParams(rest[end:])
	n := len(host) + len(scrubbed)
	for _, r := range runs {
		n += r[1] - r[0]
	}
	if n == len(rest) {
		return rest // only removals happen, so same length means unchanged
	}
	var b strings.Builder
	b.Grow(n)
	for _, r := range runs {
		b.WriteString(rest[r[0]:r[1]])
	}
	b.WriteString(host)
	b.WriteString(scrubbed)
	return b.String()
}

// skipSlashes returns the index of the first byte of s at or after i that
// is neither '/' nor '\'.
func skipSlashes(s string, i int) int {
	for i < len(s) && isSlash(s[i]) {
		i++
	}
	return i
}

// cutQuery removes the query and the fragment.
func cutQuery(s string) string {
	if i := strings.IndexAny(s, "?#"); i >= 0 {
		return s[:i]
	}
	return s
}

// dropPathParams removes every ";parameters" part of every path segment:
// "/shop;jsessionid=1F3A/cart;v=2" becomes "/shop/cart".
func dropPathParams(path string) string {
	i := strings.IndexByte(path, ';')
	if i < 0 {
		return path
	}
	var b strings.Builder
	b.Grow(len(path))
	for i >= 0 {
		b.WriteString(path[:i])
		path = path[i:]
		end := strings.IndexAny(path, `/\`)
		if end < 0 {
			return b.String()
		}
		path = path[end:]
		i = strings.IndexByte(path, ';')
	}
	b.WriteString(path)
	return b.String()
}

// trimURL drops what the WHATWG URL parser ignores: leading and trailing
// C0 controls and spaces, and tabs and newlines anywhere.
func trimURL(s string) string {
	for len(s) > 0 && s[0] <= ' ' {
		s = s[1:]
	}
	s = trimEnd(s)
	if !strings.ContainsAny(s, "\t\n\r") {
		return s
	}
	// Byte by byte: strings.Map would turn invalid UTF-8 into U+FFFD, and
	// clean must still see (and escape) the original bytes.
	b := make([]byte, 0, len(s))
	for i := 0; i < len(s); i++ {
		if c := s[i]; c != '\t' && c != '\n' && c != '\r' {
			b = append(b, c)
		}
	}
	return string(b)
}

// trimEnd drops trailing C0 controls and spaces.
func trimEnd(s string) string {
	for len(s) > 0 && s[len(s)-1] <= ' ' {
		s = s[:len(s)-1]
	}
	return s
}
