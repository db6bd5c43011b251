// dev-reload.js: served only by `make dev`. It keeps an EventSource open to
// the server; when air restarts the server after a change, the stream
// reconnects with a new boot id and the page reloads. It is an ordinary
// nonced script, so live reload works under the strict policy (a reload
// script injected by a proxy without the nonce would be blocked).
(() => {
  "use strict";
  let boot = null;
  const source = new EventSource("/_dev/reload");
  source.addEventListener("boot", (e) => {
    if (boot !== null && boot !== e.data) location.reload();
    boot = e.data;
  });
})();
