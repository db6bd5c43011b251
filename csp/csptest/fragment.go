package csptest

import (
	"bytes"
	"fmt"
	"io"
	"maps"
	"net/http"
	"slices"
	"strings"
	"testing"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"

	"github.com/noncekit/noncekit/csp"
)

// The problems CheckFragment finds besides those Check names too
// (InlineHandler, StyleAttribute, JavaScriptURL, Cacheable, UnusedAllow).
const (
	// FragmentScript: a <script> in a fragment. htmx, as the kit configures
	// it, drops it; and no nonce in a fragment can be the page's.
	FragmentScript Kind = "script in fragment"
	// FragmentStyle: a <style> or stylesheet <link> in a fragment.
	FragmentStyle Kind = "style in fragment"
	// HTMXEval: an htmx attribute whose value htmx would compile into code
	// (hx-on*, hx-vars, js: values, trigger filters), which the kit's htmx
	// configuration (allowEval: false) refuses.
	HTMXEval Kind = "htmx eval attribute"
	// NoPolicy: a fragment response without a policy header: it did not
	// pass through its page's route group.
	NoPolicy Kind = "no policy"
)

// fragmentRule starts every fragment problem's detail: the kit's rule,
// then what to do instead.
const fragmentRule = "the kit's fragment rule: a fragment carries no <script>, <style>, on*= or style=; behaviour comes from the page's nonced static scripts, by event delegation: "

// CheckFragment returns every problem of an htmx fragment response (what
// server.RenderFragment answers htmx's own request with) against the kit's
// fragment rule. The page's policy governs a swapped fragment, and the
// page's nonce is not the fragment response's, so nothing in a fragment may
// need a nonce, an inline-code allowance or eval:
//   - no <script> (htmx drops them: allowScriptTags is false) and no <style>
//     or stylesheet <link> (the kit's CSS is in static/css);
//   - no on*= handler, no style= attribute, no javascript: URL;
//   - no htmx attribute that htmx compiles into code: hx-on*, hx-vars,
//     hx-vals/hx-headers/hx-request with a js: value, an hx-trigger filter
//     ([…]). With allowEval false htmx refuses them, and a trigger filter is
//     then ignored: the trigger fires on every event.
//
// The response itself must carry a policy header (it went through its
// route group) and, since that header holds a nonce, no-store.
func CheckFragment(h http.Header, body []byte, opts ...Option) []Problem {
	var c config
	for _, o := range opts {
		o(&c)
	}
	var problems []Problem
	if len(h.Values(csp.HeaderCSP)) == 0 && len(h.Values(csp.HeaderCSPReportOnly)) == 0 {
		problems = append(problems, Problem{Kind: NoPolicy,
			Detail: "a fragment is served by a route of its page's group, whose middleware sets the policy and no-store"})
	}
	if len(HeaderNonces(h)) > 0 && !hasNoStore(h) {
		problems = append(problems, Problem{Kind: Cacheable,
			Detail: fmt.Sprintf("the response carries a nonce but Cache-Control is %q: add no-store", h.Get("Cache-Control"))})
	}
	walkStartTags(body, func(el Element, tok html.Token, line, col int) {
		found := fragmentProblems(el, tok.DataAtom)
		if len(found) == 0 || c.allowed(el) {
			return
		}
		for _, p := range found {
			p.Line, p.Col, p.Element = line, col, describe(tok)
			problems = append(problems, p)
		}
	})
	for _, a := range c.allows {
		if !a.used {
			problems = append(problems, Problem{Kind: UnusedAllow,
				Detail: fmt.Sprintf("Allow(%q) matched no element: remove it or fix its matcher", a.reason)})
		}
	}
	return problems
}

// AssertFragment reports each problem of the fragment response resp (see
// [CheckFragment]) through t.Errorf and returns whether there was none.
// The body stays readable.
func AssertFragment(t testing.TB, resp *http.Response, opts ...Option) bool {
	t.Helper()
	body, err := readBody(resp)
	if err != nil {
		t.Errorf("%v", err)
		return false
	}
	return report(t, requestName(resp)+" (fragment)", CheckFragment(resp.Header, body, opts...))
}

