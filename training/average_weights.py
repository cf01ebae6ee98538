"""Weighted average of DiT release checkpoints ("model soup"): one checkpoint from legs that share an ancestor.

Two legs fine-tuned from the same weights sit in one basin, so their weighted mean is a valid model that often
mixes their strengths (measured for the CPU legs in docs/EXPERIMENTS.md, "Recovery leg and averaging legs"). The text-encoder and DiT
keys are averaged alike; integer buffers must agree and are copied.

    /usr/bin/python3 -m training.average_weights OUT.pt A.pt:0.5 B.pt:0.5
"""
from __future__ import annotations

import argparse
import math

import torch


def average(checkpoints: list[dict], weights: list[float]) -> dict:
    if len(checkpoints) != len(weights) or not checkpoints:
        raise ValueError('need one weight per checkpoint')
    if not math.isclose(sum(weights), 1.0, abs_tol=1e-6):
        raise ValueError(f'weights sum to {sum(weights)}, not 1')
    keys = set(checkpoints[0])
    for c in checkpoints[1:]:
        if set(c) != keys:
            raise ValueError(f'checkpoints differ in keys: {sorted(set(c) ^ keys)[:5]}')
    out = {}
    for k, first in checkpoints[0].items():
        if first.is_floating_point():
            out[k] = sum(w * c[k].float() for c, w in zip(checkpoints, weights)).to(first.dtype)
        else:
            if any(not torch.equal(c[k], first) for c in checkpoints[1:]):
                raise ValueError(f'integer buffer {k} differs between checkpoints')
            out[k] = first.clone()
    return out


def _parse(spec: str) -> tuple[str, float]:
    path, sep, w = spec.rpartition(':')
    if not sep or not path:
        raise argparse.ArgumentTypeError(f'expected PATH:WEIGHT, got {spec!r}')
    return path, float(w)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument('out')
    ap.add_argument('inputs', nargs='+', type=_parse, metavar='PATH:WEIGHT')
    args = ap.parse_args()
    ckpts = [torch.load(p, map_location='cpu', weights_only=False) for p, _ in args.inputs]
    torch.save(average(ckpts, [w for _, w in args.inputs]), args.out)
    print(f'{args.out}: ' + ' + '.join(f'{w:g} × {p}' for p, w in args.inputs))


if __name__ == '__main__':
    main()
