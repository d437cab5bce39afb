// Registers the service worker (an offline page; it keeps nothing private) where the browser has
// them. The worker's address comes from this script's data-worker attribute.
(function () {
  "use strict";
  var script = document.currentScript;
  if (!script || !("serviceWorker" in navigator)) { return; }
  var worker = script.getAttribute("data-worker");
  window.addEventListener("load", function () {
    navigator.serviceWorker.register(worker, {scope: script.getAttribute("data-scope") || "/"})
      .catch(function () { /* no offline page: everything else works as before */ });
  });
})();
