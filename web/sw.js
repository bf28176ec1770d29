// Glassbox's service worker: after the first visit the app loads and trains
// with the network off. scripts/post_build.py writes the list of the build's
// files and the build's version into this file, so every deployment is a
// new worker, which the browser finds on the next visit.
//
// What the first screen needs is cached when the worker installs; the
// workers the page starts only when a file needs them (other formats, PDF)
// are cached the first time they are fetched, not downloaded on every
// first visit (they were 3.5 MB gzip of the 6.5 MB the install fetched).
//
// It never calls skipWaiting on its own: a new version waits until the page
// asks for it (the person pressed "reload" on the notice) or every tab of the
// old one is closed, so an update never swaps files under a running page or
// a training run.
const VERSION = "__VERSION__";
const CACHE = `glassbox-${VERSION}`;
const PRECACHE = __PRECACHE__;
const ON_USE = __ON_USE__;

self.addEventListener("install", (event) => {
  // Revalidated with the host, not taken from the HTTP cache unasked, so a
  // new version's files are the new ones; the files the page has just
  // fetched come back as "not modified" instead of a second download.
  event.waitUntil(
    caches.open(CACHE).then((cache) =>
      cache.addAll(PRECACHE.map((path) => new Request(new URL(path, self.registration.scope), { cache: "no-cache" }))),
    ),
  );
});

self.addEventListener("activate", (event) => {
  event.waitUntil(
    caches
      .keys()
      .then((keys) => Promise.all(keys.filter((k) => k.startsWith("glassbox-") && k !== CACHE).map((k) => caches.delete(k))))
      .then(() => self.clients.claim()),
  );
});

self.addEventListener("message", (event) => {
  if (event.data === "skip-waiting") self.skipWaiting();
});

self.addEventListener("fetch", (event) => {
  const request = event.request;
  if (request.method !== "GET" || !request.url.startsWith(self.registration.scope)) return;
  // Cache first, for the build's own files; a page visit (any path under the
  // scope) gets the cached page. Anything else goes to the network as usual.
  event.respondWith(
    caches.open(CACHE).then(async (cache) => {
      const hit = await cache.match(request, { ignoreSearch: true });
      if (hit) return hit;
      if (request.mode === "navigate") {
        const page = await cache.match(new URL("./", self.registration.scope));
        if (page) return page;
      }
      const response = await fetch(request);
      // A file fetched only when needed is kept for the next time, offline too.
      const name = new URL(request.url).pathname.slice(new URL(self.registration.scope).pathname.length);
      if (response.ok && ON_USE.includes(name)) await cache.put(request, response.clone());
      return response;
    }),
  );
});
