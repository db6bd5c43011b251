package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"text/tabwriter"

	"golang.org/x/term"

	"github.com/noncekit/noncekit/internal/account"
	"github.com/noncekit/noncekit/internal/cmdflag"
	"github.com/noncekit/noncekit/internal/config"
	"github.com/noncekit/noncekit/internal/database"
)

// userUsage is what `noncekit user` prints for a mistake.
const userUsage = `usage:
  noncekit user add [--operator] [--name NAME] EMAIL   add an account (a user, or an operator who may read the reports)
  noncekit user reset EMAIL                           set a new password for an account
  noncekit user role EMAIL operator|user              change an account's role
  noncekit user list                                  list the accounts
The password is read from the terminal without echo (asked twice), or from
standard input when it is not a terminal: one line, or the same line twice;
never from the command line.
The accounts are those of the database in DATA_DIR (default ./data).`

// errUsage marks a mistake in the command line; the message is followed
// by userUsage.
var errUsage = errors.New("noncekit user")

// runUser runs `noncekit user ...` (args after "user") on the database
// the server uses (DATA_DIR). Passwords come from stdin: the terminal,
// read without echo and asked twice, or one line of whatever stdin is.
// Messages for the operator go to stderr, results to stdout.
func runUser(ctx context.Context, args []string, getenv func(string) string, stdin io.Reader, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		return usageError("want a subcommand: add, reset, role or list")
	}
	verb, args := args[0], args[1:]
	fs := flag.NewFlagSet("noncekit user "+verb, flag.ContinueOnError)
	fs.SetOutput(io.Discard) // the error is returned, with the usage
	operator := false
	name := ""
	if verb == "add" {
		fs.BoolVar(&operator, "operator", false, "the account may read the violation reports")
		fs.StringVar(&name, "name", "", "the name shown on the account page")
	}
	pos, err := cmdflag.Parse(fs, args)
	if err != nil {
		return usageError(err.Error())
	}
	want := map[string]int{"add": 1, "reset": 1, "role": 2, "list": 0}
	n, known := want[verb]
	switch {
	case !known:
		return usageError(fmt.Sprintf("unknown subcommand %q", verb))
	case len(pos) != n && n == 0:
		return usageError(verb + " takes no arguments")
	case len(pos) < n:
		return usageError(verb + ": the EMAIL is missing")
	case len(pos) > n:
		return usageError(fmt.Sprintf("%s: unexpected %q (a password is never given on the command line)", verb, pos[n]))
	}
	var email string
	if n > 0 {
		if email, err = account.CheckEmail(pos[0]); err != nil {
			return err
		}
	}
	var role account.Role
	if verb == "role" {
		if role, err = account.ParseRole(pos[1]); err != nil {
			return err
		}
	}

	cfg, err := config.FromEnv(getenv)
	if err != nil {
		return err
	}
	db, _, err := database.Open(ctx, cfg)
	if err != nil {
		return err
	}
	defer db.Close()
	st := account.NewStore(db)

	switch verb {
	case "add":
		role := account.RoleUser
		if operator {
			role = account.RoleOperator
		}
		if taken, err := emailTaken(ctx, st, email); err != nil || taken {
			return errors.Join(err, takenError(taken, email))
		}
		pw, err := readPassword(stdin, stderr, email)
		if err != nil {
			return err
		}
		u, err := st.Create(ctx, account.NewAccount{Email: email, Name: name, Role: role, Password: pw})
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "added %s %s (id %s)\n", u.Role, u.Email, u.ID)
	case "reset":
		if taken, err := emailTaken(ctx, st, email); err != nil || !taken {
			return errors.Join(err, notFoundError(!taken, email))
		}
		pw, err := readPassword(stdin, stderr, email)
		if err != nil {
			return err
		}
		if err := st.SetPassword(ctx, email, pw); err != nil {
			return err
		}
		fmt.Fprintf(stdout, "new password set for %s\n", email)
	case "role":
		if err := st.SetRole(ctx, email, role); err != nil {
			return err
		}
		fmt.Fprintf(stdout, "%s is now %s %s\n", email, article(role), role)
	case "list":
		users, err := st.List(ctx)
		if err != nil {
			return err
		}
		tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "ID\tEMAIL\tROLE\tNAME\tCREATED")
		for _, u := range users {
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", u.ID, u.Email, u.Role, u.Name, u.Created.Format("2006-01-02 15:04 MST"))
		}
		return tw.Flush()
	}
	return nil
}

