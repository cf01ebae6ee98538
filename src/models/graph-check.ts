// Checks a freshly created ORT session against what the engine will feed it (names, ranks, fixed dims), so a model
// file that is valid ONNX and passes its sha256 (a wrong export, a file from another model version listed in a
// hand-edited manifest) fails at load with a clear message — instead of every generation failing deep inside ORT.
import { ModelMismatchError } from '../core/errors';

export { ModelMismatchError };

/** A dimension we require: a number must match a fixed graph dim; a string (symbolic) or null matches anything. */
export type DimSpec = number | string | null;

export interface IoSpec {
  name: string;
  shape?: readonly DimSpec[];
}

export interface GraphIoSpec {
  inputs: readonly IoSpec[];
  outputs: readonly IoSpec[];
}

/** The parts of an ORT InferenceSession the check reads (onnxruntime-web and -node both have them). */
export interface SessionIo {
  readonly inputNames: readonly string[];
  readonly outputNames: readonly string[];
  readonly inputMetadata?: readonly unknown[];
  readonly outputMetadata?: readonly unknown[];
}

function shapeOf(meta: readonly unknown[] | undefined, name: string): readonly (number | string)[] | null {
  const m = meta?.find((x) => (x as { name?: string }).name === name) as { isTensor?: boolean; shape?: readonly (number | string)[] } | undefined;
  return m?.isTensor && Array.isArray(m.shape) && m.shape.length ? m.shape : null;
}

const show = (s: readonly (number | string | null)[]) => `[${s.map((d) => (d === null ? '?' : d)).join(', ')}]`;

function checkShapes(kind: string, label: string, meta: readonly unknown[] | undefined, specs: readonly IoSpec[], problems: string[]): void {
  for (const s of specs) {
    if (!s.shape) continue;
    const got = shapeOf(meta, s.name);
    if (!got) continue; // no shape recorded in the graph: nothing to compare
    if (got.length !== s.shape.length) {
      problems.push(`${kind} ${s.name} has rank ${got.length} ${show(got)}, the engine feeds rank ${s.shape.length} ${show(s.shape)}`);
      continue;
    }
    s.shape.forEach((want, i) => {
      if (typeof want === 'number' && typeof got[i] === 'number' && got[i] !== want) {
        problems.push(`${kind} ${s.name} is ${show(got)}, the engine needs ${show(s.shape!)} (dim ${i}: ${got[i]} ≠ ${want})`);
      }
    });
  }
  void label;
}

/** Throws ModelMismatchError listing every difference between the session and `spec`. */
export function checkGraphIo(session: SessionIo, label: string, spec: GraphIoSpec): void {
  const problems: string[] = [];
  const inputs = new Set(session.inputNames);
  const outputs = new Set(session.outputNames);
  const fed = new Set(spec.inputs.map((s) => s.name));
  for (const s of spec.inputs) if (!inputs.has(s.name)) problems.push(`input ${s.name} is missing`);
  for (const n of session.inputNames) if (!fed.has(n)) problems.push(`it needs an input ${n} the engine does not provide`);
  for (const s of spec.outputs) if (!outputs.has(s.name)) problems.push(`output ${s.name} is missing`);
  checkShapes('input', label, session.inputMetadata, spec.inputs, problems);
  checkShapes('output', label, session.outputMetadata, spec.outputs, problems);
  if (problems.length) {
    const more = problems.length > 4 ? ` (and ${problems.length - 4} more)` : '';
    throw new ModelMismatchError(`${label} does not fit this engine: ${problems.slice(0, 4).join('; ')}${more}. The file matches its sha256, so the manifest lists a graph from another export.`);
  }
}

/** What the streaming VAE decoder feeds its chunk graph (vae_decoder_chunk.json): latent [1, C, t, h, w], flags, states. */
export function vaeChunkIo(schedule: { inputs: readonly string[]; outputs: readonly string[]; states: readonly { input: string; channels?: number }[] }, latentChannels: number): GraphIoSpec {
  const states = new Map(schedule.states.map((s) => [s.input, s]));
  return {
    inputs: schedule.inputs.map((name) => {
      if (name === 'latent') return { name, shape: [1, latentChannels, null, null, null] };
      const st = states.get(name);
      return st?.channels !== undefined ? { name, shape: [1, st.channels, null, null, null] } : { name };
    }),
    outputs: schedule.outputs.map((name) => ({ name })),
  };
}

/** A graph's I/O as export_dit.py records it in dit_graphs.json (`graphs.<name>.inputs/outputs: [{name, shape}]`). */
export function ditGraphIo(rawDitGraphs: unknown, graph: string): GraphIoSpec | null {
  const g = (rawDitGraphs as { graphs?: Record<string, { inputs?: unknown; outputs?: unknown }> } | null)?.graphs?.[graph];
  if (!g || !Array.isArray(g.inputs) || !Array.isArray(g.outputs)) return null;
  const io = (list: unknown[]): IoSpec[] =>
    list.map((x) => {
      const v = x as { name?: unknown; shape?: unknown };
      const shape = Array.isArray(v.shape) && v.shape.every((d) => typeof d === 'number' || typeof d === 'string') ? (v.shape as DimSpec[]) : undefined;
      return { name: String(v.name), ...(shape ? { shape } : {}) };
    });
  return { inputs: io(g.inputs), outputs: io(g.outputs) };
}
