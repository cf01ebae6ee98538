import { describe, expect, it } from 'vitest';
import { addressKind, externalModelRefusal } from './model-source';

const ORIGIN = 'http://127.0.0.1:5199';
const link = (model: string) => `#${new URLSearchParams({ v: '1', model, mh: 'a'.repeat(64), p: 'x' }).toString()}`;

describe('share links only name this app’s own models', () => {
  it('plain model ids (valid or not) are not addresses', () => {
    for (const id of ['osp-v13-tiny', 'other-model', 'a', 'model.v2', 'x_y-z', '', '<script>', 'a..b']) expect(addressKind(id), id).toBeNull();
    expect(externalModelRefusal(link('osp-v13-tiny'), ORIGIN)).toBeNull();
    expect(externalModelRefusal('#v=1&p=x', ORIGIN)).toBeNull();
  });

  it('every kind of address is refused, with what it is and where models come from', () => {
    const cases: [string, RegExp][] = [
      ['https://evil.example/models/x/manifest.json', /a https: address/],
      ['http://127.0.0.1:9999/m', /a http: address/],
      ['HTTPS://EVIL.EXAMPLE/', /a https: address/],
      ['//evil.example/models/x/', /another host/],
      ['\\\\evil.example\\share', /another host/],
      ['data:application/json,{"files":[]}', /a data: address/],
      ['javascript:alert(1)', /a javascript: address/],
      ['blob:http://127.0.0.1:5199/3f2a', /a blob: address/],
      ['file:///etc/passwd', /a file: address/],
      ['../../etc/passwd', /a file path/],
      ['/models/other/manifest.json', /a file path/],
      ['models/other', /a file path/],
      ['..', /a file path/],
      [' https://evil.example/', /a https: address/],
    ];
    for (const [model, re] of cases) {
      const why = externalModelRefusal(link(model), ORIGIN);
      expect(why, model).toMatch(re);
      expect(why, model).toContain(`only loads its own models, from ${ORIGIN}`);
    }
    // Long addresses are shortened in the message.
    expect(externalModelRefusal(link(`https://evil.example/${'x'.repeat(500)}`), ORIGIN)!.length).toBeLessThan(200);
  });
});
