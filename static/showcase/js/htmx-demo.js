// htmx-demo.js: the checks of /demo/htmx, added to those of demos.js, which
// judges every demo page. Loaded nonced in <head>, after demos.js.
//
// It attaches no handler to an element: each is one listener on the
// document (event delegation), so everything keeps working on content htmx
// swaps in, a whole boosted body included. Like every script in <head>, it
// runs once per document, not once per boosted page.
(() => {
  "use strict";
  const demo = window.noncekitDemo;
  // Boosted swaps this document has taken; read by the browser tests.
  window.noncekitBoosts = 0;

  // The safe equivalent of hx-on:click: one listener for every
  // [data-action="mark"] there is or will be.
  document.addEventListener("click", (e) => {
    const el = e.target instanceof Element ? e.target.closest('[data-action="mark"]') : null;
    if (el) window.noncekitMark(el);
  });

  // htmx refused to compile an hx-on attribute (allowEval: false): count it
  // on its panel, to tell htmx's refusal from the browser's.
  document.addEventListener("htmx:evalDisallowedError", (e) => {
    const panel = e.target instanceof Element ? e.target.closest("[data-demo]") : null;
    if (panel) panel.dataset.htmxRefusals = String(Number(panel.dataset.htmxRefusals || 0) + 1);
  });

  // swapIn runs trigger (a click on the panel's button by default) and
  // resolves true once htmx has settled the response into the panel, false
  // when the request fails or nothing settles within 5 s.
  const swapIn = (panel, trigger) =>
    new Promise((resolve) => {
      const outcomes = { "htmx:afterSettle": true, "htmx:responseError": false, "htmx:sendError": false, "htmx:swapError": false };
      const listeners = [];
      const finish = (ok) => {
        for (const [name, fn] of listeners) document.removeEventListener(name, fn);
        clearTimeout(timer);
        resolve(ok);
      };
      for (const [name, ok] of Object.entries(outcomes)) {
        const fn = (e) => {
          if (e.target instanceof Node && panel.contains(e.target)) finish(ok);
        };
        listeners.push([name, fn]);
        document.addEventListener(name, fn);
      }
      const timer = setTimeout(() => finish(false), 5000);
      (trigger || (() => panel.querySelector("button").click()))();
    });

  const ran = (panel) => (panel.dataset.ran === "true" ? "ran" : "blocked");
  // The injected comment's scripts each leave their own mark.
  const anyRan = (panel) => ["ran", "ranInline", "ranNonced"].some((k) => panel.dataset[k] === "true");

  // verdict asks the boost guard about the panel's link without following
  // it: the same request htmx makes for a boosted link, the same check.
  const verdict = async (panel) => {
    const link = panel.querySelector("a[hx-boost]");
    const resp = await fetch(link.href, { headers: { "HX-Request": "true", "HX-Boosted": "true", "HX-Current-URL": location.href } });
    const why = window.noncekitBoostRefusal((name) => resp.headers.get(name), await resp.text());
    panel.querySelector("[data-verdict]")?.replaceChildren(why ? `The guard: ${why}.` : "");
    return why ? "refused" : "allowed";
  };

  demo.addChecks({
    "partial-swap": async (panel) => {
      if (!(await swapIn(panel))) return "failed";
      return panel.querySelector(".swap-target [data-swapped]") ? "swapped" : "missing";
    },
    "injected-script": async (panel) => {
      if (!(await swapIn(panel))) return "failed";
      const target = panel.querySelector(".swap-target");
      if (!target.querySelector("[data-fragment-arrived]")) return "missing";
      // htmx inserts no script (allowScriptTags: false), so none can run.
      // Were any inserted, give the external one time to load and run.
      if (!target.querySelector("script")) return anyRan(panel) ? "ran" : "blocked";
      await demo.waitFor(() => anyRan(panel), 3000);
      return anyRan(panel) ? "ran" : "blocked";
    },
    "boosted-link": async (panel) => {
      panel.querySelector("[data-boost-count]").textContent =
        window.noncekitBoosts === 0
          ? "Not followed yet in this document."
          : `This document has taken ${window.noncekitBoosts} boosted swap(s); its scripts are those of its first load.`;
      return verdict(panel);
    },
    "boost-refused": verdict,
    "hx-on": (panel) => {
      panel.querySelector("button").click();
      return ran(panel);
    },
    delegated: (panel) => {
      panel.querySelector("button").click();
      return ran(panel);
    },
    "form-post": async (panel) => {
      const form = panel.querySelector("form");
      if (!(await swapIn(panel, () => form.requestSubmit()))) return "failed";
      return panel.querySelector(".swap-target [data-posted]") ? "posted" : "missing";
    },
  });

  // A boosted link swapped in a new body (htmx:afterSettle fires on the
  // body once, and on each new element): judge its panels again.
  document.addEventListener("htmx:afterSettle", (e) => {
    if (!e.detail.boosted || e.target !== document.body) return;
    window.noncekitBoosts += 1;
    demo.settleAll();
  });
})();
