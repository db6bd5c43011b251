// demo.js: loaded in <head>, before the demo panels are parsed, so its
// listener hears every securitypolicyviolation the panels cause. After the
// page has loaded it writes what actually happened into each panel's
// data-outcome, which is what the browser tests read. It also subscribes
// to the server's stream of the reports this page's group caused, so the
// page shows both halves of the loop: the browser's events and the
// server's reports.
(() => {
  "use strict";
  const violations = [];
  window.noncekitViolations = violations;
  const serverReports = [];
  window.noncekitServerReports = serverReports;

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

  // The stream URL is in a <meta> before this script: the body does not
  // exist yet, and connecting now catches the reports this very load sends.
  // connect-src falls back to default-src 'self', which allows it.
  function startStream() {
    const meta = document.querySelector('meta[name="noncekit-report-stream"]');
    if (!meta || !meta.content || !window.EventSource) return;
    const es = new EventSource(meta.content);
    es.addEventListener("report", (e) => {
      let r;
      try {
        r = JSON.parse(e.data);
      } catch {
        return;
      }
      serverReports.push(r);
      renderServerReports();
    });
  }

  function renderServerReports() {
    const list = document.getElementById("server-reports");
    if (!list) return; // not parsed yet: rendered again on load
    list.replaceChildren(
      ...serverReports.map((r) => {
        const li = document.createElement("li");
        const where = r.line ? ` at line ${r.line}` : "";
        const verb = r.disposition === "report" ? "reported" : "blocked";
        const at = new Date(r.receivedAt).toLocaleTimeString();
        // textContent only: the report came over the network.
        li.textContent = `${verb}: ${r.blockedURL || "inline"} by ${r.directive}${where} (stored ${at})`;
        return li;
      }),
    );
    const empty = document.getElementById("server-reports-empty");
    if (empty) empty.hidden = serverReports.length > 0;
  }

  startStream();

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
    renderServerReports();
    document.body.dataset.demoReady = "true";
  });
})();
