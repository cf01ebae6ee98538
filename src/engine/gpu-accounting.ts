// Counts every GPUBuffer created on a device and every one destroyed, so leaks show up as numbers (the soak script,
// the e2e leak check). It wraps the *device instance* (not the prototype): ORT's WebGPU EP allocates through the
// device we hand it, so its buffers are counted too, together with our kernels' buffers and uploads.
// A buffer counts as live from createBuffer() until its first destroy() (or until the device is destroyed/lost,
// which frees every buffer of the device).

export interface GpuBufferStats {
  /** Buffers created and not destroyed. */
  liveBuffers: number;
  liveBytes: number;
  /** Totals since tracking began. */
  created: number;
  destroyed: number;
  /** Highest liveBytes seen. */
  peakBytes: number;
}

interface Tracker {
  live: Map<GPUBuffer, number>;
  created: number;
  destroyed: number;
  peakBytes: number;
  liveBytes: number;
}

const trackers = new WeakMap<GPUDevice, Tracker>();

/** Starts counting the buffers of `device` (idempotent). Returns the device for chaining. */
export function trackGpuBuffers(device: GPUDevice): GPUDevice {
  if (trackers.has(device)) return device;
  const t: Tracker = { live: new Map(), created: 0, destroyed: 0, peakBytes: 0, liveBytes: 0 };
  trackers.set(device, t);
  const create = device.createBuffer.bind(device);
  const forget = (b: GPUBuffer) => {
    const size = t.live.get(b);
    if (size === undefined) return;
    t.live.delete(b);
    t.liveBytes -= size;
    t.destroyed++;
  };
  device.createBuffer = (descriptor: GPUBufferDescriptor): GPUBuffer => {
    const b = create(descriptor);
    t.live.set(b, b.size);
    t.liveBytes += b.size;
    t.created++;
    if (t.liveBytes > t.peakBytes) t.peakBytes = t.liveBytes;
    const destroy = b.destroy.bind(b);
    b.destroy = () => {
      forget(b);
      destroy();
    };
    return b;
  };
  // Destroying (or losing) the device frees all its buffers.
  const destroyDevice = device.destroy.bind(device);
  const releaseAll = () => {
    for (const b of [...t.live.keys()]) forget(b);
  };
  device.destroy = () => {
    releaseAll();
    destroyDevice();
  };
  void device.lost.then(releaseAll);
  return device;
}

/** Current counts for a tracked device (zeros for null / untracked). */
export function gpuBufferStats(device: GPUDevice | null | undefined): GpuBufferStats {
  const t = device ? trackers.get(device) : undefined;
  if (!t) return { liveBuffers: 0, liveBytes: 0, created: 0, destroyed: 0, peakBytes: 0 };
  return { liveBuffers: t.live.size, liveBytes: t.liveBytes, created: t.created, destroyed: t.destroyed, peakBytes: t.peakBytes };
}
