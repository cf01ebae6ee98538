// The playground: model loading, the generate form (text- and image-to-video), live progress, the result, share
// links and the history. Everything the user or a link typed is shown with textContent / form values only.
import { MAX_PROMPT_CHARS } from '../engine/validate';
import { createEngine, type EngineClient } from '../engine/api';
import type { BackendChoice, GenerateProgress, GenerateRequest, GenerationMeta, LoadProgress, LoadResult } from '../engine/types';
import type { PreviewImage } from '../core/image';
import { MODE_NAMES, MODE_TAGS } from '../core/modes';
import { defaultCfgScale, type ModelManifest } from '../models/manifest';
import type { WordTokenizer } from '../text/tokenizer';
import { setupServiceWorker } from './coi';
import { arrowDelta, cropAt, drawCropOverlay, fitInto, keyStep, moveCrop, type Point } from './crop';
import { byId, el, errorText, formatBytes, formatDuration, show } from './dom';
import { describeGpu } from './gpu-info';
import { HistoryError, HistoryStore, newId, type HistoryItem } from './history';
import { unreadableNote } from './history-record';
import { conditioningImage, decodeImage, readPhoto, type ConditioningImage } from './image';
import { modelHash } from './model-hash';
import { externalModelRefusal } from './model-source';
import { fitLinkToModel, verifyLinkImages } from './link-checks';
import { isShareHash, modelMismatch, parseShare, ShareLinkError, shareUrl, type ShareMode, type ShareParams } from './share';
import { thumbnailOf } from './thumb';
import { wireDropZone } from './drop-zone';
import { setupHistoryDelete } from './history-delete';
import { setupResultView } from './result-view';
import { setupConditionInputs, type ConditionInputs, type ConditionKind } from './condition-inputs';
import { setupRefinerPanel } from './refiner-panel';
import { CAMERA_PROMPTS, EXAMPLE_PROMPTS, knownExamples, loadTokenizer, promptWords } from './vocab';
import { cacheDetail, cacheStatusNote, setupModelCachePanel } from './model-cache-panel';
import { fetchManifestOrSaved } from './saved-manifest';
import { memoryPlanPanel } from './memory-plan-panel';
import { generateErrorView, loadErrorView, manifestErrorView } from './error-view';

// `?model=<id>` picks another installed model folder (models/<id>/, e.g. a converted official checkpoint from
// training/convert_official.py); only plain ids, so the page never fetches outside models/.
const MODEL_ID = ((): string => {
  const id = new URLSearchParams(location.search).get('model');
  return id && /^[a-z0-9][a-z0-9._-]*$/i.test(id) ? id : 'osp-v13-tiny';
})();
const DEFAULT_MAX_FRAMES = 129;

// ---------------------------------------------------------------------------------------------------------------
// Elements
const form = byId<HTMLFormElement>('gen-form');
const promptEl = byId<HTMLTextAreaElement>('prompt');
const negativeEl = byId<HTMLTextAreaElement>('negative');
const seedEl = byId<HTMLInputElement>('seed');
const stepsEl = byId<HTMLInputElement>('steps');
const cfgEl = byId<HTMLInputElement>('cfg');
const framesEl = byId<HTMLSelectElement>('frames');
const backendEl = byId<HTMLSelectElement>('backend');
const generateBtn = byId<HTMLButtonElement>('generate');
const formError = byId('form-error');
const modelStatus = byId('model-status');
const modelProgress = byId<HTMLProgressElement>('model-progress');
const modelDetail = byId('model-detail');
const memoryPlan = memoryPlanPanel(modelDetail);
const modelRetry = byId<HTMLButtonElement>('model-retry');
const modelCache = setupModelCachePanel(modelRetry, () => new URL('./', manifestUrl()));
const envStatus = byId('env-status');
const linkNotice = byId('link-notice');
const genProgress = byId<HTMLProgressElement>('gen-progress');
const genStatus = byId('gen-status');
const previewFigure = byId('preview-figure');
const previewCanvas = byId<HTMLCanvasElement>('preview-canvas');
const frameStrip = byId('frame-strip');
const resultFigure = byId('result-figure');
const resultVideo = byId<HTMLVideoElement>('result-video');
const resultCaption = byId('result-caption');
const resultRefined = byId('result-refined');
const resultActions = byId('result-actions');
const resultMeta = byId('result-meta');
const downloadLink = byId<HTMLAnchorElement>('download');
const shareBox = byId('share-box');
const shareInput = byId<HTMLInputElement>('share-url');
const shareStatus = byId('share-status');
const historyStatus = byId('history-status');
const historyList = byId<HTMLUListElement>('history-list');
const historyActions = byId('history-actions');
const retryButton = byId<HTMLButtonElement>('history-save-retry');
const RETRY_LABEL = retryButton.textContent ?? '';
const i2vPanel = byId('i2v-panel');
const i2vSupport = byId('i2v-support');
const imageError = byId('image-error');
const cropArea = byId('crop-area');
const cropCanvas = byId<HTMLCanvasElement>('crop-canvas');
const fitCanvas = byId<HTMLCanvasElement>('fit-canvas');
const fitSummary = byId('fit-summary');
const cropButtons = byId('crop-buttons');
const promptWordsEl = byId('prompt-words');
const refiner = setupRefinerPanel({ prompt: promptEl, after: promptWordsEl, onChange: () => updatePromptWords() });
const sizeEl = byId<HTMLSelectElement>('size');

// ---------------------------------------------------------------------------------------------------------------
// State
interface ModelState {
  manifest: ModelManifest;
  base: URL;
  hash: string;
  tokenizer: WordTokenizer | null;
  loaded: LoadResult | null;
}
interface PhotoState {
  bitmap: ImageBitmap;
  center?: Point;
  fitted: ConditioningImage | null;
  fromLink: boolean;
}
interface ResultState {
  blob: Blob;
  url: string;
  meta: GenerationMeta;
  params: ShareParams;
  /** The history item holding this video, once saved there (or when opened from there). */
  historyId?: string;
}

let engine: EngineClient | null = null;
let model: ModelState | null = null;
let loading = false;
let running = false;
let jobCounter = 0;
let photo: PhotoState | null = null;
let result: ResultState | null = null;
let store: HistoryStore | null = null;
let unsavedItem: { item: HistoryItem; mp4: Blob } | null = null;
let size = { width: 64, height: 64 };
let linkParams: ShareParams | null = null;
let webgpuNote = '';
/** The guidance field follows the mode's default (manifest imageCfgScale) until the user or a link sets it. */
let cfgTouched = false;

