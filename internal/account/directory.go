package account

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"

	"golang.org/x/crypto/bcrypt"
)

// GuestPrefix starts every guest's User.ID. The users table's ids are
// decimal numbers, so a session naming a guest can never name a stored
// account, nor the other way round.
const GuestPrefix = "guest:"

// Guest is an account kept in memory, such as the showcase's demo account.
// It has no role on purpose: a guest is always RoleUser, so no guest, and
// no password printed on a page for one, can ever read the reports.
type Guest struct {
	ID    string // unique among guests; User.ID is GuestPrefix + ID
	Email string
	Name  string
}

type guestRecord struct {
	user User
	hash []byte
}

// Directory finds accounts by email (to sign in) and by id (for a signed-in
// session): first in the users table (Store), then among the guests.
//
// A stored account shadows a guest with the same email, so a guest's
// published password can never sign in to a stored account (an operator
// who took the demo's email, say). Add every guest before the server
// starts serving: guests are read concurrently and never locked.
type Directory struct {
	store *Store // nil: guests only
	// guests by normalised email, and guestIDs by User.ID.
	guests   map[string]guestRecord
	guestIDs map[string]User
	// compare checks a password against a bcrypt hash. It is
	// bcrypt.CompareHashAndPassword; tests count its calls to prove that
	// every failure does the same work.
	compare func(hash, password []byte) error
	// dummy is compared against for an unknown email: dummyHash, or one
	// made at the store's cost on first use.
	dummy func() ([]byte, error)
}

// NewDirectory returns a directory of store's accounts (nil: none) and no
// guests yet.
func NewDirectory(store *Store) *Directory {
	d := &Directory{store: store, guests: map[string]guestRecord{}, guestIDs: map[string]User{},
		compare: bcrypt.CompareHashAndPassword}
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
// store's, or DefaultCost for guests alone.
func (d *Directory) cost() (int, error) {
	if d.store == nil {
		return DefaultCost, nil
	}
	return d.store.cost()
}

// AddGuest adds a guest with its bcrypt hash. It refuses a hash that is
// not bcrypt, whose cost differs from the dummy hash's (an unknown email
// must cost what a wrong password costs), a bad email, and an id or email
// another guest has.
func (d *Directory) AddGuest(g Guest, hash string) error {
	cost, err := d.cost()
	if err != nil {
		return err
	}
	if err := checkHash(hash, cost); err != nil {
		return fmt.Errorf("guest %q: %w", g.Email, err)
	}
	email, err := CheckEmail(g.Email)
	if err != nil {
		return fmt.Errorf("guest %q: %w", g.Email, err)
	}
	if g.ID == "" {
		return fmt.Errorf("guest %q: an id is required", g.Email)
	}
	u := User{ID: GuestPrefix + g.ID, Email: email, Name: g.Name, Role: RoleUser}
	if _, taken := d.guestIDs[u.ID]; taken {
		return fmt.Errorf("guest %q: id %q is taken", g.Email, g.ID)
	}
	if _, taken := d.guests[email]; taken {
		return fmt.Errorf("guest %q: email is taken", g.Email)
	}
	d.guests[email] = guestRecord{user: u, hash: []byte(hash)}
	d.guestIDs[u.ID] = u
	return nil
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

// find looks email up in the store, then among the guests.
func (d *Directory) find(ctx context.Context, email string) (User, []byte, error) {
	if email == "" {
		return User{}, nil, ErrNotFound
	}
	if d.store != nil {
		u, hash, err := d.store.byEmail(ctx, email)
		if !errors.Is(err, ErrNotFound) {
			return u, hash, err
		}
	}
	if g, ok := d.guests[email]; ok {
		return g.user, g.hash, nil
	}
	return User{}, nil, ErrNotFound
}

// Lookup returns the account with this id: ErrNotFound when there is none
// (an account deleted, or a guest whose part is no longer mounted, while
// its session lived on), another error when the database failed.
func (d *Directory) Lookup(ctx context.Context, id string) (User, error) {
	if strings.HasPrefix(id, GuestPrefix) {
		if u, ok := d.guestIDs[id]; ok {
			return u, nil
		}
		return User{}, ErrNotFound
	}
	if d.store == nil {
		return User{}, ErrNotFound
	}
	return d.store.byID(ctx, id)
}
