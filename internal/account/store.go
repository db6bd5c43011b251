package account

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"golang.org/x/crypto/bcrypt"
)

// Store keeps accounts in the users table of the kit's database
// (database.Open creates it). Its SQL is what SQLite and PostgreSQL both
// read ($n placeholders, ON CONFLICT, RETURNING): each dialect has only its
// own migration, and the tests run on both. On PostgreSQL every instance
// sees every account the moment it is created.
type Store struct {
	// Cost is the bcrypt cost of the hashes Create and SetPassword store,
	// and so of every sign-in: a Directory compares an unknown email
	// against a dummy hash of the same cost. 0 means DefaultCost (10),
	// what the kit runs with; a higher cost is slower for attackers and
	// users alike. Each step doubles the work: the kit's tests set
	// bcrypt.MinCost (4), 64 times cheaper, so the suites that sign in
	// take seconds, not minutes. Set it before the store is used.
	Cost int

	db *sql.DB
	// now stamps Created; tests fix it.
	now func() time.Time
}

// NewStore returns the accounts of db, hashed at DefaultCost. The caller
// owns db.
func NewStore(db *sql.DB) *Store { return &Store{db: db, now: time.Now} }

// cost is the store's bcrypt cost: Cost, or DefaultCost for 0. A Cost
// bcrypt cannot use is refused rather than replaced, as bcrypt itself
// would silently replace one below its minimum with its default.
func (s *Store) cost() (int, error) {
	switch {
	case s.Cost == 0:
		return DefaultCost, nil
	case s.Cost < bcrypt.MinCost || s.Cost > bcrypt.MaxCost:
		return 0, fmt.Errorf("account: Store.Cost %d: want %d to %d (0 for %d)", s.Cost, bcrypt.MinCost, bcrypt.MaxCost, DefaultCost)
	}
	return s.Cost, nil
}

// hash checks password and hashes it at the store's cost.
func (s *Store) hash(password string) ([]byte, error) {
	cost, err := s.cost()
	if err != nil {
		return nil, err
	}
	return hashPassword(password, cost)
}

// NewAccount is what Create needs.
type NewAccount struct {
	Email string
	// Name is shown on the account page; "" takes the email's local part.
	Name     string
	Role     Role
	Password string
}

// Create adds an account and returns it. It refuses a bad email, name or
// role, a password CheckPassword refuses, and an email another account
// has (ErrEmailTaken).
func (s *Store) Create(ctx context.Context, a NewAccount) (User, error) {
	email, err := CheckEmail(a.Email)
	if err != nil {
		return User{}, err
	}
	name, err := checkName(a.Name)
	if err != nil {
		return User{}, err
	}
	if name == "" {
		name = email[:strings.LastIndexByte(email, '@')]
	}
	if _, err := ParseRole(string(a.Role)); err != nil {
		return User{}, err
	}
	hash, err := s.hash(a.Password)
	if err != nil {
		return User{}, err
	}
	created := s.now().UTC().Truncate(time.Millisecond)
	var id int64
	// DO NOTHING and no row back: the email is taken. One statement, so two
	// commands adding one email at once cannot both succeed.
	err = s.db.QueryRowContext(ctx, `INSERT INTO users (email, name, password_hash, role, created)
		VALUES ($1, $2, $3, $4, $5) ON CONFLICT (email) DO NOTHING RETURNING id`,
		email, name, string(hash), string(a.Role), created.UnixMilli()).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		return User{}, fmt.Errorf("%s: %w", email, ErrEmailTaken)
	}
	if err != nil {
		return User{}, fmt.Errorf("account: adding %s: %w", email, err)
	}
	return User{ID: strconv.FormatInt(id, 10), Email: email, Name: name, Role: a.Role, Created: created}, nil
}

// SetPassword replaces the password of the account with this email
// (ErrNotFound when there is none).
func (s *Store) SetPassword(ctx context.Context, email, password string) error {
	hash, err := s.hash(password)
	if err != nil {
		return err
	}
	return s.update(ctx, email, "password_hash", string(hash))
}

