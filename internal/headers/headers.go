// Package headers sets the response headers a security review checks beside
// Content-Security-Policy. Each one closes a specific hole:
//
//   - X-Content-Type-Options: nosniff stops a browser from running an
//     uploaded text file as a script because it "looks like" one.
//
//   - Referrer-Policy keeps paths and query strings (tokens, search terms)
//     from leaking to other sites in the Referer header.
//
//   - Permissions-Policy turns off powerful features the kit does not use,
//     so injected or third-party code cannot ask for them either.
//
//   - Cross-Origin-Opener-Policy cuts the window.opener link to pages of
//     other origins (tabnabbing, cross-window leaks).
//
//   - Cross-Origin-Resource-Policy stops other sites from embedding the kit's
//     responses as images or scripts to read them side-channel.
//
//   - Strict-Transport-Security, over https only, makes the browser refuse a
//     plain-http downgrade for the next two years.
//
//   - X-Frame-Options: DENY refuses framing (clickjacking) in browsers that
//     predate CSP's frame-ancestors. Package csp replaces it per route group
//     to match the group's frame-ancestors.
package headers

import (
	"net/http"

	"github.com/noncekit/noncekit/internal/forwarded"
)

// Security is one route group's set of headers. An empty field sends
// nothing for that header. Use [Default] and change what a group needs;
// a group nested in another replaces its parent's values.
type Security struct {
	ContentTypeOptions        string
	ReferrerPolicy            string
	PermissionsPolicy         string
	CrossOriginOpenerPolicy   string
	CrossOriginResourcePolicy string
	FrameOptions              string
	// StrictTransportSecurity is sent only over https (forwarded.HTTPS):
	// over plain http browsers ignore it, and sending it from a development
	// server would pin localhost to https.
	StrictTransportSecurity string
}

// Default returns the kit's defaults. The Permissions-Policy lists only
// features Chromium recognises: an unknown one is logged as a console error
// on every page.
func Default() Security {
	return Security{
		ContentTypeOptions:        "nosniff",
		ReferrerPolicy:            "strict-origin-when-cross-origin",
		PermissionsPolicy:         "accelerometer=(), camera=(), display-capture=(), geolocation=(), gyroscope=(), magnetometer=(), microphone=(), payment=(), usb=()",
		CrossOriginOpenerPolicy:   "same-origin",
		CrossOriginResourcePolicy: "same-origin",
		FrameOptions:              "DENY",
		StrictTransportSecurity:   "max-age=63072000; includeSubDomains",
	}
}

type pair struct {
	key string
	val []string // shared read-only; len == cap, so an Add copies
}

// Middleware sets the headers on every response. Values are prepared once,
// so a request costs map assignments and no allocation.
func (s Security) Middleware() func(http.Handler) http.Handler {
	var always []pair
	add := func(k, v string) {
		if v != "" {
			always = append(always, pair{http.CanonicalHeaderKey(k), []string{v}})
		}
	}
	add("X-Content-Type-Options", s.ContentTypeOptions)
	add("Referrer-Policy", s.ReferrerPolicy)
	add("Permissions-Policy", s.PermissionsPolicy)
	add("Cross-Origin-Opener-Policy", s.CrossOriginOpenerPolicy)
	add("Cross-Origin-Resource-Policy", s.CrossOriginResourcePolicy)
	add("X-Frame-Options", s.FrameOptions)
	var hsts []string
	if s.StrictTransportSecurity != "" {
		hsts = []string{s.StrictTransportSecurity}
	}
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			h := w.Header()
			for _, p := range always {
				h[p.key] = p.val
			}
			if hsts != nil && forwarded.HTTPS(r) {
				h["Strict-Transport-Security"] = hsts
			}
			next.ServeHTTP(w, r)
		})
	}
}
