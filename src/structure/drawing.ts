// A drawn structure in compact parameters (what a share link carries, not pixels) and its expansion into a
// per-frame scene: the twin of training/structure/sampling.py `expand_drawing` (parity vectors in
// training/fixtures/structure/parity.json). Key points of the path are spread evenly over the clip, linear between.
import type { SceneObject, ShapeName, StructureScene } from './geometry';

export interface DrawnObject {
  shape: ShapeName;
  extent: number;
  angle?: number;
  /** key points [x, y] in pixels of a size × size canvas (one point: the object stays still) */
  path: [number, number][];
  /** degrees per frame, clockwise */
  spin?: number;
  /** extent ratio per frame */
  grow?: number;
}
export interface Drawing { size: number; frames: number; objects: DrawnObject[] }

// numpy.interp on the uniform grid 0..len−1 (clamped at the ends)
function interp(u: number, ys: number[]): number {
  if (u <= 0) return ys[0];
  const n = ys.length - 1;
  if (u >= n) return ys[n];
  const i = Math.floor(u);
  const f = u - i;
  return ys[i] + f * (ys[i + 1] - ys[i]);
}

export function expandDrawing(d: Drawing): StructureScene {
  const t = d.frames;
  const objects: SceneObject[] = d.objects.map((o) => {
    if (!o.path.length) throw new Error('a drawn object needs at least one path point');
    const xs = o.path.map((p) => p[0]), ys = o.path.map((p) => p[1]);
    const center: [number, number][] = [];
    const extent: number[] = [], angle: number[] = [];
    for (let f = 0; f < t; f++) {
      // np.linspace(0, n − 1, t)[f]
      const u = o.path.length === 1 ? 0 : t === 1 ? 0 : (f * (o.path.length - 1)) / (t - 1);
      center.push([interp(u, xs), interp(u, ys)]);
      extent.push(o.extent * (o.grow ?? 1) ** f);
      angle.push((o.angle ?? 0) + (o.spin ?? 0) * f);
    }
    return { shape: o.shape, center, extent, angle };
  });
  return { size: d.size, frames: t, objects };
}