// "Image to video" covers the inpainting kinds (first frame, transition, continuation: condition-inputs.ts).
let conditions: ConditionInputs | null = null;
const mode = (): ShareMode => ((form.elements.namedItem('mode') as RadioNodeList).value === 'i2v' ? conditions?.kind() ?? 'i2v' : 't2v');
/** Uses the first frame (i2v, transition). */
const usesPhoto = (m: ShareMode) => m === 'i2v' || m === 'transition';
function setMode(m: ShareMode): void {
  (form.elements.namedItem('mode') as RadioNodeList).value = m === 't2v' ? 't2v' : 'i2v';
  if (m !== 't2v') conditions?.setKind(m);
  updateMode();
}
const framesNow = () => Number(framesEl.value) || 1;
const syncConditionTarget = () => conditions?.setTarget({ width: size.width, height: size.height, frames: framesNow() });

// ---------------------------------------------------------------------------------------------------------------
// Model loading
function setModelState(state: 'loading' | 'ready' | 'missing' | 'error' | 'limited', text: string, detail = ''): void {
  modelStatus.dataset.state = state;
  modelStatus.textContent = text;
  modelDetail.textContent = detail;
  show(modelRetry, state === 'missing' || state === 'error');
  if (state !== 'loading') show(modelProgress, false);
  updateGenerateAvailability();
  updateI2vSupport();
}

/** Graphs whose session the current load has started (the "part n" of the preparing message). */
let preparedGraphs = 0;

function onLoadProgress(p: LoadProgress): void {
  // Progress messages travel on their own port: one may arrive after the load already settled.
  if (p.memoryPlan) memoryPlan.render(p.memoryPlan); // kept after a refusal: the numbers behind it
  if (!loading || modelStatus.dataset.state !== 'loading') return;
  if (p.stage === 'download' && p.download) {
    const d = p.download;
    show(modelProgress, true);
    modelProgress.max = Math.max(1, d.overallTotal);
    modelProgress.value = d.overallLoaded;
    modelProgress.setAttribute('aria-valuetext', `${formatBytes(d.overallLoaded)} of ${formatBytes(d.overallTotal)}`);
    modelStatus.textContent = `${d.phase === 'cached' ? "Loading the model from this browser's cache" : 'Downloading the model'}: ${formatBytes(d.overallLoaded)} of ${formatBytes(d.overallTotal)} (file ${d.fileIndex + 1} of ${d.fileCount}${d.phase === 'verify' ? ', verifying' : ''})`;
  } else if (p.stage === 'session') {
    // Session creation has no byte count: an indeterminate bar and the graph being prepared, not a full bar.
    const graph = /creating (\S+) session/.exec(p.message)?.[1];
    if (graph) preparedGraphs++;
    modelProgress.removeAttribute('value');
    modelProgress.removeAttribute('aria-valuetext');
    modelStatus.textContent = graph ? `Preparing the model: ${graph} (part ${preparedGraphs})…` : 'Preparing the model…';
  } else if (p.stage === 'manifest') {
    modelStatus.textContent = 'Reading the model manifest…';
  }
}

function manifestUrl(): URL {
  return new URL(`${import.meta.env.BASE_URL}models/${MODEL_ID}/manifest.json`, location.href);
}

async function loadModel(): Promise<void> {
  if (loading || running) return;
  loading = true;
  preparedGraphs = 0;
  setModelState('loading', 'Loading the model…');
  try {
    if (!model) {
      const url = manifestUrl();
      let manifest: ModelManifest;
      try {
        manifest = await fetchManifestOrSaved(url, await modelCache.cache());
      } catch (e) {
        const view = manifestErrorView(e, MODEL_ID);
        setModelState(view.state, view.status, view.detail);
        return;
      }
      const base = new URL('./', url);
      let tokenizer: WordTokenizer | null = null;
      let vocabNote = '';
      try {
        tokenizer = await loadTokenizer(manifest, base, (await modelCache.cache()) ?? undefined);
      } catch (e) {
        vocabNote = `The vocabulary could not be loaded (${errorText(e)}); unknown words are not marked.`;
      }
      model = { manifest, base, hash: await modelHash(manifest), tokenizer, loaded: null };
      applyDefaults(manifest);
      renderExamples();
      updatePromptWords();
      if (vocabNote) modelDetail.textContent = vocabNote;
    }
    engine ??= createEngine();
    const backend = backendEl.value as BackendChoice;
    const loaded = await engine.load({ manifest: model.manifest, baseUrl: model.base.href }, onLoadProgress, { backend });
    model.loaded = loaded;
    const threads = loaded.wasmThreads > 1 ? `${loaded.wasmThreads} threads` : '1 thread';
    const dit = loaded.ditBackend && loaded.ditBackend !== loaded.backend ? ` The denoiser runs on ${loaded.ditBackend === 'webgpu' ? 'WebGPU' : 'WASM'}.` : '';
    const detail = `Backend: ${loaded.backend === 'webgpu' ? 'WebGPU' : `WASM (${threads})`} — ${loaded.backendReason}.${dit} ${formatBytes(loaded.bytesLoaded)} loaded.${cacheDetail(loaded.cache)}`;
    if (!loaded.capabilities.generate) {
      setModelState('limited', `${loaded.name} is loaded, but it cannot generate yet: its denoiser is not bundled.`, detail);
    } else {
      setModelState('ready', `${loaded.name} is ready.${cacheStatusNote(loaded.cache)}`, detail);
    }
    backendHelp();
    updateMode();
    checkLinkModel();
    void modelCache.refresh();
  } catch (e) {
    const view = loadErrorView(e, MODEL_ID);
    if (view.engineCrashed) engine = null;
    setModelState(view.state, view.status, view.detail);
  } finally {
    loading = false;
    updateGenerateAvailability();
  }
}

/** The frame counts the model makes: 1 + temporal·k up to its maxFrames. */
function frameOptionsOf(m: ModelManifest): number[] {
  const out: number[] = [];
  for (let f = 1; f <= (m.limits?.maxFrames ?? DEFAULT_MAX_FRAMES); f += m.vae.temporalCompression) out.push(f);
  return out;
}

