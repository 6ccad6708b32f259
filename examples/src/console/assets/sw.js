// The console's service worker: keeps the page's shell (HTML, styles, scripts, icon) so the
// installed app opens without the network, and nothing else. API answers, the event stream and
// the softphone's account are never cached: only the files listed here are.
'use strict';

const CACHE = 'console-shell-v1';
const SHELL = [
  '/',
  '/console/app.css',
  '/console/app.js',
  '/console/softphone.js',
  '/console/vendor/jssip.min.js',
  '/console/icon.svg',
  '/manifest.webmanifest',
];

self.addEventListener('install', (event) => {
  event.waitUntil(caches.open(CACHE).then((cache) => cache.addAll(SHELL)).then(() => self.skipWaiting()));
});

self.addEventListener('activate', (event) => {
  event.waitUntil(
    caches.keys()
      .then((keys) => Promise.all(keys.filter((k) => k !== CACHE).map((k) => caches.delete(k))))
      .then(() => self.clients.claim()),
  );
});

// The network first (a new service binary serves new files), the kept copy when it fails.
self.addEventListener('fetch', (event) => {
  const url = new URL(event.request.url);
  if (event.request.method !== 'GET' || url.origin !== self.location.origin || !SHELL.includes(url.pathname)) {
    return;
  }
  event.respondWith(
    fetch(event.request)
      .then((response) => {
        if (response.ok) {
          const copy = response.clone();
          caches.open(CACHE).then((cache) => cache.put(url.pathname, copy));
        }
        return response;
      })
      .catch(() => caches.match(url.pathname).then((kept) => kept || Response.error())),
  );
});
