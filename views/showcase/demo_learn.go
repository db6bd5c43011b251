package showcase

import (
	"net"
	"strings"
)

// The /demo/learn case names, as in data-demo.
const (
	CaseLearnImage      = "third-party-image"
	CaseLearnScript     = "third-party-script"
	CaseLearnHandler    = "inline-handler"
	CaseLearnSuggestion = "suggestion"
)

// LearnImage is the "third-party" image of /demo/learn: a small badge.
const LearnImage = `<svg xmlns="http://www.w3.org/2000/svg" width="120" height="32" viewBox="0 0 120 32">` +
	`<rect width="120" height="32" rx="6" fill="#1d6b46"/>` +
	`<text x="60" y="21" font-family="sans-serif" font-size="13" fill="#fff" text-anchor="middle">third party</text></svg>`

// unreachableOrigin stands in for the second origin when the page was not
// reached on a loopback name: the browser still reports the loads, which
// then fail.
const unreachableOrigin = "https://third-party.invalid"

// SecondOrigin is the origin /demo/learn loads its "third-party" files
// from: the same server under its other loopback name, so one process
// plays both sites (127.0.0.1 and localhost are different origins, and
// different sites). Host is the request's Host header; only loopback names
// with a numeric port are turned around, so nothing a client sends in Host
// is echoed into the page.
func SecondOrigin(secure bool, host string) string {
	scheme := "http"
	if secure {
		scheme = "https"
	}
	name, port, err := net.SplitHostPort(host)
	if err != nil {
		name, port = host, ""
	}
	if port != "" && strings.Trim(port, "0123456789") != "" || len(port) > 5 {
		return unreachableOrigin
	}
	other := ""
	switch strings.ToLower(name) {
	case "127.0.0.1", "::1":
		other = "localhost"
	case "localhost":
		other = "127.0.0.1"
	default:
		return unreachableOrigin
	}
	if port != "" {
		other += ":" + port
	}
	return scheme + "://" + other
}

// learnFile is the URL of one of the demo's third-party files on the
// second origin.
func (v DemoView) learnFile(name string) string {
	return SecondOrigin(v.Secure, v.Host) + "/demo/learn/" + name
}
