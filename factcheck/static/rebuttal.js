// Live preview of a rebuttal body: the server renders and sanitises the Markdown (the same code
// that renders the public page), so what you see is exactly what will be published.
(function () {
  "use strict";
  var body = document.getElementById("body");
  var preview = document.getElementById("preview");
  var token = document.querySelector('meta[name="csrf-token"]');
  if (!body || !preview || !token) { return; }
  var timer = null;
  var sent = body.value;

  function render() {
    var text = body.value;
    fetch(preview.getAttribute("data-api"), {
      method: "POST",
      credentials: "same-origin",
      headers: {"Content-Type": "application/json", "X-CSRFToken": token.getAttribute("content")},
      body: JSON.stringify({body: text})
    }).then(function (response) { return response.ok ? response.json() : null; })
      .then(function (result) {
        if (result && body.value === text) { preview.innerHTML = result.html; }  // sanitised server-side
      });
  }

  body.addEventListener("input", function () {
    if (body.value === sent) { return; }
    sent = body.value;
    window.clearTimeout(timer);
    timer = window.setTimeout(render, 300);
  });
})();
