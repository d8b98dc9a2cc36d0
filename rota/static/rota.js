/* Progressive enhancement only: every page works without this file.
   1. Wide tables scroll inside their own region on narrow screens, not the whole page.
   2. Copy buttons (rendered hidden by the copy_field macro) copy a link to the clipboard.
   3. On a phone, the navigation folds behind a Menu button.
   4. After an action, focus moves to what it came to: the error summary, else the message.
   5. On a phone, the contact page's details and actions start folded (a drawer).
   6. While someone types in a form, the server hears of it now and then, so that the
      inactivity timeout does not sign them out under a long reply. */
(function () {
  "use strict";

  function wrapTables() {
    document.querySelectorAll("main table").forEach(function (table, index) {
      if (table.parentElement.classList.contains("table-scroll")) return;
      var wrapper = document.createElement("div");
      wrapper.className = "table-scroll";
      table.parentNode.insertBefore(wrapper, table);
      wrapper.appendChild(table);
      var caption = table.querySelector("caption");
      if (caption) {
        caption.id = caption.id || "table-caption-" + index;
        wrapper.dataset.labelledby = caption.id;
      }
    });
    markScrollable();
  }

  /* Only a table that overflows becomes a focusable, named region (keyboard users can scroll it). */
  function markScrollable() {
    document.querySelectorAll(".table-scroll").forEach(function (wrapper) {
      if (wrapper.scrollWidth > wrapper.clientWidth + 1) {
        wrapper.setAttribute("tabindex", "0");
        wrapper.setAttribute("role", "region");
        if (wrapper.dataset.labelledby) wrapper.setAttribute("aria-labelledby", wrapper.dataset.labelledby);
      } else {
        ["tabindex", "role", "aria-labelledby"].forEach(function (name) { wrapper.removeAttribute(name); });
      }
    });
  }

  function copyText(text, field) {
    if (navigator.clipboard && window.isSecureContext) {
      return navigator.clipboard.writeText(text);
    }
    field.select();
    return document.execCommand("copy") ? Promise.resolve() : Promise.reject(new Error("copy"));
  }

  function enableCopyButtons() {
    document.querySelectorAll("button[data-copy]").forEach(function (button) {
      var field = document.getElementById(button.dataset.copy);
      var status = document.getElementById(button.dataset.copy + "-status");
      if (!field) return;
      button.hidden = false;
      button.addEventListener("click", function () {
        copyText(field.value, field).then(
          function () { status.textContent = button.dataset.copied; },
          function () { field.select(); status.textContent = button.dataset.failed; }
        );
      });
    });
  }

  /* On a phone the long navigation folds behind a Menu button; without scripts it stays open. */
  function foldNavigation() {
    var toggle = document.querySelector(".menu-toggle");
    var nav = document.getElementById("site-nav");
    if (!toggle || !nav) return;
    toggle.hidden = false;
    document.documentElement.classList.add("nav-folds");
    toggle.addEventListener("click", function () {
      var open = toggle.getAttribute("aria-expanded") !== "true";
      toggle.setAttribute("aria-expanded", String(open));
      nav.classList.toggle("open", open);
    });
  }

  /* The side panel of the contact page is open beside the thread; on a phone it starts folded. */
  function foldDrawers() {
    if (!window.matchMedia("(max-width: 60rem)").matches) return;
    document.querySelectorAll("details[data-drawer]").forEach(function (drawer) { drawer.open = false; });
  }

  var KEEP_ALIVE_EVERY = 5 * 60 * 1000;

  function keepAliveWhileTyping() {
    var url = document.body.dataset.keepAlive, last = 0;
    if (!url) return;
    document.addEventListener("input", function (event) {
      var token = event.target.form && event.target.form.querySelector("input[name=csrf_token]");
      if (!token || Date.now() - last < KEEP_ALIVE_EVERY) return;
      last = Date.now();
      fetch(url, { method: "POST", credentials: "same-origin", headers: { "X-CSRFToken": token.value } });
    });
  }

  /* Start where the outcome is said, not at the top of the page (both carry tabindex="-1"). */
  function focusOutcome() {
    var target = document.querySelector("main .error-summary") || document.querySelector("main .messages");
    if (target) target.focus();
  }

  document.addEventListener("DOMContentLoaded", function () {
    focusOutcome();
    keepAliveWhileTyping();
    foldNavigation();
    foldDrawers();
    wrapTables();
    enableCopyButtons();
    window.addEventListener("resize", markScrollable);
  });
})();
