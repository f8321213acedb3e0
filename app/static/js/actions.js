/* Screens of the subscription actions: the Mudar Plano type-ahead picks one plan from
 * /customers/plan-search (name, speed, price as the user types) into a hidden field. */
(function () {
  "use strict";

  function el(tag, attrs, text) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) { node.setAttribute(k, attrs[k]); });
    if (text !== undefined) node.textContent = text;
    return node;
  }

  document.querySelectorAll(".plan-pick").forEach(function (input) {
    var form = input.form;
    var list = input.parentNode.querySelector(".typeahead-results");
    var hidden = form.elements[input.dataset.target];
    var label = form.elements.plan_label;
    var timer = null;
    var active = -1;

    function clear() { list.innerHTML = ""; active = -1; }
    function choose(row) {
      hidden.value = row.id;
      label.value = row.text;
      input.value = row.text;
      clear();
    }
    function highlight(i) {
      list.querySelectorAll("li").forEach(function (li, n) { li.classList.toggle("active", n === i); });
      active = i;
    }
    function search() {
      var q = input.value.trim();
      if (!q) { clear(); return; }
      fetch(input.dataset.source + "?q=" + encodeURIComponent(q), { credentials: "same-origin" })
        .then(function (r) { return r.ok ? r.json() : []; })
        .then(function (rows) {
          clear();
          rows.forEach(function (row) {
            var li = el("li", { "class": "list-group-item typeahead-item", role: "option", "data-id": row.id });
            li.appendChild(el("strong", {}, row.text));
            var details = [row.kind, row.speed, "R$ " + row.price].filter(Boolean).join(" · ");
            li.appendChild(el("span", { "class": "text-muted" }, " " + details));
            li.addEventListener("mousedown", function (e) { e.preventDefault(); choose(row); });
            list.appendChild(li);
          });
        });
    }
    input.addEventListener("input", function () {
      // Typing again forgets the plan chosen before.
      hidden.value = "";
      label.value = "";
      clearTimeout(timer);
      timer = setTimeout(search, 150);
    });
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
  });
})();
