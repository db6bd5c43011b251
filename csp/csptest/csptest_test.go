package csptest

import (
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/noncekit/noncekit/csp"
)

const nonce = "bm9uY2Vub25jZW5vbmNlMQ=="

// site is the shape of the kit's own policy, with the test's nonce.
const site = "default-src 'self'; script-src 'nonce-" + nonce + "' 'strict-dynamic'; style-src 'self' 'nonce-" + nonce + "'"

// enforce returns the headers of a no-store response enforcing policy.
func enforce(policy string) http.Header {
	h := http.Header{}
	h.Set(csp.HeaderCSP, policy)
	h.Set("Cache-Control", "no-store")
	return h
}

func nonced() http.Header { return enforce(site) }

// reportOnly adds policy to h as a report-only header.
func reportOnly(h http.Header, policy string) http.Header {
	h.Set(csp.HeaderCSPReportOnly, policy)
	return h
}

// sha returns the hash source of content, without quotes.
func sha(content string) string {
	sum := sha256.Sum256([]byte(content))
	return "sha256-" + base64.StdEncoding.EncodeToString(sum[:])
}

// hashed is the site policy with the hash of content added to the
// directives that govern <script> and <style> elements.
func hashed(content string) http.Header {
	h := "'" + sha(content) + "'"
	return enforce(site + "; script-src-elem 'nonce-" + nonce + "' " + h + "; style-src-elem 'self' 'nonce-" + nonce + "' " + h)
}

// page wraps body lines in a document; the first body line is line 3.
func page(lines ...string) []byte {
	return []byte("<!DOCTYPE html>\n<html><head></head><body>\n" + strings.Join(lines, "\n") + "\n</body></html>")
}

// got is a problem reduced to what the table compares.
type got struct {
	Kind Kind
	Line int
}

func summarize(ps []Problem) []got {
	out := []got{}
	for _, p := range ps {
		out = append(out, got{p.Kind, p.Line})
	}
	return out
}

