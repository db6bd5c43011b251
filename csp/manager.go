package csp

import (
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"slices"
	"time"

	"github.com/a-h/templ"
)

// Header names this package writes.
const (
	HeaderCSP                = "Content-Security-Policy"
	HeaderCSPReportOnly      = "Content-Security-Policy-Report-Only"
	HeaderReportingEndpoints = "Reporting-Endpoints"
)

// headerFrameOptions is written from the enforced frame-ancestors, for
// browsers that predate it.
const headerFrameOptions = "X-Frame-Options"

// reportEndpointName is the Reporting API endpoint name that report-to names.
const reportEndpointName = "csp"

// Group is the policy of one route group: enforced, report-only, or both at
// once sharing one nonce. A group inside another replaces its parent's
// headers, so a route never ends up with two enforced policies stacked by
// accident; derive the child's policy from the parent's with [Policy.Add]
// to extend it. Exempt removes the parent's policy altogether.
type Group struct {
	// Name identifies the group in violation reports and logs. It must
	// pass [ValidGroupName]; the Manager refuses the group otherwise.
	Name string
	// Enforce is the policy sent as Content-Security-Policy.
	Enforce Policy
	// ReportOnly is the policy sent as Content-Security-Policy-Report-Only:
	// the browser reports what it would block, and blocks nothing.
	ReportOnly Policy
	// Exempt serves the group with no policy at all.
	Exempt bool
	// Accept says why this group's lint findings are deliberate (a demo of
	// a weak policy, say). Accepted findings are logged at debug level and
	// never stop a production start; without Accept, a High finding does.
	// See package lint.
	Accept string
	// CacheFor, when set, makes the group cacheable: its responses carry
	// no nonce, are the same for every visitor, and go out with
	// Cache-Control: public, max-age=CacheFor, a strong ETag and 304s for
	// If-None-Match. Its policies then allow scripts by hash, never by
	// nonce (see cache.go for what is checked, when). At least a second.
	// Default 0: every response gets a fresh nonce and no-store.
	CacheFor time.Duration
}

// MaxGroupNameLen caps a [Group]'s Name. Reports carry the name back in
// ?group=, where anything longer is taken for a forged value.
const MaxGroupNameLen = 64

// ValidGroupName reports whether s can name a [Group]: 1 to
// [MaxGroupNameLen] letters, digits, '-', '_', '.' or '+'. The name travels
// in the group's report URL and comes back with each report, so the report
// receiver and the dashboard accept exactly these names and no others.
func ValidGroupName(s string) bool { return len(s) <= MaxGroupNameLen && isToken(s) }

// Manager compiles route groups' policies into middleware, one
// [Manager.Middleware] per group. [NewManager] returns one with the
// defaults; its fields are options, and a zero field takes its default.
// Set them before the first call to Middleware and leave them alone while
// the server runs: Middleware reads ReportPath when it compiles a group,
// and every request reads the others.
type Manager struct {
	// ReportPath is where browsers send violation reports: a path or an
	// absolute URL (serve it with report.Handler). Every policy reports
	// there with ?group=<name>, unless it sets report-uri or report-to
	// itself. A value that is not a valid report-uri (a space, a quote)
	// makes every group that uses it a start-up error. Default
	// "/csp-report".
	ReportPath string

	// HTTPS says whether the browser reached the server over https. Such
	// responses also get report-to and a Reporting-Endpoints header:
	// Chromium uses only report-to when both are present and ignores
	// Reporting-Endpoints over plain http, so over http only report-uri
	// is sent. Default: the connection is TLS (r.TLS != nil). Behind a
	// proxy that terminates TLS, give the app's own answer: what a
	// trusted proxy said, or true when visitors only ever come over https.
	HTTPS func(*http.Request) bool

	// Rand is the source of nonces. Leave it nil for crypto/rand; tests set
	// it to prove that a failing source answers 500 and serves no page.
	Rand io.Reader

	// Logger receives nonce failures. Default slog.Default().
	Logger *slog.Logger

	groups []*compiledGroup
	errs   []error
}

