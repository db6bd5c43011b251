package report

import "strings"

// noiseSchemes are URL schemes that only browser extensions, in-app
// browsers or the browser's own pages load from. A violation blocking or
// raised by such a URL says nothing about the site's own markup: an
// extension injected a script into the page. Sources: the filter lists of
// public CSP report collectors (nico3333fr/CSP-useful csp-parser-enhanced,
// the report-uri.com noise list it cites) and the schemes browsers document
// for extensions.
var noiseSchemes = map[string]bool{
	"chrome-extension":      true, // Chromium extensions
	"chrome":                true, // Chromium internal pages
	"chromenull":            true,
	"chromeinvoke":          true,
	"moz-extension":         true, // Firefox WebExtensions
	"resource":              true, // Firefox internal resources
	"safari-extension":      true, // legacy Safari extensions
	"safari-web-extension":  true, // Safari WebExtensions
	"safari-resource":       true,
	"webkit-masked-url":     true, // Safari hides extension script URLs behind it
	"ms-browser-extension":  true, // legacy Edge extensions
	"ms-appx-web":           true,
	"edge":                  true,
	"opera":                 true,
	"se-extension":          true,
	"mxjscall":              true, // Maxthon
	"res":                   true, // Internet Explorer resources
	"webviewprogressproxy":  true, // Android in-app browsers
	"about":                 true, // about:blank frames injected by extensions
	"jar":                   true,
	"x-safari-https":        true,
	"sandbox-eval-resource": true,
}

// IsNoise reports whether u (a blocked URL or source file, as reported)
// names an extension or browser-internal scheme. Browsers report a
// non-http(s) blocked URL as its bare scheme ("chrome-extension"), so a
// value without a colon is taken as a scheme too; the CSP keywords
// "inline", "eval", "data", "blob" are not noise.
func IsNoise(u string) bool {
	scheme := u
	if i := strings.IndexByte(u, ':'); i >= 0 {
		scheme = u[:i]
	}
	if scheme == "" || len(scheme) > 32 {
		return false
	}
	return noiseSchemes[asciiLower(scheme)]
}
