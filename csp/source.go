package csp

import (
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"strings"
)

// Source is one value in a directive's source list: a quoted keyword, a
// nonce or hash source, a scheme ("https:") or a host ("cdn.example.com").
type Source string

// Keyword sources. They are quoted, as the header needs them; an unquoted
// self is a host named "self", which is why the builder refuses it.
const (
	Self                   Source = "'self'"
	None                   Source = "'none'"
	UnsafeInline           Source = "'unsafe-inline'"
	UnsafeEval             Source = "'unsafe-eval'"
	UnsafeHashes           Source = "'unsafe-hashes'"
	StrictDynamic          Source = "'strict-dynamic'"
	ReportSample           Source = "'report-sample'"
	WasmUnsafeEval         Source = "'wasm-unsafe-eval'"
	InlineSpeculationRules Source = "'inline-speculation-rules'"
	UnsafeAllowRedirects   Source = "'unsafe-allow-redirects'"
)

// Nonce stands for the nonce of the response being served. It is a slot, not
// a value: each response fills it with its own random nonce.
const Nonce Source = "'nonce-" + NoncePlaceholder + "'"

// NoncePlaceholder is what [Policy.String] prints where a response's nonce
// goes, and what the nonce slot is written as in a policy given to [Parse].
const NoncePlaceholder = "{nonce}"

// Scheme sources, for directives that need them (img-src data:, say).
const (
	HTTPS Source = "https:"
	Data  Source = "data:"
	Blob  Source = "blob:"
)

// SHA256 returns the hash source that allows exactly the inline script or
// style whose text is content.
func SHA256(content string) Source {
	sum := sha256.Sum256([]byte(content))
	return Source("'sha256-" + base64.StdEncoding.EncodeToString(sum[:]) + "'")
}

// SourceKind says which CSP3 source expression a [Source] is, read from
// its syntax alone: [Source.Kind] does not check the grammar, [Policy.Validate] does.
type SourceKind int

// Source kinds.
const (
	// HostSource is a host with optional scheme, port and path
	// ("cdn.example.com", "https://*.example.com:443/js/"), or "*".
	HostSource SourceKind = iota
	// SchemeSource is a bare scheme: "https:", "data:".
	SchemeSource
	// KeywordSource is a quoted keyword: 'self', 'unsafe-inline', ...
	KeywordSource
	// NonceSource is 'nonce-…', the [Nonce] slot included.
	NonceSource
	// HashSource is 'sha256-…', 'sha384-…' or 'sha512-…'.
	HashSource
)

// Kind returns which source expression s is.
func (s Source) Kind() SourceKind {
	v := string(s)
	switch {
	case strings.HasPrefix(v, "'nonce-"):
		return NonceSource
	case strings.HasPrefix(v, "'"):
		if alg, _, ok := strings.Cut(v[1:], "-"); ok {
			if _, known := hashSizes[alg]; known {
				return HashSource
			}
		}
		return KeywordSource
	case isScheme(v):
		return SchemeSource
	}
	return HostSource
}

// NonceValue returns the nonce a nonce source allows, without the quotes
// and the "nonce-" prefix, and false for any other kind of source.
func (s Source) NonceValue() (string, bool) {
	if s.Kind() != NonceSource {
		return "", false
	}
	return strings.TrimSuffix(strings.TrimPrefix(string(s), "'nonce-"), "'"), true
}

var keywords = map[Source]bool{
	Self: true, None: true, UnsafeInline: true, UnsafeEval: true, UnsafeHashes: true,
	StrictDynamic: true, ReportSample: true, WasmUnsafeEval: true,
	InlineSpeculationRules: true, UnsafeAllowRedirects: true,
}

// hashSizes maps a hash-source algorithm to its digest length in bytes.
var hashSizes = map[string]int{"sha256": 32, "sha384": 48, "sha512": 64}

// checkSource validates one source-expression against the CSP3 grammar.
// Its caller, directive.validate, has already run checkChars on s.
func checkSource(s Source) error {
	v := string(s)
	if v == "" {
		return fmt.Errorf("empty source")
	}
	if strings.HasPrefix(v, "'") {
		return checkQuoted(s)
	}
	lower := strings.ToLower(v)
	if keywords[Source("'"+lower+"'")] {
		return fmt.Errorf("keyword must be quoted: write '%s'", lower)
	}
	for _, prefix := range []string{"nonce-", "sha256-", "sha384-", "sha512-"} {
		if strings.HasPrefix(lower, prefix) {
			return fmt.Errorf("%s source must be quoted: write '%s'", strings.TrimSuffix(prefix, "-"), v)
		}
	}
	if isScheme(v) {
		return nil
	}
	return checkHost(v)
}