func TestCheck(t *testing.T) {
	n := `nonce="` + nonce + `"`
	tests := []struct {
		name   string
		header http.Header
		body   []byte
		opts   []Option
		want   []got
	}{
		{"clean page", nonced(), page(
			`<script `+n+` src="/a.js"></script>`,
			`<style `+n+`>p{}</style>`,
			`<link rel="stylesheet" href="/a.css" `+n+`>`,
			`<link rel="icon" href="/i.svg">`,
			`<a href="/x">x</a>`), nil, []got{}},
		{"script without nonce", nonced(), page(`<p>x</p>`, `<script>alert(1)</script>`), nil,
			[]got{{MissingNonce, 4}}},
		{"cacheable page: files by integrity and location, blocks by hash", hashMode(), page(
			`<script src="/a.js" integrity="sha384-oqVuAfXRKap7fdgcCY5uykM6+R9GqQ8K/uxy9rx7HNQlGYl1kPzQho1wx4JwY8wC"></script>`,
			`<link rel="stylesheet" href="/a.css">`,
			`<script>`+hashedJS+`</script>`), nil, []got{}},
		{"cacheable page: a file whose integrity is not listed", hashMode(), page(
			`<script src="/b.js" integrity="sha384-ABCDEFGHIJKLMNOPQRSTUVWXYZABCDEFGHIJKLMNOPQRSTUVWXYZABCDEFGHIJKLMNOP"></script>`,
			`<script src="/c.js"></script>`), nil, []got{{NoHeaderNonce, 3}, {NoHeaderNonce, 4}}},
		{"cacheable page: an inline script without its hash", hashMode(), page(`<script>alert(1)</script>`), nil,
			[]got{{NoHeaderNonce, 3}}},
		{"empty nonce", nonced(), page(`<script nonce="" src="/a.js"></script>`), nil,
			[]got{{MissingNonce, 3}}},
		{"wrong nonce", nonced(), page(`<style nonce="abc">p{}</style>`), nil,
			[]got{{WrongNonce, 3}}},
		{"stylesheet link without nonce", nonced(), page(`<link rel="preload stylesheet" href="/a.css">`), nil,
			[]got{{MissingNonce, 3}}},
		{"report-only nonce counts", http.Header{
			csp.HeaderCSPReportOnly: {"script-src 'nonce-" + nonce + "'"},
			"Cache-Control":         {"private, no-store"}},
			page(`<script ` + n + `></script>`), nil, []got{}},
		{"inline handler", nonced(), page(`<button onclick="go()">go</button>`), nil,
			[]got{{InlineHandler, 3}}},
		{"style attribute", nonced(), page(`<div style="color:red">x</div>`), nil,
			[]got{{StyleAttribute, 3}}},
		{"javascript URLs", nonced(), page(
			`<a href="javascript:alert(1)">a</a>`,
			`<a href="  JaVa&#x09;Script:alert(1)">b</a>`,
			`<form action="javascript:void(0)"><button formaction="javascript:x()">c</button></form>`,
			`<iframe src="java`+"\n"+`script:x()"></iframe>`,
			`<a href="/javascript:ok">d</a>`), nil,
			[]got{{JavaScriptURL, 3}, {JavaScriptURL, 4}, {JavaScriptURL, 5}, {JavaScriptURL, 5}, {JavaScriptURL, 6}}},
		{"meta policy", nonced(), page(`<meta http-equiv="content-security-policy" content="script-src 'none'">`), nil,
			[]got{{MetaPolicy, 3}}},
		{"nonce without no-store", http.Header{csp.HeaderCSP: {"script-src 'nonce-" + nonce + "'"}},
			page(`<p>x</p>`), nil, []got{{Cacheable, 0}}},
		{"no nonce in the header", http.Header{csp.HeaderCSP: {"default-src 'self'"}},
			page(`<script src="/a.js"></script>`), nil, []got{{NoHeaderNonce, 3}}},
		{"no nonce in the header, nothing needs one", http.Header{csp.HeaderCSP: {"default-src 'none'"}},
			page(`<p>an object's document</p>`), nil, []got{}},
		{"hash-only page: listed hash runs, another is reported", http.Header{csp.HeaderCSP: {
			"default-src 'self'; script-src '" + sha("ok()") + "'; style-src '" + sha("p{}") + "'"}},
			page(`<script>ok()</script>`, `<style>p{}</style>`, `<script>ok() </script>`), nil, []got{{NoHeaderNonce, 5}}},
		{"listed hash next to a nonce", hashed("ok()"),
			page(`<script>ok()</script>`, `<script>other()</script>`, `<script></script>`), nil, []got{{MissingNonce, 4}, {MissingNonce, 5}}},
		{"hash of the empty script", hashed(""),
			page(`<script></script>`), nil, []got{}},
		{"a hash never allows a src", hashed(""),
			page(`<script src="/a.js"></script>`), nil, []got{{MissingNonce, 3}}},
		{"unsafe-hashes allows exactly the listed handler", enforce(site + "; script-src-attr 'unsafe-hashes' '" + sha("go()") + "'"),
			page(`<button onclick="go()">`, `<button onclick="go(1)">`), nil, []got{{InlineHandler, 4}}},
		{"a hash without unsafe-hashes allows no handler", hashed("go()"),
			page(`<button onclick="go()">`), nil, []got{{InlineHandler, 3}}},
		{"style-src-attr 'unsafe-inline' allows style=", enforce(site + "; style-src-attr 'unsafe-inline'"),
			page(`<p style="color: red">`), nil, []got{}},

		// An allowance counts only in the directive the browser consults
		// for the element, and only in the enforced header: a report-only
		// policy blocks nothing, so it allows nothing either.
		{"a hash in style-src allows no script", enforce(site + " '" + sha("ok()") + "'"),
			page(`<script>ok()</script>`), nil, []got{{MissingNonce, 3}}},
		{"a hash in script-src allows no style", enforce(site + "; script-src-elem 'nonce-" + nonce + "' '" + sha("p{}") + "'"),
			page(`<style>p{}</style>`), nil, []got{{MissingNonce, 3}}},
		{"a hash in the report-only header allows no script", reportOnly(nonced(), "script-src 'nonce-"+nonce+"' '"+sha("ok()")+"'"),
			page(`<script>ok()</script>`), nil, []got{{MissingNonce, 3}}},
		{"a hash in script-src is shadowed by script-src-elem", enforce(
			"default-src 'self'; script-src 'nonce-" + nonce + "' '" + sha("ok()") + "'; script-src-elem 'nonce-" + nonce + "'; style-src 'self'"),
			page(`<script>ok()</script>`), nil, []got{{MissingNonce, 3}}},
		{"a nonce in style-src allows no script", enforce("default-src 'self'; style-src 'nonce-" + nonce + "'"),
			page(`<script `+n+` src="/a.js"></script>`, `<style `+n+`>p{}</style>`), nil, []got{{NoHeaderNonce, 3}}},
		{"a nonce in the report-only header allows no script", reportOnly(enforce("default-src 'self'; style-src 'nonce-"+nonce+"'"), "script-src 'nonce-"+nonce+"'"),
			page(`<script ` + n + `></script>`), nil, []got{{NoHeaderNonce, 3}}},
		{"unsafe-hashes in style-src allows no handler", enforce(
			"default-src 'self'; script-src 'nonce-" + nonce + "' '" + sha("go()") + "'; style-src 'nonce-" + nonce + "' 'unsafe-hashes'"),
			page(`<button onclick="go()">`), nil, []got{{InlineHandler, 3}}},
		{"unsafe-hashes in the report-only header allows no handler", reportOnly(nonced(), "script-src 'nonce-"+nonce+"' 'unsafe-hashes' '"+sha("go()")+"'"),
			page(`<button onclick="go()">`), nil, []got{{InlineHandler, 3}}},
		{"style-src-attr 'unsafe-inline' in the report-only header allows no style=", reportOnly(nonced(), "style-src-attr 'unsafe-inline'"),
			page(`<p style="color: red">`), nil, []got{{StyleAttribute, 3}}},
		{"'unsafe-inline' next to a nonce allows no style=", enforce(site + "; style-src-attr 'unsafe-inline' 'nonce-" + nonce + "'"),
			page(`<p style="color: red">`), nil, []got{{StyleAttribute, 3}}},
		{"script-src-attr 'unsafe-inline' allows a handler", enforce(site + "; script-src-attr 'unsafe-inline'"),
			page(`<button onclick="go()">`), nil, []got{}},
		{"'strict-dynamic' switches 'unsafe-inline' off for handlers", enforce(site + "; script-src-attr 'unsafe-inline' 'strict-dynamic'"),
			page(`<button onclick="go()">`), nil, []got{{InlineHandler, 3}}},
		{"style-src 'unsafe-inline' alone allows style=", enforce("default-src 'self'; script-src 'nonce-" + nonce + "'; style-src 'unsafe-inline'"),
			page(`<p style="color: red">`), nil, []got{}},
		{"every enforced policy must allow: a hash in one of two", http.Header{
			csp.HeaderCSP:   {site + "; script-src-elem 'nonce-" + nonce + "' '" + sha("ok()") + "'", "script-src 'nonce-" + nonce + "'"},
			"Cache-Control": {"no-store"}},
			page(`<script>ok()</script>`, `<script `+n+`>ok()</script>`), nil, []got{{MissingNonce, 3}}},
		{"policies joined by a comma are each enforced", enforce(site + ", script-src 'nonce-other'"),
			page(`<script ` + n + `></script>`), nil, []got{{NoHeaderNonce, 3}}},
		{"a response that only reports is checked against its policy on trial", http.Header{
			csp.HeaderCSPReportOnly: {"script-src 'nonce-" + nonce + "' '" + sha("ok()") + "'"},
			"Cache-Control":         {"no-store"}},
			page(`<script>ok()</script>`, `<script>other()</script>`), nil, []got{{MissingNonce, 4}}},
		{"a listed hash runs a script whose nonce is wrong", hashed("ok()"),
			page(`<script nonce="stale">ok()</script>`), nil, []got{}},
		{"unreadable policy", enforce(site + "; script-src-attr self"),
			page(`<p>x</p>`), nil, []got{{UnreadablePolicy, 0}}},
		{"multi-line tags keep counting", nonced(), page(`<div`, `  class="x">`, `</div>`, `<script>`, `x()`, `</script>`, `<p onclick="x()">`), nil,
			[]got{{MissingNonce, 6}, {InlineHandler, 9}}},
		{"script text is not markup", nonced(), page(`<script `+n+`>const s = "<script>a()</script" + ">";</script>`, `<p style="a">`), nil,
			[]got{{StyleAttribute, 4}}},
		{"allowed element", nonced(), page(
			`<section data-demo="inline-script"><p>x</p><script>blocked()</script></section>`,
			`<section data-demo="other"><script>oops()</script></section>`),
			[]Option{Allow(All(Tag("script"), Inside("data-demo", "inline-script")), "the demo shows a blocked script")},
			[]got{{MissingNonce, 4}}},
		{"allow is per element, not per page", nonced(), page(
			`<section data-demo="inline-script"><script>blocked()</script></section>`,
			`<script>accident()</script>`),
			[]Option{Allow(All(Tag("script"), Inside("data-demo", "inline-script")), "demo")},
			[]got{{MissingNonce, 4}}},
		{"ancestor ends with its end tag", nonced(), page(
			`<section data-demo="inline-script"></section>`, `<script>accident()</script>`),
			[]Option{Allow(All(Tag("script"), Inside("data-demo", "inline-script")), "demo")},
			[]got{{MissingNonce, 4}, {UnusedAllow, 0}}},
		{"unused allow", nonced(), page(`<p>x</p>`),
			[]Option{Allow(HasAttr("id", "gone"), "legacy widget")},
			[]got{{UnusedAllow, 0}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ps := Check(tt.header, tt.body, tt.opts...)
			assert.Equal(t, tt.want, summarize(ps), "problems: %v", ps)
		})
	}
}

