// Package csptest fails a test when a rendered page breaks its
// Content-Security-Policy promise:
//
//	rec := httptest.NewRecorder()
//	srv.ServeHTTP(rec, httptest.NewRequest("GET", "/profile", nil))
//	csptest.AssertNonced(t, rec.Result())
//
// Every <script>, <style> and stylesheet <link> must carry the response's
// nonce, and nothing a nonce can never allow (inline event handlers, style
// attributes, javascript: URLs) may be present. A page that forgets a
// nonce does not fail loudly in production: the browser silently blocks
// the script and reports it. Checking every page in a unit test catches it
// before it ships.
//
// The headers are read with the csp package's own parser, and each element
// is judged by the directive the browser consults for it, in the policy the
// browser enforces: a <script> by script-src-elem, else script-src, else
// default-src, of the Content-Security-Policy header. A nonce or hash listed
// elsewhere (in style-src, or in the report-only header, which blocks
// nothing and so allows nothing) does not count. What a nonce cannot allow
// is still accepted where the browser accepts it: an inline script or
// style whose hash is listed, a handler or style attribute under
// 'unsafe-hashes' and its hash, or under an 'unsafe-inline' that no nonce,
// hash or 'strict-dynamic' switches off. csptest does not match URLs
// against host sources: a script file that 'self' lets in is still
// expected to carry a nonce the policy lists, except on a page whose
// policy lists no nonce at all (a cacheable group's), where a script file
// passes when its integrity is a hash the policy lists, and a stylesheet
// when the policy allows a location ('self', a host).
//
// Intentional exceptions are declared one element at a time with [Allow],
// so a new, accidental one still fails.
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

// Kind classifies a [Problem].
type Kind string

// The problems Check finds.
const (
	// MissingNonce: a script, style or stylesheet link without a nonce.
	MissingNonce Kind = "missing nonce"
	// WrongNonce: a nonce that is not the one in the response's header.
	WrongNonce Kind = "wrong nonce"
	// NoHeaderNonce: the directive that governs the element (script-src
	// for a <script>, when script-src-elem is not set) lists no nonce, so
	// no nonce can allow it.
	NoHeaderNonce Kind = "no nonce in header"
	// InlineHandler: an on* attribute, which no nonce can allow.
	InlineHandler Kind = "inline event handler"
	// StyleAttribute: a style= attribute, blocked by a strict style-src.
	StyleAttribute Kind = "style attribute"
	// JavaScriptURL: a javascript: URL, which runs like an inline handler.
	JavaScriptURL Kind = "javascript: URL"
	// MetaPolicy: a policy in <meta http-equiv>, which cannot be nonced
	// per response by the middleware and may conflict with the header.
	MetaPolicy Kind = "meta policy"
	// Cacheable: a nonced response without Cache-Control: no-store; a
	// cached copy would serve the same nonce twice.
	Cacheable Kind = "cacheable nonce"
	// UnreadablePolicy: a CSP header the csp package's parser refuses.
	UnreadablePolicy Kind = "unreadable policy"
	// UnusedAllow: an [Allow] that matched no element. A stale exception
	// hides nothing today but would hide a regression tomorrow.
	UnusedAllow Kind = "unused exception"
)

// Problem is one thing wrong with a page.
type Problem struct {
	Kind Kind // what is wrong
	// Line and Col locate the element's start tag in the body, from 1;
	// both are 0 for a problem of the response as a whole. Col matters for
	// templ output, which renders a whole page on very few lines.
	Line, Col int
	// Element is the start tag as written, shortened; "" for the response.
	Element string
	// Detail says what to fix.
	Detail string

	// needles find where the element is written in the .templ sources,
	// for the failure message (source.go).
	needles []string
}

// String is the problem as a test failure prints it.
func (p Problem) String() string {
	if p.Element == "" {
		return fmt.Sprintf("%s: %s", p.Kind, p.Detail)
	}
	return fmt.Sprintf("line %d col %d: %s: %s: %s", p.Line, p.Col, p.Element, p.Kind, p.Detail)
}

// Element is a start tag as [Matcher]s see it, with the elements it sits
// in, outermost first.
type Element struct {
	Tag       string            // lower-cased
	Attrs     map[string]string // names lower-cased, as HTML does
	Line      int               // in the body, from 1
	Ancestors []Element         // outermost first
}

