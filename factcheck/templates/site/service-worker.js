// The workbench's service worker. It keeps the offline page and the stylesheet it needs, fetched
// without cookies, and nothing else: no page, no API answer, no image is ever put in its cache.
// Pages come from the network first; when it cannot be reached, the offline page is shown.
"use strict";

var CACHE = {{ cache_name|tojson }};
var OFFLINE_URL = {{ offline_url|tojson }};
var PRECACHE = {{ precache|tojson }};

self.addEventListener("install", function (event) {
  event.waitUntil(caches.open(CACHE).then(function (cache) {
    return cache.addAll(PRECACHE.map(function (url) {
      return new Request(url, {credentials: "omit", cache: "reload"});
    }));
  }).then(function () { return self.skipWaiting(); }));
});

self.addEventListener("activate", function (event) {
  event.waitUntil(caches.keys().then(function (names) {
    return Promise.all(names.filter(function (name) {
      return name.indexOf("factcheck-offline-") === 0 && name !== CACHE;
    }).map(function (name) { return caches.delete(name); }));
  }).then(function () { return self.clients.claim(); }));
});

self.addEventListener("fetch", function (event) {
  var request = event.request;
  if (request.method !== "GET") { return; }  // forms and shares go to the server as they are
  var url = new URL(request.url);
  if (url.origin !== self.location.origin) { return; }
  if (request.mode === "navigate") {
    event.respondWith(fetch(request).catch(function () {
      return caches.match(OFFLINE_URL, {cacheName: CACHE});
    }));
  } else if (PRECACHE.indexOf(url.pathname) !== -1 && url.pathname !== OFFLINE_URL) {
    event.respondWith(fetch(request).catch(function () {
      return caches.match(url.pathname, {cacheName: CACHE});
    }));
  }
});
