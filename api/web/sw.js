// The service worker: keeps this build's shell for offline use, the last copy of
// today's plan and the red-flag catalogue, and shows push notifications. The build hash
// below changes with every release, which retires the old shell cache.

const SHELL_CACHE = "fascia-shell-%HASH%";
const DATA_CACHE = "fascia-data";
const SHELL = [
  "/",
  "/clinic/",
  "/manifest.webmanifest",
  "%ASSETS%/app.js",
  "%ASSETS%/queue.js",
  "%ASSETS%/dom.js",
  "%ASSETS%/api.js",
  "%ASSETS%/sync.js",
  "%ASSETS%/today.js",
  "%ASSETS%/checkin.js",
  "%ASSETS%/bodymap.js",
  "%ASSETS%/player.js",
  "%ASSETS%/lessons.js",
  "%ASSETS%/trends.js",
  "%ASSETS%/settings.js",
  "%ASSETS%/messages.js",
  "%ASSETS%/enrol.js",
  "%ASSETS%/app.css",
  "%ASSETS%/clinic.js",
  "%ASSETS%/icon.svg",
  "%ASSETS%/icon-192.png",
];
// API reads worth having offline: no other API response is ever stored.
const OFFLINE_READS = ["/api/v1/me/today", "/api/v1/red-flags"];

self.addEventListener("install", (event) => {
  event.waitUntil(
    caches
      .open(SHELL_CACHE)
      .then((cache) => cache.addAll(SHELL))
      .then(() => self.skipWaiting()),
  );
});

self.addEventListener("activate", (event) => {
  event.waitUntil(
    caches
      .keys()
      .then((keys) => Promise.all(keys.filter((k) => k.startsWith("fascia-shell-") && k !== SHELL_CACHE).map((k) => caches.delete(k))))
      .then(() => self.clients.claim()),
  );
});

function shellFor(path) {
  return path.startsWith("/clinic") || path.startsWith("/alerts") ? "/clinic/" : "/";
}

async function networkFirst(request, cacheName, fallback) {
  try {
    const response = await fetch(request);
    if (response.ok && cacheName) {
      const cache = await caches.open(cacheName);
      await cache.put(request, response.clone());
    }
    return response;
  } catch (err) {
    const cached = await caches.match(fallback || request, { ignoreVary: true, ignoreSearch: !!fallback });
    if (cached) return cached;
    throw err;
  }
}

self.addEventListener("fetch", (event) => {
  const request = event.request;
  const url = new URL(request.url);
  if (request.method !== "GET" || url.origin !== self.location.origin) return;
  if (request.mode === "navigate") {
    event.respondWith(networkFirst(request, null, shellFor(url.pathname)));
  } else if (url.pathname.startsWith("/assets/")) {
    event.respondWith(caches.match(request).then((hit) => hit || fetch(request)));
  } else if (OFFLINE_READS.includes(url.pathname)) {
    event.respondWith(networkFirst(request, DATA_CACHE));
  } else if (SHELL.includes(url.pathname)) {
    event.respondWith(networkFirst(request, null));
  }
});

self.addEventListener("push", (event) => {
  let message = { title: "Fascia", body: "", navigate: "/", tag: "fascia" };
  try {
    message = { ...message, ...event.data.json() };
  } catch {
    // A payload that is not ours still shows a plain notification.
  }
  event.waitUntil(
    self.registration.showNotification(message.title, {
      body: message.body,
      tag: message.tag,
      icon: "%ASSETS%/icon-192.png",
      data: { navigate: message.navigate },
    }),
  );
});

self.addEventListener("notificationclick", (event) => {
  event.notification.close();
  const target = new URL(event.notification.data?.navigate || "/", self.location.origin);
  // Only this app's own pages open from a notification.
  const url = target.origin === self.location.origin ? target.href : self.location.origin + "/";
  event.waitUntil(
    self.clients.matchAll({ type: "window", includeUncontrolled: true }).then((windows) => {
      for (const win of windows) {
        if ("navigate" in win) return win.navigate(url).then((w) => (w || win).focus());
      }
      return self.clients.openWindow(url);
    }),
  );
});
