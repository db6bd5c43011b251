package report

import (
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/noncekit/noncekit/csp"
)

// Length caps, in bytes, of the normalised string fields. They bound what
// one forged report can put in a log line or a row. A field over its cap is
// cut on a character boundary and ends with "…", inside the cap.
const (
	// MaxURLLen caps DocumentURL, BlockedURL and SourceFile, which are
	// already scrubbed (see scrubURL: no query, fragment or userinfo).
	// Browsers reduce cross-origin URLs to their origin; 512 bytes keeps a
	// long same-origin path.
	MaxURLLen = 512
	// MaxSampleLen caps Sample. Browsers send at most 40 characters (up to
	// 160 bytes of UTF-8); more is forged.
	MaxSampleLen = 256
	// MaxDirectiveLen caps EffectiveDirective; the longest CSP3 directive
	// name, require-trusted-types-for, has 25 bytes.
	MaxDirectiveLen = 64
	// MaxUserAgentLen caps UserAgent.
	MaxUserAgentLen = 256
	// MaxGroupLen caps Group; a longer ?group= value becomes "unknown".
	// It is the csp package's cap on a route group's name.
	MaxGroupLen = csp.MaxGroupNameLen
)

// Disposition values. A report that names neither gets DispositionUnknown
// rather than a guess: CSP1-era browsers omit the field.
const (
	DispositionEnforce = "enforce"
	DispositionReport  = "report"
	DispositionUnknown = "unknown"
)

// UnknownGroup is the Group of a report whose ?group= is missing or not a
// valid group name.
const UnknownGroup = "unknown"

// Violation is one CSP violation, normalised from either wire format. Its
// string fields are safe to log, store and show as they are: URLs
// scrubbed of queries, fragments, userinfo and path parameters (see
// scrubURL), every string capped (see the Max*Len constants) and with
// control characters, format characters (such as bidi overrides) and
// invalid UTF-8 escaped as \xNN or \uNNNN. The escaping is for display,
// not reversible: a backslash is kept as is.
//
// The reports' referrer field is not read at all: it would be one more
// URL to scrub, and no part of the kit needs it. Its JSON form is what the
// kit's live streams and pages send to browsers.
type Violation struct {
	DocumentURL string `json:"document"` // the page the violation happened on
	// BlockedURL is a URL, a keyword such as "inline" or "eval", or a bare
	// scheme such as "data" or "chrome-extension".
	BlockedURL string `json:"blockedURL"`
	// EffectiveDirective is lower case; when the browser sent no
	// effective-directive it is the first token of violated-directive.
	EffectiveDirective string `json:"directive"`
	Disposition        string `json:"disposition"`          // DispositionEnforce, DispositionReport or DispositionUnknown
	Sample             string `json:"sample,omitempty"`     // the first characters of the blocked code, when the policy asked for them
	SourceFile         string `json:"sourceFile,omitempty"` // the script the violation happened in, when there is one
	// Line, Column and StatusCode are clamped to [0, 2^31-1]; 0 means absent.
	Line       int    `json:"line,omitempty"`
	Column     int    `json:"column,omitempty"`
	StatusCode int    `json:"statusCode,omitempty"`
	UserAgent  string `json:"userAgent,omitempty"` // the reporting browser's
	// Group is the route group whose policy was violated, from the report
	// URL's ?group= parameter.
	Group      string    `json:"group"`
	ReceivedAt time.Time `json:"receivedAt"` // when the Handler received it
	// Noise says the violation was caused by a browser extension or the
	// browser itself, not by the page: see IsNoise.
	Noise bool `json:"-"`
	// Client is an opaque id of the client that sent the report (see
	// Handler), never its address; "" when the violation did not come
	// through a Handler. A store can budget new aggregates per client with
	// it. It is not part of the JSON form: a page or a stream that shows
	// violations has no use for it.
	Client string `json:"-"`
}

// Batch is what one request carried.
type Batch struct {
	// Violations holds at most MaxEntries violations, noise included.
	Violations []Violation
	// Noise counts the violations flagged Noise.
	Noise int
	// Ignored counts Reporting API entries that are not csp-violation
	// reports, or carry no usable body.
	Ignored int
	// Dropped counts entries past MaxEntries, never decoded.
	Dropped int
}

// add appends v, counting it in Noise when it is flagged so.
func (b *Batch) add(v Violation) {
	b.Violations = append(b.Violations, v)
	if v.Noise {
		b.Noise++
	}
}

// truncate keeps the first n violations and recounts Noise.
func (b *Batch) truncate(n int) {
	if n >= len(b.Violations) {
		return
	}
	clear(b.Violations[n:]) // let the strings go
	b.Violations = b.Violations[:n]
	b.Noise = 0
	for i := range b.Violations {
		if b.Violations[i].Noise {
			b.Noise++
		}
	}
}

// raw is a violation as decoded, before normalisation.
type raw struct {
	documentURL, blockedURL, effective, violated, disposition string
	sample, sourceFile, userAgent                             string
	line, column, status                                      int
}

