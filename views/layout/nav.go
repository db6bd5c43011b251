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
