// SentencePiece (Unigram) tokenization of the converted mT5 text encoder (manifest tokenizer.type 'sentencepiece').
// The converter (training/convert/sentencepiece_json.py) turns the model's own spiece.model into a Hugging Face
// tokenizer.json (Unigram vocab + scores, the spec's precompiled charsmap as the Precompiled normalizer,
// remove-extra-whitespace, Metaspace '▁' with the dummy prefix, `$A </s>`); the engine loads that with
// @huggingface/tokenizers — a pure JS/TS implementation (~37 KB minified, no WebAssembly, no eval), so it runs under
// the page/worker CSP `script-src 'self' 'wasm-unsafe-eval'` (Emscripten builds of SentencePiece need 'unsafe-eval').
// spiece.model stays in the folder for provenance. Precompiled is applied as NFKC plus SentencePiece's whitespace /
// control-character rules (the JS library's approximation of nmt_nfkc).
//
// Ids follow HF T5Tokenizer / upstream's pipeline (padding="max_length", truncation=True, add_special_tokens):
// the pieces, truncated to maxLength − 1, then </s>; <pad> after, attention mask 1 on pieces and </s>, 0 on padding.
// Checked against ../shared/fixtures/upstream-v13/mt5/tokenizer_cases.json (sentencepiece.test.ts, e2e).
import { Tokenizer } from '@huggingface/tokenizers';
import { TokenizerError, type Encoded, type PromptTokenizer } from './tokenizer';

export interface SentencePieceOptions {
  maxLength: number;
  padId: number;
  eosId: number;
  unkId?: number;
}

interface TokenizerJson {
  model?: { type?: unknown; vocab?: unknown; unk_id?: unknown };
}

export class SentencePieceTokenizer implements PromptTokenizer {
  readonly maxLength: number;
  readonly padId: number;
  readonly eosId: number;
  readonly unkId: number;

  private constructor(
    private readonly tok: Tokenizer,
    o: SentencePieceOptions,
  ) {
    this.maxLength = o.maxLength;
    this.padId = o.padId;
    this.eosId = o.eosId;
    this.unkId = o.unkId ?? 2;
  }

  /** From the bytes of the converter's tokenizer.json (Hugging Face tokenizers format, Unigram model). */
  static fromTokenizerJson(bytes: Uint8Array, o: SentencePieceOptions): SentencePieceTokenizer {
    if (!Number.isInteger(o.maxLength) || o.maxLength < 2) throw new TokenizerError(`max_length must be an integer ≥ 2, got ${o.maxLength}`);
    let j: TokenizerJson;
    try {
      j = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes)) as TokenizerJson;
    } catch (e) {
      const hint = bytes.length > 0 && bytes[0] === 0x0a ? ' (this looks like a binary spiece.model: re-run the converter, which writes tokenizer.json next to it)' : '';
      throw new TokenizerError(`SentencePiece tokenizer.json is not valid JSON${hint}: ${(e as Error)?.message ?? String(e)}`);
    }
    const m = j && typeof j === 'object' ? j.model : undefined;
    if (!m || m.type !== 'Unigram' || !Array.isArray(m.vocab) || m.vocab.length < 3 || typeof m.unk_id !== 'number')
      throw new TokenizerError('SentencePiece tokenizer.json has no Unigram model (model.type "Unigram", vocab [[piece, score], …], unk_id)');
    const vocab = m.vocab as unknown[];
    const badAt = vocab.findIndex((v) => !Array.isArray(v) || typeof v[0] !== 'string' || typeof v[1] !== 'number' || !Number.isFinite(v[1]));
    if (badAt >= 0) throw new TokenizerError(`SentencePiece tokenizer.json: vocab entry ${badAt} is not [piece, score]`);
    if (m.unk_id < 0 || m.unk_id >= vocab.length) throw new TokenizerError(`SentencePiece tokenizer.json: unk_id ${m.unk_id} outside the vocabulary`);
    for (const [name, id] of [['pad', o.padId], ['eos', o.eosId]] as const)
      if (!Number.isInteger(id) || id < 0 || id >= vocab.length) throw new TokenizerError(`SentencePiece tokenizer.json: ${name} id ${id} outside the vocabulary (${vocab.length} pieces)`);
    let tok: Tokenizer;
    try {
      tok = new Tokenizer(j, {});
    } catch (e) {
      throw new TokenizerError(`SentencePiece tokenizer.json could not be loaded: ${(e as Error)?.message ?? String(e)}`);
    }
    if (tok.encode('a', { add_special_tokens: false }).ids.length === 0) throw new TokenizerError('SentencePiece tokenizer.json is not usable (it encodes nothing)');
    return new SentencePieceTokenizer(tok, { ...o, unkId: o.unkId ?? m.unk_id });
  }

  /** The pieces' ids without </s> or padding. */
  pieceIds(text: string): number[] {
    return [...this.tok.encode(text, { add_special_tokens: false }).ids];
  }

  /** Pieces as surface text (an unknown run is its own characters, not <unk>). */
  pieces(text: string): string[] {
    return [...this.tok.encode(text, { add_special_tokens: false }).tokens];
  }

  encode(text: string): Encoded {
    const p = this.pieceIds(text).slice(0, this.maxLength - 1);
    const ids = new Array<number>(this.maxLength).fill(this.padId);
    p.forEach((v, i) => (ids[i] = v));
    ids[p.length] = this.eosId;
    const length = p.length + 1;
    const mask = new Float32Array(this.maxLength);
    mask.fill(1, 0, length);
    return { ids, mask, length };
  }

  /** Pieces that map to <unk> (characters the vocabulary cannot represent), without repeats. */
  unknownWords(text: string): string[] {
    const e = this.tok.encode(text, { add_special_tokens: false });
    const out: string[] = [];
    e.ids.forEach((id, i) => {
      const w = (e.tokens[i] ?? '').replace(/^\u2581/, '');
      if (id === this.unkId && w && !out.includes(w)) out.push(w);
    });
    return out;
  }

  truncatedWords(text: string): number {
    return Math.max(0, this.pieceIds(text).length - (this.maxLength - 1));
  }
}
