"""What the training CPU can do natively, read from /proc/cpuinfo (choices that depend on the machine, not the model)."""

from __future__ import annotations


def cpu_has_bf16(cpuinfo: str | None = None) -> bool:
    """Whether the CPU computes bf16 natively (AVX512-BF16 or AMX). Without it PyTorch emulates bf16 matmuls: measured
    on an AVX2-only AMD EPYC here, a DiT step took 8.8 s under bf16 autocast against 0.87 s in fp32 (on an AVX512-BF16
    machine bf16 was 1.5x faster than fp32)."""
    if cpuinfo is None:
        try:
            with open("/proc/cpuinfo") as f:
                cpuinfo = f.read()
        except OSError:
            return False
    flags = next((line.split(":", 1)[1].split() for line in cpuinfo.splitlines() if line.startswith("flags")), [])
    return "avx512_bf16" in flags or "amx_bf16" in flags
