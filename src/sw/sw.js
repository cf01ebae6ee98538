// Service worker of the playground (production builds; vite.config.ts injects the precache list and writes it to
// dist/sw.js). Three jobs:
// 1. Offline: the app shell (every same-origin file of the build except model folders) is precached on install, so
//    after one visit the page loads with the network off. Other same-origin GETs go to the network first and are
//    kept in a runtime cache as an offline fallback. Model files (models/**) are never touched: the IndexedDB model
//    cache (src/models/idb-file-cache.ts) is where they live offline, and a second copy here would store every model
//    twice. Entries an older version of this worker kept under models/ are deleted on activation. Cross-origin
//    requests are never touched.
// 2. Cross-origin isolation on static hosts that cannot send COOP/COEP: every response it serves gets
//    Cross-Origin-Opener-Policy / -Embedder-Policy / -Resource-Policy headers (the "COI service worker" pattern), so
//    ORT's WASM backend can use threads (SharedArrayBuffer). src/app/coi.ts reloads the page once to get them.
// 3. The page's CSP for the engine worker: a dedicated worker does not inherit the page's meta policy, it takes the
//    CSP of its own script response, which a static host does not send. Same-origin responses it serves to a worker
//    (or a document) get the page's policy (vite.config.ts injects it from index.html) as a header.
const PRECACHE = self.__OSP_PRECACHE__ ?? { version: 'dev', files: [] };
const SHELL_CACHE = `osp-shell-${PRECACHE.version}`;
const RUNTIME_CACHE = 'osp-runtime-v1';
const CSP = self.__OSP_CSP__ ?? null;
const CSP_DESTINATIONS = new Set(['worker', 'sharedworker', 'document']);

const scopeUrl = () => new URL(self.registration.scope);
const isModelFile = (url) => url.origin === self.location.origin && url.pathname.startsWith(new URL('models/', scopeUrl()).pathname);

self.addEventListener('install', (event) => {
  event.waitUntil(
    (async () => {
      const cache = await caches.open(SHELL_CACHE);
      const scope = scopeUrl();
      await cache.addAll(PRECACHE.files.map((f) => new Request(new URL(f, scope), { cache: 'reload' })));
      await self.skipWaiting();
    })(),
  );
});

self.addEventListener('activate', (event) => {
  event.waitUntil(
    (async () => {
      for (const name of await caches.keys()) {
        if (name.startsWith('osp-shell-') && name !== SHELL_CACHE) await caches.delete(name);
        else if (name.startsWith('osp-')) {
          const cache = await caches.open(name);
          for (const r of await cache.keys()) if (isModelFile(new URL(r.url))) await cache.delete(r);
        }
      }
      await self.clients.claim();
    })(),
  );
});

function isolate(res, request) {
  if (!res || res.status === 0 || res.type === 'opaque' || res.type === 'opaqueredirect') return res;
  const headers = new Headers(res.headers);
  headers.set('Cross-Origin-Opener-Policy', 'same-origin');
  headers.set('Cross-Origin-Embedder-Policy', 'require-corp');
  headers.set('Cross-Origin-Resource-Policy', 'same-origin');
  // Appended, not set: a host's own policy stays in force too (the browser enforces every policy it gets).
  if (CSP && CSP_DESTINATIONS.has(request.destination) && headers.get('Content-Security-Policy') !== CSP) headers.append('Content-Security-Policy', CSP);
  return new Response(res.body, { status: res.status, statusText: res.statusText, headers });
}

async function fromShell(request) {
  const cache = await caches.open(SHELL_CACHE);
  return cache.match(request, { ignoreSearch: request.mode === 'navigate', ignoreVary: true });
}

async function handle(event) {
  const request = event.request;
  if (request.mode === 'navigate') {
    try {
      return isolate(await fetch(request), request);
    } catch (e) {
      const cache = await caches.open(SHELL_CACHE);
      const page = (await cache.match(new URL('index.html', scopeUrl()), { ignoreVary: true })) ?? (await cache.match(scopeUrl(), { ignoreVary: true }));
      if (page) return isolate(page, request);
      throw e;
    }
  }
  const shell = await fromShell(request);
  if (shell) return isolate(shell, request);
  try {
    const res = await fetch(request);
    if (res.ok && res.status === 200) {
      const copy = res.clone();
      event.waitUntil(caches.open(RUNTIME_CACHE).then((c) => c.put(request, copy)).catch(() => undefined));
    }
    return isolate(res, request);
  } catch (e) {
    const cached = await caches.match(request, { ignoreVary: true });
    if (cached) return isolate(cached, request);
    throw e;
  }
}

self.addEventListener('fetch', (event) => {
  const request = event.request;
  if (request.method !== 'GET') return;
  const url = new URL(request.url);
  if (url.origin !== self.location.origin) return; // same-origin only
  if (isModelFile(url)) return; // straight to the network: IndexedDB is the model cache
  if (request.cache === 'only-if-cached' && request.mode !== 'same-origin') return;
  if (request.headers.has('range')) return; // let the browser handle partial requests (media seeking)
  event.respondWith(handle(event));
});
