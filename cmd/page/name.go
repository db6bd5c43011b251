package main

import (
	"fmt"
	"regexp"
	"strings"
)

// nameRE is a page name: lower-case words of letters and digits joined by
// single hyphens, starting with a letter ("about", "privacy-policy"). It
// is the page's path, and every identifier and file name derives from it,
// so nothing in it needs escaping anywhere.
var nameRE = regexp.MustCompile(`^[a-z][a-z0-9]*(-[a-z0-9]+)*$`)

// maxName keeps a path, and the identifiers made from it, readable.
const maxName = 40

// reserved are names whose path the kit keeps for something that is not a
// page, with the reason a refusal gives. Routes the kit or the showcase
// registers are found in the code (taken); these are the prefixes whose
// routes are built at run time or that a page must never shadow.
var reserved = map[string]string{
	"api":        "/api/ is the JSON group, served under the API policy",
	"static":     "/static/ serves the embedded CSS, JS and images",
	"healthz":    "/healthz is the health check",
	"csp-report": "/csp-report receives the browsers' violation reports",
}

// page is everything derived from a valid name.
type page struct {
	Name      string // "privacy-policy"
	Path      string // "/privacy-policy"
	Title     string // "Privacy policy"
	Component string // "PrivacyPolicy", in views/pages
	Handler   string // "privacyPolicyPage", a method of *server.Server
	Test      string // "TestPrivacyPolicyPage"
	File      string // "privacy_policy": the base of every file name
	Module    string // the kit's module path, from go.mod
	Cacheable bool   // in the cacheable group (make page CACHE=public)
}

// parseName checks name and derives the page's identifiers from it.
func parseName(name string) (page, error) {
	switch {
	case name == "":
		return page{}, fmt.Errorf("no page name: make page NAME=about")
	case len(name) > maxName:
		return page{}, fmt.Errorf("page name %q is longer than %d characters", name, maxName)
	case !nameRE.MatchString(name):
		return page{}, fmt.Errorf("page name %q: use lower-case letters and digits, words joined by single hyphens, starting with a letter (about, privacy-policy)", name)
	}
	if why, ok := reserved[name]; ok {
		return page{}, fmt.Errorf("page name %q is reserved: %s", name, why)
	}
	words := strings.Split(name, "-")
	camel := ""
	for _, w := range words {
		camel += strings.ToUpper(w[:1]) + w[1:]
	}
	return page{
		Name:      name,
		Path:      "/" + name,
		Title:     strings.ToUpper(name[:1]) + strings.ReplaceAll(name[1:], "-", " "),
		Component: camel,
		Handler:   strings.ToLower(camel[:1]) + camel[1:] + "Page",
		Test:      "Test" + camel + "Page",
		File:      strings.ReplaceAll(name, "-", "_"),
	}, nil
}

// The files a page gets. The handler's file ends in _page.go, so no name
// makes it a test file (x_test.go) or one built for a single platform
// (x_linux.go).
func (p page) templFile() string     { return "views/pages/" + p.File + ".templ" }
func (p page) generatedFile() string { return "views/pages/" + p.File + "_templ.go" }
func (p page) handlerFile() string   { return "internal/server/" + p.File + "_page.go" }
func (p page) testFile() string      { return "internal/server/" + p.File + "_page_test.go" }
