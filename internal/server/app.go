package server

import (
	"log/slog"
	"strings"

	"github.com/noncekit/noncekit/csp"
	"github.com/noncekit/noncekit/csp/report"
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

// ReportSink is where the report endpoint sends what it accepts: the log,
// and the store through its queue. A mounted part that receives reports
// itself (the showcase's live demo views) passes them on here.
func (s *Server) ReportSink() report.Sink { return s.sink }

// mountIf mounts an optional part (the showcase) when on, and logs which.
func (s *Server) mountIf(on bool, name string, mount func()) {
	if !on {
		s.log.Info(name+" not mounted", slog.String("enable", "set "+strings.ToUpper(name)+"=on"))
		return
	}
	mount()
	s.log.Info(name + " mounted")
}
