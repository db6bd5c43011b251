document.currentScript.closest("[data-demo]").dataset.ran = "true";
