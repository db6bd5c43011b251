document.currentScript.closest("[data-probe]").dataset.ran = "true";
