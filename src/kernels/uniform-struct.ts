// Typed uniform parameter blocks: one descriptor per WGSL `struct Params`, listing its fields in order. The wrapper
// packs values by field name (no positional word arrays), and a unit test (uniform-struct.test.ts) asserts each
// descriptor's field order, types and byte size against the struct in the kernel's WGSL source.
// GPU-free: Node imports it.

export type WgslScalar = 'u32' | 'i32' | 'f32';

/** Field names of a struct that the caller must set (names starting with `_` are padding, written as 0). */
type Settable<F extends string> = Exclude<F, `_${string}`>;

export class UniformStruct<F extends string> {
  /** Size of the WGSL struct in bytes (all fields are 4-byte scalars). */
  readonly wgslBytes: number;
  /** Size of the uniform buffer: the struct rounded up to whole 16-byte rows. */
  readonly bufferBytes: number;

  constructor(readonly name: string, readonly fields: readonly (readonly [F, WgslScalar])[]) {
    this.wgslBytes = 4 * fields.length;
    this.bufferBytes = Math.max(16, Math.ceil(this.wgslBytes / 16) * 16);
  }

  /** The buffer contents for `values`, zero-padded to bufferBytes; throws on a missing or non-finite field. */
  pack(values: Record<Settable<F>, number>): ArrayBuffer {
    const data = new ArrayBuffer(this.bufferBytes);
    const u32 = new Uint32Array(data);
    const i32 = new Int32Array(data);
    const f32 = new Float32Array(data);
    this.fields.forEach(([name, type], i) => {
      if (name.startsWith('_')) return;
      const v = (values as Record<string, number>)[name];
      if (typeof v !== 'number' || !Number.isFinite(v)) throw new TypeError(`${this.name}.${name}: expected a finite number, got ${v}`);
      if (type === 'f32') f32[i] = v;
      else if (type === 'i32') i32[i] = v;
      else u32[i] = v;
    });
    return data;
  }
}

/** The fields of `struct <name>` in WGSL source, in order (the unit test's view of the shader). */
export function wgslStructFields(source: string, name = 'Params'): [string, string][] {
  const code = source.replace(/\/\/[^\n]*/g, '');
  const m = new RegExp(`struct\\s+${name}\\s*\\{([^}]*)\\}`).exec(code);
  if (!m) throw new Error(`struct ${name} not found`);
  return [...m[1].matchAll(/(\w+)\s*:\s*([\w<>]+)/g)].map((f) => [f[1], f[2]]);
}
