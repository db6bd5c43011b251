package layout

import "context"

// Link is a place in the app: an entry of the header's navigation, and a
// card on the home page when Blurb is set. The skeleton lists its own
// links; a part mounted beside it (the showcase) adds its own, so removing
// that part leaves no link to a page that is gone.
type Link struct {
	Href  string
	Label string
	Blurb string // one sentence for the home page's card; "" keeps it off the home page
	Nav   bool   // shown in the header's navigation
	// Show limits the link to visitors signed in or out; the zero value
	// shows it to everyone.
	Show Audience
}

// Audience is who sees a Link.
type Audience int

const (
	Everyone  Audience = iota
	SignedIn           // only a signed-in visitor: their account page
	SignedOut          // only a visitor nobody signed in as: the sign-in form
)

// Visitor is who the page is for, as the header shows it: when SignedIn,
// their Name and a sign-out button that posts to SignOut. The zero Visitor
// is anonymous, and is what a cacheable page (the same for everyone)
// always gets.
type Visitor struct {
	SignedIn bool
	Name     string
	SignOut  string // the URL the sign-out form posts to
}

type visitorKey struct{}

// WithVisitor returns ctx carrying who the page is for. The server sets it
// once per rendered page.
func WithVisitor(ctx context.Context, v Visitor) context.Context {
	return context.WithValue(ctx, visitorKey{}, v)
}

// visitor returns the Visitor WithVisitor stored, or the anonymous one.
func visitor(ctx context.Context) Visitor {
	v, _ := ctx.Value(visitorKey{}).(Visitor)
	return v
}

// shown reports whether the header shows l to v.
func (l Link) shown(v Visitor) bool {
	switch l.Show {
	case SignedIn:
		return v.SignedIn
	case SignedOut:
		return !v.SignedIn
	}
	return true
}

type navKey struct{}

// WithNav returns ctx carrying the app's links, which Base renders as the
// header's navigation. The server sets it once per rendered page.
func WithNav(ctx context.Context, links []Link) context.Context {
	return context.WithValue(ctx, navKey{}, links)
}

// nav returns the links WithNav stored, or nil.
func nav(ctx context.Context) []Link {
	links, _ := ctx.Value(navKey{}).([]Link)
	return links
}
