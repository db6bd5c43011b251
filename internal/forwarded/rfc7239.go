package forwarded

import (
	"net/netip"
	"strings"
)

// element is one forwarded-element of a Forwarded header (RFC 7239): what
// one proxy said about the hop it received the request on.
type element struct {
	node, proto       string // the values of for= and proto=
	hasNode, hasProto bool
}

// fromForwarded reads Forwarded (RFC 7239): one element per hop, such as
// `for=192.0.2.60;proto=https, for="[2001:db8::17]:4711"`. Like
// X-Forwarded-For, the elements are read from the right, skipping those
// whose for= is trusted, and the first untrusted one names the client and,
// with proto=, its scheme; when all are trusted the leftmost does. An
// element with no usable for= (none, "unknown", an obfuscated name) ends the
// walk: its proto= still counts, the client is not known, and no other
// header may name one instead (see agree). A syntax error
// anywhere makes the whole header malformed: its grammar is strict, so a
// header that breaks it is not a proxy's.
func (res *Resolver) fromForwarded(lines []string) (client claim[netip.Addr], https claim[bool]) {
	els, ok := parseForwarded(lines)
	if !ok {
		return claim[netip.Addr]{state: malformed}, claim[bool]{state: malformed}
	}
	if len(els) == 0 {
		return client, https
	}
	anyNode := false
	for _, el := range els {
		anyNode = anyNode || el.hasNode
	}
	// The element that speaks for the client: with no for= anywhere (a
	// header of proto= alone) the nearest proxy's, else where the walk stops.
	stop := len(els) - 1
	for ; anyNode; stop-- {
		a, ok := parseNode(els[stop].node)
		if !els[stop].hasNode || !ok {
			client = claim[netip.Addr]{state: malformed}
			break
		}
		client = saying(a)
		if !res.trusted(a) || stop == 0 {
			break
		}
	}
	if el := els[stop]; el.hasProto {
		https = schemeClaim(el.proto)
	}
	return client, https
}

// parseForwarded splits Forwarded header lines into their elements, in
// order, skipping empty ones. RFC 7239 section 4:
//
//	Forwarded         = 1#forwarded-element
//	forwarded-element = [ forwarded-pair ] *( ";" [ forwarded-pair ] )
//	forwarded-pair    = token "=" value
//	value             = token / quoted-string
//
// Optional whitespace is allowed around ";" and ",", as list syntax allows
// around ",". A parameter given twice in one element is an error (section
// 5); parameters other than for= and proto= are skipped.
func parseForwarded(lines []string) ([]element, bool) {
	var els []element
	for _, s := range lines {
		i := 0
		for {
			var el element
			empty := true
			for {
				i = skipOWS(s, i)
				if i < len(s) && s[i] != ',' && s[i] != ';' {
					name, value, next, ok := parsePair(s, i)
					if !ok {
						return nil, false
					}
					i, empty = skipOWS(s, next), false
					switch {
					case asciiEqualFold(name, "for"):
						if el.hasNode {
							return nil, false
						}
						el.node, el.hasNode = value, true
					case asciiEqualFold(name, "proto"):
						if el.hasProto {
							return nil, false
						}
						el.proto, el.hasProto = value, true
					}
				}
				if i < len(s) && s[i] == ';' {
					i++
					continue
				}
				break
			}
			if !empty {
				els = append(els, el)
			}
			if i == len(s) {
				break
			}
			if s[i] != ',' {
				return nil, false
			}
			i++
		}
	}
	return els, true
}

// parsePair reads token "=" value at s[i:], returning the name, the value
// (a quoted string unquoted) and where the pair ends.
func parsePair(s string, i int) (name, value string, next int, ok bool) {
	start := i
	for i < len(s) && isTokenChar(s[i]) {
		i++
	}
	if i == start || i == len(s) || s[i] != '=' {
		return "", "", 0, false
	}
	name = s[start:i]
	i++
	if i < len(s) && s[i] == '"' {
		value, next, ok = parseQuoted(s, i)
		return name, value, next, ok
	}
	start = i
	for i < len(s) && isTokenChar(s[i]) {
		i++
	}
	if i == start {
		return "", "", 0, false
	}
	return name, s[start:i], i, true
}

// parseQuoted reads a quoted-string (RFC 9110 section 5.6.4) starting at the
// quote s[i].
func parseQuoted(s string, i int) (value string, next int, ok bool) {
	var b strings.Builder
	for i++; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '"':
			return b.String(), i + 1, true
		case c == '\\':
			i++
			if i == len(s) || !isQuotedChar(s[i]) {
				return "", 0, false
			}
			b.WriteByte(s[i])
		case isQuotedChar(c):
			b.WriteByte(c)
		default:
			return "", 0, false
		}
	}
	return "", 0, false // no closing quote
}

// parseNode reads a for= value (RFC 7239 section 6): an IPv4 address or a
// bracketed IPv6 one, with an optional port, numeric or obfuscated
// ("_abc"). "unknown" and obfuscated names ("_hidden") name no address.
func parseNode(v string) (netip.Addr, bool) {
	bracketed := strings.HasPrefix(v, "[")
	host, port := v, ""
	if bracketed {
		end := strings.IndexByte(v, ']')
		if end < 0 {
			return netip.Addr{}, false
		}
		host, port = v[1:end], v[end+1:]
	} else if colon := strings.IndexByte(v, ':'); colon >= 0 {
		host, port = v[:colon], v[colon:]
	}
	if port != "" && (port[0] != ':' || !validPort(port[1:])) {
		return netip.Addr{}, false
	}
	a, err := netip.ParseAddr(host)
	if err != nil || a.Is6() != bracketed || a.Zone() != "" {
		return netip.Addr{}, false
	}
	return normalize(a), true
}

// validPort is node-port: 1*5DIGIT, or "_" and 1*(ALPHA / DIGIT / "." /
// "_" / "-").
func validPort(p string) bool {
	if p == "" {
		return false
	}
	if p[0] == '_' {
		for i := 1; i < len(p); i++ {
			c := p[i]
			if !isAlnum(c) && c != '.' && c != '_' && c != '-' {
				return false
			}
		}
		return len(p) > 1
	}
	if len(p) > 5 {
		return false
	}
	for i := 0; i < len(p); i++ {
		if p[i] < '0' || p[i] > '9' {
			return false
		}
	}
	return true
}

func skipOWS(s string, i int) int {
	for i < len(s) && (s[i] == ' ' || s[i] == '\t') {
		i++
	}
	return i
}

func isAlnum(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9'
}

// isTokenChar is tchar (RFC 9110 section 5.6.2).
func isTokenChar(c byte) bool {
	return isAlnum(c) || strings.IndexByte("!#$%&'*+-.^_`|~", c) >= 0
}

// isQuotedChar is what a quoted-string may hold, escaped or not: HTAB, SP,
// visible ASCII and obs-text; never a control character.
func isQuotedChar(c byte) bool { return c == '\t' || c >= ' ' && c != 0x7f }
