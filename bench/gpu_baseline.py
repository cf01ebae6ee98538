"""PyTorch CUDA baseline for bench/node-gpu-bench.ts: the same ops, shapes and data types, done as upstream does them.

Skiparse attention as Open-Sora Plan v1.3 (`_sparse_1d`): zero-pad N to a multiple of k², regroup with
reshape/permute (Single Skip: token i -> group i mod k; Group Skip: group floor(i/k) mod k), an additive -9980 bias on
padded keys, F.scaled_dot_product_attention, inverse regroup, crop; dense = SDPA on [B, heads, N, D]. fp32 and bf16.
Haar as WF-VAE: per-channel Conv3d/Conv2d (k = 2, s = 2) with the Haar filters, one call per subband, causal
replicate pad of the first frame (3D), concatenated subband-major; inverse = conv_transpose per subband, summed, first
frame dropped. Also a "fused" variant (one conv with all subbands as output channels) as PyTorch's best case.

Timing: CUDA events around each call, warm-up first, median. `--dump DIR` compares our kernel's outputs written by
node-gpu-bench.ts (--dump) with this implementation on that shape (correctness at a real size).

  python3 bench/gpu_baseline.py [--quick] [--dump DIR] [--out FILE] [--device cuda|cpu]
"""
import argparse
import json
import math
import os
import statistics
import time

import torch
import torch.nn.functional as F

PAD_BIAS = -9980.0
HAAR3D_COEF = 0.3536

p = argparse.ArgumentParser()
p.add_argument('--quick', action='store_true')
p.add_argument('--dump')
p.add_argument('--out')
p.add_argument('--device', default='cuda')
args = p.parse_args()
dev = torch.device(args.device)
cuda = dev.type == 'cuda'
# fp32 must stay fp32 (no TF32 tensor cores), as in our kernel.
torch.backends.cuda.matmul.allow_tf32 = False
torch.backends.cudnn.allow_tf32 = False


def sdpa(q, k, v, mask):
    if hasattr(F, 'scaled_dot_product_attention'):
        return F.scaled_dot_product_attention(q, k, v, attn_mask=mask)
    s = (q @ k.transpose(-1, -2)) / math.sqrt(q.shape[-1])  # torch < 2.0 (local CPU check only)
    if mask is not None:
        s = s + mask
    return s.softmax(-1) @ v


