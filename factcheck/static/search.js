// On a wide screen the search filters are shown open beside the results; on a phone they stay
// folded behind one button, so that the results start on the first screen.
(function () {
  "use strict";
  var filters = document.getElementById("filters");
  if (filters && window.matchMedia("(min-width: 48rem)").matches) { filters.open = true; }
})();