// checkChars refuses what would let a value escape its directive: ';' ends a
// directive, ',' starts a second policy, whitespace separates sources.
func checkChars(v string) error {
	for i := 0; i < len(v); i++ {
		c := v[i]
		switch {
		case c == ';':
			return fmt.Errorf("';' inside a source would end the directive")
		case c == ',':
			return fmt.Errorf("',' inside a source would start a second policy")
		case c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f':
			return fmt.Errorf("whitespace inside a source: give each source separately")
		case c < 0x21 || c > 0x7e:
			return fmt.Errorf("non-ASCII or control character %q: sources must be printable ASCII (punycode hosts)", c)
		}
	}
	return nil
}

func checkQuoted(s Source) error {
	v := string(s)
	if len(v) < 3 || !strings.HasSuffix(v, "'") {
		return fmt.Errorf("unterminated quote")
	}
	if keywords[s] || s == Nonce {
		return nil
	}
	inner := v[1 : len(v)-1]
	if strings.HasPrefix(inner, "nonce-") {
		val := inner[len("nonce-"):]
		if !isBase64Value(val) {
			return fmt.Errorf("malformed nonce: want base64 after 'nonce-'")
		}
		return nil
	}
	if alg, val, ok := strings.Cut(inner, "-"); ok {
		if size, known := hashSizes[alg]; known {
			if !isBase64Value(val) || decodedLen(val) != size {
				return fmt.Errorf("malformed %s hash: want the base64 of a %d-byte digest", alg, size)
			}
			return nil
		}
	}
	if keywords[Source(strings.ToLower(v))] {
		return fmt.Errorf("keywords are lower case: write %s", strings.ToLower(v))
	}
	return fmt.Errorf("unknown keyword")
}

// isBase64Value matches base64-value = 1*( ALPHA / DIGIT / "+" / "/" / "-" / "_" )*2( "=" ).
func isBase64Value(v string) bool {
	body := strings.TrimRight(v, "=")
	if body == "" || len(v)-len(body) > 2 {
		return false
	}
	for i := 0; i < len(body); i++ {
		c := body[i]
		if !isAlpha(c) && !isDigit(c) && c != '+' && c != '/' && c != '-' && c != '_' {
			return false
		}
	}
	return true
}

// decodedLen decodes v as standard or URL-safe base64 and returns its length,
// or -1 when it is not base64 at all.
func decodedLen(v string) int {
	norm := strings.NewReplacer("-", "+", "_", "/").Replace(strings.TrimRight(v, "="))
	b, err := base64.RawStdEncoding.DecodeString(norm)
	if err != nil {
		return -1
	}
	return len(b)
}

// isScheme matches scheme-source = scheme ":" with scheme = ALPHA *( ALPHA / DIGIT / "+" / "-" / "." ).
func isScheme(v string) bool {
	if len(v) < 2 || v[len(v)-1] != ':' || !isAlpha(v[0]) {
		return false
	}
	for i := 1; i < len(v)-1; i++ {
		c := v[i]
		if !isAlpha(c) && !isDigit(c) && c != '+' && c != '-' && c != '.' {
			return false
		}
	}
	return true
}

// checkHost matches host-source = [ scheme-part "://" ] host-part [ ":" port-part ] [ path-part ].
func checkHost(v string) error {
	rest := v
	if scheme, after, ok := strings.Cut(rest, "://"); ok {
		if !isScheme(scheme + ":") {
			return fmt.Errorf("malformed scheme %q", scheme)
		}
		rest = after
	}
	hostPort, path := rest, ""
	if i := strings.IndexByte(rest, '/'); i >= 0 {
		hostPort, path = rest[:i], rest[i:]
	}
	host, port, hasPort := strings.Cut(hostPort, ":")
	if host == "" {
		return fmt.Errorf("missing host")
	}
	if host != "*" {
		h := strings.TrimPrefix(host, "*.")
		h = strings.TrimSuffix(h, ".")
		for _, label := range strings.Split(h, ".") {
			if label == "" {
				return fmt.Errorf("malformed host %q", host)
			}
			for i := 0; i < len(label); i++ {
				c := label[i]
				if !isAlpha(c) && !isDigit(c) && c != '-' {
					return fmt.Errorf("malformed host %q: %q is not allowed in a host", host, c)
				}
			}
		}
	}
	if hasPort {
		if port == "" {
			return fmt.Errorf("empty port")
		}
		if port != "*" {
			for i := 0; i < len(port); i++ {
				if !isDigit(port[i]) {
					return fmt.Errorf("malformed port %q", port)
				}
			}
		}
	}
	for i := 0; i < len(path); i++ {
		if c := path[i]; c == '\'' || c == '"' || c == '\\' || c == '<' || c == '>' {
			return fmt.Errorf("character %q is not allowed in a path", c)
		}
	}
	return nil
}

func isAlpha(c byte) bool { return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' }
func isDigit(c byte) bool { return c >= '0' && c <= '9' }