function applyDefaults(m: ModelManifest): void {
  const d = m.defaults;
  size = { width: d.width, height: d.height };
  framesEl.replaceChildren();
  for (const f of frameOptionsOf(m)) {
    const seconds = f / d.fps;
    framesEl.append(el('option', { text: f === 1 ? '1 (a still image)' : `${f} (${seconds.toFixed(1)} s)`, attrs: { value: String(f) } }));
  }
  stepsEl.max = String(Math.min(1000, m.limits?.maxSteps ?? 200));
  // Several trained sizes: let the user pick one (a single size needs no control).
  const sizes = m.limits?.sizes?.length ? m.limits.sizes : [{ width: d.width, height: d.height }];
  sizeEl.replaceChildren(...sizes.map((z) => el('option', { text: `${z.width}×${z.height}`, attrs: { value: `${z.width}x${z.height}` } })));
  show(byId('size-field'), sizes.length > 1);
  setSize(size);
  if (linkParams) {
    fillForm(linkParams);
  } else {
    stepsEl.value = String(d.steps);
    cfgEl.value = String(defaultCfgScale(d, mode()));
    cfgTouched = false;
    setFrames(d.frames);
    if (!negativeEl.value) negativeEl.value = d.negativePrompt;
  }
  if (photo) {
    drawCrop();
    void refit();
  }
}


function setSize(z: { width: number; height: number }): void {
  const v = `${z.width}x${z.height}`;
  if (![...sizeEl.options].some((o) => o.value === v)) sizeEl.append(el('option', { text: `${z.width}×${z.height}`, attrs: { value: v } }));
  sizeEl.value = v;
  size = { width: z.width, height: z.height };
  syncConditionTarget();
}

function setFrames(f: number): void {
  if (![...framesEl.options].some((o) => o.value === String(f))) framesEl.append(el('option', { text: String(f), attrs: { value: String(f) } }));
  framesEl.value = String(f);
  syncConditionTarget();
}

function backendHelp(): void {
  const help = byId('backend-help');
  const loaded = model?.loaded;
  help.textContent = webgpuNote || (loaded ? `Using ${loaded.backend === 'webgpu' ? 'WebGPU' : 'WASM'}.` : '');
}

function updateGenerateAvailability(): void {
  if (running) {
    generateBtn.disabled = false;
    return;
  }
  const can = Boolean(model?.loaded?.capabilities.generate) && !loading;
  generateBtn.disabled = !can;
  generateBtn.title = can ? '' : loading ? 'The model is loading' : 'The model is not available';
}

// ---------------------------------------------------------------------------------------------------------------
// Form
function readForm(): ShareParams {
  const seedText = seedEl.value.trim();
  if (!/^(0|[1-9][0-9]{0,15})$/.test(seedText) || !Number.isSafeInteger(Number(seedText))) throw new Error('The seed must be a whole number from 0 to 9007199254740991.');
  const steps = Number(stepsEl.value);
  const maxSteps = Number(stepsEl.max) || 200;
  if (!Number.isInteger(steps) || steps < 1 || steps > maxSteps) throw new Error(`Steps must be a whole number from 1 to ${maxSteps}.`);
  const cfgScale = Number(cfgEl.value);
  if (cfgEl.value.trim() === '' || !Number.isFinite(cfgScale) || cfgScale < 0 || cfgScale > 50) throw new Error('Guidance (CFG) must be a number from 0 to 50.');
  const frames = Number(framesEl.value);
  if (!Number.isInteger(frames) || frames < 1) throw new Error('Choose a number of frames.');
  return {
    modelId: model?.manifest.id ?? MODEL_ID,
    modelHash: model?.hash ?? '0'.repeat(64),
    mode: mode(),
    prompt: promptEl.value,
    negativePrompt: negativeEl.value,
    seed: Number(seedText),
    steps,
    cfgScale,
    frames,
    width: size.width,
    height: size.height,
    ...(usesPhoto(mode()) && photo?.fitted ? { image: photo.fitted.png } : {}),
    ...(mode() !== 't2v' && conditions ? conditions.shareFields(mode() as ConditionKind) : {}),
    ...refiner.shareFields(),
  };
}

function fillForm(p: ShareParams): void {
  promptEl.value = p.prompt;
  negativeEl.value = p.negativePrompt;
  seedEl.value = String(p.seed);
  stepsEl.value = String(p.steps);
  cfgEl.value = String(p.cfgScale);
  cfgTouched = true;
  setFrames(p.frames);
  setSize({ width: p.width, height: p.height });
  setMode(p.mode);
  refiner.pin(p);
  updatePromptWords();
}

function randomSeed(): number {
  const a = new Uint32Array(1);
  crypto.getRandomValues(a);
  return a[0];
}

function updatePromptWords(): void {
  refiner.render();
  const pw = promptWords(refiner.modelPrompt(), model?.tokenizer ?? null); // what the model gets: refined or as written
  if (model?.tokenizer) pw.unknown = refiner.unknownWords() ?? pw.unknown; // refined: the words it left out
  promptWordsEl.replaceChildren();
  if (!model?.tokenizer) {
    promptWordsEl.textContent = model ? 'This model has no word list: any words are accepted.' : '';
    return;
  }
  if (!pw.words.length) {
    promptWordsEl.textContent = 'An empty prompt makes an unconditional video.';
    return;
  }
  if (!pw.unknown.length) {
    promptWordsEl.append(el('span', { class: 'ok', text: `All ${pw.words.length} words are known to the model.` }));
  } else {
    promptWordsEl.append(`The model does not know ${pw.unknown.length === 1 ? 'this word (it is ignored)' : 'these words (they are ignored)'}: `);
    pw.unknown.forEach((w, i) => {
      if (i) promptWordsEl.append(' ');
      promptWordsEl.append(el('mark', { class: 'unknown', text: w }));
    });
  }
  if (pw.truncated) promptWordsEl.append(el('span', { class: 'warn-text', text: ` The last ${pw.truncated} word${pw.truncated > 1 ? 's are' : ' is'} past the model's limit and dropped.` }));
}

function chip(text: string, onClick: () => void): HTMLButtonElement {
  const b = el('button', { class: 'chip', text, attrs: { type: 'button' } });
  b.addEventListener('click', onClick);
  return b;
}

