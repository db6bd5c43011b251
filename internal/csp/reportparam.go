package csp

import (
	"errors"
	"net/http"
	"net/url"
	"strings"
)

// AddReportParam adds name=value to the report URL of the policies this
// response carries (report-uri, and the Reporting-Endpoints entry that
// report-to names), so the reports this one response causes can be told
// from every other response's: the showcase tags each view of its live
// demo with a random id and streams that view's reports back to it alone.
//
// Call it from the handler of a route in one of m's groups, before the
// response is written. It rewrites only the report URL m put there
// (ReportPath?group=<name>); a policy that sets its own report-uri or
// report-to is left alone. name must be a lower-case token other than
// "group" (which the receiver reads as the route group); value is
// query-escaped, so it cannot end the URL or the directive. Nothing is
// precompiled for it: only the responses that call it pay for it.
func (m *Manager) AddReportParam(w http.ResponseWriter, name, value string) error {
	if name == "group" || !isReportParamName(name) {
		return errors.New(`csp: a report parameter name is lower-case letters, digits, '-' or '_', and not "group"`)
	}
	prefix := m.reportPath() + "?group="
	add := "&" + name + "=" + url.QueryEscape(value)
	hdr := w.Header()
	for _, key := range []string{HeaderCSP, HeaderCSPReportOnly, HeaderReportingEndpoints} {
		vs := hdr[key]
		if len(vs) == 0 {
			continue
		}
		// A new slice: a group without a nonce shares its header values
		// between responses.
		out := make([]string, len(vs))
		for i, v := range vs {
			out[i] = insertAfterReportURL(v, prefix, add)
		}
		hdr[key] = out
	}
	return nil
}

// insertAfterReportURL appends add to every report URL in header value v
// that starts with prefix: the report-uri source, or the quoted endpoint
// URL of Reporting-Endpoints. The URL ends at a space, ';', ',' or '"'.
func insertAfterReportURL(v, prefix, add string) string {
	var b strings.Builder
	for {
		i := strings.Index(v, prefix)
		if i < 0 || (i > 0 && v[i-1] != ' ' && v[i-1] != '"') {
			if i < 0 {
				b.WriteString(v)
				return b.String()
			}
			// The prefix inside another URL: not ours; look further on.
			b.WriteString(v[:i+len(prefix)])
			v = v[i+len(prefix):]
			continue
		}
		end := i + len(prefix)
		if j := strings.IndexAny(v[end:], " ;,\""); j >= 0 {
			end += j
		} else {
			end = len(v)
		}
		b.WriteString(v[:end])
		b.WriteString(add)
		v = v[end:]
	}
}

func isReportParamName(s string) bool {
	if s == "" || len(s) > 32 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '-' || c == '_') {
			return false
		}
	}
	return true
}
