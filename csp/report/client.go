package report

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
)

// clientHasher turns the key that identifies a client (Handler.ClientKey:
// an IPv4 address or an IPv6 /64, by default) into the opaque id
// violations carry as Client, so the report store can keep one client's
// flood from displacing everyone else's reports without storing anyone's
// address.
//
// The threat: a plain hash of an IPv4 address is reversed by hashing all
// 2^32 of them in minutes, so a leaked database would list the addresses
// of everyone who reported. The id is an HMAC-SHA-256 under a random key
// that lives only in this process's memory, cut to 64 bits (16 hex
// digits; enough to tell clients apart, not to recover anything). A
// restart draws a new key: ids then change, which only resets the store's
// per-client accounting.
type clientHasher struct {
	key [32]byte
}

// newClientHasher returns a hasher with a fresh random key.
func newClientHasher() *clientHasher {
	h := &clientHasher{}
	_, _ = rand.Read(h.key[:]) // crypto/rand.Read never fails (Go 1.24+)
	return h
}

// id is the opaque id of the client with key k.
func (h *clientHasher) id(k string) string {
	m := hmac.New(sha256.New, h.key[:])
	m.Write([]byte(k))
	return hex.EncodeToString(m.Sum(nil)[:8])
}
