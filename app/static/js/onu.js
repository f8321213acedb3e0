/* ONU screens (no framework):
 * - the plan details' ONU section: unfinished jobs (queued/running) are polled every 2 s
 *   and their status, message and the ONU's state are updated in place; a double click
 *   on an ONU opens Editar ONU; a right click (or Shift+F10) opens the ONU's menu;
 * - the Vincular ONU wizard: only the fields of the chosen connection type are shown;
 * - Editar ONU: "show keys" reveals the WPA2 keys. */
(function () {
  "use strict";
  if (window.onuScreens) return;  /* the section may be rendered more than once */
  window.onuScreens = true;

  var POLL_MS = 2000;
  var MAX_FAILURES = 30;
  var UNFINISHED = { queued: true, running: true };

  function text(node, value) { if (node) node.textContent = value || ""; }

  /* ---------------------------------------------------------------- live job status */
  function watch(box) {
    var url = box.dataset.jobUrl;
    var timer = null;
    function apply(job) {
      box.dataset.status = job.status;
      var label = box.querySelector(".onu-job-status");
      if (label) {
        label.className = "label onu-job-status status-" + job.status;
        text(label, job.status_label);
      }
      text(box.querySelector(".onu-job-message"), job.message);
      var item = box.closest(".onu-item");
      var state = item && item.querySelector(".onu-state");
      if (state && job.onu_state) {
        state.dataset.state = job.onu_state;
        text(state, job.onu_state_label);
      }
    }
    var failures = 0;
    function poll() {
      fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
        .then(function (r) {
          /* Logged out, no longer allowed, or the job is gone: nothing more to show. */
          if (r.status === 401 || r.status === 403 || r.status === 404) return null;
          if (!r.ok) throw new Error(r.status);
          return r.json();
        })
        .then(function (job) {
          failures = 0;
          if (job === null || job.finished) clearInterval(timer);
          if (job) apply(job);
        })
        .catch(function () {
          /* A restarting server or a lost answer: keep trying for a while (about a
           * minute), since the job itself goes on in the background. */
          failures += 1;
          if (failures >= MAX_FAILURES) clearInterval(timer);
        });
    }
    timer = setInterval(poll, POLL_MS);
  }

  function startWatching() {
    document.querySelectorAll(".onu-job[data-job-url]").forEach(function (box) {
      if (UNFINISHED[box.dataset.status] && !box.dataset.watched) {
        box.dataset.watched = "1";
        watch(box);
      }
    });
  }

  /* ---------------------------------------------------------------- ONU menu */
  var openMenu = null;
  function closeMenu() {
    if (openMenu) { openMenu.classList.remove("open"); openMenu.querySelector(".context-menu").style.cssText = ""; openMenu = null; }
  }
  function bindItems() {
    document.querySelectorAll(".onu-item").forEach(function (item) {
      if (item.dataset.bound) return;
      item.dataset.bound = "1";
      var dropdown = item.querySelector(".onu-actions");
      item.addEventListener("dblclick", function (e) {
        if (item.dataset.editUrl && !e.target.closest(".onu-actions")) window.location.href = item.dataset.editUrl;
      });
      if (!dropdown) return;
      var menu = dropdown.querySelector(".context-menu");
      item.addEventListener("contextmenu", function (e) {
        e.preventDefault();
        e.stopPropagation();
        closeMenu();
        dropdown.classList.add("open");
        menu.style.position = "fixed";
        menu.style.left = e.clientX + "px";
        menu.style.top = e.clientY + "px";
        menu.style.right = "auto";
        openMenu = dropdown;
        var first = menu.querySelector("a[href]");
        if (first) first.focus();
      });
      item.addEventListener("keydown", function (e) {
        if (e.key === "ContextMenu" || (e.shiftKey && e.key === "F10")) {
          e.preventDefault();
          e.stopPropagation();
          dropdown.querySelector(".dropdown-toggle").click();
        } else if (e.key === "Enter" && e.target === item && item.dataset.editUrl) {
          window.location.href = item.dataset.editUrl;
        }
      });
    });
  }
  document.addEventListener("click", function (e) {
    if (openMenu && !openMenu.contains(e.target)) closeMenu();
  });
  document.addEventListener("keydown", function (e) { if (e.key === "Escape") closeMenu(); });

  /* ---------------------------------------------------------------- wizard: connection fields */
  function bindConnectionForms() {
    document.querySelectorAll("form.onu-connection").forEach(function (form) {
      function show() {
        var checked = form.querySelector("input[name=connection_type]:checked");
        var kind = checked ? checked.value : "";
        form.querySelectorAll(".connection-fields").forEach(function (row) {
          row.hidden = row.dataset.for !== kind;
        });
      }
      form.querySelectorAll("input[name=connection_type]").forEach(function (radio) {
        radio.addEventListener("change", show);
      });
      show();
    });
  }

  /* ---------------------------------------------------------------- Editar ONU: reveal keys */
  function bindReveal() {
    var toggle = document.getElementById("reveal-keys");
    if (!toggle) return;
    toggle.addEventListener("change", function () {
      document.querySelectorAll("input[data-reveal]").forEach(function (input) {
        input.type = toggle.checked ? "text" : "password";
      });
    });
  }

  function init() {
    startWatching();
    bindItems();
    bindConnectionForms();
    bindReveal();
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init);
  else init();
})();
