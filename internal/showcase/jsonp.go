package showcase

import (
	"net/http"
)

// jsonpCallback is the one callback name the JSONP endpoint answers:
// demos.js defines it, and the demo pages' injected tag names it
// (views/showcase's jsonpURL).
//
// The threat: an endpoint that calls whatever function its URL names is
// the very gadget the allowlist demo shows. On a site that serves the
// showcase publicly, any page whose policy allowlists this origin could be
// made to call window.history.back, document.body.remove or any dotted
// path of an existing function, at the attacker's chosen moment, with
// `<script src="/demo/jsonp?callback=a.b.c">`. A name checked against a
// pattern still admits every such path; a fixed name admits only the
// demo's own marker, so the endpoint still shows the bypass and lends
// itself to nothing else.
const jsonpCallback = "noncekitJsonp"

// jsonp is the JSONP endpoint of the allowlist demo: GET
// /demo/jsonp?callback=noncekitJsonp answers
// noncekitJsonp({"demo":"jsonp"}). Under a policy that allowlists this
// origin, an injected <script src> to it runs, which is the bypass the
// demo shows; a nonce policy blocks the same tag. Any other callback, or
// none, or two, is a 400 that does not echo what was asked.
func (s *Showcase) jsonp(w http.ResponseWriter, r *http.Request) {
	cbs := r.URL.Query()["callback"]
	if len(cbs) != 1 || cbs[0] != jsonpCallback {
		http.Error(w, "callback must be "+jsonpCallback, http.StatusBadRequest)
		return
	}
	// X-Content-Type-Options: nosniff comes from the router's headers
	// middleware, on this response as on every other.
	w.Header().Set("Content-Type", "text/javascript; charset=utf-8")
	// The leading comment keeps the response from starting with bytes the
	// caller chose, the old defence against content-sniffing plugins.
	_, _ = w.Write([]byte("/**/" + jsonpCallback + `({"demo":"jsonp"});` + "\n"))
}
