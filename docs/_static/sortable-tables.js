/* Sortable tables for the ascc_salvage documentation (no dependencies, works offline).
 *
 * A table with the class "sortable" gets a button in each column header; clicking it sorts
 * the rows by that column, ascending, then descending. Numbers sort as numbers, GRADE
 * certainties from high to very low, empty cells last. Without JavaScript the table reads as
 * it is, in the order of the knowledge base.
 */
(function () {
  "use strict";

  var GRADE = { "very low": 1, low: 2, moderate: 3, high: 4 };

  function sortKey(cell) {
    var text = cell.textContent.trim().toLowerCase();
    if (text === "" || text === "–" || text === "—") {
      return null;
    }
    if (Object.prototype.hasOwnProperty.call(GRADE, text)) {
      return GRADE[text];
    }
    if (/^-?\d+(\.\d+)?$/.test(text)) {
      return parseFloat(text);
    }
    return text;
  }

  function compare(a, b) {
    if (a === null || b === null) {
      return a === b ? 0 : a === null ? 1 : -1;
    }
    if (typeof a !== typeof b) {
      return typeof a === "number" ? -1 : 1;
    }
    if (typeof a === "number") {
      return a - b;
    }
    return a.localeCompare(b);
  }

  function sortTable(table, column, descending) {
    var body = table.tBodies[0];
    var rows = Array.prototype.slice.call(body.rows);
    var keyed = rows.map(function (row, index) {
      return { row: row, index: index, key: sortKey(row.cells[column]) };
    });
    keyed.sort(function (x, y) {
      var order = compare(x.key, y.key);
      if (descending && x.key !== null && y.key !== null) {
        order = -order;
      }
      return order || x.index - y.index;
    });
    keyed.forEach(function (entry) {
      body.appendChild(entry.row);
    });
  }

  function makeSortable(table) {
    var headers = table.tHead ? table.tHead.rows[0].cells : [];
    Array.prototype.forEach.call(headers, function (header, column) {
      var button = document.createElement("button");
      button.type = "button";
      button.className = "sort-button";
      button.title = "Sort by this column";
      while (header.firstChild) {
        button.appendChild(header.firstChild);
      }
      header.appendChild(button);
      button.addEventListener("click", function () {
        var descending = header.getAttribute("aria-sort") === "ascending";
        Array.prototype.forEach.call(headers, function (other) {
          other.removeAttribute("aria-sort");
        });
        header.setAttribute("aria-sort", descending ? "descending" : "ascending");
        sortTable(table, column, descending);
      });
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    Array.prototype.forEach.call(document.querySelectorAll("table.sortable"), makeSortable);
  });
})();