// Attr returns the value of attribute name and whether it is present.
func (e Element) Attr(name string) (string, bool) {
	v, ok := e.Attrs[name]
	return v, ok
}

// Matcher selects the elements an [Allow] exempts.
type Matcher func(Element) bool

// Tag matches elements by tag name.
func Tag(name string) Matcher {
	name = strings.ToLower(name)
	return func(e Element) bool { return e.Tag == name }
}

// HasAttr matches elements whose attribute name equals value.
func HasAttr(name, value string) Matcher {
	return func(e Element) bool { v, ok := e.Attr(name); return ok && v == value }
}

// Inside matches elements within an ancestor whose attribute name equals
// value, such as Inside("data-demo", "inline-script").
func Inside(name, value string) Matcher {
	has := HasAttr(name, value)
	return func(e Element) bool { return slices.ContainsFunc(e.Ancestors, has) }
}

// All matches elements every m matches.
func All(ms ...Matcher) Matcher {
	return func(e Element) bool {
		for _, m := range ms {
			if !m(e) {
				return false
			}
		}
		return len(ms) > 0
	}
}

// Option changes what [Check] accepts.
type Option func(*config)

type config struct{ allows []allow }

type allow struct {
	match  Matcher
	reason string
	used   bool
}

// Allow exempts the elements match selects from every check, for a reason
// a reader of the test will understand. Match as narrowly as possible: the
// point is that a new, accidental problem still fails. An Allow that matches
// nothing is itself reported, as [UnusedAllow].
func Allow(match Matcher, reason string) Option {
	return func(c *config) { c.allows = append(c.allows, allow{match: match, reason: reason}) }
}

// urlAttrs are the attributes whose value the browser may navigate to or
// load: a javascript: URL in any of them runs script.
var urlAttrs = map[string]bool{
	"href": true, "src": true, "action": true, "formaction": true, "xlink:href": true,
	"data": true, "poster": true, "background": true, "cite": true, "codebase": true,
	"lowsrc": true, "ping": true, "manifest": true, "longdesc": true,
}

// voidElements have no end tag, so they never become an ancestor.
var voidElements = map[atom.Atom]bool{
	atom.Area: true, atom.Base: true, atom.Br: true, atom.Col: true, atom.Embed: true,
	atom.Hr: true, atom.Img: true, atom.Input: true, atom.Link: true, atom.Meta: true,
	atom.Source: true, atom.Track: true, atom.Wbr: true,
}

