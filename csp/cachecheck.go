package csp

import (
	"bytes"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/base64"
	"errors"
	"fmt"
	"slices"
	"strings"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
)

// checkCacheableBody finds what a cacheable response must not hold: a
// nonce attribute anywhere, an inline script or style whose hash is not
// among the policy's (scripts, styles), or an external script whose
// integrity is not. Each is something the browser would run with a
// known nonce or block outright, on every cached copy.
func checkCacheableBody(body []byte, scripts, styles []Source) error {
	var errs []error
	z := html.NewTokenizer(bytes.NewReader(body))
	for {
		tt := z.Next()
		if tt == html.ErrorToken {
			break // io.EOF: the tokenizer reads what browsers read
		}
		if tt != html.StartTagToken && tt != html.SelfClosingTagToken {
			continue
		}
		tok := z.Token()
		attr := func(name string) (string, bool) {
			for _, a := range tok.Attr {
				if a.Key == name {
					return a.Val, true
				}
			}
			return "", false
		}
		if n, ok := attr("nonce"); ok {
			errs = append(errs, fmt.Errorf("<%s nonce=%q>: a cacheable page carries no nonce (a templ script template, or a tag written with one?)", tok.Data, n))
			continue
		}
		switch tok.DataAtom {
		case atom.Script:
			if typ, _ := attr("type"); !isScriptType(typ) {
				continue // data (application/json) or a template: not run
			}
			if src, ok := attr("src"); ok {
				integrity, _ := attr("integrity")
				if !listsIntegrity(scripts, integrity) {
					errs = append(errs, fmt.Errorf("<script src=%q>: its integrity %q is not a hash script-src lists", src, integrity))
				}
				continue
			}
			if tt == html.StartTagToken && !listsText(scripts, nextText(z)) {
				errs = append(errs, errors.New("an inline <script> whose hash script-src does not list: declare it with csp.Hashes and add the hash to the group's policy"))
			}
		case atom.Style:
			if tt == html.StartTagToken && !listsText(styles, nextText(z)) {
				errs = append(errs, errors.New("an inline <style> whose hash style-src does not list: declare it with csp.Hashes and add the hash to the group's policy"))
			}
		}
	}
	return errors.Join(errs...)
}

// nextText returns the text of the raw-text element just opened: the
// tokenizer gives a <script> or <style> its whole body as one token.
func nextText(z *html.Tokenizer) string {
	if z.Next() == html.TextToken {
		return string(z.Text())
	}
	return ""
}

// isScriptType reports whether a <script type> runs as script.
func isScriptType(t string) bool {
	switch strings.ToLower(strings.TrimSpace(t)) {
	case "", "text/javascript", "application/javascript", "module":
		return true
	}
	return false
}

// listsText reports whether hashes hold a hash source of text in any of
// the algorithms CSP knows.
func listsText(hashes []Source, text string) bool {
	s384, s512 := sha512.Sum384([]byte(text)), sha512.Sum512([]byte(text))
	s256 := sha256.Sum256([]byte(text))
	for _, h := range []string{
		"'sha256-" + base64.StdEncoding.EncodeToString(s256[:]) + "'",
		"'sha384-" + base64.StdEncoding.EncodeToString(s384[:]) + "'",
		"'sha512-" + base64.StdEncoding.EncodeToString(s512[:]) + "'",
	} {
		if slices.Contains(hashes, Source(h)) {
			return true
		}
	}
	return false
}

// listsIntegrity reports whether hashes hold one of an integrity
// attribute's values ("sha384-… sha512-…") as a hash source: CSP3 lets
// such a source allow an external script that carries the integrity.
func listsIntegrity(hashes []Source, integrity string) bool {
	for _, v := range strings.Fields(integrity) {
		if slices.Contains(hashes, IntegritySource(v)) {
			return true
		}
	}
	return false
}

// IntegritySource returns the hash source that allows an external script
// by its Subresource Integrity value: "sha384-…" becomes 'sha384-…'. A
// cacheable group lists it for each script file its pages load.
func IntegritySource(integrity string) Source {
	v, _, _ := strings.Cut(strings.TrimSpace(integrity), "?") // options after '?' are not part of the hash
	return Source("'" + v + "'")
}
