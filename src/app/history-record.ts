// A history record read back from IndexedDB is untrusted: another version of the app, a manual edit in DevTools or
// a half-migrated store can leave anything under an `item:` key. The page only shows records that have every field
// it reads, so one bad record is skipped (and counted) instead of throwing inside the render and hiding all of them.
import { SHARE_MODES } from './share';

const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const isNum = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);

/** True when `v` has every field of a HistoryItem (history.ts) that the history list, its cards and Open/Download/Copy link read. */
export function isHistoryRecord(v: unknown): boolean {
  if (!isObj(v) || typeof v.id !== 'string' || !v.id || !isNum(v.createdAt) || !isNum(v.mp4Bytes)) return false;
  if (!(v.thumb === null || v.thumb instanceof Blob) || !isObj(v.meta)) return false;
  const p = v.params;
  if (!isObj(p) || typeof p.prompt !== 'string' || typeof p.negativePrompt !== 'string' || typeof p.modelId !== 'string' || typeof p.modelHash !== 'string') return false;
  if (!(SHARE_MODES as readonly unknown[]).includes(p.mode)) return false;
  for (const k of ['seed', 'steps', 'cfgScale', 'frames', 'width', 'height']) if (!isNum(p[k])) return false;
  for (const k of ['image', 'endImage', 'videoFrames']) if (p[k] !== undefined && !(p[k] instanceof Uint8Array)) return false;
  return true;
}

/** The status line's note about skipped records ('' when none). */
export function unreadableNote(n: number): string {
  return n ? ` ${n} saved item${n > 1 ? 's' : ''} could not be read (damaged or from another version of the app) and ${n > 1 ? 'are' : 'is'} not shown.` : '';
}
