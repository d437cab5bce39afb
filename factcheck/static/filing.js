// The filing form on a phone: lists the links found in the pasted text as it is typed (each
// ticked; untick one to leave it out), and makes a photo small enough before it is sent (a
// phone camera's photo is usually over the limit): at most 2000 pixels on its longer side, as a
// JPEG, only when it is over the limit or huge in pixels; any other file is sent as it is.
(function () {
  "use strict";
  var form = document.getElementById("claim-form");
  if (!form) { return; }

  // -- links in the text ------------------------------------------------------------------------
  var token = document.querySelector('meta[name="csrf-token"]');
  var text = document.getElementById("text");
  var fieldset = document.getElementById("found-links");
  var list = fieldset ? fieldset.querySelector("ul") : null;
  var unticked = {};
  var asked = null;
  var timer = null;

  function remember(box) {
    if (box.checked) { delete unticked[box.value]; } else { unticked[box.value] = true; }
  }

  function renderLinks(links) {
    list.textContent = "";
    links.forEach(function (url) {
      var item = document.createElement("li");
      var label = document.createElement("label");
      var box = document.createElement("input");
      box.type = "checkbox";
      box.name = "links";
      box.value = url;
      box.checked = !unticked[url];
      var shown = document.createElement("span");
      shown.className = "link-url";
      shown.dir = "ltr";
      shown.textContent = url;
      label.appendChild(box);
      label.appendChild(document.createTextNode(" "));
      label.appendChild(shown);
      var offered = document.createElement("input");
      offered.type = "hidden";
      offered.name = "offered";
      offered.value = url;
      item.appendChild(label);
      item.appendChild(offered);
      list.appendChild(item);
    });
    fieldset.hidden = links.length === 0;
  }

  function findLinks() {
    var sent = text.value;
    if (sent === asked) { return; }
    asked = sent;
    fetch(form.getAttribute("data-links-url"), {
      method: "POST",
      credentials: "same-origin",
      headers: {"Content-Type": "application/json", "X-CSRFToken": token.getAttribute("content")},
      body: JSON.stringify({text: sent})
    }).then(function (response) { return response.ok ? response.json() : null; })
      .then(function (result) {
        if (result && text.value === sent) { renderLinks(result.links); }
      })
      .catch(function () { /* offline: the server finds the links when the form is sent */ });
  }

  if (text && list && token) {
    Array.prototype.forEach.call(list.querySelectorAll('input[name="links"]'), remember);
    list.addEventListener("change", function (event) {
      if (event.target.name === "links") { remember(event.target); }
    });
    asked = text.value;
    text.addEventListener("input", function () {
      window.clearTimeout(timer);
      timer = window.setTimeout(findLinks, 350);
    });
  }

  // -- photos -------------------------------------------------------------------------------------
  var input = document.getElementById("screenshot");
  var status = document.getElementById("photo-status");
  if (!input || !status) { return; }
  var maxBytes = parseInt(input.getAttribute("data-max-bytes"), 10) || 5 * 1024 * 1024;
  var LONG_SIDE = 2000;
  var QUALITY = 0.85;
  var MAX_PIXELS = 40000000;  // the server refuses images larger than this
  var working = null;  // a promise while a photo is being made smaller

  function say(message) { status.textContent = message || ""; }

  function loadImage(file) {
    return new Promise(function (resolve, reject) {
      var url = URL.createObjectURL(file);
      var image = new Image();
      image.onload = function () { resolve({source: image, width: image.naturalWidth, height: image.naturalHeight,
                                            done: function () { URL.revokeObjectURL(url); }}); };
      image.onerror = function () { URL.revokeObjectURL(url); reject(new Error("unreadable")); };
      image.src = url;
    });
  }

  function decode(file) {
    // createImageBitmap turns the photo upright as the camera recorded; <img> is the fallback.
    if (window.createImageBitmap) {
      return createImageBitmap(file, {imageOrientation: "from-image"}).then(function (bitmap) {
        return {source: bitmap, width: bitmap.width, height: bitmap.height,
                done: function () { if (bitmap.close) { bitmap.close(); } }};
      }, function () { return loadImage(file); });
    }
    return loadImage(file);
  }

  function toJpeg(picture) {
    var scale = Math.min(1, LONG_SIDE / Math.max(picture.width, picture.height));
    var canvas = document.createElement("canvas");
    canvas.width = Math.max(1, Math.round(picture.width * scale));
    canvas.height = Math.max(1, Math.round(picture.height * scale));
    var context = canvas.getContext("2d");
    context.fillStyle = "#fff";  // a transparent screenshot on white, as the page shows it
    context.fillRect(0, 0, canvas.width, canvas.height);
    context.imageSmoothingQuality = "high";
    context.drawImage(picture.source, 0, 0, canvas.width, canvas.height);
    picture.done();
    return new Promise(function (resolve) { canvas.toBlob(resolve, "image/jpeg", QUALITY); });
  }

  function needsShrinking(file) {
    if (file.size > maxBytes) { return Promise.resolve(true); }
    return loadImage(file).then(function (picture) {
      picture.done();
      return picture.width * picture.height > MAX_PIXELS;
    }, function () { return false; });  // not an image the browser reads: the server says so
  }

  function replaceFile(blob, name) {
    var shrunk = new File([blob], name.replace(/\.[^.]*$/, "") + ".jpg", {type: "image/jpeg"});
    var transfer = new DataTransfer();
    transfer.items.add(shrunk);
    input.files = transfer.files;
  }

  function shrink(file) {
    return needsShrinking(file).then(function (needed) {
      if (!needed) { return; }
      say(input.getAttribute("data-shrinking"));
      return decode(file).then(toJpeg).then(function (blob) {
        if (!blob || blob.size > maxBytes) { throw new Error("still too large"); }
        replaceFile(blob, file.name);
        say(input.getAttribute("data-shrunk"));
      });
    }).catch(function () {
      if (input.files[0] && input.files[0].size > maxBytes) { say(input.getAttribute("data-too-large")); }
    });
  }

  input.addEventListener("change", function () {
    var file = input.files && input.files[0];
    say("");
    working = file ? shrink(file).then(function () { working = null; }) : null;
  });

  form.addEventListener("submit", function (event) {
    if (working) {  // wait for the smaller photo, then send
      event.preventDefault();
      working.then(function () {
        if (form.requestSubmit) { form.requestSubmit(); } else { form.submit(); }
      });
      return;
    }
    var file = input.files && input.files[0];
    if (file && file.size > maxBytes) {  // not sent in vain over a phone's connection
      event.preventDefault();
      say(input.getAttribute("data-too-large"));
      input.focus();
    }
  });
})();
