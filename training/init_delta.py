"""Carry a DiT checkpoint to a rented GPU machine as a small difference from the shipped weights.

The GPU machine gets the repo (with the shipped ``dit.weights``) plus at most a few MiB of extra files, so a run
there continues an earlier leg from ``shipped + delta``: the delta is stored fp16 with the lowest ``drop_bits``
mantissa bits zeroed (they are noise to xz; with 3 dropped each value keeps 7 mantissa bits, < 2^-7 relative
error) and xz-compressed.

    /usr/bin/python3 -m training.init_delta make BASE.pt RELEASE.pt .gpu/delta.pt.xz   # here
    python3 -m training.init_delta apply BASE.pt .gpu/delta.pt.xz                         # there: BASE.pt in place
"""
from __future__ import annotations

import argparse
import io
import lzma

import torch


def make(base: dict, target: dict, drop_bits: int = 3) -> dict:
    """fp16 (target − base) per floating tensor, with the ``drop_bits`` low mantissa bits cleared; other tensors
    (integer buffers) are taken from ``target`` as they are."""
    if set(base) != set(target):
        raise ValueError(f'checkpoints differ in keys: {sorted(set(base) ^ set(target))[:5]}')
    mask = ~((1 << drop_bits) - 1)
    out = {}
    for k, b in base.items():
        if b.is_floating_point():
            d = (target[k].float() - b.float()).half()
            out[k] = (d.view(torch.int16) & mask).view(torch.float16)
        else:
            out[k] = target[k].clone()
    return out


def apply(base: dict, delta: dict) -> dict:
    return {k: (b.float() + delta[k].float()) if b.is_floating_point() else delta[k] for k, b in base.items()}


def save(delta: dict, path: str) -> int:
    buf = io.BytesIO()
    torch.save(delta, buf)
    data = lzma.compress(buf.getvalue(), preset=9)
    with open(path, 'wb') as f:
        f.write(data)
    return len(data)


def load(path: str) -> dict:
    with lzma.open(path) as f:
        return torch.load(io.BytesIO(f.read()))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = ap.add_subparsers(dest='cmd', required=True)
    m = sub.add_parser('make')
    m.add_argument('base')
    m.add_argument('target')
    m.add_argument('out')
    m.add_argument('--drop-bits', type=int, default=3)
    a = sub.add_parser('apply', help='overwrite BASE with base + delta')
    a.add_argument('base')
    a.add_argument('delta')
    args = ap.parse_args()
    if args.cmd == 'make':
        base, target = torch.load(args.base), torch.load(args.target)
        delta = make(base, target, args.drop_bits)
        rebuilt = apply(base, delta)
        err = max((rebuilt[k] - target[k].float()).abs().max().item() for k in base if base[k].is_floating_point())
        print(f'{args.out}: {save(delta, args.out)} bytes, max |error| {err:.2e}')
    else:
        torch.save(apply(torch.load(args.base), load(args.delta)), args.base)


if __name__ == '__main__':
    main()
