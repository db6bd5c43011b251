// site.js: behaviour shared by every page. Handlers are attached here with
// addEventListener because the policy forbids inline onclick= attributes.
(() => {
  "use strict";
  const root = document.documentElement;
  const saved = localStorage.getItem("noncekit-theme");
  if (saved === "light" || saved === "dark") root.dataset.theme = saved;

  document.addEventListener("DOMContentLoaded", () => {
    const toggle = document.querySelector("[data-theme-toggle]");
    if (!toggle) return;
    toggle.addEventListener("click", () => {
      const dark = root.dataset.theme
        ? root.dataset.theme === "dark"
        : matchMedia("(prefers-color-scheme: dark)").matches;
      root.dataset.theme = dark ? "light" : "dark";
      localStorage.setItem("noncekit-theme", root.dataset.theme);
    });
  });
})();
