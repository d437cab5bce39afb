// The queue's bulk form, quicker with a script (it works without one): only the field the chosen
// action needs is shown, the actions stay at the bottom of the screen once a claim is selected, a
// box selects every claim on the page, and the legend counts the selected claims. No inline script (CSP: script-src 'self').
(function () {
  "use strict";
  var form = document.getElementById("bulk");
  if (!form) { return; }
  var action = form.querySelector("#bulk-action");
  var fields = Array.prototype.slice.call(form.querySelectorAll(".bulk-field"));
  var boxes = Array.prototype.slice.call(form.querySelectorAll('input[name="claim"]'));
  var counter = form.querySelector(".selected-count");
  var list = form.querySelector("ol.claims");

  function showField() {
    fields.forEach(function (field) { field.hidden = field.getAttribute("data-action") !== action.value; });
  }

  function selected() { return boxes.filter(function (box) { return box.checked; }).length; }

  var all = document.createElement("input");
  all.type = "checkbox";
  all.id = "select-all";
  var allLabel = document.createElement("label");
  allLabel.className = "select-all";
  allLabel.appendChild(all);
  allLabel.appendChild(document.createTextNode(" " + form.getAttribute("data-select-all")));
  list.parentNode.insertBefore(allLabel, list);

  function count() {
    var n = selected();
    counter.textContent = n ? form.getAttribute("data-selected").replace("{n}", String(n)) : "";
    form.classList.toggle("has-selection", n > 0);
    all.checked = n === boxes.length;
    all.indeterminate = n > 0 && n < boxes.length;
  }

  all.addEventListener("change", function () {
    boxes.forEach(function (box) { box.checked = all.checked; });
    count();
  });
  boxes.forEach(function (box) { box.addEventListener("change", count); });
  action.addEventListener("change", showField);
  form.classList.add("enhanced");
  showField();
  count();
})();
