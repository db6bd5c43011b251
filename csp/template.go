package csp

import (
	"encoding/base64"
	"strings"
)

// template is a serialized policy split at its nonce slots, compiled once at
// start-up so that a request costs a single string build.
type template struct {
	parts []string // len(parts)-1 nonce slots sit between the parts
	size  int      // length of the header once the slots are filled
}

func newTemplate(policy string) template {
	parts := strings.Split(policy, NoncePlaceholder)
	size := len(policy) + (len(parts)-1)*(nonceLen-len(NoncePlaceholder))
	return template{parts: parts, size: size}
}

func (t template) hasSlot() bool { return len(t.parts) > 1 }

// build renders the header with a fresh nonce encoded from raw and returns
// the header and the nonce. The nonce is a substring of the header, so both
// cost one allocation.
func (t template) build(raw *[NonceBytes]byte) (header, nonce string) {
	var enc [nonceLen]byte
	base64.StdEncoding.Encode(enc[:], raw[:])
	if !t.hasSlot() {
		// A policy without a slot still gives the page a nonce for its
		// nonced elements, which then simply do not match it.
		return t.parts[0], string(enc[:])
	}
	var b strings.Builder
	b.Grow(t.size)
	start := 0
	for i, part := range t.parts {
		if i > 0 {
			if i == 1 {
				start = b.Len()
			}
			b.Write(enc[:])
		}
		b.WriteString(part)
	}
	header = b.String()
	return header, header[start : start+len(enc)]
}

// fill renders the header with a nonce that already exists: the one a
// parent group drew, or the one the other disposition's header uses.
func (t template) fill(nonce string) string {
	if !t.hasSlot() {
		return t.parts[0]
	}
	var b strings.Builder
	b.Grow(t.size)
	for i, part := range t.parts {
		if i > 0 {
			b.WriteString(nonce)
		}
		b.WriteString(part)
	}
	return b.String()
}
