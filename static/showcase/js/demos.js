// demos.js: the checker of every demo page: the live demo (/demo and
// /demo/report-only) and the pages of the catalogue (/demo/…).
// It is loaded nonced in <head>, before the panels, so it hears every
// securitypolicyviolation they cause. After `load` it runs each panel's
// check, writes what actually happened into the panel's data-outcome, and
// only then sets body[data-demo-ready="true"]: the browser tests wait for
// that attribute and compare data-outcome with data-expected. On the live
// demo it also asks the server for the reports this page view caused (the
// server points the view's policy at a report address of its own and
// lists what arrived there, no one else's), so the page shows both halves of the
// loop: the browser's events and the server's reports.
//
// It never writes HTML from strings (only textContent), so it also runs
// unchanged on the Trusted Types page.
(() => {
  "use strict";
  // Both lists are read by the browser tests.
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

  // Called by handler attributes; it marks the handler's panel.
  window.noncekitMark = (el) => {
    el.closest("[data-demo]").dataset.ran = "true";
  };

  // The JSONP demo's callback, named in the injected script's URL.
  window.noncekitJsonp = (data) => {
    const el = document.querySelector('[data-demo="jsonp-injected"]');
    if (el && data && data.demo === "jsonp") el.dataset.ran = "true";
  };

  const ran = (el) => (el.dataset.ran === "true" ? "ran" : "blocked");

  const applied = (el) => {
    const probe = el.querySelector(".probe");
    return getComputedStyle(probe).getPropertyValue("--applied").trim() === "yes" ? "applied" : "blocked";
  };

  // waitFor resolves true once pred holds, or false after ms, for what may
  // finish after `load`: a script a loader appended, a violation event still
  // queued. It re-checks on every violation and every subresource load or
  // error (captured at the document), so it does not depend on timers alone:
  // some headless modes run no timers once the page has loaded.
  const waiters = new Set();
  const recheck = () => {
    for (const w of waiters) w();
  };
  document.addEventListener("securitypolicyviolation", recheck);
  document.addEventListener("load", recheck, true);
  document.addEventListener("error", recheck, true);
  const waitFor = (pred, ms) =>
    new Promise((resolve) => {
      const start = performance.now();
      const tick = () => {
        if (pred()) done(true);
        else if (performance.now() - start > ms) done(false);
      };
      const done = (v) => {
        waiters.delete(tick);
        clearInterval(timer);
        resolve(v);
      };
      waiters.add(tick);
      const timer = setInterval(tick, 20);
      tick();
    });

  const click = (el) => {
    el.querySelector("button").click();
    return ran(el);
  };

  const tryCompile = (fn) => {
    try {
      fn();
      return "ran";
    } catch (e) {
      return e instanceof EvalError ? "blocked" : "error: " + e.name;
    }
  };

  // setHTML assigns value to the probe's innerHTML and says whether the
  // probe changed: a refused assignment throws and leaves it as it was.
  const setHTML = (el, value) => {
    const probe = el.querySelector(".probe");
    const before = probe.textContent;
    try {
      probe.innerHTML = value;
    } catch (e) {
      if (!(e instanceof TypeError)) return "error: " + e.name;
    }
    return probe.textContent !== before ? "ran" : "blocked";
  };

  const escapeHTML = (s) => s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");

  // A same-origin frame's document is readable only if it really loaded:
  // a frame the browser refused holds a cross-origin error page.
  const frameLoaded = (el) => {
    let doc = null;
    try {
      doc = el.querySelector("iframe").contentDocument;
    } catch {
      doc = null;
    }
    return doc && doc.querySelector("[data-framed-page]") ? "loaded" : "blocked";
  };

  // reportedOr gives a panel whose element has no nonce the outcome
  // "reported" when base (what the browser did: "ran", "applied") let it
  // through but the page's violation event says a report-only policy
  // reported it. The live demo has one such script and one such style, so
  // an inline violation of the directive is theirs. What was blocked stays
  // blocked. The label says both halves: "ran, and reported".
  const reportedOr = (directive, base) => async (el) => {
    const got = base(el);
    if (got === "blocked") return got;
    const reported = () =>
      violations.some((v) => v.disposition === "report" && v.directive === directive && v.blocked === "inline");
    return (await waitFor(reported, 3000)) ? { outcome: "reported", label: `${got}, and reported` } : got;
  };

  // checks maps a panel's data-demo to what decides its outcome.
  const checks = {
    "onclick-attribute": click,
    "event-listener": (el) => {
      el.querySelector("button").addEventListener("click", () => window.noncekitMark(el));
      return click(el);
    },
    "hashed-handler": click,
    "other-handler": click,
    eval: () => tryCompile(() => eval("1 + 1")),
    "new-function": () => tryCompile(() => new Function("return 1")()),
    "json-parse": () => (JSON.parse("[1]")[0] === 1 ? "ran" : "blocked"),
    "hashed-script": ran,
    "file-by-integrity": ran,
    "altered-script": ran,
    "hashed-style": applied,
    "loader-inserted": async (el) => ((await waitFor(() => el.dataset.ran === "true", 3000)) ? "ran" : "blocked"),
    "parser-inserted": ran,
    "style-attribute": applied,
    "cssom-style": (el) => {
      el.querySelector(".probe").style.setProperty("--applied", "yes");
      return applied(el);
    },
    "injected-base": () => (document.baseURI === location.href ? "blocked" : "applied"),
    "relative-script": (el) => {
      const s = el.querySelector("script[src]");
      if (!s.src.startsWith(location.origin + "/")) return "hijacked";
      return ran(el);
    },
    "jsonp-injected": ran,
    "innerhtml-string": (el) => setHTML(el, "<b>from a string</b>"),
    "innerhtml-policy": (el) => {
      const policy = trustedTypes.createPolicy("noncekit-demo", { createHTML: escapeHTML });
      return setHTML(el, policy.createHTML("<b>from a policy</b>"));
    },
    "frame-refused": frameLoaded,
    "frame-allowed": frameLoaded,
    "framed-page": ran,
    "innerhtml-reported": async (el) => {
      const got = setHTML(el, "<b>from a string</b>");
      if (got !== "ran") return got;
      const reported = () =>
        violations.some((v) => v.disposition === "report" && v.directive === "require-trusted-types-for");
      return (await waitFor(reported, 3000)) ? "reported" : "ran";
    },
    // The live demo, /demo and /demo/report-only (and the report-only
    // catalogue page's blocked script). Its script panels run DemoScript,
    // which marks the panel; its style panels set --applied.
    "inline-script": reportedOr("script-src-elem", ran),
    "nonced-inline-script": ran,
    "nonced-external-script": ran,
    "inline-style": reportedOr("style-src-elem", applied),
    "nonced-inline-style": applied,
  };

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

  // A live demo names the list of its view's reports in a <meta> before
  // this script. The page asks for it twice a second for its first minute
  // (the reports of this load arrive within a second or two), then every
  // five seconds for ten more minutes: the server forgets a view after
  // that. connect-src falls back to default-src 'self', which allows it.
  // The other catalogue pages have no list.
  function startPolling() {
    const meta = document.querySelector('meta[name="noncekit-view-reports"]');
    if (!meta || !meta.content) return;
    const started = Date.now();
    const poll = async () => {
      try {
        const resp = await fetch(meta.content, { cache: "no-store" });
        if (resp.status === 404) return; // the server forgot this view
        if (resp.ok) {
          const list = await resp.json();
          if (list.length !== serverReports.length) {
            serverReports.splice(0, serverReports.length, ...list);
            renderServerReports();
          }
        }
      } catch {
        // offline for a moment: try again on the next round
      }
      const age = Date.now() - started;
      if (age < 10 * 60 * 1000) setTimeout(poll, age < 60 * 1000 ? 500 : 5000);
    };
    poll();
  }

  function renderServerReports() {
    const list = document.getElementById("server-reports");
    if (!list) return; // not parsed yet, or no stream: rendered again on load
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

  startPolling();

  // words says what happened in a badge, in words a visitor reads.
  const words = {
    blocked: "blocked",
    ran: "ran",
    loaded: "loaded",
    applied: "applied",
    reported: "ran, and reported",
    hijacked: "hijacked",
  };

  // settle runs a panel's check and writes the outcome: data-outcome, which
  // the tests compare with data-expected; data-verdict, by which
  // showcase.css tints the panel (as-promised: the browser kept the visitor
  // safe as the policy says; surprise: it did not); and the badge's words.
  // A check returns the outcome, or {outcome, label}.
  async function settle(panel) {
    const check = checks[panel.dataset.demo];
    let got;
    try {
      got = check ? await check(panel) : "unknown";
    } catch (e) {
      got = "error: " + e.message;
    }
    const { outcome, label: text } = typeof got === "string" ? { outcome: got, label: words[got] || got } : got;
    panel.dataset.outcome = outcome;
    const surprise = outcome !== panel.dataset.expected;
    panel.dataset.verdict = surprise ? "surprise" : "as-promised";
    const label = panel.querySelector("[data-outcome-label]");
    if (label) {
      label.textContent = surprise ? `${text}: expected ${panel.dataset.expected}` : text;
      label.title = surprise ? "Not what the policy promises" : "What the policy promises: safe for the visitor";
      label.classList.toggle("surprise", surprise);
    }
  }

  // settleAll judges every panel of the page, then sets data-demo-ready.
  // It runs after load, and again whenever a page's own script asks: the
  // htmx demo's, after htmx swaps in a new body.
  async function settleAll() {
    delete document.body.dataset.demoReady;
    await Promise.all([...document.querySelectorAll("[data-demo]")].map(settle));
    renderViolations();
    renderServerReports();
    document.body.dataset.demoReady = "true";
  }

  // A page with checks of its own (htmx-demo.js) adds them here, from a
  // script that runs after this one and before load.
  window.noncekitDemo = {
    addChecks: (more) => Object.assign(checks, more),
    settleAll,
    waitFor,
  };

  window.addEventListener("load", settleAll);
})();