// normalise turns a decoded report into a Violation. It is the one place
// that scrubs, caps and escapes, so nothing downstream has to: every sink
// (log, queue and store, live stream) sees only the result.
func normalise(r raw, m Meta) Violation {
	dir := r.effective
	if strings.TrimSpace(dir) == "" {
		// CSP1/CSP2 browsers sent only violated-directive, which may carry
		// the whole directive with its sources: "style-src cdn.example.com".
		dir = firstToken(r.violated)
	}
	ua := r.userAgent
	if ua == "" {
		ua = m.UserAgent
	}
	v := Violation{
		DocumentURL:        clean(scrubURL(r.documentURL), MaxURLLen),
		BlockedURL:         clean(scrubURL(r.blockedURL), MaxURLLen),
		EffectiveDirective: clean(asciiLower(strings.TrimSpace(dir)), MaxDirectiveLen),
		Disposition:        disposition(r.disposition),
		Sample:             clean(r.sample, MaxSampleLen),
		SourceFile:         clean(scrubURL(r.sourceFile), MaxURLLen),
		Line:               r.line,
		Column:             r.column,
		StatusCode:         r.status,
		UserAgent:          clean(ua, MaxUserAgentLen),
		Group:              group(m.Group),
		ReceivedAt:         m.ReceivedAt,
		Client:             m.Client,
	}
	v.Noise = IsNoise(v.BlockedURL) || IsNoise(v.SourceFile)
	return v
}

func firstToken(s string) string {
	s = strings.TrimLeft(s, " \t\n\r\f")
	if i := strings.IndexAny(s, " \t\n\r\f"); i >= 0 {
		return s[:i]
	}
	return s
}

// asciiLower lowers ASCII letters only: directive names are ASCII
// case-insensitive, and Unicode case mapping could change the byte length.
func asciiLower(s string) string {
	for i := 0; i < len(s); i++ {
		if 'A' <= s[i] && s[i] <= 'Z' {
			b := []byte(s)
			for j := i; j < len(b); j++ {
				if 'A' <= b[j] && b[j] <= 'Z' {
					b[j] += 'a' - 'A'
				}
			}
			return string(b)
		}
	}
	return s
}

func disposition(s string) string {
	switch {
	case strings.EqualFold(s, DispositionEnforce):
		return DispositionEnforce
	case strings.EqualFold(s, DispositionReport):
		return DispositionReport
	}
	return DispositionUnknown
}

// group validates the ?group= value against the rule route group names
// follow (csp.ValidGroupName), so it can be used as a label without
// escaping; anything else becomes UnknownGroup.
func group(s string) string {
	if !csp.ValidGroupName(s) {
		return UnknownGroup
	}
	return s
}

const ellipsis = "…"

// clean escapes what must not reach a terminal, log viewer or page verbatim
// and caps the result at max bytes (max must exceed len(ellipsis)+6).
//
// Escaped: invalid UTF-8 bytes and C0 controls and DEL as \xNN; C1
// controls, format characters (Cf: bidi overrides, zero-width characters)
// and line/paragraph separators (Zl, Zp) as \uNNNN. The escape happens
// before the cap, so an escape sequence is never cut in half.
func clean(s string, max int) string {
	if fastClean(s, max) {
		return s
	}
	var b strings.Builder
	b.Grow(min(len(s), max) + 8)
	cut := 0 // longest prefix of b that still leaves room for the ellipsis
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			writeHex(&b, s[i])
		case r < 0x80 && (r < 0x20 || r == 0x7f):
			writeHex(&b, byte(r))
		case needsEscape(r):
			writeU(&b, r)
		default:
			b.WriteString(s[i : i+size])
		}
		i += size
		if b.Len() > max {
			return b.String()[:cut] + ellipsis
		}
		if b.Len() <= max-len(ellipsis) {
			cut = b.Len()
		}
	}
	return b.String()
}

// fastClean reports whether s is short printable ASCII, the common case,
// which clean returns without allocating.
func fastClean(s string, max int) bool {
	if len(s) > max {
		return false
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c >= 0x7f {
			return false
		}
	}
	return true
}

func needsEscape(r rune) bool {
	return unicode.IsControl(r) || unicode.In(r, unicode.Cf, unicode.Zl, unicode.Zp)
}

const hexDigits = "0123456789abcdef"

func writeHex(b *strings.Builder, c byte) {
	b.WriteString(`\x`)
	b.WriteByte(hexDigits[c>>4])
	b.WriteByte(hexDigits[c&0xf])
}

func writeU(b *strings.Builder, r rune) {
	if r > 0xffff {
		// Cf has a few supplementary-plane characters (tag characters).
		b.WriteString(`\U`)
		for shift := 28; shift >= 0; shift -= 4 {
			b.WriteByte(hexDigits[(r>>shift)&0xf])
		}
		return
	}
	b.WriteString(`\u`)
	for shift := 12; shift >= 0; shift -= 4 {
		b.WriteByte(hexDigits[(r>>shift)&0xf])
	}
}