// Check returns every problem of a response with headers h and HTML body.
// It reads the body with x/net/html's tokenizer rather than a DOM parser
// because only the tokenizer knows where each tag is, and a problem is
// only useful with its line.
func Check(h http.Header, body []byte, opts ...Option) []Problem {
	var c config
	for _, o := range opts {
		o(&c)
	}
	var problems []Problem
	if len(HeaderNonces(h)) > 0 && !hasNoStore(h) {
		problems = append(problems, Problem{Kind: Cacheable,
			Detail: fmt.Sprintf("the response carries a nonce but Cache-Control is %q: add no-store", h.Get("Cache-Control"))})
	}

	pol := readPolicies(h)
	problems = append(problems, pol.unreadable...)
	// hashCheck is the nonce problem of the inline script or style just
	// opened: dropped when hashGov lists the hash of its text, as the
	// browser then runs it without a nonce.
	hashCheck := -1
	var hashGov governed
	walk(body, func(t token) {
		if hashCheck >= 0 {
			text := ""
			if t.tt == html.TextToken {
				text = string(t.raw)
			}
			if hashGov.allowsText(text) {
				problems = slices.Delete(problems, hashCheck, hashCheck+1)
			}
			hashCheck = -1
		}
		if !t.start() {
			return
		}
		el, tok := t.el, t.tok
		if found, gov := checkElement(el, tok.DataAtom, pol); len(found) > 0 && !c.allowed(el) {
			for _, p := range found {
				p.Line, p.Col, p.Element = t.line, t.col, describe(tok)
				p.needles = needles(p.Kind, tok)
				_, hasSrc := el.Attr("src")
				nonceProblem := p.Kind == MissingNonce || p.Kind == NoHeaderNonce || p.Kind == WrongNonce
				if nonceProblem && t.tt == html.StartTagToken && !hasSrc && tok.DataAtom != atom.Link {
					hashCheck, hashGov = len(problems), gov
				}
				problems = append(problems, p)
			}
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

// allowed reports whether an Allow exempts el, and marks it used.
func (c *config) allowed(el Element) bool {
	ok := false
	for i := range c.allows {
		if c.allows[i].match(el) {
			c.allows[i].used = true
			ok = true
		}
	}
	return ok
}

// checkElement returns el's problems, without line or element filled in,
// and how the policies govern el when it needs a nonce, for the hash check
// of its text.
func checkElement(el Element, a atom.Atom, pol policies) ([]Problem, governed) {
	var out []Problem
	var gov governed
	switch a {
	case atom.Script:
		gov = pol.govern(csp.ScriptSrcElem)
	case atom.Style:
		gov = pol.govern(csp.StyleSrcElem)
	case atom.Link:
		if rel, _ := el.Attr("rel"); hasToken(rel, "stylesheet") {
			gov = pol.govern(csp.StyleSrcElem)
		}
	}
	if gov.directive != "" {
		nonces := gov.nonces()
		n, _ := el.Attr("nonce")
		switch {
		case len(nonces) == 0 && n == "" && gov.allowsFile(el, a):
			// A hash-mode (cacheable) page: a script file allowed by its
			// integrity, a stylesheet by its location.
		case len(nonces) == 0 && gov.via() == "":
			out = append(out, Problem{Kind: NoHeaderNonce, Detail: fmt.Sprintf("this element needs a nonce, but no policy of the response sets %s or a directive it falls back to", gov.directive)})
		case len(nonces) == 0:
			out = append(out, Problem{Kind: NoHeaderNonce, Detail: fmt.Sprintf("this element needs a nonce, but %s lists no 'nonce-…' source", gov.via())})
		case n == "":
			out = append(out, Problem{Kind: MissingNonce, Detail: "add nonce={ csp.NonceFrom(ctx) } or use a views/components helper"})
		case !slices.Contains(nonces, n):
			out = append(out, Problem{Kind: WrongNonce, Detail: fmt.Sprintf("nonce %q is not the %q that %s lists", n, nonces[0], gov.via())})
		}
	}
	// Sorted so that problems come out in the same order every run.
	for _, key := range slices.Sorted(maps.Keys(el.Attrs)) {
		v := el.Attrs[key]
		switch {
		case strings.HasPrefix(key, "on") && len(key) > 2 && !pol.govern(csp.ScriptSrcAttr).allowsAttribute(v):
			out = append(out, Problem{Kind: InlineHandler, Detail: key + "= never runs under a nonce policy: attach the handler with addEventListener in a nonced script"})
		case key == "style" && !pol.govern(csp.StyleSrcAttr).allowsAttribute(v):
			out = append(out, Problem{Kind: StyleAttribute, Detail: "style= is blocked by style-src without 'unsafe-inline': use a class"})
		case urlAttrs[key] && isJavaScriptURL(v):
			out = append(out, Problem{Kind: JavaScriptURL, Detail: key + "= holds a javascript: URL: use a button and a nonced script"})
		}
	}
	if a == atom.Meta {
		if v, _ := el.Attr("http-equiv"); strings.EqualFold(strings.TrimSpace(v), csp.HeaderCSP) {
			out = append(out, Problem{Kind: MetaPolicy, Detail: "send the policy as a header, from the route group's middleware"})
		}
	}
	return out, gov
}

// urlWhitespace removes the tabs and newlines the URL parser strips anywhere
// in a URL. A Replacer is safe for concurrent use, so one serves every call.
var urlWhitespace = strings.NewReplacer("\t", "", "\n", "", "\r", "")

// isJavaScriptURL applies the URL parser's leniency: leading spaces and
// control characters, and tabs or newlines anywhere, do not stop a browser
// from running "java\tscript:alert(1)".
func isJavaScriptURL(v string) bool {
	v = strings.TrimLeft(v, "\x00\x01\x02\x03\x04\x05\x06\x07\x08\x09\x0a\x0b\x0c\x0d\x0e\x0f\x10\x11\x12\x13\x14\x15\x16\x17\x18\x19\x1a\x1b\x1c\x1d\x1e\x1f ")
	v = urlWhitespace.Replace(v)
	return len(v) >= len("javascript:") && strings.EqualFold(v[:len("javascript:")], "javascript:")
}

func hasNoStore(h http.Header) bool {
	for _, v := range h.Values("Cache-Control") {
		for d := range strings.SplitSeq(v, ",") {
			if strings.EqualFold(strings.TrimSpace(d), "no-store") {
				return true
			}
		}
	}
	return false
}

func hasToken(list, tok string) bool {
	for _, f := range strings.Fields(list) {
		if strings.EqualFold(f, tok) {
			return true
		}
	}
	return false
}

// describe renders a start tag for a failure message: attribute values
// are cut short, so an integrity hash does not hide the element's src.
func describe(tok html.Token) string {
	var b strings.Builder
	b.WriteString("<" + tok.Data)
	for _, a := range tok.Attr {
		v := a.Val
		if len(v) > 40 {
			v = v[:37] + "…"
		}
		b.WriteString(" " + a.Key)
		if a.Val != "" {
			b.WriteString(`="` + v + `"`)
		}
	}
	b.WriteString(">")
	return b.String()
}

// CheckResponse reads resp's body, checks it with [Check], and puts the
// body back so the caller can still read it.
func CheckResponse(resp *http.Response, opts ...Option) ([]Problem, error) {
	body, err := io.ReadAll(resp.Body)
	_ = resp.Body.Close()
	resp.Body = io.NopCloser(bytes.NewReader(body))
	if err != nil {
		return nil, fmt.Errorf("csptest: reading the body: %w", err)
	}
	return Check(resp.Header, body, opts...), nil
}

// AssertNonced reports each problem of resp through t.Errorf and returns
// whether there was none. The body stays readable.
func AssertNonced(t testing.TB, resp *http.Response, opts ...Option) bool {
	t.Helper()
	problems, err := CheckResponse(resp, opts...)
	if err != nil {
		t.Errorf("%v", err)
		return false
	}
	return report(t, requestName(resp), problems)
}

// AssertNoncedHTML is [AssertNonced] for a header and body already at hand.
func AssertNoncedHTML(t testing.TB, h http.Header, body []byte, opts ...Option) bool {
	t.Helper()
	return report(t, "response", Check(h, body, opts...))
}

func report(t testing.TB, name string, problems []Problem) bool {
	t.Helper()
	for _, p := range problems {
		t.Errorf("%s", message(name, p, places(p.needles)))
	}
	return len(problems) == 0
}

func requestName(resp *http.Response) string {
	if resp.Request != nil && resp.Request.URL != nil {
		return resp.Request.Method + " " + resp.Request.URL.RequestURI()
	}
	return "response"
}

// token is one token of a walk over a body: for a start tag, the element
// with the elements it sits in; and where it starts (line and column from
// 1).
type token struct {
	tt        html.TokenType
	raw       []byte
	el        Element
	tok       html.Token
	line, col int
}

func (t token) start() bool { return t.tt == html.StartTagToken || t.tt == html.SelfClosingTagToken }

// walk calls f for every token of body, in order, keeping the stack of open
// elements (Element.Ancestors) and each token's position. Check and
// CheckFragment share it: the tokenizer alone knows where each tag is.
func walk(body []byte, f func(token)) {
	z := html.NewTokenizer(bytes.NewReader(body))
	line, col := 1, 1
	var stack []Element
	for {
		tt := z.Next()
		if tt == html.ErrorToken {
			return
		}
		t := token{tt: tt, raw: z.Raw(), line: line, col: col}
		if nl := bytes.Count(t.raw, []byte("\n")); nl > 0 {
			line += nl
			col = len(t.raw) - bytes.LastIndexByte(t.raw, '\n')
		} else {
			col += len(t.raw)
		}
		switch tt {
		case html.StartTagToken, html.SelfClosingTagToken:
			t.tok = z.Token()
			t.el = Element{Tag: t.tok.Data, Attrs: map[string]string{}, Line: t.line, Ancestors: stack}
			for _, a := range t.tok.Attr {
				if _, dup := t.el.Attrs[a.Key]; !dup { // the browser keeps the first
					t.el.Attrs[a.Key] = a.Val
				}
			}
			f(t)
			if tt == html.StartTagToken && !voidElements[t.tok.DataAtom] {
				stack = append(stack[:len(stack):len(stack)], t.el)
			}
			continue
		case html.EndTagToken:
			name, _ := z.TagName()
			for i := len(stack) - 1; i >= 0; i-- {
				if stack[i].Tag == string(name) {
					stack = stack[:i]
					break
				}
			}
		}
		f(t)
	}
}