func article(r account.Role) string {
	if r == account.RoleOperator {
		return "an"
	}
	return "a"
}

func usageError(msg string) error { return fmt.Errorf("%w: %s\n%s", errUsage, msg, userUsage) }

// emailTaken says whether an account has email, so the command refuses
// before asking for a password it would then throw away.
func emailTaken(ctx context.Context, st *account.Store, email string) (bool, error) {
	_, err := st.Get(ctx, email)
	if errors.Is(err, account.ErrNotFound) {
		return false, nil
	}
	return err == nil, err
}

func takenError(taken bool, email string) error {
	if !taken {
		return nil
	}
	return fmt.Errorf("%s: %w; set a new password with `noncekit user reset %s`", email, account.ErrEmailTaken, email)
}

func notFoundError(missing bool, email string) error {
	if !missing {
		return nil
	}
	return fmt.Errorf("%s: %w; add it with `noncekit user add %s`", email, account.ErrNotFound, email)
}

// readPassword reads the new password for email. From a terminal it asks
// twice without echo (prompts on stderr, so stdout stays the result); from
// anything else (a pipe, a file, a test) it reads the password as one line,
// or as two equal lines, the way a script answers the terminal's two
// prompts. Two lines that differ are refused, as at the terminal: taking
// the first would set a password the operator may not have meant, and
// keeping one of two typed differently is exactly what asking twice is
// there to prevent. Either way the password never appears in argv, the
// shell's history or ps.
func readPassword(stdin io.Reader, prompt io.Writer, email string) (string, error) {
	if f, ok := stdin.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
		return readFromTerminal(int(f.Fd()), prompt, email)
	}
	return readPasswordLines(stdin)
}

// maxPasswordInput bounds what is read from a pipe: two lines of a
// password of account.MaxPassword bytes and their line ends fit well.
const maxPasswordInput = 1024

// readPasswordLines reads the password from a non-terminal stdin: one
// line, or two equal ones, each ended by "\n" or "\r\n" (the last may end
// at EOF instead). Anything else is an error and sets nothing.
func readPasswordLines(stdin io.Reader) (string, error) {
	in, err := io.ReadAll(io.LimitReader(stdin, maxPasswordInput+1))
	if err != nil {
		return "", fmt.Errorf("reading the password from standard input: %w", err)
	}
	if len(in) > maxPasswordInput {
		return "", fmt.Errorf("standard input is longer than %d bytes: pipe the password as one line, or the same line twice", maxPasswordInput)
	}
	lines := strings.Split(strings.TrimSuffix(string(in), "\n"), "\n")
	for i, l := range lines {
		lines[i] = strings.TrimSuffix(l, "\r")
	}
	pw := lines[0]
	switch {
	case pw == "":
		return "", errors.New("no password on standard input: type it at a terminal, or pipe one line")
	case len(lines) > 2:
		return "", fmt.Errorf("standard input has %d lines: pipe the password as one line, or the same line twice; nothing was changed", len(lines))
	case len(lines) == 2 && lines[1] != pw:
		return "", errors.New("the two lines on standard input differ; nothing was changed")
	}
	return pw, account.CheckPassword(pw)
}

func readFromTerminal(fd int, prompt io.Writer, email string) (string, error) {
	fmt.Fprintf(prompt, "New password for %s (at least %d characters): ", email, account.MinPassword)
	pw, err := term.ReadPassword(fd)
	fmt.Fprintln(prompt)
	if err != nil {
		return "", fmt.Errorf("reading the password: %w", err)
	}
	if err := account.CheckPassword(string(pw)); err != nil {
		return "", err
	}
	fmt.Fprint(prompt, "The same password again: ")
	again, err := term.ReadPassword(fd)
	fmt.Fprintln(prompt)
	if err != nil {
		return "", fmt.Errorf("reading the password: %w", err)
	}
	if string(again) != string(pw) {
		return "", errors.New("the two passwords differ; nothing was changed")
	}
	return string(pw), nil
}
