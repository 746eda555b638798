/* sms-docs: register filter and sort, and the "uncontrolled when printed" stamp. No dependencies. */
(function () {
  "use strict";

  function pad(n) { return (n < 10 ? "0" : "") + n; }

  function today() {
    var d = new Date();
    return d.getFullYear() + "-" + pad(d.getMonth() + 1) + "-" + pad(d.getDate());
  }

  /* Every printed page says "Uncontrolled when printed — <ID> rev <N> — printed <date>": the date is
     the day of printing. Browsers with CSS page-margin boxes get it in the top margin of every page;
     others print the fixed-position stamp the stylesheet shows. */
  function stamp() {
    var el = document.querySelector(".sms-print-stamp");
    if (!el) return;
    var date = el.querySelector(".sms-print-date");
    if (date) date.textContent = today();
    if (!("CSSMarginRule" in window)) return;
    var style = document.getElementById("sms-print-style");
    if (!style) {
      style = document.createElement("style");
      style.id = "sms-print-style";
      document.head.appendChild(style);
    }
    var text = el.textContent.replace(/\s+/g, " ").trim();
    style.textContent = "@page { @top-center { content: " + JSON.stringify(text) +
      "; font: 9pt/1.2 sans-serif; color: #333; } }";
    document.documentElement.classList.add("sms-margin-stamp");
  }

  function cellValue(row, index) {
    var cell = row.cells[index];
    if (!cell) return "";
    return (cell.getAttribute("data-value") || cell.textContent).trim();
  }

  function sortTable(table, index, th) {
    var ascending = th.getAttribute("aria-sort") !== "ascending";
    Array.prototype.forEach.call(table.tHead.rows[0].cells, function (other) {
      if (other.hasAttribute("data-sort")) other.setAttribute("aria-sort", "none");
    });
    th.setAttribute("aria-sort", ascending ? "ascending" : "descending");
    var kind = th.getAttribute("data-sort");
    var body = table.tBodies[0];
    var rows = Array.prototype.slice.call(body.rows);
    function key(row) {
      var v = cellValue(row, index);
      if (kind === "number") {
        var n = parseFloat(v);
        return isNaN(n) ? -Infinity : n;
      }
      return v.toLowerCase();
    }
    rows.sort(function (a, b) {
      var x = key(a), y = key(b);
      var r = x < y ? -1 : (x > y ? 1 : 0);
      return ascending ? r : -r;
    });
    rows.forEach(function (row) { body.appendChild(row); });
  }

  function initSort(table) {
    if (table.getAttribute("data-sms-ready-sort")) return;
    table.setAttribute("data-sms-ready-sort", "1");
    Array.prototype.forEach.call(table.tHead.rows[0].cells, function (th, index) {
      if (!th.hasAttribute("data-sort")) return;
      function go() { sortTable(table, index, th); }
      th.addEventListener("click", go);
      th.addEventListener("keydown", function (ev) {
        if (ev.key === "Enter" || ev.key === " ") { ev.preventDefault(); go(); }
      });
    });
  }

  function initFilter(box) {
    var table = document.getElementById(box.getAttribute("data-sms-filter"));
    if (!table || box.getAttribute("data-sms-ready")) return;
    box.setAttribute("data-sms-ready", "1");
    var text = box.querySelector("[data-sms-filter-text]");
    var selects = Array.prototype.slice.call(box.querySelectorAll("[data-sms-filter-column]"));
    var count = box.querySelector("[data-sms-count]");
    var rows = Array.prototype.slice.call(table.tBodies[0].rows);
    function apply() {
      var words = (text ? text.value : "").toLowerCase().split(/\s+/).filter(Boolean);
      var shown = 0;
      rows.forEach(function (row) {
        var content = row.textContent.toLowerCase();
        var ok = words.every(function (w) { return content.indexOf(w) !== -1; });
        selects.forEach(function (s) {
          if (s.value && row.getAttribute("data-" + s.getAttribute("data-sms-filter-column")) !== s.value) ok = false;
        });
        row.hidden = !ok;
        if (ok) shown += 1;
      });
      if (count) {
        var noun = count.getAttribute("data-noun") || "rows";
        count.textContent = shown === rows.length ? rows.length + " " + noun : shown + " of " + rows.length + " " + noun;
      }
    }
    if (text) {
      var q = new URLSearchParams(window.location.search).get("q");
      if (q) text.value = q;
      text.addEventListener("input", apply);
    }
    selects.forEach(function (s) { s.addEventListener("change", apply); });
    apply();
  }

  function init() {
    stamp();
    Array.prototype.forEach.call(document.querySelectorAll("table[data-sms-sortable]"), initSort);
    Array.prototype.forEach.call(document.querySelectorAll("[data-sms-filter]"), initFilter);
  }

  window.addEventListener("beforeprint", stamp);
  if (window.document$ && typeof window.document$.subscribe === "function") {
    window.document$.subscribe(init); /* Material's instant navigation */
  } else if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
