// demo.js: loaded in <head>, before the demo panels are parsed, so its
// listener hears every securitypolicyviolation the panels cause. After the
// page has loaded it writes what actually happened into each panel's
// data-outcome, which is what the browser tests read.
(() => {
  "use strict";
  const violations = [];
  window.noncekitViolations = violations;

  document.addEventListener("securitypolicyviolation", (e) => {
    violations.push({
      directive: e.effectiveDirective,
      blocked: e.blockedURI,
      disposition: e.disposition,
      line: e.lineNumber,
      sample: e.sample,
    });
    renderViolations();
  });

  // A panel's script marks its panel with data-ran="true" when it runs; a
  // panel's style sets --applied on its probe when the browser applies it.
  function outcome(panel) {
    switch (panel.dataset.kind) {
      case "script":
        return panel.dataset.ran === "true" ? "ran" : "blocked";
      case "style": {
        const probe = panel.querySelector(".probe");
        const applied = probe && getComputedStyle(probe).getPropertyValue("--applied").trim() === "yes";
        return applied ? "applied" : "blocked";
      }
      default:
        return "unknown";
    }
  }

  function renderViolations() {
    const list = document.getElementById("violations");
    if (!list) return;
    list.replaceChildren(
      ...violations.map((v) => {
        const li = document.createElement("li");
        const where = v.line ? ` at line ${v.line}` : "";
        li.textContent = `${v.disposition === "report" ? "reported" : "blocked"}: ${v.blocked || "inline"} by ${v.directive}${where}`;
        return li;
      }),
    );
    const empty = document.getElementById("violations-empty");
    if (empty) empty.hidden = violations.length > 0;
  }

  window.addEventListener("load", () => {
    for (const panel of document.querySelectorAll("[data-demo]")) {
      const got = outcome(panel);
      panel.dataset.outcome = got;
      const label = panel.querySelector("[data-outcome-label]");
      if (label) {
        const surprise = got !== panel.dataset.expected;
        label.textContent = surprise ? `${got} (expected ${panel.dataset.expected})` : got;
        label.className = "badge badge-" + (got === "blocked" || surprise ? "bad" : "ok");
      }
    }
    renderViolations();
    document.body.dataset.demoReady = "true";
  });
})();
