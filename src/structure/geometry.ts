// Sketch outlines and mask silhouettes of shapes-world scenes: the twin of training/structure/geometry.py (the
// renderer's exact signed distance, training/data/shapes_world.py), float64 like the Python side.
export type ShapeName = 'circle' | 'square' | 'triangle' | 'star';
export interface SceneObject { shape: ShapeName; center: [number, number][]; extent: number[]; angle: number[] }
/** Clip-meta geometry: per frame centre (px), extent (px), angle (degrees, clockwise in image coordinates). */
export interface StructureScene { size: number; frames: number; objects: SceneObject[] }
export type GeometryKind = 'sketch' | 'mask';

// shapes_world._star_params / _BASE_ANGLE: star polygons with n points, outer radius R, inner r (unit extent)
function starParams(shape: Exclude<ShapeName, 'circle'>): [number, number, number] {
  if (shape === 'square') { const R = 0.88 / Math.sqrt(2) * 1.0; return [4, R, R * Math.cos(Math.PI / 4)]; }
  if (shape === 'triangle') return [3, 0.6, 0.6 * Math.cos(Math.PI / 3)];
  return [5, 0.6, 0.6 * 0.5];
}
const BASE_ANGLE = { square: Math.PI / 4, triangle: -Math.PI / 2, star: -Math.PI / 2 };

const pyMod = (a: number, m: number) => a - m * Math.floor(a / m); // numpy's mod (sign of the divisor)

function sdfStar(x: number, y: number, n: number, R: number, r: number): number {
  const sector = Math.PI / n;
  const theta = Math.atan2(y, x);
  const rad = Math.hypot(x, y);
  const t = Math.abs(pyMod(theta + sector, 2 * sector) - sector);
  const px = rad * Math.cos(t), py = rad * Math.sin(t);
  const ax = R, ay = 0;
  const bx = r * Math.cos(sector), by = r * Math.sin(sector);
  const ex = bx - ax, ey = by - ay;
  const el2 = ex * ex + ey * ey;
  const h = Math.min(1, Math.max(0, ((px - ax) * ex + (py - ay) * ey) / el2));
  const dx = px - ax - h * ex, dy = py - ay - h * ey;
  const dist = Math.sqrt(dx * dx + dy * dy);
  return ex * (py - ay) - ey * (px - ax) > 0 ? -dist : dist;
}

/** Signed distance in pixels (negative inside) of a shape centred at the origin. */
export function shapeSdf(shape: ShapeName, dx: number, dy: number, extent: number, angleRad: number): number {
  if (shape === 'circle') return Math.hypot(dx, dy) - 0.5 * extent;
  const [n, R, r] = starParams(shape);
  const a = angleRad + BASE_ANGLE[shape];
  const c = Math.cos(a), s = Math.sin(a);
  return sdfStar((c * dx + s * dy) / extent, (-s * dx + c * dy) / extent, n, R, r) * extent;
}

/** Float32 [T·S·S] in [0, 1]: sketch = max clip(1 − |d|, 0, 1), mask = max clip(0.5 − d, 0, 1) over objects. */
export function renderStructure(scene: StructureScene, kind: GeometryKind): Float32Array {
  const { size: S, frames: T } = scene;
  const out = new Float64Array(T * S * S);
  for (const o of scene.objects) {
    for (let t = 0; t < T; t++) {
      const [cx, cy] = o.center[t];
      const ext = o.extent[t], ang = o.angle[t] * Math.PI / 180;
      for (let y = 0; y < S; y++) for (let x = 0; x < S; x++) {
        const d = shapeSdf(o.shape, x + 0.5 - cx, y + 0.5 - cy, ext, ang);
        const v = kind === 'sketch' ? Math.min(1, Math.max(0, 1 - Math.abs(d))) : Math.min(1, Math.max(0, 0.5 - d));
        const i = (t * S + y) * S + x;
        if (v > out[i]) out[i] = v;
      }
    }
  }
  return Float32Array.from(out);
}
