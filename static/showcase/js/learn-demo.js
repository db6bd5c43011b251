// learn-demo.js: the checks of /demo/learn, added to those of demos.js,
// which judges every demo page. Loaded nonced in <head>, after demos.js.
//
// Each "third-party" panel ends as what the browser did with it:
// "reported" (report-only: it loaded and was reported), "blocked"
// (enforced), or "loaded"/"ran" with no violation at all. The suggestion
// panel waits until the other panels are judged and every violation the
// page raised has come back from the server as a report, then sends those
// reports to POST /demo/learn/suggest and shows the answer, with
// textContent only.
(() => {
  "use strict";
  const demo = window.noncekitDemo;
  const violations = window.noncekitViolations;
  const serverReports = window.noncekitServerReports;
  // The server's answer, for the browser tests.
  window.noncekitSuggestion = null;

  // verdict waits for a violation of directive blocking blocked, and
  // names what happened; without one, fallback() decides.
  const verdict = async (directive, blocked, fallback) => {
    const find = () => violations.find((v) => v.directive === directive && v.blocked === blocked);
    await demo.waitFor(() => find() !== undefined, 3000);
    const v = find();
    if (!v) return fallback();
    return v.disposition === "report" ? "reported" : "blocked";
  };

  const sameReport = (v, r) => r.directive === v.directive && (r.blockedURL || "inline") === (v.blocked || "inline");

  const render = (list, items) => {
    list.replaceChildren(
      ...items.map((text) => {
        const li = document.createElement("li");
        li.textContent = text;
        return li;
      }),
    );
  };

  const where = (r) => `${r.directive} ${r.blockedURL} on ${r.documentPath}`;

  const showSuggestion = (panel, s) => {
    panel.querySelector("[data-suggested-header]").textContent = s.value ? `${s.header}: ${s.value}` : "(no change)";
    panel.querySelector("[data-suggested-go]").textContent = s.go ? `${s.field}: ${s.go},` : "(no change)";
    render(
      panel.querySelector("[data-suggested-resolves]"),
      (s.resolves || []).map((r) => `${where(r)}: ${r.by.directive} gets ${r.by.source}.${r.by.note ? " " + r.by.note : ""}`),
    );
    render(
      panel.querySelector("[data-suggested-refused]"),
      (s.refused || []).map((r) => `${where(r)}: ${r.why} Instead: ${r.instead}`),
    );
  };

  demo.addChecks({
    "third-party-image": (el) => {
      const img = el.querySelector("img");
      return verdict("img-src", img.src, async () => {
        await demo.waitFor(() => img.complete, 3000);
        return img.naturalWidth > 0 ? "loaded" : "failed";
      });
    },
    "third-party-script": (el) => {
      const src = el.querySelector("script[src]").src;
      return verdict("script-src-elem", src, async () =>
        (await demo.waitFor(() => el.dataset.ran === "true", 3000)) ? "ran" : "failed",
      );
    },
    "inline-handler": (el) => {
      el.querySelector("button").click();
      return verdict("script-src-attr", "inline", () => (el.dataset.ran === "true" ? "ran" : "failed"));
    },
    suggestion: async (panel) => {
      const status = panel.querySelector("[data-suggestion-status]");
      const others = () => [...document.querySelectorAll("[data-demo]")].filter((p) => p !== panel);
      const judged = () => others().every((p) => p.dataset.outcome);
      const returned = () => violations.length > 0 && violations.every((v) => serverReports.some((r) => sameReport(v, r)));
      if (!(await demo.waitFor(() => judged() && returned(), 8000))) {
        status.textContent = "Not every violation came back from the server as a report (does it run with a report store?).";
        return "no reports";
      }
      status.textContent = `${serverReports.length} reports received; asking the server…`;
      const resp = await fetch("/demo/learn/suggest", {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify({ reports: serverReports }),
      });
      if (!resp.ok) {
        status.textContent = `The server answered ${resp.status}.`;
        return "error: " + resp.status;
      }
      const all = await resp.json();
      window.noncekitSuggestion = all;
      const s = all.find((x) => x.value) || all[0];
      if (!s) {
        status.textContent = "Nothing to suggest.";
        return "nothing";
      }
      showSuggestion(panel, s);
      status.textContent = `Suggested from ${serverReports.length} reports of this view.`;
      return s.value ? "suggested" : "refused only";
    },
  });
})();