func TestProblemNamesElementAndLine(t *testing.T) {
	ps := Check(nonced(), page(`<script src="/a.js"></script>`))
	require.Len(t, ps, 1)
	assert.Equal(t, `line 3 col 1: <script src="/a.js">: missing nonce: add nonce={ csp.NonceFrom(ctx) } or use a views/components helper`, ps[0].String())
}

func TestHeaderNonces(t *testing.T) {
	h := http.Header{}
	h.Add(csp.HeaderCSP, "script-src 'nonce-a1' 'strict-dynamic'; style-src 'nonce-a1'")
	h.Add(csp.HeaderCSPReportOnly, "script-src 'nonce-b2'")
	assert.Equal(t, []string{"a1", "a1", "b2"}, HeaderNonces(h))
	assert.Empty(t, HeaderNonces(http.Header{}))
}

// recorder captures t.Errorf calls, to test the assertions themselves.
type recorder struct {
	testing.TB
	errs []string
}

func (r *recorder) Helper() {}
func (r *recorder) Errorf(format string, args ...any) {
	r.errs = append(r.errs, fmt.Sprintf(format, args...))
}

func TestAssertNonced(t *testing.T) {
	handler := http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		for k, v := range nonced() {
			w.Header()[k] = v
		}
		_, _ = w.Write(page(`<script src="/a.js"></script>`, `<script nonce="`+nonce+`"></script>`))
	})
	srv := httptest.NewServer(handler)
	defer srv.Close()
	resp, err := http.Get(srv.URL + "/profile?tab=1")
	require.NoError(t, err)
	defer resp.Body.Close()

	r := &recorder{TB: t}
	assert.False(t, AssertNonced(r, resp))
	assert.Equal(t, []string{`GET /profile?tab=1: line 3 col 1: <script src="/a.js">: missing nonce: add nonce={ csp.NonceFrom(ctx) } or use a views/components helper`}, r.errs)

	body, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	assert.Contains(t, string(body), "<script", "the body must stay readable")

	r = &recorder{TB: t}
	assert.True(t, AssertNoncedHTML(r, nonced(), page(`<p>ok</p>`)))
	assert.Empty(t, r.errs)
}

