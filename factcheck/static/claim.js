// Live capture states on a claim page: while a snapshot is pending, ask the API every two
// seconds and update each source's captures in place (no reload, no inline script).
(function () {
  "use strict";
  var article = document.querySelector("article.claim[data-claim-id]");
  if (!article) { return; }
  var apiUrl = article.getAttribute("data-api");
  var delay = 2000;

  function pending() {
    return document.querySelector('.captures li[data-state="pending"]') !== null;
  }

  // Times are shown as the server shows them: in the zone its <time data-zone> elements name
  // (the viewer's own, or the desk's), in the language of the page.
  var shown = document.querySelector("time[data-zone]");
  var zone = shown ? shown.getAttribute("data-zone") : "UTC";
  var locale = document.documentElement.lang || "en";

  function localTime(iso) {
    var when = new Date(iso.replace(/(\.\d{3})\d+/, "$1"));
    if (isNaN(when.getTime())) { return null; }
    var element = document.createElement("time");
    element.setAttribute("datetime", when.toISOString().replace(/\.\d{3}Z$/, "Z"));
    element.setAttribute("data-zone", zone);
    try {
      element.textContent = new Intl.DateTimeFormat(locale, {dateStyle: "medium", timeStyle: "short",
                                                             timeZone: zone}).format(when);
    } catch (error) {
      element.textContent = when.toISOString().slice(0, 16).replace("T", " ") + " UTC";
    }
    return element;
  }

  function describe(detail, snapshot) {
    detail.textContent = "";
    if (snapshot.state === "archived") {
      detail.appendChild(document.createTextNode(snapshot.title || snapshot.content_type || ""));
      var when = snapshot.fetched_at ? localTime(snapshot.fetched_at) : null;
      if (when) {
        detail.appendChild(document.createTextNode(" · "));
        detail.appendChild(when);
      }
    }
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
      state.textContent = snapshot.state_text || "";  // in the reader's language, from the API
      describe(item.querySelector(".capture-detail"), snapshot);
    });
  }

  function poll() {
    fetch(apiUrl, {credentials: "same-origin",
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
