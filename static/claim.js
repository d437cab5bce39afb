// Live capture states on a claim page: while a snapshot is pending, ask the API every two
// seconds and update each source's captures in place (no reload, no inline script).
(function () {
  "use strict";
  var article = document.querySelector("article.claim[data-claim-id]");
  if (!article) { return; }
  var claimId = article.getAttribute("data-claim-id");
  var delay = 2000;

  function pending() {
    return document.querySelector('.captures li[data-state="pending"]') !== null;
  }

  function describe(snapshot) {
    if (snapshot.state === "archived") {
      var when = snapshot.fetched_at ? snapshot.fetched_at.slice(0, 16).replace("T", " ") + " UTC" : "";
      return (snapshot.title || snapshot.content_type || "") + (when ? " · " + when : "");
    }
    if (snapshot.state === "failed") { return snapshot.error_kind || "failed"; }
    return "archiving…";
  }

  function render(list, snapshots) {
    snapshots.forEach(function (snapshot) {
      var item = list.querySelector('li[data-snapshot-id="' + snapshot.id + '"]');
      if (!item) {
        item = document.createElement("li");
        item.setAttribute("data-snapshot-id", snapshot.id);
        var link = document.createElement("a");
        link.href = snapshot.page;
        var badge = document.createElement("span");
        link.appendChild(badge);
        var detail = document.createElement("span");
        detail.className = "capture-detail";
        item.appendChild(link);
        item.appendChild(document.createTextNode(" "));
        item.appendChild(detail);
        list.appendChild(item);
      }
      item.setAttribute("data-state", snapshot.state);
      var state = item.querySelector("a span");
      state.className = "state state-" + snapshot.state;
      state.textContent = snapshot.state;
      item.querySelector(".capture-detail").textContent = describe(snapshot);
    });
  }

  function poll() {
    fetch("/api/claims/" + encodeURIComponent(claimId), {credentials: "same-origin",
                                                           headers: {"Accept": "application/json"}})
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (claim) {
        if (claim) {
          claim.sources.forEach(function (source) {
            var list = document.querySelector('.captures[data-source-id="' + source.id + '"]');
            if (list) { render(list, source.snapshots || []); }
          });
        }
        if (pending()) { window.setTimeout(poll, delay); }
      })
      .catch(function () { window.setTimeout(poll, delay * 2); });
  }

  if (pending()) { window.setTimeout(poll, delay); }
})();
