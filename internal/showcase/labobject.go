package showcase

import "net/http"

// labObjectBody is what the preview's <object> probe embeds: a tiny
// same-origin document the lab can look into. It is not a static file
// because static files are served with frame-ancestors 'none', which also
// refuses an <object>: the probe would test that header, not object-src.
const labObjectBody = `<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>object probe</title></head><body data-object-probe>object</body></html>`

// labObject is GET /lab/object.
func (s *Showcase) labObject(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	_, _ = w.Write([]byte(labObjectBody))
}
