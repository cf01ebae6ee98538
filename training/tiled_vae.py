"""Spatially tiled WF-VAE decode on top of the causal temporal chunks (issue #32; the reference for
src/engine/vae-tiles.ts).

Why: at 93×352×640 the decoder's activations for one causal chunk are several GiB (docs/BENCHMARKS.md, memory
plan); decoding the latent in overlapping spatial tiles bounds them by the tile size.

Scheme (the idea of upstream's CausalVAE `tiled_decode` — overlapping tiles, linear cross-fade — the details are
ours): the decoder is cut after its mid block (`Decoder.core_head`: conv_in + mid, which holds the frame-global
attention, at latent resolution, cheap) and only the rest (`core_tail`: local ops only, where the activations at
2× and 4× resolution are) runs in tiles. Along each axis the head's output is covered by tiles of `tile` cells whose
starts step by `tile - overlap`, the last one flush with the edge. Each tile keeps its own causal chunk state and is
decoded chunk by chunk exactly like the whole frame. Where two tiles overlap their pixels are cross-faded with weights
that ramp linearly across the *middle* `blend` cells of the overlap, so each tile's `(overlap - blend) / 2` cells
next to its own cut (which its convs saw zero-padded instead of the neighbour's content) are never used. Per axis
the weights sum to 1 everywhere; the 2D weight is the product of the two axes'.

Exactness: the tail is local, so once the unused margin covers its receptive field the tiles agree with the one-shot
decode to float rounding (tiled_vae_report.py measures the max abs error per overlap and the peak memory). Tiling the
head too (upstream's way) cannot match: its attention sees the whole frame.
"""
from typing import List, Tuple

import torch

from training.models.wfvae import WFVAE, _chunk_modules, set_chunk_mode


def tile_spans(n: int, tile: int, overlap: int) -> List[Tuple[int, int]]:
    """Latent spans [a, b) covering [0, n): starts step by tile - overlap, the last tile ends at n."""
    if tile < 1 or overlap < 0 or overlap >= tile:
        raise ValueError(f"tile {tile} / overlap {overlap}: need tile >= 1 and 0 <= overlap < tile")
    if n <= tile:
        return [(0, n)]
    step = tile - overlap
    starts = list(range(0, n - tile, step)) + [n - tile]
    return [(a, a + tile) for a in starts]


def axis_weights(spans: List[Tuple[int, int]], n: int, scale: int, blend: int) -> List[torch.Tensor]:
    """Per tile, its weight at each of its `scale·(b - a)` pixels along one axis (sums to 1 over tiles)."""
    px = n * scale
    ws = []
    for k, (a, b) in enumerate(spans):
        w = torch.ones(px, dtype=torch.float64)
        for side, other in ((-1, spans[k - 1] if k > 0 else None), (1, spans[k + 1] if k + 1 < len(spans) else None)):
            if other is None:
                continue
            lo, hi = (other[0], b) if side == 1 else (a, other[1])  # the overlap band, in cells
            width = hi - lo
            bl = min(blend, width)
            start = (lo + (width - bl) / 2) * scale  # the ramp sits in the middle of the band
            end = start + bl * scale
            x = torch.arange(px, dtype=torch.float64) + 0.5
            ramp = ((x - start) / max(end - start, 1e-9)).clamp(0, 1)  # 0 → 1 across the ramp
            w = w * (1 - ramp if side == 1 else ramp)
        ws.append(w[a * scale:b * scale])
    return ws


def head_state_indices(m: WFVAE) -> List[int]:
    """Chunk-state indices (vae_decoder_chunk.json order) of the head's causal convs (conv_in, mid)."""
    return [i for i, n in enumerate(m.decoder_state_names()) if n == "cache.conv_in" or n.startswith("cache.mid.")]


def tail_state_indices(m: WFVAE) -> List[int]:
    head = set(head_state_indices(m))
    return [i for i in range(len(m.decoder_state_names())) if i not in head]


