// lab.js: the policy lab's reader. The preview frame is served with the
// learner's policy and its probes mark themselves when they run; this
// script runs under the lab's own policy, waits for the frame (the window's
// `load` waits for it), reads the marks and fills the results table. The
// preview is same-origin, so its document is readable exactly when the
// learner's frame-ancestors let this page frame it.
(() => {
  "use strict";

  const ranOrBlocked = (p) => (p.dataset.ran === "true" ? "ran" : "blocked");
  const styled = (win, p) =>
    win.getComputedStyle(p.querySelector(".probe")).getPropertyValue("--applied").trim() === "yes"
      ? "applied"
      : "blocked";

  // measure reads every probe of a preview that loaded.
  function measure(doc, win) {
    const probe = (name) => doc.querySelector(`[data-probe="${name}"]`);
    const nonced = probe("nonced-script").dataset.ran === "true";
    const out = {
      "inline-script": ranOrBlocked(probe("inline-script")),
      "nonced-script": ranOrBlocked(probe("nonced-script")),
      "external-script": ranOrBlocked(probe("external-script")),
      // These two are tried by the nonced script: untested when it was blocked.
      "dynamic-script": nonced ? ranOrBlocked(probe("dynamic-script")) : "untested",
      eval: nonced ? probe("eval").dataset.outcome || "untested" : "untested",
      "inline-style": styled(win, probe("inline-style")),
      "style-attr": styled(win, probe("style-attr")),
      base: doc.baseURI === win.location.href ? "blocked" : "applied",
      framing: "allowed",
    };
    // The click runs in the preview's document, under the preview's policy.
    const handler = probe("inline-handler");
    handler.querySelector("button").click();
    out["inline-handler"] = ranOrBlocked(handler);
    // A loaded <object> exposes its same-origin document; a refused one
    // holds none, or a cross-origin error page.
    let embedded = null;
    try {
      embedded = probe("object").querySelector("object").contentDocument;
    } catch {
      embedded = null;
    }
    out.object = embedded && embedded.body && embedded.body.hasAttribute("data-object-probe") ? "loaded" : "blocked";
    return out;
  }

  // verdict says whether an outcome is safe, by the probe's role (see
  // LabProbe.Role in views/showcase/lab.go): an injected script that ran is
  // unsafe; the site's own nonced script that ran means the site works.
  const verdicts = {
    injected: { blocked: "safe", ran: "unsafe", applied: "unsafe", loaded: "unsafe" },
    own: { ran: "works", blocked: "breaks" },
    framing: { refused: "safe", allowed: "neutral" },
  };
  const verdictLabels = { safe: "safe", unsafe: "unsafe", works: "your code works", breaks: "breaks your code", neutral: "" };
  const verdict = (role, outcome) => (verdicts[role] && verdicts[role][outcome]) || "neutral";

  // annotate writes the lab's reading into the preview's own card of the
  // probe, so the preview shows its results too. textContent only.
  function annotate(doc, name, outcome, v) {
    const card = doc.querySelector(`[data-probe="${name}"]`);
    if (!card) return;
    card.dataset.verdict = v;
    const p = doc.createElement("p");
    p.className = "probe-result";
    const badge = doc.createElement("span");
    badge.className = "badge";
    badge.textContent = outcome;
    const label = doc.createElement("span");
    label.className = "verdict";
    label.textContent = verdictLabels[v];
    p.append(badge, label);
    card.append(p);
  }

  window.addEventListener("load", () => {
    const frame = document.querySelector("iframe[data-lab-preview]");
    if (!frame) return;
    let doc = null;
    try {
      doc = frame.contentDocument;
    } catch {
      doc = null;
    }
    let results;
    const readable = doc && doc.body && doc.body.hasAttribute("data-lab-preview");
    if (readable) {
      results = measure(doc, frame.contentWindow);
    } else {
      // Refused by frame-ancestors (the frame holds a browser error page),
      // or made opaque by a sandbox directive: nothing else can be read.
      // Every other probe is then unreadable from here.
      const why = frame.hasAttribute("data-sandboxed") ? "opaque origin (sandbox)" : "refused";
      results = Object.fromEntries(
        [...document.querySelectorAll("[data-probe-row]")].map((row) => [row.dataset.probeRow, "not readable"]),
      );
      results.framing = why;
    }
    for (const row of document.querySelectorAll("[data-probe-row]")) {
      const got = results[row.dataset.probeRow] || "unknown";
      const v = verdict(row.dataset.role, got);
      row.dataset.outcome = got;
      row.dataset.verdict = v;
      row.querySelector("[data-result]").textContent = got;
      row.querySelector("[data-verdict-label]").textContent = verdictLabels[v];
      if (readable) annotate(doc, row.dataset.probeRow, got, v);
    }
    // Show the whole preview, its results included: the frame takes its
    // content's height (a CSSOM write, which no style-src restricts).
    frame.style.height = readable ? `${doc.documentElement.scrollHeight + 2}px` : "14rem";
    document.body.dataset.labReady = "true";
  });
})();
