// Every WGSL kernel, one line each: its metadata record (kernel.json: files, layout contract, bench configs; the
// parity cases sit beside it in parity.ts). The kernel bench reads configs from here; registry.test.ts checks that
// each record's files exist in the kernel's folder. Adding a kernel = one folder + one line here.
import addFrames from './add-frames/kernel.json';
import copy from './copy/kernel.json';
import haar from './haar/kernel.json';
import skiparse from './skiparse/kernel.json';

export interface KernelRecord<Bench = unknown> {
  name: string;
  summary: string;
  /** WGSL files of the kernel, in its folder. */
  shaders: string[];
  /** WGSL prepended to each shader, in order (source concatenation: WGSL has no #include). */
  prologue?: string[];
  wrapper: string;
  /** CPU reference (null: the kernel is checked for exact equality instead). */
  reference: string | null;
  /** The real-browser spec, relative to the repository root. */
  e2e: string;
  /** Tensor layout contract with the ONNX graphs around the kernel. */
  layout: string;
  bench: Bench[];
}

export const KERNELS = { skiparse, haar, addFrames, copy } satisfies Record<string, KernelRecord>;