def head_step(m: WFVAE, z: torch.Tensor, state: List[torch.Tensor], is_first: torch.Tensor):
    """conv_in + mid over one chunk of the unscaled latent, with the head's causal caches → (h, new_state)."""
    dec = m.decoder
    mods = [mod for n, mod in _chunk_modules(dec) if n == "conv_in" or n.startswith("mid.")]
    set_chunk_mode(dec, True)
    try:
        for mod, st in zip(mods, state):
            mod.cache, mod.first_flag = st, is_first.reshape(())
        h = dec.core_head(z)
        return h, [mod.cache for mod in mods]
    finally:
        set_chunk_mode(dec, False)


def tail_step(m: WFVAE, h: torch.Tensor, state: List[torch.Tensor], is_first: torch.Tensor, is_last: torch.Tensor):
    """The rest of the chunk step (core_tail + the Haar inverses) on a head output tile → (video, new_state); `state`
    holds the tail's entries only (tail_state_indices order). The head's entries of `decode_chunk_step` are filled
    with placeholders it never reads (tail_only skips conv_in and mid)."""
    n_all = len(m.decoder_state_names())
    tail = tail_state_indices(m)
    full: List[torch.Tensor] = [torch.zeros(1)] * n_all
    for i, st in zip(tail, state):
        full[i] = st
    m.decoder.tail_only = True
    try:
        x, new_full = m.decode_chunk_step(h, full, is_first, is_last)
    finally:
        m.decoder.tail_only = False
    return x, [new_full[i] for i in tail]


@torch.no_grad()
def decode_tiled(vae: WFVAE, z: torch.Tensor, tile: int, overlap: int, blend: int | None = None,
                 t_chunk: int = 2) -> torch.Tensor:
    """Unscaled latent [1, C, T, h, w] → video [1, 3, 1 + 4(T-1), 8h, 8w]: per causal chunk, the head on the whole
    frame, then the tail tile by tile, cross-faded."""
    if z.dim() != 5 or z.shape[0] != 1:
        raise ValueError(f"latent must be [1, C, T, h, w], got {tuple(z.shape)}")
    blend = overlap if blend is None else blend
    if not 0 <= blend <= overlap:
        raise ValueError(f"blend {blend} must be in [0, overlap {overlap}]")
    _, _, tl, h, w = z.shape
    s = 8
    ys, xs = tile_spans(h, tile, overlap), tile_spans(w, tile, overlap)
    wy, wx = axis_weights(ys, h, s, blend), axis_weights(xs, w, s, blend)
    tiles = [(i, j) for i in range(len(ys)) for j in range(len(xs))]
    hi, ti = head_state_indices(vae), tail_state_indices(vae)
    st0 = vae.decoder_chunk_state_init(1, h, w)
    head_state = [st0[i] for i in hi]
    states = {}
    for (i, j) in tiles:
        st = vae.decoder_chunk_state_init(1, ys[i][1] - ys[i][0], xs[j][1] - xs[j][0])
        states[(i, j)] = [st[k] for k in ti]
    bounds = [(0, 1)] + [(a, min(a + t_chunk, tl)) for a in range(1, tl, t_chunk)]
    out = []
    for c, (a, b) in enumerate(bounds):
        f = torch.tensor(1.0 if c == 0 else 0.0)
        last = torch.tensor(1.0 if c == len(bounds) - 1 else 0.0)
        hd, head_state = head_step(vae, z[:, :, a:b], head_state, f)
        acc = None
        for (i, j) in tiles:
            (y0, y1), (x0, x1) = ys[i], xs[j]
            x, states[(i, j)] = tail_step(vae, hd[:, :, :, y0:y1, x0:x1], states[(i, j)], f, last)
            if acc is None:
                acc = torch.zeros(1, 3, x.shape[2], h * s, w * s, dtype=torch.float64)
            wt = (wy[i][:, None] * wx[j][None, :]).to(torch.float64)
            acc[:, :, :, y0 * s:y1 * s, x0 * s:x1 * s] += x.double() * wt
        out.append(acc.float())
    return torch.cat(out, dim=2)
