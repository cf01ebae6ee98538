// Cross-origin isolation and offline support through the service worker (built from src/sw/sw.js; production builds
// only — the dev server sends COOP/COEP itself). On a static host that cannot send COOP/COEP, the service worker
// adds them to every response it serves; the page reloads once so that it is served by the worker. If isolation
// still fails, the page says so and ORT runs single-threaded.
export type IsolationState =
  | { state: 'isolated'; viaServiceWorker: boolean }
  | { state: 'reloading' }
  | { state: 'single-threaded'; reason: string };

const RELOAD_KEY = 'osp-coi-reload';

export async function setupServiceWorker(): Promise<IsolationState> {
  const isolated = Boolean(globalThis.crossOriginIsolated);
  if (!import.meta.env.PROD) {
    return isolated ? { state: 'isolated', viaServiceWorker: false } : { state: 'single-threaded', reason: 'the dev server did not send COOP/COEP headers' };
  }
  if (!('serviceWorker' in navigator)) {
    return isolated ? { state: 'isolated', viaServiceWorker: false } : { state: 'single-threaded', reason: 'this browser has no service workers, and the host does not send COOP/COEP headers' };
  }
  const registering = navigator.serviceWorker.register(new URL('sw.js', document.baseURI), { scope: './' });
  if (isolated) {
    // Already isolated (headers from the host, or served by our worker): register/update in the background.
    sessionStorage.removeItem(RELOAD_KEY);
    registering.catch(() => undefined);
    return { state: 'isolated', viaServiceWorker: Boolean(navigator.serviceWorker.controller) };
  }
  const fallback = (reason: string): IsolationState => {
    sessionStorage.removeItem(RELOAD_KEY);
    return { state: 'single-threaded', reason };
  };
  // Not isolated: reload once under the worker's control (it adds the headers).
  if (sessionStorage.getItem(RELOAD_KEY)) return fallback('the host does not send COOP/COEP headers and the service worker could not add them');
  let active: boolean;
  try {
    active = await withTimeout(registering.then(waitForActive), 8000);
  } catch (e) {
    return fallback(`the host does not send COOP/COEP headers and the service worker could not be registered (${(e as Error).message})`);
  }
  if (!active) return fallback('the host does not send COOP/COEP headers and the service worker did not start');
  sessionStorage.setItem(RELOAD_KEY, '1');
  location.reload();
  return { state: 'reloading' };
}

function withTimeout<T>(p: Promise<T>, ms: number): Promise<T | false> {
  return Promise.race([p, new Promise<false>((resolve) => setTimeout(() => resolve(false), ms))]);
}

function waitForActive(reg: ServiceWorkerRegistration): Promise<boolean> {
  return new Promise((resolve) => {
    if (reg.active) return resolve(true);
    const sw = reg.installing ?? reg.waiting;
    if (!sw) return resolve(false);
    sw.addEventListener('statechange', () => {
      if (sw.state === 'activated') resolve(true);
      if (sw.state === 'redundant') resolve(false);
    });
  });
}
