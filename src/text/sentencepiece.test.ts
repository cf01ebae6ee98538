// SentencePiece tokenization of the converted mT5 encoder vs upstream's tokenizer cases (sentencepiece 0.2.2 encode +
// [1] and transformers T5Tokenizer agree on all 20; ../shared/fixtures/upstream-v13/mt5/README.md §3).
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { SentencePieceTokenizer } from './sentencepiece';
import { TokenizerError } from './tokenizer';

const FIX = resolve(__dirname, '../../../shared/fixtures/upstream-v13/mt5');
const have = existsSync(FIX);

interface Cases {
  cases: { text: string; ids: number[]; pieces: string[]; transformers_ids: number[] }[];
  model_input: { prompts: string[]; max_length: number; input_ids: number[][]; attention_mask: number[][] };
}

describe.skipIf(!have)('SentencePieceTokenizer (upstream-v13 mt5 fixture)', () => {
  // tokenizer.json as the converter writes it from the fixture's spiece.model (training/convert/sentencepiece_json.py);
  // the committed converted fixture model carries the same file.
  const TJ = resolve(__dirname, '../../training/fixtures/official/upstream-v13/tokenizer.json');
  const load = async (maxLength = 512) => SentencePieceTokenizer.fromTokenizerJson(new Uint8Array(readFileSync(TJ)), { maxLength, padId: 0, eosId: 1 });
  const cases = have ? (JSON.parse(readFileSync(resolve(FIX, 'tokenizer_cases.json'), 'utf8')) as Cases) : null;

  it('gives the fixture ids and pieces for all 20 cases', async () => {
    const tok = await load();
    expect(cases!.cases.length).toBe(20);
    for (const c of cases!.cases) {
      const e = tok.encode(c.text);
      expect(e.ids.slice(0, e.length), JSON.stringify(c.text)).toEqual(c.ids);
      expect(c.transformers_ids).toEqual(c.ids);
      // the fixture lists pieces by id (id_to_piece): <unk> for unknown surface text, </s> at the end
      const pieces = tok.pieces(c.text).map((p, i) => (c.ids[i] === 2 ? '<unk>' : p));
      expect([...pieces, '</s>']).toEqual(c.pieces);
      expect(e.ids.slice(e.length).every((v) => v === 0)).toBe(true);
    }
  });

  it('pads and truncates like the pipeline (max_length 12 model input)', async () => {
    const mi = cases!.model_input;
    const tok = await load(mi.max_length);
    mi.prompts.forEach((p, i) => {
      const e = tok.encode(p);
      expect(e.ids).toEqual(mi.input_ids[i]);
      expect(Array.from(e.mask)).toEqual(mi.attention_mask[i]);
    });
    expect(tok.truncatedWords(mi.prompts[0])).toBeGreaterThan(0);
    expect(tok.encode('').ids.slice(0, 2)).toEqual([1, 0]);
  });

  it('reports characters outside the vocabulary', async () => {
    const tok = await load();
    const emoji = cases!.cases.find((c) => c.text.includes('🚀'))!;
    expect(emoji.ids).toContain(2);
    expect(tok.unknownWords(emoji.text).length).toBeGreaterThan(0);
    expect(tok.unknownWords('a red fox')).toEqual([]);
  });

  it('rejects a file that is not a SentencePiece tokenizer.json', () => {
    const o = { maxLength: 12, padId: 0, eosId: 1 };
    const from = (b: Uint8Array | string) => () => SentencePieceTokenizer.fromTokenizerJson(typeof b === 'string' ? new TextEncoder().encode(b) : b, o);
    expect(from(new Uint8Array(8))).toThrow(TokenizerError);
    expect(from(new Uint8Array(readFileSync(resolve(FIX, 'spiece.model'))))).toThrow(/not valid JSON.*spiece\.model/);
    expect(from('{"type": "word-level", "tokens": []}')).toThrow(/no Unigram model/);
    expect(from('{"model": {"type": "Unigram", "unk_id": 2, "vocab": [["<pad>", 0], ["</s>", 0], ["<unk>"]]}}')).toThrow(/vocab entry 2/);
    expect(from('{"model": {"type": "Unigram", "unk_id": 9, "vocab": [["<pad>", 0], ["</s>", 0], ["<unk>", 0]]}}')).toThrow(/unk_id 9/);
    const truncated = readFileSync(resolve(__dirname, '../../training/fixtures/official/upstream-v13/tokenizer.json')).subarray(0, 5000);
    expect(from(new Uint8Array(truncated))).toThrow(/not valid JSON/);
  });
});
