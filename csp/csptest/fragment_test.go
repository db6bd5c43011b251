package csptest

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// fragment joins lines as a fragment; the first is line 1.
func fragment(lines ...string) []byte { return []byte(strings.Join(lines, "\n")) }

func TestCheckFragment(t *testing.T) {
	tests := []struct {
		name   string
		header http.Header
		body   []byte
		opts   []Option
		want   []got
	}{
		{"clean fragment", nonced(), fragment(`<p class="note" hx-get="/more" hx-trigger="click">ok</p>`, `<a href="/x">x</a>`), nil, []got{}},
		{"nonced script is still a script", nonced(), fragment(`<p>x</p>`, `<script nonce="`+nonce+`">run()</script>`), nil,
			[]got{{FragmentScript, 2}}},
		{"inline script", nonced(), fragment(`<script>run()</script>`), nil, []got{{FragmentScript, 1}}},
		{"external script", nonced(), fragment(`<script src="/static/x.js"></script>`), nil, []got{{FragmentScript, 1}}},
		{"style element", nonced(), fragment(`<style nonce="` + nonce + `">p{}</style>`), nil, []got{{FragmentStyle, 1}}},
		{"stylesheet link", nonced(), fragment(`<link rel="preload stylesheet" href="/x.css">`), nil, []got{{FragmentStyle, 1}}},
		{"other link", nonced(), fragment(`<link rel="preload" href="/x.css">`), nil, []got{}},
		{"handler attribute", nonced(), fragment(`<button onclick="go()">go</button>`), nil, []got{{InlineHandler, 1}}},
		{"style attribute", nonced(), fragment(``, `<div style="color:red">x</div>`), nil, []got{{StyleAttribute, 2}}},
		{"javascript URL", nonced(), fragment(`<a href=" javascript:go()">x</a>`), nil, []got{{JavaScriptURL, 1}}},
		{"hx-on", nonced(), fragment(`<button hx-on:click="go()">x</button>`), nil, []got{{HTMXEval, 1}}},
		{"hx-on with data- prefix and dashes", nonced(), fragment(`<button data-hx-on--after-request="go()">x</button>`), nil, []got{{HTMXEval, 1}}},
		{"hx-vars", nonced(), fragment(`<div hx-vars="a:1">x</div>`), nil, []got{{HTMXEval, 1}}},
		{"hx-vals js:", nonced(), fragment(`<div hx-vals=' js:{a: go()}'>x</div>`), nil, []got{{HTMXEval, 1}}},
		{"hx-vals JSON is data", nonced(), fragment(`<div hx-vals='{"a": 1}'>x</div>`), nil, []got{}},
		{"hx-headers javascript:", nonced(), fragment(`<div data-hx-headers='javascript:{}'>x</div>`), nil, []got{{HTMXEval, 1}}},
		{"trigger filter", nonced(), fragment(`<input hx-get="/s" hx-trigger="keyup[key=='Enter']">`), nil, []got{{HTMXEval, 1}}},
		{"trigger filter in a second trigger", nonced(), fragment(`<input hx-get="/s" hx-trigger="load, keyup[ok] delay:1s">`), nil, []got{{HTMXEval, 1}}},
		{"poll filter", nonced(), fragment(`<div hx-get="/s" hx-trigger="every 2s [ready()]"></div>`), nil, []got{{HTMXEval, 1}}},
		{"brackets in a from: selector are no filter", nonced(), fragment(`<div hx-get="/s" hx-trigger="change from:[name='q'], every 2s"></div>`), nil, []got{}},
		{"several on one element, sorted by attribute name", nonced(), fragment(`<b style="x" onclick="y" hx-on:click="z">x</b>`), nil,
			[]got{{HTMXEval, 1}, {InlineHandler, 1}, {StyleAttribute, 1}}},
		{"allowed by name", nonced(), fragment(`<div data-fragment="injected">`, `<script>bad()</script>`, `</div>`, `<script>worse()</script>`),
			[]Option{Allow(All(Tag("script"), Inside("data-fragment", "injected")), "the demo's injected script")},
			[]got{{FragmentScript, 4}}},
		{"unused allow", nonced(), fragment(`<p>ok</p>`), []Option{Allow(Tag("script"), "stale")}, []got{{UnusedAllow, 0}}},
		{"no policy header", http.Header{}, fragment(`<p>ok</p>`), nil, []got{{NoPolicy, 0}}},
		{"report-only policy is a policy", http.Header{"Content-Security-Policy-Report-Only": {"default-src 'self'"}}, fragment(`<p>ok</p>`), nil, []got{}},
		{"nonced header without no-store", func() http.Header { h := nonced(); h.Del("Cache-Control"); return h }(), fragment(`<p>ok</p>`), nil,
			[]got{{Cacheable, 0}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, summarize(CheckFragment(tt.header, tt.body, tt.opts...)))
		})
	}
}

// TestFragmentProblemsStateTheRule: a failure says what the kit's rule is
// and what to do instead, not only what was found.
func TestFragmentProblemsStateTheRule(t *testing.T) {
	ps := CheckFragment(nonced(), fragment(`<p>x</p><script>go()</script>`, `<i onclick="go()" style="a" hx-on:click="go()"></i><style></style>`))
	require.Len(t, ps, 5)
	for _, p := range ps {
		assert.Contains(t, p.Detail, "the kit's fragment rule: a fragment carries no <script>, <style>, on*= or style=", p.Kind)
		assert.Contains(t, p.Detail, "event delegation", p.Kind)
	}
	assert.Equal(t, "line 1 col 9: <script>: script in fragment: "+fragmentRule+
		"htmx drops a swapped <script> (allowScriptTags: false), and a nonce in a fragment is its response's, never the page's", ps[0].String())
	assert.Equal(t, 2, ps[1].Line)
	assert.Contains(t, ps[1].Detail, "allowEval: false")
}

// fragmentRecorder collects what AssertFragment reports.
type fragmentRecorder struct {
	testing.TB
	errs []string
}

func (r *fragmentRecorder) Helper() {}
func (r *fragmentRecorder) Errorf(format string, args ...any) {
	r.errs = append(r.errs, fmt.Sprintf(format, args...))
}

func TestAssertFragment(t *testing.T) {
	body := `<p>ok</p>`
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		for k, v := range nonced() {
			w.Header()[k] = v
		}
		_, _ = io.WriteString(w, body)
	}))
	defer srv.Close()
	get := func() *http.Response {
		resp, err := http.Get(srv.URL + "/frag?x=1")
		require.NoError(t, err)
		t.Cleanup(func() { _ = resp.Body.Close() })
		return resp
	}

	r := &fragmentRecorder{TB: t}
	assert.True(t, AssertFragment(r, get()))
	assert.Empty(t, r.errs)

	body = `<p>ok</p><script>go()</script>`
	resp := get()
	r = &fragmentRecorder{TB: t}
	assert.False(t, AssertFragment(r, resp))
	require.Len(t, r.errs, 1)
	assert.True(t, strings.HasPrefix(r.errs[0], "GET /frag?x=1 (fragment): line 1 col 10: <script>: script in fragment: the kit's fragment rule"), r.errs[0])
	rest, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	assert.Equal(t, body, string(rest), "the body stays readable")
}