// defaultReportPath is [Manager.ReportPath] when it is left empty.
const defaultReportPath = "/csp-report"

// NewManager returns a Manager with the default options.
func NewManager() *Manager {
	return &Manager{ReportPath: defaultReportPath, HTTPS: isTLS}
}

// isTLS is [Manager.HTTPS]'s default.
func isTLS(r *http.Request) bool { return r.TLS != nil }

func (m *Manager) reportPath() string {
	if m.ReportPath == "" {
		return defaultReportPath
	}
	return m.ReportPath
}

// Err returns every error met while compiling groups, each naming the group,
// the directive and the value. A server must refuse to start when it is
// not nil.
func (m *Manager) Err() error { return errors.Join(m.errs...) }

// GroupInfo describes a compiled group: its policies as declared and as
// the headers deliver them, the nonce shown as [NoncePlaceholder].
// Snapshot tests, the policies API and package lint read it.
type GroupInfo struct {
	Group // as declared
	// SentEnforce and SentReportOnly are the policies as the headers carry
	// them over plain http, with the report-uri the Manager adds; each is
	// zero when its header is not sent. Over https they also carry
	// report-to, which changes nothing a review of the policy looks at.
	SentEnforce, SentReportOnly Policy
}

// Groups lists the groups compiled so far, in the order they were declared.
func (m *Manager) Groups() []GroupInfo {
	out := make([]GroupInfo, len(m.groups))
	for i, g := range m.groups {
		out[i] = GroupInfo{Group: g.src, SentEnforce: g.sent[0], SentReportOnly: g.sent[1]}
	}
	return out
}

// Middleware returns the middleware that serves group g. An invalid group
// is recorded for [Manager.Err] and its middleware answers 500, so a server
// that ignores Err still never serves a page under a broken policy.
func (m *Manager) Middleware(g Group) func(http.Handler) http.Handler {
	cg, err := m.compile(g)
	if err != nil {
		m.errs = append(m.errs, fmt.Errorf("csp group %q: %w", g.Name, err))
		return func(http.Handler) http.Handler {
			return http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
				http.Error(w, "invalid content security policy", http.StatusInternalServerError)
			})
		}
	}
	m.groups = append(m.groups, cg)
	return func(next http.Handler) http.Handler {
		return &handler{m: m, g: cg, next: next}
	}
}

// compiledGroup holds a group's headers for plain http and for https.
type compiledGroup struct {
	name       string
	src        Group
	enforce    [2]template // [0] http, [1] https
	reportOnly [2]template
	// sent is the enforced [0] and report-only [1] policy as sent over
	// plain http, zero when not sent; see [GroupInfo].
	sent       [2]Policy
	hasEnforce bool
	hasRO      bool
	usesNonce  bool
	endpoints  []string // Reporting-Endpoints value, https only
	// frameOptions is X-Frame-Options for browsers that predate
	// frame-ancestors, derived from the enforced policy's frame-ancestors.
	// dropFrameOptions removes one set earlier (a site-wide default DENY)
	// when frame-ancestors allows framing X-Frame-Options cannot express.
	frameOptions     []string
	dropFrameOptions bool
	// static header values for groups without a nonce, shared read-only.
	staticEnforce, staticRO [2][]string
	// cache is set for a cacheable group (Group.CacheFor).
	cache *cacheGroup
}

