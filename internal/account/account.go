// Package account holds the people who can sign in and checks their
// passwords.
//
// Accounts live in the database's users table (Store), each with a role:
// an operator may read the violation reports, a user may only sign in. The
// `noncekit user` command adds them and resets their passwords.
//
// Authenticate's rules hold for every account: bcrypt hashes, one error
// for every failure, and the same work for an unknown email as for a
// wrong password, so sign-in does not reveal which emails have accounts.
package account

import (
	"errors"
	"fmt"
	"net/mail"
	"strings"
	"time"
	"unicode/utf8"

	"golang.org/x/crypto/bcrypt"
)

// DefaultCost is the bcrypt cost of every stored hash unless Store.Cost
// says otherwise.
const DefaultCost = bcrypt.DefaultCost // 10

// dummyHash is compared against when the email is unknown, so that answer
// takes as long as a wrong password and does not reveal which emails have
// accounts. Its cost is DefaultCost; a Directory whose store hashes at
// another cost makes a dummy of that cost instead (Directory.dummy).
const dummyHash = "$2a$10$dO4FXgC2JSIthKcXgHDJSeoAWybjncSzBR54goDoJgc3k5Xu/8GqG"

// Password lengths. MinPassword is in characters; MaxPassword is bcrypt's
// input limit in bytes: it ignores bytes past 72, so a longer password is
// refused rather than silently truncated.
const (
	MinPassword = 12
	MaxPassword = 72
)

// Field limits: what fits a page and a log line.
const (
	maxEmail = 254 // RFC 5321's limit on a forward path
	maxName  = 100
)

// Role says what a signed-in account may do.
type Role string

// The roles. The zero Role is no role: Lookup and Authenticate never
// return it.
const (
	// RoleUser may sign in and see its account page.
	RoleUser Role = "user"
	// RoleOperator may also read the violation reports (/reports,
	// /api/reports and their live stream).
	RoleOperator Role = "operator"
)

// ParseRole reads "operator" or "user".
func ParseRole(s string) (Role, error) {
	switch r := Role(s); r {
	case RoleUser, RoleOperator:
		return r, nil
	}
	return "", fmt.Errorf("role %q: want operator or user", s)
}

// Errors. Sign-in pages show InvalidMessage for ErrInvalidCredentials.
var (
	// ErrInvalidCredentials is the one error for an unknown email, a
	// wrong password or an unusable one.
	ErrInvalidCredentials = errors.New("account: wrong email or password")
	// ErrNotFound: no account has this id or email.
	ErrNotFound = errors.New("account: no such account")
	// ErrEmailTaken: another account has this email already.
	ErrEmailTaken = errors.New("account: an account with this email exists already")
)

// InvalidMessage is what the sign-in page says for ErrInvalidCredentials:
// the same words whichever part was wrong.
const InvalidMessage = "Wrong email or password."

// User is a signed-in person as pages see them.
type User struct {
	// ID is what a session stores: the users table's id in decimal.
	ID    string
	Email string
	Name  string
	Role  Role
	// Created is when the account was added; zero for a guest.
	Created time.Time
}

// IsOperator reports whether u may read the violation reports.
func (u User) IsOperator() bool { return u.Role == RoleOperator }

// NormalizeEmail is the form an email is stored and looked up in: trimmed
// and lower case, so Ada@Example.com and ada@example.com are one account.
func NormalizeEmail(email string) string { return strings.ToLower(strings.TrimSpace(email)) }

// CheckEmail returns the normalised email, or an error saying why it
// cannot name an account: it must be a bare address (no display name, no
// angle brackets) of at most 254 bytes.
func CheckEmail(email string) (string, error) {
	e := NormalizeEmail(email)
	if e == "" {
		return "", errors.New("email: required")
	}
	if len(e) > maxEmail {
		return "", fmt.Errorf("email: at most %d bytes", maxEmail)
	}
	a, err := mail.ParseAddress(e)
	if err != nil || a.Address != e || a.Name != "" {
		return "", fmt.Errorf("email %q: want a plain address such as you@example.com", e)
	}
	return e, nil
}

// CheckPassword says why a new password is refused: shorter than
// MinPassword characters, longer than MaxPassword bytes, or not UTF-8.
func CheckPassword(password string) error {
	switch {
	case !utf8.ValidString(password):
		return errors.New("password: not valid UTF-8")
	case utf8.RuneCountInString(password) < MinPassword:
		return fmt.Errorf("password: at least %d characters", MinPassword)
	case len(password) > MaxPassword:
		return fmt.Errorf("password: at most %d bytes (bcrypt ignores the rest)", MaxPassword)
	}
	return nil
}

// checkName trims a display name and bounds it.
func checkName(name string) (string, error) {
	name = strings.TrimSpace(name)
	if !utf8.ValidString(name) || utf8.RuneCountInString(name) > maxName || strings.ContainsFunc(name, isControl) {
		return "", fmt.Errorf("name: at most %d printable characters", maxName)
	}
	return name, nil
}

func isControl(r rune) bool { return r < 0x20 || r == 0x7f || (r >= 0x80 && r < 0xa0) }

// hashPassword checks password and hashes it at cost, the cost of the
// directory's dummy hash, so every stored hash costs an unknown email's
// comparison.
func hashPassword(password string, cost int) ([]byte, error) {
	if err := CheckPassword(password); err != nil {
		return nil, err
	}
	h, err := bcrypt.GenerateFromPassword([]byte(password), cost)
	if err != nil {
		return nil, fmt.Errorf("hashing the password: %w", err)
	}
	return h, nil
}
