// Where a share link may get model weights from: only this app's own models (models/<id>/ next to the page). A link
// names a model by id; the page never fetches what a link names. A link whose `model` is an address instead of an id
// (http(s)://…, //host/…, data:, javascript:, blob:, file:, a path) is refused with its own message, so a hand-made
// link can never make this page download weights from elsewhere. There is no "load anyway" step: loading external
// weights is not a feature of this app (the CSP's connect-src 'self' would block it too).

/** What kind of address `value` is, or null when it is not an address (a plain model id, valid or not). */
export function addressKind(value: string): string | null {
  const v = value.trim();
  const scheme = /^([a-z][a-z0-9+.-]*):/i.exec(v);
  if (scheme) return `a ${scheme[1].toLowerCase()}: address`;
  if (/^[\\/]{2}/.test(v)) return 'an address on another host';
  if (/[\\/]/.test(v) || /(^|\.)\.\.?$/.test(v) || v.startsWith('..')) return 'a file path';
  return null;
}

/** The link's first `model` value (the parser refuses repeats separately), or null. */
function linkModel(hash: string): string | null {
  const raw = hash.startsWith('#') ? hash.slice(1) : hash;
  try {
    return new URLSearchParams(raw).get('model');
  } catch {
    return null;
  }
}

/** Why this link must be refused because it points at weights outside this app (null = it names a plain id). */
export function externalModelRefusal(hash: string, appOrigin: string): string | null {
  const model = linkModel(hash);
  if (model === null) return null;
  const kind = addressKind(model);
  if (!kind) return null;
  const shown = JSON.stringify(model.length > 48 ? `${model.slice(0, 48)}…` : model);
  return `it asks for model weights from ${kind} (${shown}); this page only loads its own models, from ${appOrigin}`;
}
