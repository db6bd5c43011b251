package main

import (
	"context"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/noncekit/noncekit/internal/account"
	"github.com/noncekit/noncekit/internal/config"
	"github.com/noncekit/noncekit/internal/database"
	"github.com/noncekit/noncekit/internal/testsupport/dbtest"
)

// userCmd runs `noncekit user args...` on the database cfg names (its
// DATA_DIR, or its DATABASE_URL) with stdin as standard input (never a
// terminal here), and returns what it printed.
func userCmd(t *testing.T, cfg config.Config, stdin string, args ...string) (stdout, stderr string, err error) {
	t.Helper()
	var out, errOut strings.Builder
	env := map[string]string{"DATA_DIR": cfg.DataDir, "DATABASE_URL": cfg.DatabaseURL}
	getenv := func(k string) string { return env[k] }
	err = runUser(context.Background(), args, getenv, strings.NewReader(stdin), &out, &errOut)
	return out.String(), errOut.String(), err
}

// signIn checks a password against the database cfg names, as the
// server's sign-in does.
func signIn(t *testing.T, cfg config.Config, email, password string) (account.User, error) {
	t.Helper()
	db, _, err := database.Open(context.Background(), cfg)
	require.NoError(t, err)
	defer db.Close()
	return account.NewDirectory(account.NewStore(db)).Authenticate(context.Background(), email, password)
}

func TestUserCommand(t *testing.T) {
	// The same on both engines: with DATABASE_URL, the account is in
	// PostgreSQL, for every instance.
	dbtest.Each(t, func(t *testing.T, e dbtest.Engine) {
		cfg := e.Config(t)

		// The first operator, as the README says to make one.
		out, _, err := userCmd(t, cfg, "first operator pw\n", "add", "--operator", "Olive@Example.com")
		require.NoError(t, err)
		assert.Equal(t, "added operator olive@example.com (id 1)\n", out)
		u, err := signIn(t, cfg, "olive@example.com", "first operator pw")
		require.NoError(t, err)
		assert.True(t, u.IsOperator())
		assert.Equal(t, "olive", u.Name, "the name defaults to the email's local part")

		// A plain user, the flag after the email, the password twice (as a
		// script answers the terminal's two prompts) with CRLF.
		out, _, err = userCmd(t, cfg, "ada's password\r\nada's password\r\n", "add", "ada@example.com", "--name", "Ada Lovelace")
		require.NoError(t, err)
		assert.Equal(t, "added user ada@example.com (id 2)\n", out)
		u, err = signIn(t, cfg, "ada@example.com", "ada's password")
		require.NoError(t, err)
		assert.False(t, u.IsOperator())
		assert.Equal(t, "Ada Lovelace", u.Name)

		// reset: the new password works, the old one no longer does.
		out, _, err = userCmd(t, cfg, "a brand new password\na brand new password", "reset", "ADA@example.com") // no line end at EOF
		require.NoError(t, err)
		assert.Equal(t, "new password set for ada@example.com\n", out)
		_, err = signIn(t, cfg, "ada@example.com", "ada's password")
		assert.ErrorIs(t, err, account.ErrInvalidCredentials)
		_, err = signIn(t, cfg, "ada@example.com", "a brand new password")
		require.NoError(t, err)

		// role: promote and demote.
		out, _, err = userCmd(t, cfg, "", "role", "ada@example.com", "operator")
		require.NoError(t, err)
		assert.Equal(t, "ada@example.com is now an operator\n", out)
		_, _, err = userCmd(t, cfg, "", "role", "olive@example.com", "user")
		require.NoError(t, err)
		u, err = signIn(t, cfg, "olive@example.com", "first operator pw")
		require.NoError(t, err)
		assert.False(t, u.IsOperator())

		out, _, err = userCmd(t, cfg, "", "list")
		require.NoError(t, err)
		lines := strings.Split(strings.TrimSpace(out), "\n")
		require.Len(t, lines, 3)
		assert.Regexp(t, `^ID\s+EMAIL\s+ROLE\s+NAME\s+CREATED$`, lines[0])
		assert.Regexp(t, `^1\s+olive@example\.com\s+user\s+olive\s+\d{4}-`, lines[1])
		assert.Regexp(t, `^2\s+ada@example\.com\s+operator\s+Ada Lovelace\s+\d{4}-`, lines[2])
		assert.NotContains(t, out, "$2a$", "no hash is ever printed")
	})
}