function renderExamples(): void {
  const tok = model?.tokenizer ?? null;
  const words = tok ? tok.tokens.filter((t) => !/^<.*>$/.test(t)) : [];
  show(byId('vocab'), words.length > 0);
  byId('vocab-summary').textContent = `All ${words.length} words the model knows`;
  byId('vocab-words').textContent = words.join(' · ');
  byId('example-chips').replaceChildren(
    ...knownExamples(EXAMPLE_PROMPTS, tok).map((p) =>
      chip(p, () => {
        promptEl.value = p;
        updatePromptWords();
        promptEl.focus();
      }),
    ),
  );
  byId('camera-chips').replaceChildren(
    ...knownExamples(CAMERA_PROMPTS, tok).map((p) =>
      chip(p, () => {
        const cur = promptEl.value.trim();
        const stripped = CAMERA_PROMPTS.reduce((s, c) => s.replace(new RegExp(`(,\\s*)?${c}$`), ''), cur).trim();
        promptEl.value = stripped ? `${stripped}, ${p}` : p;
        updatePromptWords();
      }),
    ),
  );
}

function updateMode(): void {
  const i2v = mode() !== 't2v';
  if (!cfgTouched && model) cfgEl.value = String(defaultCfgScale(model.manifest.defaults, mode()));
  show(i2vPanel, i2v);
  updateI2vSupport();
}

