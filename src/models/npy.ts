// Minimal .npy reader (NumPy format 1.0/2.0, little-endian float32 / float64 / int64, C order) for the upstream
// golden fixtures (../shared/fixtures/upstream-v13, all C-order float32 or int64).
export interface Npy {
  dtype: 'float32' | 'int64' | 'float64';
  shape: number[];
  data: Float32Array | BigInt64Array | Float64Array;
}

export function parseNpy(bytes: Uint8Array): Npy {
  if (bytes[0] !== 0x93 || String.fromCharCode(...bytes.subarray(1, 6)) !== 'NUMPY') throw new Error('not a .npy file');
  const major = bytes[6];
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const hlen = major === 1 ? dv.getUint16(8, true) : dv.getUint32(8, true);
  const hstart = major === 1 ? 10 : 12;
  const header = new TextDecoder().decode(bytes.subarray(hstart, hstart + hlen));
  const descr = /'descr':\s*'([^']+)'/.exec(header)?.[1];
  const fortran = /'fortran_order':\s*(True|False)/.exec(header)?.[1];
  const shapeStr = /'shape':\s*\(([^)]*)\)/.exec(header)?.[1];
  if (!descr || !fortran || shapeStr === undefined) throw new Error(`bad .npy header ${header}`);
  if (fortran === 'True') throw new Error('Fortran-order .npy is not supported');
  const shape = shapeStr.split(',').map((s) => s.trim()).filter(Boolean).map(Number);
  const n = shape.reduce((a, b) => a * b, 1);
  const off = hstart + hlen;
  const raw = bytes.slice(off).buffer; // copy: aligned
  const kinds: Record<string, Npy['dtype']> = { '<f4': 'float32', '<i8': 'int64', '<f8': 'float64' };
  const dtype = kinds[descr];
  if (!dtype) throw new Error(`unsupported .npy dtype ${descr}`);
  const data = dtype === 'float32' ? new Float32Array(raw, 0, n) : dtype === 'int64' ? new BigInt64Array(raw, 0, n) : new Float64Array(raw, 0, n);
  return { dtype, shape, data };
}
