"""The generation PRNG, identical to src/engine/prng.ts (see the comment there for the exact definition):
Philox4x32-10 keyed by the seed, counter (block, stream, 0, 0), Box-Muller in float64, rounded to float32.
The reference sampler draws its noise here so the browser engine reproduces it without noise files."""
import numpy as np

M0, M1 = 0xD2511F53, 0xCD9E8D57
W0, W1 = 0x9E3779B9, 0xBB67AE85
MASK = 0xFFFFFFFF


def philox4x32(counter, key):
    """Vectorised over the leading axis: counter uint64 array [n, 4], key (k0, k1) ints -> uint64 [n, 4]."""
    c = np.asarray(counter, dtype=np.uint64).copy()
    k0, k1 = np.uint64(key[0] & MASK), np.uint64(key[1] & MASK)
    m0, m1, mask = np.uint64(M0), np.uint64(M1), np.uint64(MASK)
    s32 = np.uint64(32)
    for _ in range(10):
        p0 = m0 * c[:, 0]  # < 2^64: exact in uint64
        p1 = m1 * c[:, 2]
        hi0, lo0 = p0 >> s32, p0 & mask
        hi1, lo1 = p1 >> s32, p1 & mask
        c = np.stack([hi1 ^ c[:, 1] ^ k0, lo1, hi0 ^ c[:, 3] ^ k1, lo0], axis=1)
        k0 = (k0 + np.uint64(W0)) & mask
        k1 = (k1 + np.uint64(W1)) & mask
    return c


def seed_key(seed):
    if not (isinstance(seed, (int, np.integer)) and 0 <= seed < 2**53):
        raise ValueError(f"seed must be a non-negative integer < 2^53, got {seed!r}")
    return int(seed) % 2**32, int(seed) // 2**32


def gaussian_noise(seed, stream, count):
    """`count` standard normals (float32) of `stream` for `seed`; element i = value i % 4 of block i // 4."""
    blocks = (count + 3) // 4
    ctr = np.zeros((blocks, 4), dtype=np.uint64)
    ctr[:, 0] = np.arange(blocks, dtype=np.uint64)
    ctr[:, 1] = stream
    x = philox4x32(ctr, seed_key(seed)).astype(np.float64)
    out = np.empty((blocks, 4), dtype=np.float64)
    for pair in range(2):
        u1 = (x[:, 2 * pair] + 1.0) / 2.0**32
        u2 = x[:, 2 * pair + 1] / 2.0**32
        r = np.sqrt(-2.0 * np.log(u1))
        out[:, 2 * pair] = r * np.cos(2.0 * np.pi * u2)
        out[:, 2 * pair + 1] = r * np.sin(2.0 * np.pi * u2)
    return out.reshape(-1)[:count].astype(np.float32)
