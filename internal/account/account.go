// Package account holds the people who can sign in and checks their
// passwords. The kit ships one demo account; replace Demo with a lookup in
// your own user table, keeping Authenticate's rules: bcrypt hashes, one
// error for every failure, and the same work for an unknown email as for
// a wrong password.
package account

import (
	"errors"
	"strings"

	"golang.org/x/crypto/bcrypt"
)

// The demo account. Its password is shown on the sign-in page: it guards
// nothing but a page that says who you are.
const (
	DemoEmail    = "demo@noncekit.dev"
	DemoPassword = "noncekit-demo"
)

// MinCost is the lowest bcrypt cost accepted for a stored hash.
const MinCost = bcrypt.DefaultCost // 10

// demoHash is bcrypt(DemoPassword, cost 10), computed once
// (TestDemoHash checks it), so start-up and tests spend no time hashing.
const demoHash = "$2a$10$.pI6OPRc.Pm0WmocwTw7Le9uIGP2YkK6vtQ.87nuBX5SL2619PONu"

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
// signed-in session).
type Directory struct {
	byEmail map[string]record
	byID    map[string]User
}

// Demo returns a directory holding only the demo account.
func Demo() *Directory {
	d := &Directory{byEmail: map[string]record{}, byID: map[string]User{}}
	u := User{ID: "demo", Email: DemoEmail, Name: "Demo User"}
	d.byEmail[normalize(u.Email)] = record{user: u, hash: []byte(demoHash)}
	d.byID[u.ID] = u
	return d
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
	err := bcrypt.CompareHashAndPassword(hash, []byte(password))
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
