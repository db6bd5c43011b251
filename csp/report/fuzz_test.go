package report

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"
)

// FuzzParse feeds arbitrary bodies under each accepted content type and
// checks the promises normalisation makes: no panic, only the two sentinel
// errors, every string field capped, valid UTF-8 and free of control and
// format characters, and no URL field with a query or fragment.
func FuzzParse(f *testing.F) {
	seeds, _ := filepath.Glob("testdata/*.json")
	for _, p := range seeds {
		b, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		for ct := range uint8(3) {
			f.Add(ct, "app", b)
		}
	}
	f.Add(uint8(0), "", []byte(`{"csp-report":{"line-number":"12","script-sample":"a\u0000\u202eb"}}`))
	f.Add(uint8(1), "x", []byte(`[{"type":"csp-violation","body":{"blockedURL":"chrome-extension"}},{"type":"deprecation"},1,null]`))
	f.Add(uint8(2), "a b", []byte("[[[[[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]]]]]"))

	types := []string{TypeCSPReport, TypeReportsJSON, TypeJSON}
	f.Fuzz(func(t *testing.T, ct uint8, group string, body []byte) {
		b, err := Parse(types[int(ct)%len(types)], body, Meta{Group: group, UserAgent: string(body)})
		if err != nil {
			if !errors.Is(err, ErrMalformed) {
				t.Fatalf("error %v wraps neither sentinel", err)
			}
			return
		}
		if len(b.Violations)+b.Ignored > MaxEntries {
			t.Fatalf("%d violations + %d ignored exceed the cap", len(b.Violations), b.Ignored)
		}
		noise := 0
		for _, v := range b.Violations {
			for _, f := range []struct {
				name, s string
				max     int
			}{
				{"DocumentURL", v.DocumentURL, MaxURLLen},
				{"BlockedURL", v.BlockedURL, MaxURLLen},
				{"SourceFile", v.SourceFile, MaxURLLen},
				{"Sample", v.Sample, MaxSampleLen},
				{"EffectiveDirective", v.EffectiveDirective, MaxDirectiveLen},
				{"UserAgent", v.UserAgent, MaxUserAgentLen},
				{"Group", v.Group, MaxGroupLen},
				{"Disposition", v.Disposition, 8},
			} {
				checkClean(t, f.name, f.s, f.max)
			}
			for _, u := range []string{v.DocumentURL, v.BlockedURL, v.SourceFile} {
				if strings.ContainsAny(u, "?#") {
					t.Fatalf("query or fragment kept in %q", u)
				}
			}
			if v.Line < 0 || v.Column < 0 || v.StatusCode < 0 {
				t.Fatalf("negative number in %+v", v)
			}
			if v.Noise {
				noise++
			}
		}
		if noise != b.Noise {
			t.Fatalf("Noise = %d, flagged %d", b.Noise, noise)
		}
	})
}

func checkClean(t *testing.T, name, s string, max int) {
	t.Helper()
	if len(s) > max {
		t.Fatalf("%s: %d bytes, cap %d", name, len(s), max)
	}
	if !utf8.ValidString(s) {
		t.Fatalf("%s: invalid UTF-8 %q", name, s)
	}
	for _, r := range s {
		if unicode.IsControl(r) || unicode.In(r, unicode.Cf, unicode.Zl, unicode.Zp) {
			t.Fatalf("%s: unescaped %U in %q", name, r, s)
		}
	}
}

// FuzzScrubURL checks scrubURL's promises on any input: the result never
// grows, is stable when scrubbed again, and keeps no query, fragment or
// userinfo of an http(s) or ws(s) URL, with the authority where the WHATWG
// URL parser finds it for those schemes (after any run of '/' and '\',
// none included) or, without a scheme, after two of them.
func FuzzScrubURL(f *testing.F) {
	for _, c := range scrubCases {
		f.Add(c.in)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got := scrubURL(s)
		if len(got) > len(s) {
			t.Fatalf("grew: %q -> %q", s, got)
		}
		if again := scrubURL(got); again != got {
			t.Fatalf("not idempotent: %q -> %q -> %q", s, got, again)
		}
		if strings.ContainsAny(got, "?#") {
			t.Fatalf("query or fragment kept: %q -> %q", s, got)
		}
		if auth, ok := whatwgAuthority(got); ok && strings.Contains(auth, "@") {
			t.Fatalf("userinfo kept: %q -> %q", s, got)
		}
	})
}

// whatwgAuthority is the authority a browser reads in u, a value with no
// query or fragment left, as the WHATWG URL parser reads it ("special
// authority ignore slashes state"): for http, https, ws and wss, what
// follows the colon and any run of '/' and '\', up to the next '/' or
// '\'; without a scheme, the same after a start of two of them (a
// scheme-relative URL against the page's http(s) base). ok is false when
// u has no authority.
func whatwgAuthority(u string) (string, bool) {
	rest := u
	if scheme, r, ok := splitScheme(u); ok {
		switch strings.ToLower(scheme) {
		case "http", "https", "ws", "wss":
			rest = r
		default:
			return "", false
		}
	} else if len(u) < 2 || !strings.ContainsRune(`/\`, rune(u[0])) || !strings.ContainsRune(`/\`, rune(u[1])) {
		return "", false
	}
	rest = strings.TrimLeft(rest, `/\`)
	if i := strings.IndexAny(rest, `/\`); i >= 0 {
		rest = rest[:i]
	}
	return rest, true
}
