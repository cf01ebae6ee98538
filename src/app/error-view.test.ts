import { describe, expect, it } from 'vitest';
import { ManifestError, ModelNotFoundError, ModelUnreachableError, WebGpuUnavailableError, errorName } from '../core/errors';
import { generateErrorView, loadErrorView, manifestErrorView } from './error-view';

/** What comlink hands the page: a plain Error with the thrower's name (instanceof is lost). */
const overWorker = (e: Error): Error => Object.assign(new Error(e.message), { name: e.name, stack: e.stack });

describe('error views switch on error.name', () => {
  it('names survive comlink-style rebuilding', () => {
    expect(errorName(overWorker(new WebGpuUnavailableError('x')))).toBe('WebGpuUnavailableError');
    expect(new ModelNotFoundError('x')).toBeInstanceOf(ManifestError);
  });
  it('manifest fetch: missing, unreachable, invalid', () => {
    expect(manifestErrorView(new ModelNotFoundError('HTTP 404'), 'm').state).toBe('missing');
    expect(manifestErrorView(new ModelUnreachableError('cannot fetch'), 'm').status).toMatch(/offline/);
    // A message that mentions 404 does not make a missing model: only the name counts.
    expect(manifestErrorView(new ManifestError('not found (HTTP 404)'), 'm').status).toMatch(/not valid/);
  });
  it('load: missing files, WebGPU, crash', () => {
    expect(loadErrorView(overWorker(new ModelNotFoundError('a.onnx missing')), 'm').status).toMatch(/missing on the server/);
    expect(loadErrorView(overWorker(new WebGpuUnavailableError('no adapter')), 'm').status).toMatch(/WebGPU is not available/);
    expect(loadErrorView(Object.assign(new Error('gone'), { name: 'WorkerCrashedError' }), 'm').engineCrashed).toBe(true);
  });
  it('generate: cancelled, validation text, other errors prefixed with their name', () => {
    expect(generateErrorView(Object.assign(new Error(''), { name: 'CancelledError' }))).toEqual({ kind: 'cancelled' });
    expect(generateErrorView(Object.assign(new Error('bad seed'), { name: 'ValidationError' }))).toEqual({ kind: 'failed', text: 'bad seed', engineCrashed: false });
    expect(generateErrorView(new RangeError('x'))).toEqual({ kind: 'failed', text: 'RangeError: x', engineCrashed: false });
  });
});
