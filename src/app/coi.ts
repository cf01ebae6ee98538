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
  let reg: ServiceWorkerRegistration;
  try {
    reg = await navigator.serviceWorker.register(new URL('sw.js', document.baseURI), { scope: './' });
  } catch (e) {
    return isolated
      ? { state: 'isolated', viaServiceWorker: false }
      : { state: 'single-threaded', reason: `the service worker could not be registered (${(e as Error).message})` };
  }
  if (isolated) {
    sessionStorage.removeItem(RELOAD_KEY);
    return { state: 'isolated', viaServiceWorker: Boolean(navigator.serviceWorker.controller) };
  }
  // Not isolated: reload once under the worker's control (it adds the headers).
  if (sessionStorage.getItem(RELOAD_KEY)) {
    sessionStorage.removeItem(RELOAD_KEY);
    return { state: 'single-threaded', reason: 'the host does not send COOP/COEP headers and the service worker could not add them' };
  }
  await waitForActive(reg);
  sessionStorage.setItem(RELOAD_KEY, '1');
  location.reload();
  return { state: 'reloading' };
}

function waitForActive(reg: ServiceWorkerRegistration): Promise<void> {
  return new Promise((resolve) => {
    if (reg.active) return resolve();
    const sw = reg.installing ?? reg.waiting;
    if (!sw) return resolve();
    sw.addEventListener('statechange', () => {
      if (sw.state === 'activated' || sw.state === 'redundant') resolve();
    });
  });
}