// templ renders a page on very few lines, so the column must locate it.
func TestProblemColumn(t *testing.T) {
	long := strings.Repeat("a", 60)
	tests := []struct {
		name    string
		body    string
		line    int
		col     int
		element string
	}{
		{"same line", `<p>ab</p><script src="/a.js"></script>`, 1, 10, `<script src="/a.js">`},
		{"after a newline", "<p>\nab</p>  <script defer></script>", 2, 9, `<script defer>`},
		{"long values are cut", `<script integrity="` + long + `"></script>`, 1, 1, `<script integrity="` + strings.Repeat("a", 37) + `…">`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ps := Check(nonced(), []byte(tt.body))
			require.Len(t, ps, 1)
			assert.Equal(t, tt.line, ps[0].Line)
			assert.Equal(t, tt.col, ps[0].Col)
			assert.Equal(t, tt.element, ps[0].Element)
		})
	}
}

// hashedJS is the inline script hashMode's policy lists by hash.
const hashedJS = `document.body.dataset.ok = "1";`

// hashMode is a cacheable page's header: no nonce, scripts by hash (the
// file's integrity among them), styles from 'self'.
func hashMode() http.Header {
	return http.Header{
		csp.HeaderCSP: {"default-src 'self'; script-src 'sha384-oqVuAfXRKap7fdgcCY5uykM6+R9GqQ8K/uxy9rx7HNQlGYl1kPzQho1wx4JwY8wC' " + string(csp.SHA256(hashedJS)) +
			" 'strict-dynamic'; style-src 'self'; object-src 'none'; base-uri 'none'"},
		"Cache-Control": {"public, max-age=300"},
	}
}