// SetRole changes the role of the account with this email.
func (s *Store) SetRole(ctx context.Context, email string, role Role) error {
	if _, err := ParseRole(string(role)); err != nil {
		return err
	}
	return s.update(ctx, email, "role", string(role))
}

// update sets one column (a constant of this file, never input) of the
// account with this email.
func (s *Store) update(ctx context.Context, email, column, value string) error {
	e := NormalizeEmail(email)
	res, err := s.db.ExecContext(ctx, "UPDATE users SET "+column+" = $1 WHERE email = $2", value, e)
	if err != nil {
		return fmt.Errorf("account: updating %s: %w", e, err)
	}
	if n, err := res.RowsAffected(); err != nil {
		return fmt.Errorf("account: updating %s: %w", e, err)
	} else if n == 0 {
		return fmt.Errorf("%s: %w", e, ErrNotFound)
	}
	return nil
}

// List returns every account, oldest first.
func (s *Store) List(ctx context.Context) ([]User, error) {
	rows, err := s.db.QueryContext(ctx, "SELECT id, email, name, role, created FROM users ORDER BY id")
	if err != nil {
		return nil, fmt.Errorf("account: listing: %w", err)
	}
	defer rows.Close()
	var out []User
	for rows.Next() {
		u, _, err := scanUser(rows, false)
		if err != nil {
			return nil, err
		}
		out = append(out, u)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("account: listing: %w", err)
	}
	return out, nil
}

// Operators counts the accounts with the operator role.
func (s *Store) Operators(ctx context.Context) (int, error) {
	var n int
	if err := s.db.QueryRowContext(ctx, "SELECT count(*) FROM users WHERE role = $1", string(RoleOperator)).Scan(&n); err != nil {
		return 0, fmt.Errorf("account: counting operators: %w", err)
	}
	return n, nil
}

// byID returns the account with this id: ErrNotFound for an unknown or
// malformed one.
func (s *Store) byID(ctx context.Context, id string) (User, error) {
	n, err := strconv.ParseInt(id, 10, 64)
	if err != nil || n <= 0 || strconv.FormatInt(n, 10) != id {
		return User{}, ErrNotFound
	}
	row := s.db.QueryRowContext(ctx, "SELECT id, email, name, role, created FROM users WHERE id = $1", n)
	u, _, err := scanUser(row, false)
	return u, err
}

// Get returns the account with this email (ErrNotFound when none).
func (s *Store) Get(ctx context.Context, email string) (User, error) {
	u, _, err := s.byEmail(ctx, NormalizeEmail(email))
	return u, err
}

// byEmail returns the account with this (normalised) email and its hash.
func (s *Store) byEmail(ctx context.Context, email string) (User, []byte, error) {
	row := s.db.QueryRowContext(ctx, "SELECT id, email, name, role, created, password_hash FROM users WHERE email = $1", email)
	return scanUser(row, true)
}

type scanner interface{ Scan(dest ...any) error }

func scanUser(sc scanner, withHash bool) (User, []byte, error) {
	var (
		id      int64
		u       User
		role    string
		created int64
		hash    string
	)
	dest := []any{&id, &u.Email, &u.Name, &role, &created}
	if withHash {
		dest = append(dest, &hash)
	}
	if err := sc.Scan(dest...); errors.Is(err, sql.ErrNoRows) {
		return User{}, nil, ErrNotFound
	} else if err != nil {
		return User{}, nil, fmt.Errorf("account: reading: %w", err)
	}
	r, err := ParseRole(role)
	if err != nil {
		// The table's CHECK makes this a corrupted row: refuse it rather
		// than guess a role.
		return User{}, nil, fmt.Errorf("account %d: %w", id, err)
	}
	u.ID, u.Role, u.Created = strconv.FormatInt(id, 10), r, time.UnixMilli(created).UTC()
	return u, []byte(hash), nil
}