func (m *Manager) compile(g Group) (*compiledGroup, error) {
	if !ValidGroupName(g.Name) {
		return nil, fmt.Errorf("group name: want 1 to %d letters, digits, '-', '_', '.' or '+'", MaxGroupNameLen)
	}
	if g.Exempt {
		if !g.Enforce.IsZero() || !g.ReportOnly.IsZero() {
			return nil, errors.New("an exempt group cannot also set a policy")
		}
		return &compiledGroup{name: g.Name, src: g}, nil
	}
	if g.Enforce.IsZero() && g.ReportOnly.IsZero() {
		return nil, errors.New("set Enforce, ReportOnly or Exempt")
	}
	if g.CacheFor != 0 {
		if g.CacheFor < time.Second {
			return nil, fmt.Errorf("CacheFor %v: want at least 1s, or 0 for a nonced group", g.CacheFor)
		}
		for i, p := range []Policy{g.Enforce, g.ReportOnly} {
			if p.IsZero() {
				continue
			}
			if err := checkCacheable(p); err != nil {
				return nil, fmt.Errorf("cacheable group, %s policy: %w", [...]string{"enforce", "report-only"}[i], err)
			}
		}
	}
	cg := &compiledGroup{name: g.Name, src: g, hasEnforce: !g.Enforce.IsZero(), hasRO: !g.ReportOnly.IsZero()}
	if g.Enforce.Has(FrameAncestors) {
		cg.frameOptions = frameOptions(g.Enforce.Sources(FrameAncestors))
		cg.dropFrameOptions = cg.frameOptions == nil
	}
	reportURL := m.reportPath() + "?group=" + url.QueryEscape(g.Name)
	for _, p := range []struct {
		policy Policy
		set    bool
		out    *[2]template
		static *[2][]string
		sent   *Policy
		label  string
	}{
		{g.Enforce, cg.hasEnforce, &cg.enforce, &cg.staticEnforce, &cg.sent[0], "enforce"},
		{g.ReportOnly, cg.hasRO, &cg.reportOnly, &cg.staticRO, &cg.sent[1], "report-only"},
	} {
		if !p.set {
			continue
		}
		if err := p.policy.Validate(); err != nil {
			return nil, fmt.Errorf("%s policy: %w", p.label, err)
		}
		cg.usesNonce = cg.usesNonce || p.policy.usesNonce()
		plain, secure := p.policy, p.policy
		if !p.policy.SendsReports() {
			// Chromium uses only report-to when both are present, and ignores
			// Reporting-Endpoints over plain http: there it would send nothing.
			plain = plain.Set(ReportURI, Source(reportURL))
			secure = secure.Set(ReportURI, Source(reportURL)).Set(ReportTo, reportEndpointName)
			cg.endpoints = []string{reportEndpointName + `="` + reportURL + `"`}
		}
		if err := secure.Validate(); err != nil {
			// The policy itself passed above: only what ReportPath added can fail.
			return nil, fmt.Errorf("ReportPath %q: %w", m.reportPath(), err)
		}
		p.out[0], p.out[1] = newTemplate(plain.String()), newTemplate(secure.String())
		p.static[0], p.static[1] = []string{plain.String()}, []string{secure.String()}
		*p.sent = plain
	}
	if g.CacheFor != 0 {
		cg.cache = newCacheGroup(g)
	}
	return cg, nil
}

// frameOptions maps frame-ancestors onto the two values X-Frame-Options
// can express. Anything else (a list of partner origins) has no
// equivalent: the header is removed, and old browsers are left to
// frame-ancestors alone. A group whose enforced policy has no
// frame-ancestors leaves X-Frame-Options as it found it (the site-wide
// default from package headers).
func frameOptions(ancestors []Source) []string {
	switch {
	case len(ancestors) == 1 && ancestors[0] == None:
		return []string{"DENY"}
	case len(ancestors) == 1 && ancestors[0] == Self:
		return []string{"SAMEORIGIN"}
	}
	return nil
}

// noStore is shared by every nonced response: a nonce must never be served
// twice from a cache, or an attacker who saw one page could reuse it.
var noStore = slices.Clip([]string{"no-store"})

// noncedRequest is the request passed on with the nonce in its context,
// allocated together with the backing arrays of the two header values it
// may set. Each array has capacity one, so a later Header().Add copies
// instead of writing into it.
type noncedRequest struct {
	req                 http.Request
	enforce, reportOnly [1]string
}

type handler struct {
	m    *Manager
	g    *compiledGroup
	next http.Handler
}

