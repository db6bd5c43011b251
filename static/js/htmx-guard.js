// htmx-guard.js: keeps htmx's boosted navigation (hx-boost) inside the
// promise of the page's Content-Security-Policy. components.HTMX loads it,
// nonced, on every page that uses htmx.
//
// A boosted link fetches the next page and swaps its <body> into this
// document, keeping this <head>. The document keeps its own policy and its
// own nonce: the browser ignores the policy header of a fetched response,
// and any nonce in the new body is the other response's. So the swapped
// page is what a full load would have shown only when
//   1. its policy is this page's, nonce aside (the same route group): it
//      is going to run under this document's policy, not its own;
//   2. its <head> loads the same scripts and styles and sets the same htmx
//      configuration: those are already here, and nothing else will be;
//   3. its <body> holds no <script> or <style>: htmx drops swapped scripts
//      (allowScriptTags: false), and a <style> would carry the other
//      response's nonce, which this policy refuses.
// When one fails, the guard cancels the swap and the browser loads the page
// in full, under its own policy and nonce. A boosted GET that failed (4xx,
// 5xx), which htmx would silently not swap, is loaded in full too, so the
// visitor sees the error page.
//
// Scripts in <head> run once per document, not once per boosted page: they
// must attach behaviour by event delegation (or on htmx:load), never to the
// elements present when they first ran.
(() => {
  "use strict";
  // A policy with its nonces replaced, as components.PagePolicy writes it.
  const withoutNonces = (v) => (v || "").replace(/'nonce-[^']*'/g, "'nonce-{nonce}'");

  // What a <head> loads and configures, in order, one line per element.
  const headSignature = (head) =>
    Array.from(
      head.querySelectorAll('script, style, link[rel~="stylesheet"], meta[name="htmx-config"], meta[name="noncekit-policy"]'),
      (el) =>
        [
          el.tagName,
          el.getAttribute("src") ?? el.getAttribute("href") ?? el.getAttribute("content") ?? el.textContent,
          el.getAttribute("integrity") ?? "",
        ].join(" "),
    ).join("\n");

  // Both read once, as this document was served: later changes to the head
  // (by a script) make other pages compare unequal, which only costs a full
  // load.
  const policyMeta = document.querySelector('meta[name="noncekit-policy"]');
  const ownPolicy = policyMeta ? policyMeta.content : null;
  const ownHead = headSignature(document.head);

  // refusal says why a fetched page, given its header(name) and its HTML,
  // may not be swapped into this document, or "" when it may.
  const refusal = (header, html) => {
    if (ownPolicy === null) return "this page states no policy (render it with components.HTMX)";
    const theirs = withoutNonces(header("Content-Security-Policy")) + "\n" + withoutNonces(header("Content-Security-Policy-Report-Only"));
    if (theirs !== ownPolicy) return "its policy is not this page's";
    // An inert document: parsing runs no script and loads nothing.
    const doc = new DOMParser().parseFromString(html, "text/html");
    if (headSignature(doc.head) !== ownHead) return "its <head> loads other scripts, styles or configuration";
    if (doc.body.querySelector("script, style")) return "its <body> holds a <script> or <style>";
    return "";
  };

  document.addEventListener("htmx:beforeSwap", (e) => {
    const d = e.detail;
    if (!d.boosted) return;
    const get = d.requestConfig.verb === "get";
    const url = d.xhr.responseURL;
    if (!d.shouldSwap) {
      if (get && d.xhr.status >= 400) location.assign(url);
      return;
    }
    const why = refusal((name) => d.xhr.getResponseHeader(name), d.serverResponse);
    if (!why) return;
    d.shouldSwap = false;
    // A boosted form's POST has run: loading its URL again would repeat it.
    // After a redirect (POST-redirect-GET) the redirect's target is safe.
    const redirected = url !== new URL(d.pathInfo.finalRequestPath, location.href).href;
    if (get || redirected) {
      console.info(`htmx-guard: loading ${url} in full instead of swapping it: ${why}`);
      location.assign(url);
    } else {
      console.error(`htmx-guard: not swapping the response to a boosted ${d.requestConfig.verb.toUpperCase()} ${url}: ${why}; answer it with a redirect (POST-redirect-GET) or use hx-post with a fragment`);
    }
  });

  // The guard's verdict, for a page that wants to show it without
  // following a link (the showcase's htmx demo).
  window.noncekitBoostRefusal = refusal;
})();
