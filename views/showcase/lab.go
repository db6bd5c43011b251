package showcase

import (
	"strconv"

	"github.com/noncekit/noncekit/csp/lint"
	"github.com/noncekit/noncekit/static"
)

// Lab is what the policy lab page shows.
type Lab struct {
	// Policy is the learner's text, shown back in the form.
	Policy string
	// Header is the policy the preview is served with, the nonce slot shown
	// as 'nonce-{nonce}'. It is "" when Policy is invalid.
	Header string
	// Error says why Policy was refused; "" when it was accepted.
	Error    string
	Findings []lint.Finding
	// Sandboxed says the policy has a sandbox directive: the preview then
	// has an opaque origin and the lab cannot read it, framed or not.
	Sandboxed bool
}

// LabPreset is a policy the lab offers with one click.
type LabPreset struct{ Label, Policy string }

// LabPresets are starting points. Each keeps frame-ancestors 'self' (or
// leaves it out) so the preview can be framed, except the one that shows
// what refusing does.
var LabPresets = []LabPreset{
	{"Strict: nonce + 'strict-dynamic'", "default-src 'self'; script-src 'nonce-{nonce}' 'strict-dynamic'; style-src 'self' 'nonce-{nonce}'; object-src 'none'; base-uri 'none'; frame-ancestors 'self'"},
	{"Allowlist: 'self'", "default-src 'self'; object-src 'none'"},
	{"Anything goes", "default-src * data: 'unsafe-inline' 'unsafe-eval'"},
	{"Refuses framing", "default-src 'self'; frame-ancestors 'none'"},
}

// DefaultLabPolicy is what the lab starts with: the strict preset.
var DefaultLabPolicy = LabPresets[0].Policy

// LabProbe is one check the preview runs.
type LabProbe struct {
	Name      string // data-probe in the preview, data-probe-row in the lab
	Label     string
	Directive string // what decides it
	// Role says which outcome is the safe one, so the lab can colour each
	// result by safety rather than by whether something ran (lab.js):
	//   - RoleInjected: markup an attacker could inject. Blocked is safe;
	//     ran, applied or loaded is unsafe.
	//   - RoleOwn: the site's own nonced code. Ran means the site works;
	//     blocked means the policy breaks it.
	//   - RoleFraming: the lab framing the preview. Refused is safe;
	//     allowed is what the lab needs to read the probes.
	Role string
}

// The roles of the lab's probes.
const (
	RoleInjected = "injected"
	RoleOwn      = "own"
	RoleFraming  = "framing"
)

// LabProbes is the fixed battery, in the order the lab lists it.
var LabProbes = []LabProbe{
	{"inline-script", "Inline <script>, no nonce", "script-src-elem", RoleInjected},
	{"nonced-script", "Inline <script nonce>", "script-src-elem", RoleOwn},
	{"external-script", "<script src> from this origin, no nonce", "script-src-elem", RoleInjected},
	{"dynamic-script", "Script created by the nonced script", "script-src-elem ('strict-dynamic')", RoleOwn},
	{"eval", "eval(\"1 + 1\")", "script-src ('unsafe-eval')", RoleInjected},
	{"inline-style", "Inline <style>, no nonce", "style-src-elem", RoleInjected},
	{"style-attr", "style= attribute", "style-src-attr", RoleInjected},
	{"inline-handler", "onclick= attribute", "script-src-attr", RoleInjected},
	{"base", "<base href>", "base-uri", RoleInjected},
	{"object", "<object> embedding a page of this site", "object-src", RoleInjected},
	{"framing", "Framed by the lab", "frame-ancestors", RoleFraming},
}

// previewProbeScript is the preview's nonced inline script: it marks its
// probe, tries eval, and creates a script element, which only
// 'strict-dynamic' (or an allowlist) lets load. It is the same for every
// preview: the static paths are fixed when the package starts.
var previewProbeScript = `document.currentScript.closest("[data-probe]").dataset.ran = "true";
// The probes it writes to come later in the page: wait for them.
document.addEventListener("DOMContentLoaded", () => {
  const p = document.querySelector('[data-probe="eval"]');
  try { eval("1 + 1"); p.dataset.outcome = "ran"; } catch (e) { p.dataset.outcome = "blocked"; }
  const s = document.createElement("script");
  s.src = ` + strconv.Quote(static.Path("showcase/js/lab-probe.js")) + `;
  document.querySelector('[data-probe="dynamic-script"]').append(s);
});`