def regroup(x, mode, kk, heads):
    """[B, Np, C] -> [kk·B, heads, Np/kk, D] (upstream's batch index = group·B + b)."""
    B, Np, C = x.shape
    D = C // heads
    if mode == 'single':  # '(g k) b d -> g (k b) d'
        return x.view(B, Np // kk, kk, heads, D).permute(2, 0, 3, 1, 4).reshape(kk * B, heads, Np // kk, D)
    # group: '(n m k) b d -> (n k) (m b) d'
    n = Np // (kk * kk)
    return x.view(B, n, kk, kk, heads, D).permute(2, 0, 4, 1, 3, 5).reshape(kk * B, heads, n * kk, D)


def ungroup(o, mode, kk, B):
    _, heads, S, D = o.shape
    Np = S * kk
    if mode == 'single':
        return o.view(kk, B, heads, S, D).permute(1, 3, 0, 2, 4).reshape(B, Np, heads * D)
    n = S // kk
    return o.view(kk, B, heads, n, kk, D).permute(1, 3, 0, 4, 2, 5).reshape(B, Np, heads * D)


def pad_mask(N, mode, kk, B, dtype):
    """Additive key bias [kk·B, 1, 1, S]: PAD_BIAS where the regrouped key is a padding token."""
    Np = kk * kk * math.ceil(N / (kk * kk))
    if Np == N:
        return None
    idx = torch.arange(Np, device=dev, dtype=torch.float32).view(1, Np, 1).expand(B, Np, 1).contiguous()
    g = regroup(idx, mode, kk, 1)  # [kk·B, 1, S, 1]
    return torch.where(g >= N, PAD_BIAS, 0.0).to(dtype).view(kk * B, 1, 1, -1)


def skiparse(q, k, v, mode, kk, heads, mask):
    B, N, C = q.shape
    if mode == 'dense':
        D = C // heads
        t = lambda x: x.view(B, N, heads, D).transpose(1, 2)
        return sdpa(t(q), t(k), t(v), None).transpose(1, 2).reshape(B, N, C)
    pad = kk * kk * math.ceil(N / (kk * kk)) - N
    if pad:
        q, k, v = (F.pad(x, (0, 0, 0, pad)) for x in (q, k, v))
    o = sdpa(regroup(q, mode, kk, heads), regroup(k, mode, kk, heads), regroup(v, mode, kk, heads), mask)
    return ungroup(o, mode, kk, B)[:, :N]


def bench(fn, budget_ms=300.0):
    """Median / min of per-call times (CUDA events on CUDA), after warm-up; reps sized to ~budget_ms."""
    for _ in range(2):
        fn()
    sync = torch.cuda.synchronize if cuda else (lambda: None)
    sync()
    t0 = time.perf_counter()
    fn()
    sync()
    rough = (time.perf_counter() - t0) * 1e3
    reps = max(3, min(50, int(budget_ms / max(rough, 1e-3))))
    times = []
    for _ in range(reps):
        if cuda:
            s, e = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
            s.record()
            fn()
            e.record()
            e.synchronize()
            times.append(s.elapsed_time(e))
        else:
            t0 = time.perf_counter()
            fn()
            times.append((time.perf_counter() - t0) * 1e3)
    return {'ms': statistics.median(times), 'minMs': min(times), 'reps': reps}


result = {'torch': torch.__version__, 'device': torch.cuda.get_device_name() if cuda else 'cpu', 'checks': [],
          'attention': [], 'haar': []}
if hasattr(F, 'scaled_dot_product_attention') and cuda:
    result['sdpa_backends'] = {
        'flash': torch.backends.cuda.flash_sdp_enabled(), 'mem_efficient': torch.backends.cuda.mem_efficient_sdp_enabled(),
        'math': torch.backends.cuda.math_sdp_enabled()}
log = lambda s: print(s, flush=True)

# ---- our kernel's outputs (node-gpu-bench.ts --dump) vs this implementation, fp32
if args.dump and os.path.exists(os.path.join(args.dump, 'shape.json')):
    sh = json.load(open(os.path.join(args.dump, 'shape.json')))
    B, N, H, D, kk = sh['batch'], sh['tokens'], sh['heads'], sh['headDim'], sh['k']
    load = lambda name: torch.from_file(os.path.join(args.dump, name), size=B * N * H * D, dtype=torch.float32).view(B, N, H * D).to(dev)
    q, k, v = load('q.f32'), load('k.f32'), load('v.f32')
    for mode in ('single', 'group', 'dense'):
        ref = skiparse(q.double(), k.double(), v.double(), mode, kk, H, pad_mask(N, mode, kk, B, torch.float64))
        ours = load(f'out_{mode}.f32').double()
        err = (ours - ref).abs().max().item()
        result['checks'].append({'what': f'ours vs torch fp64 skiparse-{mode} [1,{N},{H}x{D}]', 'maxAbs': err})
        log(f'check ours vs torch fp64, skiparse {mode} N={N} {H}x{D}: max|diff| {err:.2e}')

# ---- attention
tokens_list = [300, 1000] if args.quick else [2306, 9000, 36000]
head_cfgs = [(2, 96), (4, 48)] if args.quick else [(24, 96), (4, 48)]
dtypes = [torch.float32] if not cuda else [torch.float32, torch.bfloat16]
for heads, D in head_cfgs:
    for N in tokens_list:
        g = torch.Generator(device=dev).manual_seed(N)
        for dtype in dtypes:
            q, k, v = (torch.rand(1, N, heads * D, device=dev, generator=g, dtype=torch.float32).mul_(2).sub_(1).to(dtype) for _ in range(3))
            for mode in ('single', 'group', 'dense'):
                mask = None if mode == 'dense' else pad_mask(N, mode, 4, 1, dtype)
                with torch.no_grad():
                    t = bench(lambda: skiparse(q, k, v, mode, 4, heads, mask), 600)
                flop = 4 * heads * D * N * (N if mode == 'dense' else math.ceil(N / 4))
                row = {'tokens': N, 'heads': heads, 'headDim': D, 'k': 4, 'mode': mode, 'dtype': str(dtype).split('.')[-1],
                       'masked': mask is not None, **t, 'tflops': flop / t['ms'] / 1e9}
                log(f"attention N={N} {heads}x{D} {mode} {row['dtype']}: {t['ms']:.3f} ms ({row['tflops']:.1f} TFLOP/s)")
                result['attention'].append(row)
            del q, k, v

# ---- Haar
u = [[1, 1], [1, 1]]
w3 = torch.tensor([
    [[[1, 1], [1, 1]], [[1, 1], [1, 1]]], [[[1, -1], [1, -1]], [[1, -1], [1, -1]]],
    [[[1, 1], [-1, -1]], [[1, 1], [-1, -1]]], [[[1, -1], [-1, 1]], [[1, -1], [-1, 1]]],
    [[[1, 1], [1, 1]], [[-1, -1], [-1, -1]]], [[[1, -1], [1, -1]], [[-1, 1], [-1, 1]]],
    [[[1, 1], [-1, -1]], [[-1, -1], [1, 1]]], [[[1, -1], [-1, 1]], [[-1, 1], [1, -1]]],
], dtype=torch.float32, device=dev).mul(HAAR3D_COEF).view(8, 1, 2, 2, 2)
w2 = torch.tensor([[[1, 1], [1, 1]], [[1, 1], [-1, -1]], [[1, -1], [1, -1]], [[1, -1], [-1, 1]]],
                  dtype=torch.float32, device=dev).mul(0.5).view(4, 1, 2, 2)


def fwd3d_upstream(x):
    B, C = x.shape[:2]
    x = x.reshape(B * C, 1, *x.shape[2:])
    x = torch.cat([x[:, :, :1], x], dim=2)  # CausalConv3d: replicate the first frame (time kernel 2)
    subs = [F.conv3d(x, w3[s:s + 1], stride=2) for s in range(8)]
    return torch.cat([s.reshape(B, C, *s.shape[2:]) for s in subs], dim=1)


def fwd3d_fused(x):
    B, C = x.shape[:2]
    x = x.reshape(B * C, 1, *x.shape[2:])
    y = F.conv3d(torch.cat([x[:, :, :1], x], dim=2), w3, stride=2)  # [B·C, 8, T', H', W']
    return y.reshape(B, C, 8, *y.shape[2:]).transpose(1, 2).reshape(B, 8 * C, *y.shape[2:])


def inv3d_upstream(c):
    B = c.shape[0]
    parts = c.chunk(8, dim=1)
    C = parts[0].shape[1]
    y = sum(F.conv_transpose3d(parts[s].reshape(B * C, 1, *c.shape[2:]), w3[s:s + 1], stride=2) for s in range(8))
    return y.reshape(B, C, *y.shape[2:])[:, :, 1:]


def inv3d_fused(c):
    B, C8 = c.shape[:2]
    C = C8 // 8
    x = c.reshape(B, 8, C, *c.shape[2:]).transpose(1, 2).reshape(B * C, 8, *c.shape[2:])
    y = F.conv_transpose3d(x, w3, stride=2)  # sums the 8 subbands
    return y.reshape(B, C, *y.shape[2:])[:, :, 1:]


def fwd2d_upstream(x):
    B, C, T, H, W = x.shape
    f = x.transpose(1, 2).reshape(B * T * C, 1, H, W)  # '(b t) c h w', then '(b c) 1 h w'
    subs = [F.conv2d(f, w2[s:s + 1], stride=2).reshape(B, T, C, H // 2, W // 2) for s in range(4)]
    return torch.cat(subs, dim=2).transpose(1, 2).contiguous()


def fwd2d_fused(x):
    B, C, T, H, W = x.shape
    y = F.conv2d(x.transpose(1, 2).reshape(B * T * C, 1, H, W), w2, stride=2)  # [B·T·C, 4, H', W']
    return y.reshape(B, T, C, 4, H // 2, W // 2).permute(0, 3, 2, 1, 4, 5).reshape(B, 4 * C, T, H // 2, W // 2)


def inv2d_upstream(c):
    B, C4, T, H, W = c.shape
    C = C4 // 4
    f = c.transpose(1, 2).reshape(B * T, 4, C, H, W)
    y = sum(F.conv_transpose2d(f[:, s].reshape(B * T * C, 1, H, W), w2[s:s + 1], stride=2) for s in range(4))
    return y.reshape(B, T, C, 2 * H, 2 * W).transpose(1, 2).contiguous()


def inv2d_fused(c):
    B, C4, T, H, W = c.shape
    C = C4 // 4
    x = c.reshape(B, 4, C, T, H, W).permute(0, 3, 2, 1, 4, 5).reshape(B * T * C, 4, H, W)
    y = F.conv_transpose2d(x, w2, stride=2)
    return y.reshape(B, T, C, 2 * H, 2 * W).transpose(1, 2).contiguous()


# Self-check: the two formulations agree, and inverse(forward(x)) ≈ x (scale 8·0.3536² for 3D).
with torch.no_grad():
    xs = torch.randn(1, 3, 9, 16, 12, device=dev)
    for name, a, b in (('fwd3d', fwd3d_upstream, fwd3d_fused), ('fwd2d', fwd2d_upstream, fwd2d_fused)):
        result['checks'].append({'what': f'haar {name} upstream vs fused', 'maxAbs': (a(xs) - b(xs)).abs().max().item()})
    result['checks'].append({'what': 'haar inv3d(fwd3d(x)) / 1.000264 vs x', 'maxAbs': (inv3d_upstream(fwd3d_upstream(xs)) / (8 * HAAR3D_COEF ** 2) - xs).abs().max().item()})
    result['checks'].append({'what': 'haar inv3d upstream vs fused', 'maxAbs': (inv3d_upstream(fwd3d_fused(xs)) - inv3d_fused(fwd3d_fused(xs))).abs().max().item()})
    result['checks'].append({'what': 'haar inv2d(fwd2d(x)) vs x', 'maxAbs': (inv2d_upstream(fwd2d_upstream(xs)) - xs).abs().max().item()})
    result['checks'].append({'what': 'haar inv2d upstream vs fused', 'maxAbs': (inv2d_upstream(fwd2d_fused(xs)) - inv2d_fused(fwd2d_fused(xs))).abs().max().item()})
for c in result['checks']:
    log(f"check {c['what']}: {c['maxAbs']:.2e}")

videos = [(1, 3, 9, 64, 64)] if args.quick else [(1, 3, 33, 256, 256), (1, 3, 33, 512, 512), (1, 24, 33, 256, 256)]
for shape in videos:
    x = torch.randn(*shape, device=dev)
    c3 = fwd3d_fused(x)
    c2 = fwd2d_fused(x)
    ops = [('forward3d', x, fwd3d_upstream, fwd3d_fused), ('inverse3d', c3, inv3d_upstream, inv3d_fused),
           ('forward2d', x, fwd2d_upstream, fwd2d_fused), ('inverse2d', c2, inv2d_upstream, inv2d_fused)]
    for op, inp, up, fused in ops:
        with torch.no_grad():
            out_numel = up(inp).numel()
            tu = bench(lambda: up(inp), 200)
            tf = bench(lambda: fused(inp), 200)
        row = {'op': op, 'input': list(inp.shape), 'upstream': tu, 'fused': tf,
               'upstreamGbps': 4 * (inp.numel() + out_numel) / tu['ms'] / 1e6, 'fusedGbps': 4 * (inp.numel() + out_numel) / tf['ms'] / 1e6}
        log(f"haar {op} {list(inp.shape)}: upstream {tu['ms']:.4f} ms, fused {tf['ms']:.4f} ms")
        result['haar'].append(row)
    if cuda:  # the copy ceiling as PyTorch sees it: a device-to-device copy of the 3D forward's bytes
        src = torch.empty(x.numel(), device=dev)
        dst = torch.empty_like(src)
        t = bench(lambda: dst.copy_(src), 200)
        result['haar'].append({'op': 'copy', 'input': list(shape), 'torch': t, 'gbps': 8 * x.numel() / t['ms'] / 1e6})

text = json.dumps(result, indent=1)
if args.out:
    open(args.out, 'w').write(text + '\n')
print(text)
