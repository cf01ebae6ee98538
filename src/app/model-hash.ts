// The identity of a model's bytes for share links: SHA-256 over the manifest's file list ("path sha256\n" lines,
// sorted by path). Every weight file's own sha256 is in the manifest, so two manifests with the same hash load the
// same bytes, whatever the JSON formatting or the descriptive fields.
import type { ModelManifest } from '../models/manifest';

export function modelIdentityText(m: Pick<ModelManifest, 'files'>): string {
  return [...m.files]
    .sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0))
    .map((f) => `${f.path} ${f.sha256}\n`)
    .join('');
}

export async function modelHash(m: Pick<ModelManifest, 'files'>): Promise<string> {
  const digest = await crypto.subtle.digest('SHA-256', new TextEncoder().encode(modelIdentityText(m)));
  return [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, '0')).join('');
}
