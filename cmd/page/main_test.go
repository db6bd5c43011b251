package main

import (
	"bytes"
	"crypto/sha256"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/noncekit/noncekit/internal/testsupport/kitcopy"
)

func TestParseName(t *testing.T) {
	t.Parallel()
	good := []struct {
		name string
		want page
	}{
		{"about", page{Name: "about", Path: "/about", Title: "About", Component: "About", Handler: "aboutPage", Test: "TestAboutPage", File: "about"}},
		{"privacy-policy", page{Name: "privacy-policy", Path: "/privacy-policy", Title: "Privacy policy", Component: "PrivacyPolicy", Handler: "privacyPolicyPage", Test: "TestPrivacyPolicyPage", File: "privacy_policy"}},
		{"faq2", page{Name: "faq2", Path: "/faq2", Title: "Faq2", Component: "Faq2", Handler: "faq2Page", Test: "TestFaq2Page", File: "faq2"}},
		{"go-2-market", page{Name: "go-2-market", Path: "/go-2-market", Title: "Go 2 market", Component: "Go2Market", Handler: "go2MarketPage", Test: "TestGo2MarketPage", File: "go_2_market"}},
		// Go keywords are fine: every identifier gets a prefix or suffix.
		{"type", page{Name: "type", Path: "/type", Title: "Type", Component: "Type", Handler: "typePage", Test: "TestTypePage", File: "type"}},
		// A file name never ends in _test or _<GOOS>: the handler's is x_page.go.
		{"x-test", page{Name: "x-test", Path: "/x-test", Title: "X test", Component: "XTest", Handler: "xTestPage", Test: "TestXTestPage", File: "x_test"}},
	}
	for _, tt := range good {
		t.Run(tt.name, func(t *testing.T) {
			got, err := parseName(tt.name)
			require.NoError(t, err)
			assert.Equal(t, tt.want, got)
		})
	}

	bad := []struct{ name, why string }{
		{"", "no page name"},
		{"About", "lower-case"},
		{"about us", "lower-case"},
		{"about_us", "joined by single hyphens"},
		{"about--us", "joined by single hyphens"},
		{"-about", "starting with a letter"},
		{"about-", "joined by single hyphens"},
		{"2fa", "starting with a letter"},
		{"about/team", "lower-case"},
		{"../etc", "lower-case"},
		{"about.html", "lower-case"},
		{"café", "lower-case"},
		{"a\nb", "lower-case"},
		{strings.Repeat("a", maxName+1), "longer than"},
		{"api", "reserved: /api/ is the JSON group"},
		{"static", "reserved: /static/ serves"},
		{"healthz", "reserved"},
		{"csp-report", "reserved"},
	}
	for _, tt := range bad {
		t.Run("refuses "+tt.name, func(t *testing.T) {
			_, err := parseName(tt.name)
			require.Error(t, err)
			assert.Contains(t, err.Error(), tt.why)
		})
	}
}

// TestRefusesTakenNamesInTheKit runs the checks against the kit itself
// (they only read): each name below is in use, by a file, a route or an
// identifier, and the refusal says where.
func TestRefusesTakenNamesInTheKit(t *testing.T) {
	t.Parallel()
	root := kitcopy.Root(t)
	for _, tt := range []struct{ name, why string }{
		{"home", "views/pages/home.templ exists"},
		{"reports", "views/pages/reports.templ exists"},
		{"account", "views/pages/account.templ exists"},
		{"signin", `already uses the path "/signin"`},
		{"signout", `already uses the path "/signout"`},
		{"sign-in", "views/pages already declares SignIn"},
		{"error", "views/pages already declares Error"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			p, err := parseName(tt.name)
			require.NoError(t, err)
			err = checkFree(root, p)
			require.Error(t, err)
			assert.Contains(t, err.Error(), tt.why)
		})
	}
	p, err := parseName("make-page-sample")
	require.NoError(t, err)
	require.NoError(t, checkFree(root, p), "a name nothing uses is free")
}

// miniKit is the least of the kit scaffold reads: go.mod, the two
// packages it declares into, and routes.go with its markers.
func miniKit(t *testing.T, routes string) string {
	t.Helper()
	dir := t.TempDir()
	files := map[string]string{
		"go.mod":                        "module example.com/app\n\ngo 1.26\n",
		"views/pages/home.templ":        "package pages\n",
		"views/pages/team.go":           "package pages\n\nfunc helper() {}\n",
		"internal/server/server.go":     "package server\n\ntype Server struct{ links []string }\n\nfunc (s *Server) teamPage() {}\n",
		"internal/server/routes.go":     routes,
		"internal/server/legal_test.go": "package server\n\nimport \"testing\"\n\nfunc TestLegalPage(t *testing.T) {}\n",
	}
	for name, body := range files {
		require.NoError(t, os.MkdirAll(filepath.Join(dir, filepath.Dir(name)), 0o755))
		require.NoError(t, os.WriteFile(filepath.Join(dir, name), []byte(body), 0o644))
	}
	return dir
}

const miniRoutes = `package server

func (s *Server) routes() {
	s.links = []string{
		// make page adds links above this line
	}
	r.Group(func(r chi.Router) {
		r.Get("/help", s.help)
		// make page adds routes above this line
	})
	r.Group(func(r chi.Router) {
		// make page CACHE=public adds pages above this line
	})
}
`

