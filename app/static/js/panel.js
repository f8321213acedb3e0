/* The panel's own behaviour on top of Flask-AppBuilder's pages (no framework):
 * - type-ahead lists fed by JSON endpoints (plans, people);
 * - the context menu of the plan tree (right-click, or the visible menu button);
 * - access points that follow the chosen city;
 * - forms marked data-once submit only once (a double click creates one record). */
(function () {
  "use strict";

  function debounce(fn, ms) {
    var timer;
    return function () {
      var args = arguments, self = this;
      clearTimeout(timer);
      timer = setTimeout(function () { fn.apply(self, args); }, ms);
    };
  }

  function el(tag, attrs, text) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) { node.setAttribute(k, attrs[k]); });
    if (text !== undefined) node.textContent = text;
    return node;
  }

  /* ---------------------------------------------------------------- type-ahead */
  function typeahead(input, render, choose) {
    var list = input.parentNode.querySelector(".typeahead-results");
    var active = -1;
    function clear() { list.innerHTML = ""; active = -1; }
    function highlight(i) {
      var items = list.querySelectorAll("li");
      items.forEach(function (li, n) { li.classList.toggle("active", n === i); });
      active = i;
    }
    var search = debounce(function () {
      var q = input.value.trim();
      if (q.length < 1) { clear(); return; }
      fetch(input.dataset.source + "?q=" + encodeURIComponent(q), { credentials: "same-origin" })
        .then(function (r) { return r.ok ? r.json() : []; })
        .then(function (rows) {
          clear();
          rows.forEach(function (row) {
            var li = el("li", { "class": "list-group-item typeahead-item", role: "option", "data-id": row.id });
            render(li, row);
            li.addEventListener("mousedown", function (e) { e.preventDefault(); choose(row); clear(); });
            list.appendChild(li);
          });
        });
    }, 150);
    input.addEventListener("input", search);
    input.addEventListener("keydown", function (e) {
      var items = list.querySelectorAll("li");
      if (!items.length) return;
      if (e.key === "ArrowDown") { e.preventDefault(); highlight(Math.min(active + 1, items.length - 1)); }
      else if (e.key === "ArrowUp") { e.preventDefault(); highlight(Math.max(active - 1, 0)); }
      else if (e.key === "Enter" && active >= 0) {
        e.preventDefault();
        items[active].dispatchEvent(new MouseEvent("mousedown"));
      } else if (e.key === "Escape") { clear(); }
    });
    input.addEventListener("blur", function () { setTimeout(clear, 150); });
  }

  function planRow(li, row) {
    li.appendChild(el("strong", {}, row.text));
    var details = [row.kind, row.speed, "R$ " + row.price].filter(Boolean).join(" · ");
    li.appendChild(el("span", { "class": "text-muted" }, " " + details));
  }

  document.querySelectorAll("#plan-search").forEach(function (input) {
    var chosen = document.getElementById(input.dataset.target);
    function refreshEmpty() {
      var empty = chosen.querySelector(".empty");
      if (!chosen.querySelector("li[data-id]")) {
        if (!empty) chosen.appendChild(el("li", { "class": "list-group-item empty text-muted" }, chosen.dataset.empty));
      } else if (empty) { empty.remove(); }
    }
    typeahead(input, planRow, function (row) {
      if (chosen.querySelector('li[data-id="' + row.id + '"]')) return;
      var li = el("li", { "class": "list-group-item", "data-id": row.id });
      li.appendChild(el("input", { type: "hidden", name: "plan_ids", value: row.id }));
      li.appendChild(document.createTextNode([row.text, row.speed, "R$ " + row.price].filter(Boolean).join(" — ") + " "));
      var remove = el("button", { type: "button", "class": "btn btn-link btn-xs remove-plan" }, "×");
      li.appendChild(remove);
      chosen.appendChild(li);
      input.value = "";
      refreshEmpty();
    });
    chosen.addEventListener("click", function (e) {
      if (e.target.classList.contains("remove-plan")) { e.target.closest("li").remove(); refreshEmpty(); }
    });
    refreshEmpty();
  });

  // Quick search on the home page: a customer by name, CPF/CNPJ, PPPoE login or ONU serial.
  document.querySelectorAll(".customer-find").forEach(function (input) {
    typeahead(input, function (li, row) {
      li.appendChild(el("strong", {}, row.text));
      li.appendChild(el("span", { "class": "text-muted" }, " " + row.document));
    }, function (row) { window.location.assign(row.url); });
  });

  document.querySelectorAll(".person-search").forEach(function (input) {
    var prefix = input.dataset.prefix;
    var form = input.form;
    typeahead(input, function (li, row) {
      li.appendChild(el("strong", {}, row.text));
      li.appendChild(el("span", { "class": "text-muted" }, " " + row.document));
    }, function (row) {
      form.elements[prefix + "_customer_id"].value = row.id;
      form.elements[prefix + "_label"].value = row.text + " (" + row.document + ")";
      form.elements[prefix + "_name"].value = "";
      form.elements[prefix + "_document"].value = "";
      input.value = row.text + " (" + row.document + ")";
    });
    [prefix + "_name", prefix + "_document"].forEach(function (name) {
      var field = form.elements[name];
      if (field) field.addEventListener("input", function () {
        form.elements[prefix + "_customer_id"].value = "";
        form.elements[prefix + "_label"].value = "";
        input.value = "";
      });
    });
  });

  /* ---------------------------------------------------------------- pick one customer */
  document.querySelectorAll(".person-pick").forEach(function (input) {
    var form = input.form;
    typeahead(input, function (li, row) {
      li.appendChild(el("strong", {}, row.text));
      li.appendChild(el("span", { "class": "text-muted" }, " " + row.document));
    }, function (row) {
      form.elements[input.dataset.target].value = row.id;
      form.elements.holder_label.value = row.text + " (" + row.document + ")";
      input.value = row.text + " (" + row.document + ")";
    });
    input.addEventListener("input", function () { form.elements[input.dataset.target].value = ""; });
  });
  document.querySelectorAll("input[name=holder_mode]").forEach(function (radio) {
    function show() {
      var mode = radio.form.querySelector("input[name=holder_mode]:checked").value;
      radio.form.querySelector(".holder-existing").hidden = mode !== "existing";
      radio.form.querySelector(".holder-new").hidden = mode !== "new";
    }
    radio.addEventListener("change", show);
    show();
  });

  /* ---------------------------------------------------------------- city -> access points */
  document.querySelectorAll("select[data-access-points-target]").forEach(function (city) {
    var target = document.getElementById(city.dataset.accessPointsTarget);
    city.addEventListener("change", function () {
      target.innerHTML = "";
      target.appendChild(el("option", { value: "" }, "—"));
      if (!city.value) return;
      fetch("/customers/access-points?city_id=" + encodeURIComponent(city.value), { credentials: "same-origin" })
        .then(function (r) { return r.ok ? r.json() : []; })
        .then(function (rows) {
          rows.forEach(function (row) { target.appendChild(el("option", { value: row.id }, row.text)); });
        });
    });
  });

  /* ---------------------------------------------------------------- context menu */
  var openMenu = null;
  function closeMenu() {
    if (!openMenu) return;
    openMenu.classList.remove("open");
    // The right-click put the menu itself at the pointer: back under its button.
    var placed = openMenu.querySelector(".context-menu");
    if (placed) placed.style.cssText = "";
    openMenu = null;
  }
  document.querySelectorAll(".plan-node").forEach(function (node) {
    var dropdown = node.querySelector(".plan-actions");
    if (!dropdown) return;
    var menu = dropdown.querySelector(".context-menu");
    var toggle = dropdown.querySelector(".dropdown-toggle");
    if (toggle) {
      // The menu button opens (or closes) the menu under itself, wherever a right-click
      // had put it; Bootstrap's own handler runs after this one.
      toggle.addEventListener("click", function () {
        menu.style.cssText = "";
        if (openMenu === dropdown) openMenu = null;
      });
    }
    node.addEventListener("contextmenu", function (e) {
      e.preventDefault();
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
    node.addEventListener("keydown", function (e) {
      if (e.key === "ContextMenu" || (e.shiftKey && e.key === "F10")) {
        e.preventDefault();
        dropdown.querySelector(".dropdown-toggle").click();
      }
    });
  });
  document.addEventListener("click", function (e) {
    if (openMenu && !openMenu.contains(e.target)) closeMenu();
  });
  document.addEventListener("keydown", function (e) { if (e.key === "Escape") closeMenu(); });

  /* ---------------------------------------------------------------- submit once */
  document.querySelectorAll("form[data-once]").forEach(function (form) {
    form.addEventListener("submit", function (e) {
      if (form.dataset.sent) { e.preventDefault(); return; }
      form.dataset.sent = "1";
      form.querySelectorAll("button[type=submit]").forEach(function (b) { b.disabled = true; });
    });
  });
})();
