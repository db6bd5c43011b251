package server

import (
	"net/http"

	"github.com/noncekit/noncekit/internal/account"
)

// A notice is what a redirect to the sign-in form asks it to say, named in
// the URL's query: /signin?notice=signin. An anonymous visitor's session
// is never stored (session.Sessions.Middleware), so a flash could not
// reach the form; the URL can, at no cost to the store. The names index
// this fixed table, and the form shows nothing else: a link can make it
// show one of these sentences, never text of its own.
const (
	noticeSignIn    = "signin"     // RequireSignIn: a page for signed-in visitors
	noticeOperator  = "operator"   // requireOperatorPage: the reports
	noticeInvalid   = "invalid"    // a refused sign-in
	noticeSignedOut = "signed-out" // after sign-out
	noticeAgain     = "again"      // the account went away while its session lived on
)

var notices = map[string]string{
	noticeSignIn:    "Please sign in to see that page.",
	noticeOperator:  operatorSignInFlash,
	noticeInvalid:   account.InvalidMessage,
	noticeSignedOut: "You are signed out.",
	noticeAgain:     "Please sign in again.",
}

// signInURL is the sign-in form saying notice.
func signInURL(notice string) string { return "/signin?notice=" + notice }

// noticeOf is the sentence r's notice names, or "".
func noticeOf(r *http.Request) string { return notices[r.URL.Query().Get("notice")] }