func (h *handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	g, hdr := h.g, w.Header()
	// Usually no other group ran before this one; then there is nothing of
	// a parent group's to replace or remove.
	parent := hdr[HeaderCSP] != nil || hdr[HeaderCSPReportOnly] != nil
	if g.src.Exempt {
		if parent {
			delete(hdr, HeaderCSP)
			delete(hdr, HeaderCSPReportOnly)
			delete(hdr, HeaderReportingEndpoints)
		}
		h.next.ServeHTTP(w, r)
		return
	}
	secure := 0
	if h.m.https(r) {
		secure = 1
	}
	// The values of the two headers; each is sent only when the group has
	// that disposition, and a parent's is removed when it has not.
	var enforceVal, reportOnlyVal []string
	if !g.usesNonce {
		enforceVal, reportOnlyVal = g.staticEnforce[secure], g.staticRO[secure]
	} else {
		// A parent group that ran first left its headers and its nonce; a
		// child replaces the headers and keeps the nonce, so a response
		// still has exactly one.
		nonce := ""
		if parent {
			nonce = NonceFrom(r.Context())
		}
		if nonce == "" {
			var raw [NonceBytes]byte
			if err := readNonce(h.m.Rand, &raw); err != nil {
				h.logger().ErrorContext(r.Context(), "csp: no nonce, refusing to serve the page",
					slog.String("group", g.name), slog.Any("error", err))
				http.Error(w, "internal server error", http.StatusInternalServerError)
				return
			}
			var enforce, reportOnly string
			if g.hasEnforce && g.enforce[secure].hasSlot() {
				enforce, nonce = g.enforce[secure].build(&raw)
				reportOnly = g.reportOnly[secure].fillIf(g.hasRO, nonce)
			} else {
				reportOnly, nonce = g.reportOnly[secure].build(&raw)
				enforce = g.enforce[secure].fillIf(g.hasEnforce, nonce)
			}
			nr := new(noncedRequest)
			// WithContext is inlined and its copy of the request does not
			// escape, so the only heap copy of the request is the one inside
			// nr, which also holds the header slices. templ.WithNonce adds
			// templ's render state, which a page would make anyway.
			nr.req = *r.WithContext(templ.WithNonce(r.Context(), nonce))
			nr.enforce[0], nr.reportOnly[0] = enforce, reportOnly
			r, enforceVal, reportOnlyVal = &nr.req, nr.enforce[:], nr.reportOnly[:]
		} else {
			// A child group under a nonced parent: rarer, and the request
			// already carries the nonce. Allocate only what is sent.
			if g.hasEnforce {
				enforceVal = []string{g.enforce[secure].fill(nonce)}
			}
			if g.hasRO {
				reportOnlyVal = []string{g.reportOnly[secure].fill(nonce)}
			}
		}
		hdr["Cache-Control"] = noStore
	}
	setOrDelete(hdr, HeaderCSP, g.hasEnforce, enforceVal, parent)
	setOrDelete(hdr, HeaderCSPReportOnly, g.hasRO, reportOnlyVal, parent)
	switch {
	case g.frameOptions != nil:
		hdr[headerFrameOptions] = g.frameOptions
	case g.dropFrameOptions:
		delete(hdr, headerFrameOptions)
	}
	if secure == 1 && g.endpoints != nil {
		hdr[HeaderReportingEndpoints] = g.endpoints
	} else if parent {
		delete(hdr, HeaderReportingEndpoints)
	}
	if g.cache != nil {
		h.serveCacheable(w, r)
		return
	}
	h.next.ServeHTTP(w, r)
}

func (m *Manager) https(r *http.Request) bool {
	if m.HTTPS != nil {
		return m.HTTPS(r)
	}
	return isTLS(r)
}

func (h *handler) logger() *slog.Logger {
	if h.m.Logger != nil {
		return h.m.Logger
	}
	return slog.Default()
}

func setOrDelete(hdr http.Header, key string, set bool, v []string, parent bool) {
	if set {
		hdr[key] = v
	} else if parent {
		delete(hdr, key)
	}
}

func (t template) fillIf(set bool, nonce string) string {
	if !set {
		return ""
	}
	return t.fill(nonce)
}
