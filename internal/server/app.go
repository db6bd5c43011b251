package server

import (
	"fmt"
	"log/slog"
	"strings"

	"github.com/noncekit/noncekit/internal/account"
	"github.com/noncekit/noncekit/internal/csp"
	"github.com/noncekit/noncekit/internal/session"
	"github.com/noncekit/noncekit/views/layout"
)

// The methods below are what a part mounted beside the skeleton may use
// (the showcase: internal/showcase declares them as its App interface).
// They are meant for routes(), while the server is being built: none of
// them may be called once it serves.

// Logger is the server's logger.
func (s *Server) Logger() *slog.Logger { return s.log }

// CSP is the manager that compiles every route group's policy. A mounted
// part declares its own groups with it, so they are validated and linted
// at start-up like the skeleton's.
func (s *Server) CSP() *csp.Manager { return s.csp }

// SitePolicy and APIPolicy are the policies a mounted part derives its
// groups' policies from.
func (s *Server) SitePolicy() csp.Policy { return s.policies.Site }

// APIPolicy: see SitePolicy.
func (s *Server) APIPolicy() csp.Policy { return s.policies.API }

// Sessions is the session manager, for routes that keep per-visitor state.
func (s *Server) Sessions() *session.Sessions { return s.sessions }

// AddLinks adds places to the header's navigation and the home page.
func (s *Server) AddLinks(links ...layout.Link) { s.links = append(s.links, links...) }

// AddAccount adds a guest account to the directory sign-in checks, with a
// hint the sign-in page shows under its form ("" for none). A guest can
// sign in and nothing more: it is never an operator (account.Guest has no
// role), and a stored account with the same email shadows it.
func (s *Server) AddAccount(g account.Guest, bcryptHash, hint string) error {
	if err := s.accounts.AddGuest(g, bcryptHash); err != nil {
		return err
	}
	if hint != "" {
		s.signInHint = hint
	}
	return nil
}

// mountIf mounts an optional part (the showcase) when on, logs which, and
// keeps the part's error for New to return: a part that cannot mount stops
// the start like an invalid policy does.
func (s *Server) mountIf(on bool, name string, mount func() error) {
	if !on {
		s.log.Info(name+" not mounted", slog.String("enable", "set "+strings.ToUpper(name)+"=on"))
		return
	}
	if err := mount(); err != nil {
		s.mountErrs = append(s.mountErrs, fmt.Errorf("server: mounting the %s: %w", name, err))
		return
	}
	s.log.Info(name + " mounted")
}
