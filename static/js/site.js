// site.js: behaviour shared by every page. Handlers are attached here with
// addEventListener because the policy forbids inline onclick= attributes.
(() => {
  "use strict";
  const root = document.documentElement;
  const saved = localStorage.getItem("noncekit-theme");
  if (saved === "light" || saved === "dark") root.dataset.theme = saved;

  // One listener on the document (event delegation), not one on the
  // button: after htmx swaps in a new <body> (a boosted link), the button
  // is a new element, and this script does not run again.
  document.addEventListener("click", (e) => {
    if (!(e.target instanceof Element) || !e.target.closest("[data-theme-toggle]")) return;
    const dark = root.dataset.theme
      ? root.dataset.theme === "dark"
      : matchMedia("(prefers-color-scheme: dark)").matches;
    root.dataset.theme = dark ? "light" : "dark";
    localStorage.setItem("noncekit-theme", root.dataset.theme);
  });
})();