// TestUserCommandRefuses: every mistake is an error naming it (main
// prints it and exits 1), and changes nothing.
func TestUserCommandRefuses(t *testing.T) {
	cfg := config.Config{DataDir: t.TempDir()}
	_, _, err := userCmd(t, cfg, "existing password\n", "add", "taken@example.com")
	require.NoError(t, err)

	tests := []struct {
		name  string
		stdin string
		args  []string
		want  string
	}{
		{"no subcommand", "", nil, "want a subcommand"},
		{"unknown subcommand", "", []string{"delete", "a@example.com"}, `unknown subcommand "delete"`},
		{"no email", "long enough password\n", []string{"add", "--operator"}, "the EMAIL is missing"},
		{"not an email", "long enough password\n", []string{"add", "olive"}, "plain address"},
		{"password on the command line", "long enough password\n", []string{"add", "a@example.com", "hunter2hunter2"}, "never given on the command line"},
		{"password flag", "long enough password\n", []string{"add", "--password", "hunter2hunter2", "a@example.com"}, "flag provided but not defined: -password"},
		{"short password", "eleven char\n", []string{"add", "a@example.com"}, "at least 12 characters"},
		{"password past bcrypt", strings.Repeat("x", 73) + "\n", []string{"add", "a@example.com"}, "at most 72 bytes"},
		{"no password", "", []string{"add", "a@example.com"}, "no password on standard input"},
		{"empty line", "\nsecond line password\n", []string{"add", "a@example.com"}, "no password on standard input"},
		// Two lines that differ (issue 21: the first was taken, silently).
		{"two lines that differ", "first password 1\nsecond password 2\n", []string{"add", "a@example.com"}, "the two lines on standard input differ"},
		{"two lines that differ in a trailing space", "first password 1\nfirst password 1 \n", []string{"add", "a@example.com"}, "the two lines on standard input differ"},
		{"an empty second line", "first password 1\n\n", []string{"add", "a@example.com"}, "the two lines on standard input differ"},
		{"reset, two lines that differ", "a brand new password\nanother new password\n", []string{"reset", "taken@example.com"}, "the two lines on standard input differ"},
		{"three lines", "first password 1\nfirst password 1\nfirst password 1\n", []string{"add", "a@example.com"}, "standard input has 3 lines"},
		{"endless input", strings.Repeat("first password 1\n", 1000), []string{"add", "a@example.com"}, "longer than 1024 bytes"},
		{"email taken", "long enough password\n", []string{"add", "TAKEN@example.com"}, "exists already; set a new password with `noncekit user reset taken@example.com`"},
		{"reset unknown", "long enough password\n", []string{"reset", "nobody@example.com"}, "no such account; add it with"},
		{"reset short", "short\n", []string{"reset", "taken@example.com"}, "at least 12 characters"},
		{"unknown role", "", []string{"role", "taken@example.com", "admin"}, "want operator or user"},
		{"role of nobody", "", []string{"role", "nobody@example.com", "operator"}, "no such account"},
		{"operator flag on reset", "long enough password\n", []string{"reset", "--operator", "taken@example.com"}, "flag provided but not defined: -operator"},
		{"list takes nothing", "", []string{"list", "x"}, "list takes no arguments"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, _, err := userCmd(t, cfg, tt.stdin, tt.args...)
			require.Error(t, err)
			assert.Contains(t, err.Error(), tt.want)
			assert.Empty(t, out, "nothing is reported done")
		})
	}
	out, _, err := userCmd(t, cfg, "", "list")
	require.NoError(t, err)
	assert.Equal(t, 2, strings.Count(out, "\n"), "only the one account, nothing refused was stored: %s", out)
	_, err = signIn(t, cfg, "taken@example.com", "existing password")
	assert.NoError(t, err, "the refused reset changed nothing")
}
