// The one rule for "a file inside the model folder", used by the manifest parser, the file loader (page and worker),
// the CLI and — as a twin — training/export_manifest.py. A manifest is untrusted: a literal check alone is not enough,
// because the URL parser decodes `%2e%2e` into `..` and drops tabs and newlines (`\t/\t/host/x` becomes `//host/x`).
// So each path is resolved with the URL parser against the folder and must (1) stay on the folder's origin, (2) stay
// under the folder's path, and (3) come back unchanged once decoded — any normalisation means the URL is not the
// file the manifest names.

export const MODEL_ID_PATTERN = /^[a-z0-9][a-z0-9._-]{0,63}$/i;
export const MAX_MODEL_PATH_CHARS = 512;
/** Resolved against this when no real folder is at hand (the parser, the CLI): the rule does not depend on it. */
const PROBE_FOLDER = 'https://model.invalid/models/m/';

/** Why `path` is not a file inside `folder` (null = it is). `folder` must end with '/'. */
export function modelPathProblem(path: unknown, folder: string | URL = PROBE_FOLDER): string | null {
  if (typeof path !== 'string' || path.length === 0) return 'must be a non-empty string';
  if (path.length > MAX_MODEL_PATH_CHARS) return `is longer than ${MAX_MODEL_PATH_CHARS} characters`;
  // Whitespace and control characters are dropped or escaped by the URL parser; '%' and '\' are decoded or turned
  // into '/' by it; '?' and '#' end the path. No exported file needs any of them.
  if (/[\u0000-\u0020\u007f-\u009f%\\?#]/.test(path)) return 'contains a character a model file name never has (whitespace, control, %, \\, ? or #)';
  const segments = path.split('/');
  if (segments.some((s) => s === '' || s === '.' || s === '..')) return 'must be a relative path without empty, "." or ".." parts';
  if (/^[a-z][a-z0-9+.-]*:/i.test(path)) return 'must be a relative path, not an address';
  const base = new URL(folder);
  if (!base.pathname.endsWith('/')) return `the model folder ${base.href} does not end with "/"`;
  let url: URL;
  try {
    url = new URL(path, base);
  } catch {
    return 'is not a valid relative URL';
  }
  if (url.origin !== base.origin) return 'leaves the model folder (another origin)';
  if (url.search || url.hash || !url.pathname.startsWith(base.pathname)) return 'leaves the model folder';
  let rest: string;
  try {
    rest = decodeURIComponent(url.pathname.slice(base.pathname.length));
  } catch {
    return 'does not decode to a file name';
  }
  if (rest !== path) return 'changes when the URL parser reads it, so it may not be the file it names';
  return null;
}

/** The URL of `path` inside `folder`; throws (message names the path) when the rule above refuses it. */
export function modelFileUrl(folder: string | URL, path: string): URL {
  const problem = modelPathProblem(path, folder);
  if (problem) throw new ModelPathError(`file path ${JSON.stringify(String(path).slice(0, 80))} ${problem}`);
  return new URL(path, folder);
}

/** The manifest URL of model `id` under `modelsBase` (a folder URL ending with '/'): ids follow the same rule. */
export function modelManifestUrl(modelsBase: string | URL, id: string): URL {
  if (!MODEL_ID_PATTERN.test(id)) throw new ModelPathError(`invalid model id ${JSON.stringify(String(id).slice(0, 80))}`);
  return modelFileUrl(modelsBase, `${id}/manifest.json`);
}

export class ModelPathError extends Error {
  override name = 'ModelPathError';
}
