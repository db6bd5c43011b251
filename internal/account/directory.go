package account

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"errors"
	"fmt"
	"sync"

	"golang.org/x/crypto/bcrypt"
)

// Directory finds accounts by email (to sign in) and by id (for a signed-in
// session) in the users table (Store), doing the same work for an unknown
// email as for a wrong password.
type Directory struct {
	store *Store // nil: no accounts
	// compare checks a password against a bcrypt hash. It is
	// bcrypt.CompareHashAndPassword; tests count its calls to prove that
	// every failure does the same work.
	compare func(hash, password []byte) error
	// dummy is compared against for an unknown email: dummyHash, or one
	// made at the store's cost on first use.
	dummy func() ([]byte, error)
}

// NewDirectory returns a directory of store's accounts (nil: none).
func NewDirectory(store *Store) *Directory {
	d := &Directory{store: store, compare: bcrypt.CompareHashAndPassword}
	d.dummy = sync.OnceValues(func() ([]byte, error) {
		cost, err := d.cost()
		if err != nil || cost == DefaultCost {
			return []byte(dummyHash), err
		}
		h, err := bcrypt.GenerateFromPassword([]byte("not anyone's password"), cost)
		if err != nil {
			return nil, fmt.Errorf("account: making the dummy hash: %w", err)
		}
		return h, nil
	})
	return d
}

// cost is the bcrypt cost of every hash the directory compares: its
// store's, or DefaultCost without one.
func (d *Directory) cost() (int, error) {
	if d.store == nil {
		return DefaultCost, nil
	}
	return d.store.cost()
}

// Authenticate returns the account whose email and password these are, or
// ErrInvalidCredentials. Every answer but a database failure costs exactly
// one bcrypt comparison at the stored cost (an unknown email is compared
// against a dummy hash), and bcrypt compares in constant time. A database
// failure is returned as it is, wrapped: it is not a wrong password.
func (d *Directory) Authenticate(ctx context.Context, email, password string) (User, error) {
	u, hash, err := d.find(ctx, NormalizeEmail(email))
	found := err == nil
	if err != nil && !errors.Is(err, ErrNotFound) {
		return User{}, err
	}
	if !found {
		if hash, err = d.dummy(); err != nil {
			return User{}, err
		}
	}
	err = d.compare(hash, []byte(password))
	if !found || err != nil || len(password) > MaxPassword {
		return User{}, ErrInvalidCredentials
	}
	return u, nil
}

// DeviceKey returns a key only the server knows for the account with this
// email, to sign what the server hands that account's browsers (the
// sign-in throttle's device cookies): HMAC-SHA256 of a fixed label under
// the account's password hash. So it needs no secret of its own to keep,
// is the same on every instance sharing the database, and changes when
// the password does, which revokes whatever was signed with the old one.
// ErrNotFound when no account has this email; the work is the same then,
// against the dummy hash.
func (d *Directory) DeviceKey(ctx context.Context, email string) ([]byte, error) {
	_, hash, err := d.find(ctx, NormalizeEmail(email))
	found := err == nil
	if err != nil && !errors.Is(err, ErrNotFound) {
		return nil, err
	}
	if !found {
		hash = []byte(dummyHash)
	}
	m := hmac.New(sha256.New, hash)
	m.Write([]byte("noncekit device key v1"))
	key := m.Sum(nil)
	if !found {
		return nil, ErrNotFound
	}
	return key, nil
}

// find looks email up in the store.
func (d *Directory) find(ctx context.Context, email string) (User, []byte, error) {
	if email == "" || d.store == nil {
		return User{}, nil, ErrNotFound
	}
	return d.store.byEmail(ctx, email)
}

// Lookup returns the account with this id: ErrNotFound when there is none
// (an account deleted while its session lived on), another error when the
// database failed.
func (d *Directory) Lookup(ctx context.Context, id string) (User, error) {
	if d.store == nil {
		return User{}, ErrNotFound
	}
	return d.store.byID(ctx, id)
}
