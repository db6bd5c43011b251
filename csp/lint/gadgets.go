package lint

import (
	"strings"

	"github.com/noncekit/noncekit/csp"
)

// A script gadget is a URL on a commonly allowlisted host that answers with
// script the attacker can steer. An allowlist that admits the host admits
// the gadget, and through it the attacker:
//
//   - a JSONP endpoint wraps its reply in a function name taken from the
//     query string, so <script src="https://host/endpoint?callback=alert(1)//">
//     runs attacker-chosen code from an allowed origin;
//   - an AngularJS library turns any injected markup with ng-app and a
//     {{constructor.constructor('...')()}} template into script execution.
//
// The lists below are a small excerpt of the ones Google's CSP Evaluator
// ships (github.com/google/csp-evaluator, allowlist_bypasses/jsonp.ts and
// allowlist_bypasses/angular.ts, Apache-2.0), chosen for the hosts
// people allowlist most: Google APIs and analytics, the big social
// widgets, public CDNs. Like the originals they list one known path per
// host; query strings are irrelevant because CSP ignores them. A host that
// is absent here is not safe, only not known to us.

// jsonpGadgets are hosts and paths known to serve JSONP.
var jsonpGadgets = []string{
	"//www.google.com/tools/feedback/escalation-options",
	"//accounts.google.com/o/oauth2/revoke",
	"//translate.google.com/translate_a/l",
	"//translate.googleapis.com/translate_a/l",
	"//ajax.googleapis.com/ajax/services/search/news",
	"//maps.googleapis.com/maps/api/js/GeoPhotoService.GetMetadata",
	"//www.googleapis.com/freebase/v1/topic/m/0344_",
	"//maps.google.com/maps/vt",
	"//books.google.com/books",
	"//clients1.google.com/complete/search",
	"//www.google-analytics.com/gtm/js",
	"//ssl.google-analytics.com/gtm/js",
	"//www.googletagmanager.com/gtm/js",
	"//googletagmanager.com/gtm/js",
	"//www.googleadservices.com/pagead/conversion/1070110417/wcm",
	"//googleads.g.doubleclick.net/pagead/conversion/1036918760/wcm",
	"//securepubads.g.doubleclick.net/gampad/ads",
	"//pagead2.googlesyndication.com/relatedsearch",
	"//partner.googleadservices.com/gampad/ads",
	"//www.youtube.com/profile_style",
	"//api.facebook.com/restserver.php",
	"//www.facebook.com/restserver.php",
	"//graph.facebook.com/1/",
	"//syndication.twitter.com/widgets/timelines/765840589183213568",
	"//cdn.syndication.twimg.com/widgets/timelines/599200054310604802",
	"//api.twitter.com/1/statuses/oembed.json",
	"//vimeo.com/api/oembed.json/",
	"//api.vk.com/method/wall.get",
	"//yandex.ru/soft/browsers/check",
	"//mc.yandex.ru/watch/24306916/1",
	"//api.mixpanel.com/track/",
	"//query.yahooapis.com/v1/public/yql",
	"//se.wikipedia.org/w/api.php",
	"//api.flickr.com/services/feeds/photos_friends.gne",
	"//cdn.jsdelivr.net",
}

// jsonpNeedsEval are JSONP hosts whose endpoints only become a bypass when
// the policy also allows eval: they return code that feeds the callback
// through eval-like sinks rather than calling it directly.
var jsonpNeedsEval = map[string]bool{
	"googletagmanager.com": true, "www.googletagmanager.com": true,
	"www.googleadservices.com": true, "google-analytics.com": true,
	"ssl.google-analytics.com": true, "www.google-analytics.com": true,
}

// angularGadgets are hosts and paths known to serve AngularJS.
var angularGadgets = []string{
	"//gstatic.com/fsn/angular_js-bundle1.js",
	"//www.gstatic.com/fsn/angular_js-bundle1.js",
	"//www.googleadservices.com/pageadimg/imgad",
	"//ajax.googleapis.com/ajax/libs/angularjs/1.2.0rc1/angular-route.min.js",
	"//cdnjs.cloudflare.com/ajax/libs/angular.js/1.2.16/angular.min.js",
	"//cdn.jsdelivr.net/angularjs/1.1.2/angular.min.js",
	"//oss.maxcdn.com/angularjs/1.2.20/angular.min.js",
	"//yastatic.net/angularjs/1.2.23/angular.min.js",
	"//cdn.bootcss.com/angular.js/1.2.0/angular.min.js",
	"//cdn.shopify.com/s/files/1/0225/6463/t/1/assets/angular-animate.min.js",
	"//raw.githubusercontent.com/angular/code.angularjs.org/master/1.0.7/angular-resource.js",
	"//s3-eu-west-1.amazonaws.com/staticancpa/js/angular-cookies.min.js",
}

// gadgetKind says what a matched gadget is.
type gadgetKind int

const (
	gadgetJSONP gadgetKind = 1 << iota
	gadgetAngular
)

// findGadgets returns the host of the first gadget that source s admits and
// what kind of gadgets the source admits. JSONP hosts that need eval count
// only when evalAllowed is true.
func findGadgets(s csp.Source, evalAllowed bool) (host string, kinds gadgetKind) {
	sHost, sPath, ok := splitHostSource(string(s))
	if !ok {
		return "", 0
	}
	if h, ok := matchGadget(sHost, sPath, jsonpGadgets); ok && (evalAllowed || !jsonpNeedsEval[h]) {
		host, kinds = h, kinds|gadgetJSONP
	}
	if h, ok := matchGadget(sHost, sPath, angularGadgets); ok {
		host, kinds = h, kinds|gadgetAngular
	}
	return host, kinds
}

// matchGadget applies CSP's own matching rules to each gadget URL: "*."
// matches any subdomain but not the bare domain, a path ending in "/"
// matches everything under it, any other path matches exactly.
func matchGadget(sHost, sPath string, gadgets []string) (string, bool) {
	for _, g := range gadgets {
		gHost, gPath, _ := strings.Cut(strings.TrimPrefix(g, "//"), "/")
		gPath = "/" + gPath
		if suffix, wild := strings.CutPrefix(sHost, "*"); wild {
			if !strings.HasSuffix(gHost, suffix) {
				continue
			}
		} else if gHost != sHost {
			continue
		}
		switch {
		case sPath == "" || sPath == "/":
		case strings.HasSuffix(sPath, "/"):
			if !strings.HasPrefix(gPath, sPath) {
				continue
			}
		case gPath != sPath:
			continue
		}
		return gHost, true
	}
	return "", false
}

// splitHostSource splits a host-source such as "https://*.example.com:443/js/"
// into its lower-cased host and its path. It reports false for keywords,
// nonces, hashes and bare schemes.
func splitHostSource(v string) (host, path string, ok bool) {
	if v == "" || csp.Source(v).Kind() != csp.HostSource {
		return "", "", false
	}
	if _, after, found := strings.Cut(v, "://"); found {
		v = after
	}
	v = strings.TrimPrefix(v, "//")
	hostPort := v
	if i := strings.IndexByte(v, '/'); i >= 0 {
		hostPort, path = v[:i], v[i:]
	}
	host, _, _ = strings.Cut(hostPort, ":")
	return strings.ToLower(host), path, host != ""
}
