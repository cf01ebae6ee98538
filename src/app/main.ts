import { acquireGpu, adapterLabel, type AdapterSummary } from '../gpu/device';

const statusEl = document.getElementById('gpu-status')!;
const detailsEl = document.getElementById('gpu-details')!;

function addDetail(term: string, value: string): void {
  const dt = document.createElement('dt');
  dt.textContent = term;
  const dd = document.createElement('dd');
  dd.textContent = value;
  detailsEl.append(dt, dd);
}

function showAdapter(s: AdapterSummary): void {
  statusEl.textContent = `WebGPU adapter: ${adapterLabel(s)}`;
  statusEl.dataset.state = 'ok';
  addDetail('Fallback (software) adapter', s.isFallbackAdapter ? 'yes — generation will prefer the WASM backend' : 'no');
  addDetail('Features', s.features.join(', ') || 'none');
  addDetail('Max storage buffer', `${Math.round(s.maxStorageBufferBindingSize / 2 ** 20)} MiB`);
  addDetail('Cross-origin isolated (WASM threads)', String(globalThis.crossOriginIsolated));
  detailsEl.hidden = false;
}

acquireGpu()
  .then(({ summary, device }) => {
    showAdapter(summary);
    device.destroy();
  })
  .catch((err: unknown) => {
    statusEl.textContent = `WebGPU unavailable: ${err instanceof Error ? err.message : String(err)}. The WASM backend will be used.`;
    statusEl.dataset.state = 'unavailable';
  });