/** The note under the image-to-video panel; follows the model's state (loading, failed, loaded without support). */
function updateI2vSupport(): void {
  const i2v = mode() !== 't2v';
  const can = model?.loaded?.capabilities.imageToVideo;
  if (i2v && model?.loaded && !can) {
    i2vSupport.textContent = `The loaded model (${model.loaded.name}) cannot do image-to-video yet: you can prepare the photo and share the link, but Generate will not run in this mode.`;
    show(i2vSupport, true);
  } else if (i2v && !model?.loaded) {
    i2vSupport.textContent =
      modelStatus.dataset.state === 'loading'
        ? 'Image-to-video needs the model, which is still loading: add a photo meanwhile.'
        : 'Image-to-video needs the model, and it could not be loaded (see the model status above).';
    show(i2vSupport, true);
  } else {
    show(i2vSupport, false);
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Image-to-video: photo in, crop, fitted preview
let refitTimer = 0;
let refitSeq = 0;

async function setPhoto(blob: Blob): Promise<void> {
  imageError.textContent = '';
  try {
    const bitmap = await readPhoto(blob);
    photo?.bitmap.close();
    photo = { bitmap, fitted: null, fromLink: false };
    if (!usesPhoto(mode())) setMode('i2v'); // a photo means image-to-video (a transition keeps its kind)
    drawCrop();
    await refit();
  } catch (e) {
    imageError.textContent = errorText(e);
  }
}

function drawCrop(): void {
  show(cropArea, Boolean(photo));
  show(cropButtons, Boolean(photo));
  if (!photo) return;
  const src = { width: photo.bitmap.width, height: photo.bitmap.height };
  const fit = fitInto(src, { width: 480, height: 320 });
  cropCanvas.width = fit.width;
  cropCanvas.height = fit.height;
  const ctx = cropCanvas.getContext('2d')!;
  ctx.drawImage(photo.bitmap, 0, 0, fit.width, fit.height);
  drawCropOverlay(cropCanvas, fit, cropAt(src, size, photo.center));
}

async function refit(): Promise<void> {
  if (!photo) return;
  const seq = ++refitSeq;
  const p = photo;
  if (p.fromLink && p.fitted && p.fitted.rgba.width === size.width && p.fitted.rgba.height === size.height) {
    drawFitted(p.fitted, true);
    return;
  }
  try {
    const fitted = await conditioningImage(p.bitmap, size.width, size.height, p.center);
    if (seq !== refitSeq || photo !== p) return;
    p.fitted = fitted;
    drawFitted(fitted, false);
  } catch (e) {
    imageError.textContent = errorText(e);
  }
}

function drawFitted(fitted: ConditioningImage, fromLink: boolean): void {
  fitCanvas.width = fitted.rgba.width;
  fitCanvas.height = fitted.rgba.height;
  fitCanvas.getContext('2d')!.putImageData(new ImageData(new Uint8ClampedArray(fitted.rgba.data), fitted.rgba.width, fitted.rgba.height), 0, 0);
  fitSummary.textContent = fromLink
    ? `The photo from the link (${fitted.rgba.width}×${fitted.rgba.height}, already the model's size).`
    : `Crop: ${photo?.center ? fitted.report.summary.replace('center crop', 'crop') : fitted.report.summary}.`;
}

/** A model-resolution PNG from a link or the history: used exactly as it is (no re-crop, no re-encode). */
async function setExactPhoto(png: Uint8Array, width: number, height: number): Promise<void> {
  const { bitmap, rgba } = await decodeImage(png, width, height);
  photo?.bitmap.close();
  const report = { sourceWidth: width, sourceHeight: height, crop: { x: 0, y: 0, width, height }, targetWidth: width, targetHeight: height, summary: `${width}×${height} (exact)` };
  photo = { bitmap, fitted: { png, rgba, report }, fromLink: true };
  drawCrop();
  await refit();
}

function scheduleRefit(): void {
  clearTimeout(refitTimer);
  refitTimer = window.setTimeout(() => void refit(), 60);
}

function moveBy(dx: number, dy: number, from?: Point): void {
  if (!photo) return;
  const src = { width: photo.bitmap.width, height: photo.bitmap.height };
  photo.center = moveCrop(src, size, from ?? photo.center, dx, dy);
  drawCrop();
  scheduleRefit();
}

function setupImageInput(): void {
  const fileInput = byId<HTMLInputElement>('image-file');
  wireDropZone(byId('drop-zone'), fileInput, 'image/*', (f) => void setPhoto(f), () => {
    imageError.textContent = 'Drop an image file (PNG, JPEG, WebP, …).';
  });
  document.addEventListener('paste', (e) => {
    const item = [...(e.clipboardData?.items ?? [])].find((i) => i.kind === 'file' && i.type.startsWith('image/'));
    const f = item?.getAsFile();
    if (f) {
      e.preventDefault();
      void setPhoto(f);
    }
  });
  let drag: { x: number; y: number; center: Point } | null = null;
  cropCanvas.addEventListener('pointerdown', (e) => {
    if (!photo) return;
    const r = cropAt({ width: photo.bitmap.width, height: photo.bitmap.height }, size, photo.center);
    drag = { x: e.clientX, y: e.clientY, center: { x: r.x + r.width / 2, y: r.y + r.height / 2 } };
    cropCanvas.setPointerCapture(e.pointerId);
  });
  cropCanvas.addEventListener('pointermove', (e) => {
    if (!drag || !photo) return;
    const scale = cropCanvas.getBoundingClientRect().width / photo.bitmap.width || 1;
    moveBy((e.clientX - drag.x) / scale, (e.clientY - drag.y) / scale, drag.center);
  });
  const end = () => {
    drag = null;
  };
  cropCanvas.addEventListener('pointerup', end);
  cropCanvas.addEventListener('pointercancel', end);
  cropCanvas.addEventListener('keydown', (e) => {
    if (!photo) return;
    const d = arrowDelta(e.key, keyStep({ width: photo.bitmap.width, height: photo.bitmap.height }, e.shiftKey));
    if (!d) return;
    e.preventDefault();
    moveBy(d.x, d.y);
  });
  byId('crop-center').addEventListener('click', () => {
    if (!photo) return;
    photo.center = undefined;
    drawCrop();
    void refit();
  });
  byId('image-clear').addEventListener('click', () => {
    photo?.bitmap.close();
    photo = null;
    fitSummary.textContent = '';
    drawCrop();
  });
}

// ---------------------------------------------------------------------------------------------------------------
// Generation
function setRunning(on: boolean): void {
  running = on;
  generateBtn.textContent = on ? 'Cancel' : 'Generate';
  generateBtn.dataset.state = on ? 'running' : 'idle';
  generateBtn.classList.toggle('danger', on);
  backendEl.disabled = on;
  updateGenerateAvailability();
}

function drawPreview(p: PreviewImage): void {
  const ctx = previewCanvas.getContext('2d');
  if (!ctx) return;
  if (previewCanvas.width !== p.width * p.frames || previewCanvas.height !== p.height) {
    previewCanvas.width = p.width * p.frames;
    previewCanvas.height = p.height;
  }
  const plane = p.width * p.height * 4;
  for (let f = 0; f < p.frames; f++) {
    ctx.putImageData(new ImageData(new Uint8ClampedArray(p.data.subarray(f * plane, (f + 1) * plane)), p.width, p.height), f * p.width, 0);
  }
  show(previewFigure, true);
}

const genAnnounce = byId('gen-announce');
let lastStage = '';

/** The visible status changes every step; screen readers only hear stage changes (one polite message each). */
function announce(stage: string, text: string): void {
  if (stage === lastStage) return;
  lastStage = stage;
  genAnnounce.textContent = text;
}

function setProgress(value: number, text: string): void {
  show(genProgress, true);
  genProgress.value = Math.min(1, Math.max(0, value));
  genProgress.setAttribute('aria-valuetext', text);
  genStatus.textContent = text;
}

function onGenerateProgress(job: number, p: GenerateProgress): void {
  if (job !== jobCounter || !running) return;
  const eta = p.etaMs !== undefined && p.etaMs > 0 ? ` · ${p.etaMs < 1000 ? formatDuration(p.etaMs) : `about ${formatDuration(p.etaMs)}`} left` : '';
  if (p.stage === 'denoise' && p.totalSteps) announce('denoise', `Denoising, ${p.totalSteps} steps${eta}.`);
  else if (p.stage === 'decode') announce('decode', 'Decoding the frames.');
  if (p.stage === 'text' && p.message) setProgress(0.02, 'Preparing the video encoder for the first time (once per visit)…');
  else if (p.stage === 'text') setProgress(0.02, 'Reading the prompt…');
  else if (p.stage === 'denoise' && p.step && p.totalSteps) {
    setProgress(0.05 + (0.8 * p.step) / p.totalSteps, `Denoising: step ${p.step} of ${p.totalSteps}${eta}`);
    genStatus.dataset.step = String(p.step);
  } else if (p.stage === 'decode' && p.chunk) {
    const c = p.chunk;
    const done = c.firstFrame + c.frames;
    markFrames(c.firstFrame, done, c.totalFrames, p.thumbnails);
    setProgress(0.85 + (0.13 * done) / c.totalFrames, `Decoding: frames 1–${done} of ${c.totalFrames} ready${eta}`);
  } else if (p.stage === 'decode') setProgress(0.85, `Decoding frames…${eta}`);
  else if (p.stage === 'mux') setProgress(0.99, 'Writing the MP4…');
  if (p.preview) drawPreview(p.preview);
}

/** One cell per output frame; a cell shows its frame's thumbnail as soon as the VAE chunk holding it is decoded. */
function markFrames(from: number, to: number, total: number, thumbs?: PreviewImage): void {
  if (frameStrip.childElementCount !== total) {
    frameStrip.replaceChildren(...Array.from({ length: total }, (_, i) => el('canvas', { class: 'cell', attrs: { title: `frame ${i + 1}` } })));
  }
  show(frameStrip, true);
  const plane = thumbs ? thumbs.width * thumbs.height * 4 : 0;
  for (let i = from; i < to && i < total; i++) {
    const cell = frameStrip.children[i] as HTMLCanvasElement;
    cell.classList.add('done');
    const f = i - from;
    if (!thumbs || f >= thumbs.frames) continue;
    cell.width = thumbs.width;
    cell.height = thumbs.height;
    const px = new Uint8ClampedArray(thumbs.data.subarray(f * plane, (f + 1) * plane));
    cell.getContext('2d')?.putImageData(new ImageData(px, thumbs.width, thumbs.height), 0, 0);
  }
  frameStrip.setAttribute('aria-label', `${to} of ${total} frames decoded`);
  frameStrip.dataset.decoded = String(to);
}

async function generate(): Promise<void> {
  formError.textContent = '';
  let params: ShareParams;
  try {
    params = readForm();
  } catch (e) {
    formError.textContent = errorText(e);
    return;
  }
  const loaded = model?.loaded;
  if (!engine || !model || !loaded) {
    formError.textContent = 'The model is not loaded, so nothing can be generated yet.';
    return;
  }
  if (params.mode !== 't2v') {
    if (!loaded.capabilities.imageToVideo) {
      formError.textContent = `Image-to-video is not supported by the loaded model (${loaded.name}) yet. Switch to “${MODE_NAMES.t2v}”, or keep the settings and share the link.`;
      return;
    }
    if (usesPhoto(params.mode) && !photo?.fitted) {
      formError.textContent = params.mode === 'transition' ? 'Add the first frame first (drop, paste or choose a photo).' : 'Add a photo first (drop, paste or choose one).';
      return;
    }
    const missing = conditions?.missing(params.mode);
    if (missing) {
      formError.textContent = missing;
      return;
    }
  }
  const request: GenerateRequest = {
    modelId: model.manifest.id,
    // A prompt over the limit is refused as typed (the engine says why), never shortened by refining it.
    prompt: params.prompt.length > MAX_PROMPT_CHARS ? params.prompt : (params.refined?.caption ?? params.prompt),
    negativePrompt: params.negativePrompt,
    seed: params.seed,
    steps: params.steps,
    cfgScale: params.cfgScale,
    frames: params.frames,
    width: params.width,
    height: params.height,
    ...(usesPhoto(params.mode) && photo?.fitted ? { image: photo.fitted.rgba } : {}),
    ...(params.mode !== 't2v' && conditions ? conditions.requestFields(params.mode) : {}),
  };
  const job = ++jobCounter;
  setRunning(true);
  frameStrip.replaceChildren();
  show(frameStrip, false);
  show(previewFigure, false);
  setProgress(0, 'Starting…');
  lastStage = '';
  announce('start', 'Generating.');
  try {
    const res = await engine.generate(request, (p) => onGenerateProgress(job, p));
    showResult(res.mp4, res.meta, { ...params, seed: res.meta.seed });
    setProgress(1, `Done in ${formatDuration(res.meta.timings.totalMs)}.`);
    announce('done', `Done: the video is ready (${res.meta.frames} frames).`);
    void saveToHistory();
  } catch (e) {
    const view = generateErrorView(e);
    if (view.kind === 'cancelled') {
      setProgress(0, 'Cancelled.');
      announce('cancelled', 'Cancelled.');
    } else {
      announce('failed', 'Generation failed.');
      setProgress(0, 'Generation failed.');
      formError.textContent = view.text;
      if (view.engineCrashed) {
        engine = null;
        if (model) model.loaded = null;
        setModelState('error', 'The generation engine crashed. Reload the model to continue.', errorText(e));
      }
    }
    show(genProgress, false);
  } finally {
    if (job === jobCounter) setRunning(false);
  }
}

function slug(text: string): string {
  return text.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '').slice(0, 40) || 'video';
}

function showResult(blob: Blob, meta: GenerationMeta, params: ShareParams): void {
  if (result) URL.revokeObjectURL(result.url);
  const url = URL.createObjectURL(blob);
  result = { blob, url, meta, params };
  resultVideo.style.aspectRatio = `${meta.width} / ${meta.height}`;
  resultVideo.src = url;
  void resultVideo.play().catch(() => undefined);
  downloadLink.href = url;
  downloadLink.download = `osp-${slug(params.prompt)}-seed${meta.seed}.mp4`; // the user's words (meta.prompt: what the model got)
  resultCaption.textContent = params.prompt ? `“${params.prompt}”` : '(no prompt)';
  resultRefined.textContent = params.refined ? `Refined: “${params.refined.caption}”` : '';
  resultRefined.hidden = !params.refined;
  const t = meta.timings;
  resultMeta.textContent =
    `seed ${meta.seed} · ${meta.steps} steps · CFG ${meta.cfgScale} · ${meta.frames} frames ${meta.width}×${meta.height} @ ${meta.fps} fps · ` +
    `${meta.backend === 'webgpu' ? 'WebGPU' : 'WASM'} · ${formatBytes(meta.bytes)} ${meta.codec} · ` +
    `total ${formatDuration(t.totalMs)} (prompt ${Math.round(t.textMs)} ms, denoise ${Math.round(t.denoiseMs)} ms, decode ${Math.round(t.decodeMs)} ms)`;
  show(resultFigure, true);
  show(resultActions, true);
  resultView.shown();
}

const resultView = setupResultView({
  video: resultVideo,
  pixelated: byId<HTMLInputElement>('pixelated'),
  upscaleButton: byId<HTMLButtonElement>('download-upscaled'),
  status: byId('upscale-status'),
  current: () => (result ? { mp4: result.blob, fileName: downloadLink.download, width: result.meta.width, height: result.meta.height } : null),
  errorText,
});

/** Empties the Output panel (its video is gone), saying why in the status line. */
function clearResult(why: string): void {
  if (result) URL.revokeObjectURL(result.url);
  result = null;
  resultVideo.removeAttribute('src');
  resultVideo.load();
  show(resultFigure, false);
  show(resultActions, false);
  resultMeta.textContent = '';
  show(genProgress, false);
  genStatus.textContent = why;
}

// ---------------------------------------------------------------------------------------------------------------
// Share links
async function copyLink(params: ShareParams): Promise<void> {
  shareStatus.textContent = '';
  if (!model) {
    show(shareBox, true);
    shareInput.value = '';
    shareStatus.textContent = 'A link needs the model (its id and weights hash), and the model is not available.';
    return;
  }
  if (usesPhoto(params.mode) && !params.image) {
    show(shareBox, true);
    shareInput.value = '';
    shareStatus.textContent = 'Add a photo first: an image-to-video link carries its photo.';
    return;
  }
  const url = shareUrl(location.href, { ...params, modelId: model.manifest.id, modelHash: model.hash });
  try {
    parseShare(new URL(url).hash); // never hand out a link this page would refuse (e.g. a photo too big for a link)
  } catch (e) {
    show(shareBox, true);
    shareInput.value = '';
    shareStatus.textContent = `No link was made: ${errorText(e)}.`;
    return;
  }
  history_replace(url);
  show(shareBox, true);
  shareInput.value = url;
  shareInput.select();
  try {
    await navigator.clipboard.writeText(url);
    shareStatus.textContent = `Link copied (${url.length.toLocaleString()} characters).`;
  } catch {
    shareStatus.textContent = 'Copy the link above (the clipboard is not available here).';
  }
}

function history_replace(url: string): void {
  ignoreHashChange = true;
  window.history.replaceState(null, '', url);
  setTimeout(() => {
    ignoreHashChange = false;
  }, 0);
}

let ignoreHashChange = false;

async function applyLink(hash: string): Promise<void> {
  if (!isShareHash(hash, (id) => document.getElementById(id) !== null)) return;
  linkNotice.replaceChildren();
  try {
    const external = externalModelRefusal(hash, location.origin);
    if (external) throw new ShareLinkError(external);
    const p = parseShare(hash);
    await verifyLinkImages(p); // before anything is filled in: a refused link applies nothing
    linkParams = p;
    fillForm(p);
    if (usesPhoto(p.mode) && p.image) await setExactPhoto(p.image, p.width, p.height);
    await conditions?.applyShare(p);
    linkNotice.dataset.state = 'ok';
    linkNotice.textContent = 'Settings loaded from a shared link. Press Generate to make the video.';
    show(linkNotice, true);
    checkLinkModel();
  } catch (e) {
    linkNotice.dataset.state = 'error';
    const why = e instanceof ShareLinkError ? e.message : `the image in it could not be read (${errorText(e)})`;
    linkNotice.textContent = `This link can’t be used: ${why}.`.replace(/\.\.$/, '.');
    show(linkNotice, true);
  }
}

function checkLinkModel(): void {
  if (!linkParams || !model) return;
  const problems: string[] = [];
  const mismatch = modelMismatch(linkParams, model.manifest.id, model.hash);
  if (mismatch) problems.push(mismatch);
  // Only sizes the model makes (a link must not make this machine render an arbitrary size).
  const d = model.manifest.defaults;
  const allowed = model.manifest.limits?.sizes?.length ? model.manifest.limits.sizes : [{ width: d.width, height: d.height }];
  const { width, height } = linkParams;
  if (!allowed.some((z) => z.width === width && z.height === height)) {
    const z = allowed[0];
    setSize(z);
    if (photo) {
      photo.fromLink = false;
      drawCrop();
      void refit();
    }
    problems.push(`The link asks for ${width}×${height} video, which ${model.manifest.id} does not make: the size was set to ${z.width}×${z.height}.`);
  }
  const range = fitLinkToModel(linkParams, {
    modelId: model.manifest.id,
    maxSteps: Number(stepsEl.max),
    frameOptions: frameOptionsOf(model.manifest),
  });
  if (range.problems.length) {
    stepsEl.value = String(range.steps);
    // fillForm added an option for the link's count (no model was known then): the model's list is the truth now.
    const options = frameOptionsOf(model.manifest).map(String);
    for (const o of [...framesEl.options]) if (!options.includes(o.value)) o.remove();
    setFrames(range.frames);
    problems.push(...range.problems);
  }
  if (problems.length) {
    linkNotice.dataset.state = 'warn';
    linkNotice.textContent = problems.join(' ');
    show(linkNotice, true);
  }
}

// ---------------------------------------------------------------------------------------------------------------
// History
const thumbUrls: string[] = [];

async function openHistory(): Promise<void> {
  try {
    store = await HistoryStore.open();
    await renderHistory();
  } catch (e) {
    store = null;
    historyStatus.dataset.state = 'unavailable';
    historyStatus.textContent = e instanceof HistoryError ? e.message : `History is off: ${errorText(e)}`;
  }
}

async function renderHistory(): Promise<void> {
  if (!store) return;
  let items: HistoryItem[];
  let unreadable: number;
  try {
    ({ items, unreadable } = await store.read());
  } catch (e) {
    historyStatus.textContent = errorText(e);
    return;
  }
  for (const u of thumbUrls.splice(0)) URL.revokeObjectURL(u);
  historyList.replaceChildren(...items.map(historyCard));
  if (!unsavedItem) {
    historyStatus.dataset.state = 'ok';
    historyStatus.textContent = items.length ? `${items.length} video${items.length > 1 ? 's' : ''}, saved in this browser.` : 'Videos you generate are saved here, in this browser only.';
    const est = await navigator.storage?.estimate?.().catch(() => undefined);
    if (est?.usage !== undefined && est.quota) historyStatus.append(` This site uses ${formatBytes(est.usage)} of the ${formatBytes(est.quota)} the browser allows it.`);
    historyStatus.append(unreadableNote(unreadable));
  }
}

function historyCard(item: HistoryItem): HTMLLIElement {
  const p = item.params;
  const thumb = item.thumb ? URL.createObjectURL(item.thumb) : '';
  if (thumb) thumbUrls.push(thumb);
  const img = thumb ? el('img', { attrs: { src: thumb, alt: '' } }) : el('div', { class: 'nothumb', text: 'no preview' });
  const title = el('p', { class: 'card-prompt', text: p.prompt || '(no prompt)' });
  const when = new Date(item.createdAt);
  const meta = el('p', { class: 'muted small', text: `${MODE_TAGS[p.mode] ?? ''}seed ${p.seed} · ${p.steps} steps · ${p.frames} frames · ${when.toLocaleString()}` });
  const btn = (text: string, label: string, fn: () => void) => {
    const b = el('button', { text, attrs: { type: 'button', 'aria-label': `${label}: ${p.prompt || 'no prompt'}` } });
    b.addEventListener('click', fn);
    return b;
  };
  const actions = el(
    'div',
    { class: 'row card-actions' },
    btn('Open', 'Open', () => void openItem(item)),
    btn('Copy link', 'Copy link', () => void copyLink(p)),
    btn('Download', 'Download', () => void downloadItem(item)),
    btn('Delete', 'Delete', () => void deleteItem(item)),
  );
  const li = el('li', { class: 'card' }, img, title, meta, actions);
  li.dataset.id = item.id;
  return li;
}

async function openItem(item: HistoryItem): Promise<void> {
  const mp4 = await store?.mp4(item.id).catch(() => undefined);
  if (!mp4) {
    historyStatus.textContent = 'That video is no longer in the history.';
    return;
  }
  fillForm(item.params);
  if (usesPhoto(item.params.mode) && item.params.image) await setExactPhoto(item.params.image, item.params.width, item.params.height);
  await conditions?.applyShare(item.params);
  showResult(mp4, item.meta, item.params);
  if (result) result.historyId = item.id;
  setProgress(1, 'Opened from the history.');
  resultVideo.scrollIntoView({ block: 'nearest' });
}

async function downloadItem(item: HistoryItem): Promise<void> {
  const mp4 = await store?.mp4(item.id).catch(() => undefined);
  if (!mp4) return;
  const url = URL.createObjectURL(mp4);
  const a = el('a', { attrs: { href: url, download: `osp-${slug(item.params.prompt)}-seed${item.params.seed}.mp4` } });
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

const historyDelete = setupHistoryDelete({
  store: () => store,
  list: historyList,
  notice: byId('history-undo'),
  rerender: renderHistory,
  onDeleted: (id) => {
    if (result?.historyId === id) clearResult('The video shown here was deleted from the history.');
  },
  errorText,
});

function deleteItem(item: HistoryItem): Promise<void> {
  return historyDelete.remove(item);
}

async function saveToHistory(): Promise<void> {
  const r = result;
  if (!r) return;
  if (!store) return; // status already says why
  const item: HistoryItem = {
    id: newId(),
    createdAt: Date.now(),
    params: r.params,
    meta: r.meta,
    thumb: await thumbnailOf(r.blob),
    mp4Bytes: r.blob.size,
  };
  await trySave({ item, mp4: r.blob });
}

async function trySave(entry: { item: HistoryItem; mp4: Blob }): Promise<void> {
  if (!store) return;
  try {
    await store.add(entry.item, entry.mp4);
    if (result?.blob === entry.mp4) result.historyId = entry.item.id;
    unsavedItem = null;
    show(historyActions, false);
    await renderHistory();
  } catch (e) {
    unsavedItem = entry;
    deletedForRoom = 0;
    retryButton.textContent = RETRY_LABEL;
    historyStatus.dataset.state = 'error';
    if (e instanceof HistoryError && e.kind === 'quota') {
      historyStatus.textContent = `${e.message} This video was not saved to the history — it is still shown above and you can download it. Delete the oldest video to make room?`;
      show(historyActions, true);
    } else {
      historyStatus.textContent = `${errorText(e)} This video is still shown above and can be downloaded.`;
    }
  }
}

/** Old videos deleted (one per confirmed click) for the unsaved result; reset once it is saved or replaced. */
let deletedForRoom = 0;

/**
 * The button under a quota error: the first click deletes the one oldest video it names, the list is re-rendered,
 * and the save is tried again. If the save still fails — browsers often report the space of deleted records as used
 * for a while — the button only retries from then on: a click never deletes more than the one video it offered.
 */
async function deleteOldestAndSave(): Promise<void> {
  if (!store || !unsavedItem) return;
  const entry = unsavedItem;
  if (deletedForRoom === 0) {
    try {
      const removed = await store.removeOldest(1);
      if (!removed.length) {
        historyStatus.textContent = 'There is nothing left to delete, and the storage is still full. Free space for this site in the browser settings, or download the video.';
        return;
      }
      deletedForRoom += removed.length;
    } catch (e) {
      historyStatus.textContent = errorText(e);
      return;
    }
    await renderHistory(); // the deleted card goes away now, whatever the save does
  }
  try {
    await store.add(entry.item, entry.mp4, { afterDeleting: true });
  } catch (e) {
    historyStatus.dataset.state = 'error';
    const why = e instanceof HistoryError && e.kind === 'quota'
      ? `The oldest video was deleted, but the browser has not released its space yet, so this video is still not saved (the storage is still full).`
      : `This video could not be saved: ${errorText(e)}`;
    historyStatus.textContent = `${why} It is still shown above and can be downloaded. Nothing else will be deleted: try saving again in a while, or free space for this site in the browser settings.`;
    retryButton.textContent = 'Try saving again';
    return;
  }
  unsavedItem = null;
  deletedForRoom = 0;
  retryButton.textContent = RETRY_LABEL;
  show(historyActions, false);
  await renderHistory();
}

// ---------------------------------------------------------------------------------------------------------------
// Boot
function wire(): void {
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    if (running) {
      generateBtn.textContent = 'Cancelling…';
      void engine?.cancel();
      return;
    }
    void generate();
  });
  byId('dice').addEventListener('click', () => {
    seedEl.value = String(randomSeed());
  });
  byId('copy-link').addEventListener('click', () => {
    formError.textContent = '';
    try {
      void copyLink(readForm());
    } catch (e) {
      formError.textContent = errorText(e);
    }
  });
  byId('result-copy-link').addEventListener('click', () => {
    if (result) void copyLink(result.params);
  });
  promptEl.addEventListener('input', updatePromptWords);
  sizeEl.addEventListener('change', () => {
    const [w, h] = sizeEl.value.split('x').map(Number);
    size = { width: w, height: h };
    syncConditionTarget();
    if (photo) {
      if (photo.fitted && (photo.fitted.rgba.width !== w || photo.fitted.rgba.height !== h)) photo.fromLink = false;
      drawCrop();
      void refit();
    }
  });
  for (const r of form.querySelectorAll<HTMLInputElement>('input[name="mode"]')) r.addEventListener('change', updateMode);
  backendEl.addEventListener('change', () => {
    if (model && !running) void loadModel();
  });
  modelRetry.addEventListener('click', () => {
    model = model?.loaded ? model : null; // re-read the manifest after a failure
    void loadModel();
  });
  byId('history-save-retry').addEventListener('click', () => void deleteOldestAndSave());
  window.addEventListener('hashchange', () => {
    if (!ignoreHashChange) void applyLink(location.hash);
  });
  setupImageInput();
  conditions = setupConditionInputs({ panel: i2vPanel, firstFrame: byId('first-frame-inputs'), before: byId('camera-chips-group'), target: { ...size, frames: framesNow() }, onChange: updateMode });
  framesEl.addEventListener('change', syncConditionTarget);
  cfgEl.addEventListener('input', () => {
    cfgTouched = true;
  });
}

async function boot(): Promise<void> {
  const coi = await setupServiceWorker();
  if (coi.state === 'reloading') return;
  envStatus.textContent =
    coi.state === 'isolated'
      ? `Cross-origin isolated${coi.viaServiceWorker ? ' (through the service worker)' : ''}: WASM threads are available.`
      : `Single-threaded mode: ${coi.reason}. Generation works, but the WASM backend is slower.`;
  envStatus.dataset.state = coi.state;
  wire();
  seedEl.value = String(randomSeed());
  renderExamples();
  updateMode();
  if (location.hash) await applyLink(location.hash);
  void openHistory();
  const gpuDone = describeGpu().then((gpu) => {
  if (!gpu.available) {
    webgpuNote = `WebGPU is not available here (${gpu.reason}); WASM is used.`;
    const opt = backendEl.querySelector<HTMLOptionElement>('option[value="webgpu"]');
    if (opt) {
      opt.disabled = true;
      opt.textContent = 'WebGPU (not available)';
    }
  } else if (gpu.fallback) {
    webgpuNote = `Only a software WebGPU adapter (${gpu.label}) is available; Auto uses WASM, which is faster here.`;
  }
  backendHelp();
  });
  await loadModel();
  await gpuDone;
}

void boot();

