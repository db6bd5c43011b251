package showcase

import (
	"bytes"
	"compress/flate"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"

	"github.com/noncekit/noncekit/csp"
)

// The lab keeps the learner's policy in a signed cookie, not in a
// server-side session: anyone may POST /lab, and with sessions each
// anonymous POST stored a row (3,000 POSTs made 3,000 rows, +23 MiB in
// 12 s). The browser holds the policy; the server holds one key.
//
// The cookie's value is the policy, deflated, and an HMAC-SHA256 of it
// under a key drawn when the showcase mounts, both base64url: the server
// reads back only what it wrote, so a cookie planted by someone else (a
// sibling subdomain, a tampering visitor) is ignored and the lab shows its
// default policy. The key lives in memory: after a restart, or on another
// instance behind a load balancer, a learner's cookie no longer verifies
// and the lab starts again from the default policy, which is all it costs.
const (
	labCookieName = "lab"
	// labCookiePath keeps the cookie to the lab's own routes: it is not
	// sent with every other request.
	labCookiePath = "/lab"
	// labCookieMaxValue bounds the value so name, value and attributes stay
	// under the 4,096 bytes browsers keep per cookie. A real policy is a
	// few hundred bytes and compresses well; one over the bound is refused
	// with a message instead of being silently dropped by the browser.
	labCookieMaxValue = 3900
	// labCookieMaxAge is how long the browser keeps a saved policy.
	labCookieMaxAge = 30 * 24 * 60 * 60
)

// errLabPolicyTooLong is the lab's message for a policy that does not fit.
var errLabPolicyTooLong = fmt.Errorf("this policy is too long for the lab to keep: compressed, it must fit a cookie of %d bytes; try it in parts", labCookieMaxValue)

var b64 = base64.RawURLEncoding

// labCookie writes and reads the signed cookie.
type labCookie struct {
	key []byte
	// secure marks the cookie Secure and names it __Secure-lab, so only an
	// https response can set it: over https, as the session cookie is.
	secure bool
}

// newLabCookie draws the signing key.
func newLabCookie(secure bool) *labCookie {
	key := make([]byte, 32)
	_, _ = rand.Read(key) // crypto/rand.Read never fails (it crashes the program instead)
	return &labCookie{key: key, secure: secure}
}

func (c *labCookie) name() string {
	if c.secure {
		return "__Secure-" + labCookieName
	}
	return labCookieName
}

// mac signs payload, the deflated policy, under this purpose only.
func (c *labCookie) mac(payload []byte) []byte {
	m := hmac.New(sha256.New, c.key)
	m.Write([]byte("noncekit lab policy\x00"))
	m.Write(payload)
	return m.Sum(nil)
}

// write sets the cookie to policy, or returns errLabPolicyTooLong.
func (c *labCookie) write(w http.ResponseWriter, policy string) error {
	var buf bytes.Buffer
	zw, _ := flate.NewWriter(&buf, flate.BestCompression) // only fails for a bad level
	_, _ = zw.Write([]byte(policy))                       // a bytes.Buffer does not fail
	_ = zw.Close()
	value := b64.EncodeToString(buf.Bytes()) + "." + b64.EncodeToString(c.mac(buf.Bytes()))
	if len(value) > labCookieMaxValue {
		return errLabPolicyTooLong
	}
	http.SetCookie(w, &http.Cookie{
		Name: c.name(), Value: value, Path: labCookiePath, MaxAge: labCookieMaxAge,
		HttpOnly: true, SameSite: http.SameSiteLaxMode, Secure: c.secure,
	})
	return nil
}

// read returns the policy the cookie holds, or false when there is none
// or it is not one this key signed.
func (c *labCookie) read(r *http.Request) (string, bool) {
	ck, err := r.Cookie(c.name())
	if err != nil || len(ck.Value) > labCookieMaxValue {
		return "", false
	}
	data, sig, ok := strings.Cut(ck.Value, ".")
	if !ok {
		return "", false
	}
	payload, err1 := b64.DecodeString(data)
	mac, err2 := b64.DecodeString(sig)
	if err := errors.Join(err1, err2); err != nil || !hmac.Equal(mac, c.mac(payload)) {
		return "", false
	}
	// Signed by this key, so written by write above; still bounded.
	text, err := io.ReadAll(io.LimitReader(flate.NewReader(bytes.NewReader(payload)), csp.MaxPolicyLen+1))
	if err != nil || len(text) > csp.MaxPolicyLen {
		return "", false
	}
	return string(text), true
}
