package showcase

import (
	"github.com/noncekit/noncekit/csp"
	"github.com/noncekit/noncekit/static"
	"github.com/noncekit/noncekit/views/layout"
)

// CacheDemo is the registry of /demo/cacheable's inline blocks: the page
// carries no nonce, so each runs by the hash computed here, once.
var CacheDemo csp.Hashes

var (
	cachedScript = CacheDemo.Script(DemoScript)
	cachedStyle  = CacheDemo.Style(demoStyle(CaseHashedStyle))
)

// cachedFile is the script file /demo/cacheable loads by its integrity.
const cachedFile = "showcase/js/demo-external.js"

// CacheDemoScripts are the hash sources /demo/cacheable's script-src
// lists: its inline block's, and the integrity of every script file the
// page loads (the layout's, the demo script's, the file of the panel).
func CacheDemoScripts() []csp.Source {
	out := CacheDemo.ScriptHashes()
	for _, f := range append(layout.Scripts(), demosScript, cachedFile) {
		out = append(out, csp.IntegritySource(static.Integrity(f)))
	}
	return out
}

// demosScript judges every demo panel (catalogueHead loads it).
const demosScript = "showcase/js/demos.js"