// readBody reads resp's body and puts it back, for the caller to read too.
func readBody(resp *http.Response) ([]byte, error) {
	body, err := io.ReadAll(resp.Body)
	_ = resp.Body.Close()
	resp.Body = io.NopCloser(bytes.NewReader(body))
	if err != nil {
		return nil, fmt.Errorf("csptest: reading the body: %w", err)
	}
	return body, nil
}

// fragmentProblems returns el's problems under the fragment rule, without
// position.
func fragmentProblems(el Element, a atom.Atom) []Problem {
	var out []Problem
	switch a {
	case atom.Script:
		out = append(out, Problem{Kind: FragmentScript, Detail: fragmentRule +
			"htmx drops a swapped <script> (allowScriptTags: false), and a nonce in a fragment is its response's, never the page's"})
	case atom.Style:
		out = append(out, Problem{Kind: FragmentStyle, Detail: fragmentRule + "put the CSS in static/css and use a class"})
	case atom.Link:
		if rel, _ := el.Attr("rel"); hasToken(rel, "stylesheet") {
			out = append(out, Problem{Kind: FragmentStyle, Detail: fragmentRule + "load stylesheets from the page's <head>"})
		}
	}
	// Sorted so that problems come out in the same order every run.
	for _, key := range slices.Sorted(maps.Keys(el.Attrs)) {
		v := el.Attrs[key]
		switch {
		case htmxEval(key, v):
			out = append(out, Problem{Kind: HTMXEval, Detail: fragmentRule + key +
				"= needs eval, which htmx refuses (allowEval: false) and the policy forbids: handle the event in a static script"})
		case strings.HasPrefix(key, "on") && len(key) > 2:
			out = append(out, Problem{Kind: InlineHandler, Detail: fragmentRule + key + "= never runs under a nonce policy: handle the event in a static script"})
		case key == "style":
			out = append(out, Problem{Kind: StyleAttribute, Detail: fragmentRule + "style= is blocked by style-src: use a class"})
		case urlAttrs[key] && isJavaScriptURL(v):
			out = append(out, Problem{Kind: JavaScriptURL, Detail: fragmentRule + key + "= holds a javascript: URL: use a button and a static script"})
		}
	}
	return out
}

// htmxEval reports whether htmx 2 would compile attribute key's value v
// into code. htmx reads each attribute with and without a data- prefix.
func htmxEval(key, v string) bool {
	name := strings.TrimPrefix(key, "data-")
	switch {
	case strings.HasPrefix(name, "hx-on"), name == "hx-vars":
		return true
	case name == "hx-vals" || name == "hx-headers" || name == "hx-request":
		s := strings.TrimSpace(v)
		return strings.HasPrefix(s, "js:") || strings.HasPrefix(s, "javascript:")
	case name == "hx-trigger":
		return hasTriggerFilter(v)
	}
	return false
}

// hasTriggerFilter reports whether an hx-trigger value holds a filter: an
// event name followed by [expr] ("click[ctrlKey]"), or a poll's
// ("every 1s [ready()]"). A bracket elsewhere, such as in a CSS selector
// after from:, is not one.
func hasTriggerFilter(v string) bool {
	for spec := range strings.SplitSeq(v, ",") {
		f := strings.Fields(spec)
		if len(f) == 0 {
			continue
		}
		if strings.Contains(f[0], "[") || (f[0] == "every" && len(f) > 2 && strings.HasPrefix(f[2], "[")) {
			return true
		}
	}
	return false
}

// walkStartTags calls f for every start tag of body, with the elements it
// sits in and its position (line and column from 1).
func walkStartTags(body []byte, f func(el Element, tok html.Token, line, col int)) {
	walk(body, func(t token) {
		if t.start() {
			f(t.el, t.tok, t.line, t.col)
		}
	})
}
