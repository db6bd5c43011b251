// Package account holds the people who can sign in and checks their
// passwords. The skeleton starts with an empty directory; the showcase adds
// its demo account while it is mounted. Replace the map with a lookup in
// your own user table, keeping Authenticate's rules: bcrypt hashes, one
// error for every failure, and the same work for an unknown email as for a
// wrong password.
package account

import (
	"errors"
	"fmt"
	"strings"

	"golang.org/x/crypto/bcrypt"
)

// MinCost is the lowest bcrypt cost accepted for a stored hash.
const MinCost = bcrypt.DefaultCost // 10

// dummyHash is compared against when the email is unknown, so that answer
// takes as long as a wrong password and does not reveal which emails have
// accounts. Its cost must equal the real hashes' cost.
const dummyHash = "$2a$10$dO4FXgC2JSIthKcXgHDJSeoAWybjncSzBR54goDoJgc3k5Xu/8GqG"

// maxPassword is bcrypt's input limit: it ignores bytes past 72, so a
// longer password is refused rather than silently truncated.
const maxPassword = 72

// ErrInvalidCredentials is the one error for an unknown email, a wrong
// password or an unusable one. Pages show InvalidMessage for it.
var ErrInvalidCredentials = errors.New("account: wrong email or password")

// InvalidMessage is what the sign-in page says for ErrInvalidCredentials:
// the same words whichever part was wrong.
const InvalidMessage = "Wrong email or password."

// User is a signed-in person as pages see them.
type User struct {
	ID    string
	Email string
	Name  string
}

type record struct {
	user User
	hash []byte
}

// Directory finds accounts by email (to sign in) and by id (for a
// signed-in session). Add every account before the server starts serving:
// the directory is read concurrently and never locked.
type Directory struct {
	byEmail map[string]record
	byID    map[string]User
	// compare checks a password against a bcrypt hash. It is
	// bcrypt.CompareHashAndPassword; tests count its calls to prove that
	// every failure does the same work.
	compare func(hash, password []byte) error
}

// New returns an empty directory.
func New() *Directory {
	return &Directory{byEmail: map[string]record{}, byID: map[string]User{}, compare: bcrypt.CompareHashAndPassword}
}

// Add adds an account with its bcrypt hash. It refuses a hash that is not
// bcrypt, whose cost differs from the dummy hash's (an unknown email must
// cost what a wrong password costs), and an id or email already taken.
func (d *Directory) Add(u User, hash string) error {
	cost, err := bcrypt.Cost([]byte(hash))
	if err != nil {
		return fmt.Errorf("account %q: not a bcrypt hash: %w", u.Email, err)
	}
	if dummy, _ := bcrypt.Cost([]byte(dummyHash)); cost != dummy {
		return fmt.Errorf("account %q: bcrypt cost %d, want %d like every stored hash", u.Email, cost, dummy)
	}
	if u.ID == "" || normalize(u.Email) == "" {
		return fmt.Errorf("account %q: id and email are required", u.Email)
	}
	if _, taken := d.byID[u.ID]; taken {
		return fmt.Errorf("account %q: id %q is taken", u.Email, u.ID)
	}
	if _, taken := d.byEmail[normalize(u.Email)]; taken {
		return fmt.Errorf("account %q: email is taken", u.Email)
	}
	d.byEmail[normalize(u.Email)] = record{user: u, hash: []byte(hash)}
	d.byID[u.ID] = u
	return nil
}

// Authenticate returns the user whose email and password these are, or
// ErrInvalidCredentials. bcrypt compares in constant time; an unknown
// email still costs one bcrypt comparison.
func (d *Directory) Authenticate(email, password string) (User, error) {
	rec, found := d.byEmail[normalize(email)]
	hash := rec.hash
	if !found {
		hash = []byte(dummyHash)
	}
	err := d.compare(hash, []byte(password))
	if !found || err != nil || len(password) > maxPassword {
		return User{}, ErrInvalidCredentials
	}
	return rec.user, nil
}

// Lookup returns the user with this id; false when there is none (an
// account deleted while its session lived on).
func (d *Directory) Lookup(id string) (User, bool) {
	u, ok := d.byID[id]
	return u, ok
}

func normalize(email string) string { return strings.ToLower(strings.TrimSpace(email)) }
