// Package devcert makes a self-signed certificate for serving HTTPS on
// localhost during local work (TLS=self-signed, `make run-tls`).
//
// Why local HTTPS at all: browsers deliver Reporting API reports (report-to,
// Reporting-Endpoints) only to secure origins, so over plain http a
// developer sees report-uri reports only. The certificate is for
// localhost, 127.0.0.1 and ::1 only and is not trusted by any browser: it
// is a development tool, never a production certificate (set TLS_CERT and
// TLS_KEY for that).
//
// The key stays on disk with mode 0600 beside the database in DATA_DIR,
// and the pair is reused until it is about to expire, so the browser's
// one-time "proceed anyway" exception keeps working across restarts.
package devcert

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"fmt"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"time"
)

// File names inside the data directory.
const (
	CertFile = "localhost-cert.pem"
	KeyFile  = "localhost-key.pem"
)

// Validity is how long a generated certificate lasts. Browsers refuse
// leaf certificates valid for more than 398 days.
const Validity = 365 * 24 * time.Hour

// renewBefore regenerates a certificate this close to expiry, so a server
// started just before never serves an expired one.
const renewBefore = 24 * time.Hour

// LoadOrCreate returns the certificate kept in dir, generating (and
// creating dir) when it is missing, unreadable or about to expire.
func LoadOrCreate(dir string, now time.Time) (tls.Certificate, error) {
	certPath, keyPath := filepath.Join(dir, CertFile), filepath.Join(dir, KeyFile)
	// A missing, corrupt or mismatched pair is replaced rather than being
	// fatal: it is a local development certificate.
	if c, err := tls.LoadX509KeyPair(certPath, keyPath); err == nil && c.Leaf != nil && now.Add(renewBefore).Before(c.Leaf.NotAfter) {
		return c, nil
	}
	if err := os.MkdirAll(dir, 0o700); err != nil { // DATA_DIR: the kit's alone, as package database creates it
		return tls.Certificate{}, fmt.Errorf("devcert: creating %s: %w", dir, err)
	}
	certPEM, keyPEM, err := generate(now)
	if err != nil {
		return tls.Certificate{}, err
	}
	// Write the key first and with 0600: never a moment where it is
	// readable by others.
	if err := writeFile(keyPath, keyPEM, 0o600); err != nil {
		return tls.Certificate{}, err
	}
	if err := writeFile(certPath, certPEM, 0o644); err != nil {
		return tls.Certificate{}, err
	}
	c, err := tls.X509KeyPair(certPEM, keyPEM)
	if err != nil {
		return tls.Certificate{}, fmt.Errorf("devcert: loading the new pair: %w", err)
	}
	return c, nil
}

// generate makes an ECDSA P-256 key and a self-signed certificate for
// localhost, 127.0.0.1 and ::1.
func generate(now time.Time) (certPEM, keyPEM []byte, err error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, nil, fmt.Errorf("devcert: generating key: %w", err)
	}
	serial, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 128))
	if err != nil {
		return nil, nil, fmt.Errorf("devcert: serial number: %w", err)
	}
	tmpl := &x509.Certificate{
		SerialNumber:          serial,
		Subject:               pkix.Name{CommonName: "localhost", Organization: []string{"Noncekit development"}},
		NotBefore:             now.Add(-time.Hour), // tolerate a little clock skew
		NotAfter:              now.Add(Validity),
		KeyUsage:              x509.KeyUsageDigitalSignature,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		BasicConstraintsValid: true,
		DNSNames:              []string{"localhost"},
		IPAddresses:           []net.IP{net.IPv4(127, 0, 0, 1), net.IPv6loopback},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return nil, nil, fmt.Errorf("devcert: creating certificate: %w", err)
	}
	keyDER, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return nil, nil, fmt.Errorf("devcert: encoding key: %w", err)
	}
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}),
		pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: keyDER}), nil
}

// writeFile replaces path atomically (temp file and rename), so a crash
// never leaves half a key.
func writeFile(path string, data []byte, mode os.FileMode) error {
	f, err := os.CreateTemp(filepath.Dir(path), ".devcert-*")
	if err != nil {
		return fmt.Errorf("devcert: writing %s: %w", path, err)
	}
	defer os.Remove(f.Name()) // fails harmlessly after the rename
	if err := f.Chmod(mode); err != nil {
		f.Close()
		return fmt.Errorf("devcert: writing %s: %w", path, err)
	}
	if _, err := f.Write(data); err != nil {
		f.Close()
		return fmt.Errorf("devcert: writing %s: %w", path, err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("devcert: writing %s: %w", path, err)
	}
	if err := os.Rename(f.Name(), path); err != nil {
		return fmt.Errorf("devcert: writing %s: %w", path, err)
	}
	return nil
}
