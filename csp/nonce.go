package csp

import (
	"crypto/rand"
	"fmt"
	"io"
)

// NonceBytes is how many random bytes make a nonce: 128 bits, as the CSP
// spec recommends, so a nonce cannot be guessed within a page's lifetime.
const NonceBytes = 16

// nonceLen is the length of a nonce once base64-encoded with padding.
const nonceLen = (NonceBytes + 2) / 3 * 4

// readNonce fills raw from r, or from crypto/rand when r is nil.
//
// crypto/rand.Read never returns an error: since Go 1.24 it aborts the
// program when the operating system cannot give randomness, so a broken
// source can never produce a guessable nonce. A custom reader has no such
// guarantee; its error is returned and the middleware answers 500.
func readNonce(r io.Reader, raw *[NonceBytes]byte) error {
	if r == nil {
		rand.Read(raw[:])
		return nil
	}
	return readCustom(r, raw)
}

// readCustom is kept apart so that only this path moves raw to the heap:
// escape analysis cannot see through an arbitrary io.Reader.
func readCustom(r io.Reader, raw *[NonceBytes]byte) error {
	buf := make([]byte, NonceBytes)
	if _, err := io.ReadFull(r, buf); err != nil {
		return fmt.Errorf("csp: reading nonce: %w", err)
	}
	copy(raw[:], buf)
	return nil
}
