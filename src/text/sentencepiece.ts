// SentencePiece tokenization of the converted mT5 text encoder (manifest tokenizer.type 'sentencepiece', the model's
// own spiece.model). Why @sctg/sentencepiece-js: it is Google's SentencePiece C++ library compiled to WebAssembly
// (not a re-implementation), so normalisation (nmt_nfkc), the unigram Viterbi segmentation, <unk> handling and
// whitespace rules are the real algorithm; a maintained fork of sentencepiece-js (Apache-2.0). Loaded lazily: the
// module is ~4 MB and only models with a SentencePiece tokenizer need it.
//
// Ids follow HF T5Tokenizer / upstream's pipeline (padding="max_length", truncation=True, add_special_tokens):
// the pieces, truncated to maxLength − 1, then </s>; <pad> after, attention mask 1 on pieces and </s>, 0 on padding.
// Checked against ../shared/fixtures/upstream-v13/mt5/tokenizer_cases.json (sentencepiece.test.ts).
import { TokenizerError, type Encoded, type PromptTokenizer } from './tokenizer';

interface Processor {
  loadFromB64StringModel(b64: string): Promise<void>;
  encodeIds(text: string): number[];
  encodePieces(text: string): string[];
}

function toBase64(bytes: Uint8Array): string {
  let s = '';
  for (let i = 0; i < bytes.length; i += 0x8000) s += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(s);
}

export interface SentencePieceOptions {
  maxLength: number;
  padId: number;
  eosId: number;
  unkId?: number;
}

export class SentencePieceTokenizer implements PromptTokenizer {
  readonly maxLength: number;
  readonly padId: number;
  readonly eosId: number;
  readonly unkId: number;

  private constructor(
    private readonly sp: Processor,
    o: SentencePieceOptions,
  ) {
    this.maxLength = o.maxLength;
    this.padId = o.padId;
    this.eosId = o.eosId;
    this.unkId = o.unkId ?? 2;
  }

  /** From the bytes of a spiece.model (a serialized SentencePiece ModelProto). */
  static async fromModel(bytes: Uint8Array, o: SentencePieceOptions): Promise<SentencePieceTokenizer> {
    if (!Number.isInteger(o.maxLength) || o.maxLength < 2) throw new TokenizerError(`max_length must be an integer ≥ 2, got ${o.maxLength}`);
    if (bytes.length < 16) throw new TokenizerError(`spiece.model is ${bytes.length} bytes: not a SentencePiece model`);
    const mod = (await import('@sctg/sentencepiece-js')) as unknown as { SentencePieceProcessor: new () => Processor };
    const sp = new mod.SentencePieceProcessor();
    try {
      await sp.loadFromB64StringModel(toBase64(bytes));
    } catch (e) {
      throw new TokenizerError(`spiece.model could not be loaded by SentencePiece: ${(e as Error)?.message ?? String(e)}`);
    }
    // The WASM loader does not report a bad file: it just encodes nothing. Every real model yields pieces for a
    // letter (<unk> at worst), so an empty result means the file is not a usable model.
    const probe = sp.encodeIds('a');
    if (!Array.isArray(probe) || probe.length === 0) throw new TokenizerError('spiece.model is not a usable SentencePiece model (it encodes nothing)');
    return new SentencePieceTokenizer(sp, o);
  }

  /** The pieces' ids without </s> or padding. */
  pieceIds(text: string): number[] {
    return [...this.sp.encodeIds(text)];
  }

  pieces(text: string): string[] {
    return [...this.sp.encodePieces(text)];
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
    const ids = this.pieceIds(text);
    const pieces = this.pieces(text);
    const out: string[] = [];
    ids.forEach((id, i) => {
      const w = (pieces[i] ?? '').replace(/^\u2581/, '');
      if (id === this.unkId && w && !out.includes(w)) out.push(w);
    });
    return out;
  }

  truncatedWords(text: string): number {
    return Math.max(0, this.pieceIds(text).length - (this.maxLength - 1));
  }
}
