package layout

// Scripts are the script files every page loads, deferred, named as they
// sit under static/. A cacheable group's policy (no nonce) allows each by
// its integrity, so it reads the list from here: a script added to every
// page is allowed on cacheable pages too.
func Scripts() []string { return []string{"js/site.js"} }
