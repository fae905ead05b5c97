// cosell — small page helpers; everything still works without them.
"use strict";

(function () {
  // As files/_rows.py format_size: "21.3 MiB", "512 KiB", "80 bytes".
  function formatSize(size) {
    if (size >= 1048576) return (size / 1048576).toFixed(1).replace(/\.0$/, "") + " MiB";
    if (size >= 1024) return Math.round(size / 1024) + " KiB";
    return size + " bytes";
  }

  function sizeMessage(size, limit) {
    var shown = formatSize(size), allowed = formatSize(limit);
    if (shown === allowed) {
      shown = size.toLocaleString("en-US") + " bytes";
      allowed = limit.toLocaleString("en-US") + " bytes (" + allowed + ")";
    }
    return "The file is " + shown + "; at most " + allowed + " can be processed.";
  }

  // An upload far over the size limit is cut off by the server before it reaches the
  // page, so say it here, with the same words as the import service.
  function checkUploadSize(event) {
    var form = event.target;
    if (!form.matches || !form.matches("form[data-max-bytes]")) return;
    var input = form.querySelector('input[type="file"]');
    var message = form.querySelector("#size-error");
    var limit = Number(form.getAttribute("data-max-bytes"));
    var file = input && input.files && input.files[0];
    if (!file || !limit || file.size <= limit) {
      if (message) message.hidden = true;
      return;
    }
    event.preventDefault();
    if (message) {
      message.textContent = sizeMessage(file.size, limit);
      message.hidden = false;
    }
  }

  // The export menu is a <details>: close it with Escape or a click elsewhere.
  function closeMenus(except) {
    document.querySelectorAll("details.menu[open]").forEach(function (menu) {
      if (menu !== except) menu.removeAttribute("open");
    });
  }

  // A request htmx made in the background went wrong: say so instead of doing nothing.
  function showProblem(event) {
    var xhr = event.detail && event.detail.xhr;
    var area = document.getElementById("page-alert");
    if (!area) return;
    var reason = xhr && xhr.status === 403
      ? "The page has expired. Reload it and try again."
      : "That did not work" + (xhr && xhr.status ? " (error " + xhr.status + ")" : "") +
        ". Reload the page and try again.";
    area.innerHTML = "";
    var box = document.createElement("div");
    box.className = "notice error";
    box.textContent = reason;
    area.appendChild(box);
    area.hidden = false;
  }

  // A background request that lands on the sign-in page means the session ended:
  // go there instead of showing the sign-in form inside a card.
  function signInAgain(event) {
    var xhr = event.detail && event.detail.xhr;
    if (xhr && xhr.responseURL && new URL(xhr.responseURL).pathname === "/sign-in") {
      event.detail.shouldSwap = false;
      window.location.assign("/sign-in?next=" + encodeURIComponent(window.location.pathname));
    }
  }

  document.addEventListener("submit", checkUploadSize, true);
  document.addEventListener("htmx:responseError", showProblem);
  document.addEventListener("htmx:sendError", showProblem);
  document.addEventListener("htmx:beforeSwap", signInAgain);
  document.addEventListener("click", function (event) {
    closeMenus(event.target.closest ? event.target.closest("details.menu") : null);
  });
  document.addEventListener("keydown", function (event) {
    if (event.key === "Escape") closeMenus(null);
  });
})();
