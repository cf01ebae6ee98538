// "About this device": the WebGPU adapter (or why there is none) and cross-origin isolation.
import { acquireGpu, adapterLabel, webGpuMissingReason, type AdapterSummary } from '../gpu/device';
import { byId } from './dom';

export interface GpuInfo {
  available: boolean;
  label: string;
  fallback: boolean;
  reason?: string;
}

export async function describeGpu(): Promise<GpuInfo> {
  const statusEl = byId('gpu-status');
  const detailsEl = byId('gpu-details');
  const addDetail = (term: string, value: string) => {
    const dt = document.createElement('dt');
    dt.textContent = term;
    const dd = document.createElement('dd');
    dd.textContent = value;
    detailsEl.append(dt, dd);
  };
  const show = (s: AdapterSummary) => {
    statusEl.textContent = `WebGPU adapter: ${adapterLabel(s)}`;
    statusEl.dataset.state = 'ok';
    addDetail('Fallback (software) adapter', s.isFallbackAdapter ? 'yes — generation will prefer the WASM backend' : 'no');
    addDetail('Features', s.features.join(', ') || 'none');
    addDetail('Max storage buffer', `${Math.round(s.maxStorageBufferBindingSize / 2 ** 20)} MiB`);
    addDetail('Cross-origin isolated (WASM threads)', String(globalThis.crossOriginIsolated));
    addDetail('CPU threads reported', String(navigator.hardwareConcurrency ?? 'unknown'));
    detailsEl.hidden = false;
  };
  try {
    const { summary, device } = await acquireGpu();
    show(summary);
    device.destroy();
    return { available: true, label: adapterLabel(summary), fallback: summary.isFallbackAdapter };
  } catch (err) {
    const reason = err instanceof Error ? err.message : String(err);
    statusEl.textContent = `WebGPU unavailable: ${reason}. The WASM backend will be used.`;
    statusEl.dataset.state = 'unavailable';
    return { available: false, label: '', fallback: false, reason: webGpuMissingReason() ?? reason };
  }
}