// treeSum hashes every file's path and content under dir.
func treeSum(t *testing.T, dir string) [32]byte {
	t.Helper()
	h := sha256.New()
	require.NoError(t, filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(dir, path)
		_, _ = h.Write([]byte(rel + "\x00"))
		_, _ = h.Write(b)
		_, _ = h.Write([]byte{0})
		return nil
	}))
	var sum [32]byte
	copy(sum[:], h.Sum(nil))
	return sum
}

// TestRefusalWritesNothing: every refusal leaves the kit exactly as it
// was, whichever check refuses.
func TestRefusalWritesNothing(t *testing.T) {
	t.Parallel()
	noRouteMarker := strings.Replace(miniRoutes, routeMarker, "", 1)
	twoLinkMarkers := strings.Replace(miniRoutes, linkMarker, linkMarker+"\n\t\t"+linkMarker, 1)
	for _, tt := range []struct {
		name, routes, why string
	}{
		{"Bad", miniRoutes, "lower-case"},
		{"api", miniRoutes, "reserved"},
		{"home", miniRoutes, "views/pages/home.templ exists"},
		{"help", miniRoutes, `internal/server/routes.go:8 already uses the path "/help"`},
		{"team", miniRoutes, "internal/server already declares teamPage (internal/server/server.go:5)"},
		{"legal", miniRoutes, "internal/server already declares TestLegalPage"},
		{"links", miniRoutes, ""}, // the field is links; the handler linksPage is free
		{"about", noRouteMarker, `has no line "// make page adds routes above this line": put it back (inside the site group`},
		{"about", twoLinkMarkers, "twice"},
	} {
		t.Run(tt.name+" "+tt.why, func(t *testing.T) {
			dir := miniKit(t, tt.routes)
			before := treeSum(t, dir)
			_, err := scaffold(dir, tt.name, false, io.Discard)
			if tt.why == "" {
				require.NoError(t, err)
				return
			}
			require.Error(t, err)
			assert.Contains(t, err.Error(), tt.why)
			assert.Equal(t, before, treeSum(t, dir), "a refused page must write nothing")
		})
	}
}

// TestScaffoldWrites: the files land where the README says, Go files
// gofmt-formatted, and routes.go gets the route above its marker and the
// link above its own, indented like them. That a scaffolded page builds
// and passes make test in the kit itself is docs/docs_test.go's to prove:
// it follows the README's walkthrough on a copy of the kit (`make page
// NAME=about`, then NAME=gallery), runs make's checks and the tests, and
// fails a page naming a missing static file the three ways it should.
func TestScaffoldWrites(t *testing.T) {
	t.Parallel()
	dir := miniKit(t, miniRoutes)
	var out bytes.Buffer
	p, err := scaffold(dir, "privacy-policy", false, &out)
	require.NoError(t, err)
	for _, f := range []string{p.templFile(), p.handlerFile(), p.testFile()} {
		assert.FileExists(t, filepath.Join(dir, f))
		assert.Contains(t, out.String(), "wrote "+f)
	}
	routes, err := os.ReadFile(filepath.Join(dir, "internal/server/routes.go"))
	require.NoError(t, err)
	assert.Contains(t, string(routes), "\t\t{Href: \"/privacy-policy\", Label: \"Privacy policy\", Nav: true},\n\t\t"+linkMarker)
	assert.Contains(t, string(routes), "\t\tr.Get(\"/privacy-policy\", s.privacyPolicyPage)\n\t\t"+routeMarker)
	handler, err := os.ReadFile(filepath.Join(dir, p.handlerFile()))
	require.NoError(t, err)
	assert.Contains(t, string(handler), `"example.com/app/views/pages"`, "imports use the kit's module path")

	// The same name again is taken, and nothing changes.
	before := treeSum(t, dir)
	_, err = scaffold(dir, "privacy-policy", false, io.Discard)
	require.ErrorContains(t, err, "is taken")
	assert.Equal(t, before, treeSum(t, dir))
}

// TestScaffoldCacheable: make page NAME=pricing CACHE=public puts the page
// in the cacheable group, registered for the start-up render, and its test
// checks what a cacheable page promises instead of a nonce.
func TestScaffoldCacheable(t *testing.T) {
	t.Parallel()
	dir := miniKit(t, miniRoutes)
	p, err := scaffold(dir, "pricing", true, io.Discard)
	require.NoError(t, err)
	routes, err := os.ReadFile(filepath.Join(dir, "internal/server/routes.go"))
	require.NoError(t, err)
	assert.Contains(t, string(routes), "\t\ts.cacheablePage(r, \"/pricing\", s.pricingPage)\n\t\t"+cacheableMarker)
	assert.NotContains(t, string(routes), "r.Get(\"/pricing\"")
	assert.Contains(t, string(routes), `{Href: "/pricing", Label: "Pricing", Nav: true},`)
	test, err := os.ReadFile(filepath.Join(dir, p.testFile()))
	require.NoError(t, err)
	assert.Contains(t, string(test), `assert.Contains(t, rec.Header().Get("Cache-Control"), "public")`)
	assert.Contains(t, string(test), "http.StatusNotModified")
	handler, err := os.ReadFile(filepath.Join(dir, p.handlerFile()))
	require.NoError(t, err)
	assert.Contains(t, string(handler), "in the cacheable group")

	for _, args := range [][]string{{"-cache=private", "x"}, {"-cache=public"}, {"a", "b"}} {
		assert.Error(t, run(args, dir, io.Discard), "%q", args)
	}
}
