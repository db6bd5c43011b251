package server

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/noncekit/noncekit/internal/account"
)

// Device cookies, as OWASP describes them ("Slow Down Online Guessing
// Attacks with Device Cookies"): a browser that has signed in to an
// account gets a cookie, signed by the server, naming that account and a
// random id. A later sign-in attempt at that account carrying a valid one
// comes from a known device: it is throttled by the device's own count
// alone (signInThrottle), not by the account's or the address's, which
// strangers can run up. So the operator whose account is under attack,
// or who shares an address with the attacker (an office, a proxy the kit
// does not trust), still signs in from the browser they used before.
//
// The cookie holds no secret and grants nothing by itself: it only decides
// which count an attempt is charged to, and the password is still
// checked. It is signed with the account's device key
// (account.Directory.DeviceKey, derived from the password hash), so no
// new secret needs keeping, every instance on the database accepts it, and
// a password reset revokes every device cookie of the account.
const (
	deviceCookieName = "device"
	// deviceCookiePath keeps the cookie to the sign-in form's routes:
	// no other request carries it.
	deviceCookiePath = "/signin"
	// deviceLifetime is how long a device stays known after its last
	// sign-in: each sign-in issues a new cookie.
	deviceLifetime = 180 * 24 * time.Hour
	// deviceMaxValue bounds what verify reads: an email of at most 254
	// bytes in base64, an id, a time and a MAC fit in under 600 bytes.
	deviceMaxValue = 600
)

// DeviceKeys gives the key that signs an account's device cookies
// (*account.Directory implements it).
type DeviceKeys interface {
	DeviceKey(ctx context.Context, email string) ([]byte, error)
}

// devices issues and checks device cookies.
type devices struct {
	keys   DeviceKeys
	secure bool // over https: Secure, named __Secure-device
	now    func() time.Time
}

func (d devices) name() string {
	if d.secure {
		return "__Secure-" + deviceCookieName
	}
	return deviceCookieName
}

var b64 = base64.RawURLEncoding

// issue sets a new device cookie for email on w: a fresh random id, an
// expiry, and their MAC under the account's device key.
func (d devices) issue(ctx context.Context, w http.ResponseWriter, email string) error {
	key, err := d.keys.DeviceKey(ctx, email)
	if err != nil {
		return err
	}
	id := make([]byte, 16)
	if _, err := rand.Read(id); err != nil {
		return err
	}
	expires := d.now().Add(deviceLifetime)
	payload := "v1." + b64.EncodeToString([]byte(account.NormalizeEmail(email))) + "." + b64.EncodeToString(id) +
		"." + strconv.FormatInt(expires.Unix(), 10)
	http.SetCookie(w, &http.Cookie{
		Name:     d.name(),
		Value:    payload + "." + b64.EncodeToString(deviceMAC(key, payload)),
		Path:     deviceCookiePath,
		MaxAge:   int(deviceLifetime / time.Second),
		Secure:   d.secure,
		HttpOnly: true,
		// The sign-in form posts to its own origin; no other site's page
		// needs the cookie sent.
		SameSite: http.SameSiteStrictMode,
	})
	return nil
}

// verify returns the id of r's device cookie when it is valid for email
// (signed with its account's key, not expired), else "". An error means
// the key could not be read (the database failed), not a bad cookie.
func (d devices) verify(ctx context.Context, r *http.Request, email string) (string, error) {
	c, err := r.Cookie(d.name())
	if err != nil || len(c.Value) > deviceMaxValue {
		return "", nil
	}
	// v1.<email>.<id>.<expiry, unix seconds>.<MAC of the four before>
	parts := strings.Split(c.Value, ".")
	if len(parts) != 5 || parts[0] != "v1" {
		return "", nil
	}
	named, err := b64.DecodeString(parts[1])
	if err != nil || string(named) != account.NormalizeEmail(email) {
		return "", nil // another account's device, or none
	}
	exp, err := strconv.ParseInt(parts[3], 10, 64)
	if err != nil || !d.now().Before(time.Unix(exp, 0)) {
		return "", nil
	}
	got, err := b64.DecodeString(parts[4])
	if err != nil {
		return "", nil
	}
	key, err := d.keys.DeviceKey(ctx, email)
	if errors.Is(err, account.ErrNotFound) {
		return "", nil
	}
	if err != nil {
		return "", err
	}
	if !hmac.Equal(got, deviceMAC(key, strings.Join(parts[:4], "."))) {
		return "", nil
	}
	return parts[2], nil
}

// deviceMAC is the cookie's signature: HMAC-SHA256 of its payload.
func deviceMAC(key []byte, payload string) []byte {
	m := hmac.New(sha256.New, key)
	m.Write([]byte(payload))
	return m.Sum(nil)
}
