"""Builds the ONNX baselines for `npm run bench:kernels`: the same math as our WGSL kernels, written the way an
exported PyTorch model would run it on onnxruntime-web (Reshape/Transpose regrouping + MatMul/Softmax attention;
Haar as fixed-weight Conv3d, and its inverse as MatMul + depth-to-space). Static shapes per config (ORT's fastest mode). Run:
    /usr/bin/python3 bench/make_graphs.py
"""
import json
import math
import os

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "graphs")
OPSET = 17
HAAR_COEF = np.float32(0.3536)  # upstream WF-VAE constant (rounded 1/(2*sqrt(2)))


class Graph:
    def __init__(self):
        self.nodes, self.inits, self.n = [], [], 0

    def const(self, value, dtype=np.int64):
        name = f"c{self.n}"
        self.n += 1
        self.inits.append(numpy_helper.from_array(np.asarray(value, dtype=dtype), name))
        return name

    def op(self, op_type, inputs, **attrs):
        name = f"t{self.n}"
        self.n += 1
        self.nodes.append(helper.make_node(op_type, inputs, [name], **attrs))
        return name

    def save(self, path, inputs, outputs):
        g = helper.make_graph(self.nodes, os.path.basename(path), inputs, outputs, self.inits)
        m = helper.make_model(g, opset_imports=[helper.make_opsetid("", OPSET)], producer_name="osp-web-bench")
        onnx.checker.check_model(m)
        onnx.save(m, path)


def attention_graph(cfg, mode):
    """[B,N,H*D] q,k,v -> pad -> regroup (upstream rule) -> softmax(q k^T * scale + key_bias) v -> inverse -> crop."""
    B, N, H, D, k = cfg["batch"], cfg["tokens"], cfg["heads"], cfg["headDim"], cfg["k"]
    kk = 1 if mode == "dense" else k
    npad = N if mode == "dense" else k * k * math.ceil(N / (k * k))
    L = npad // kk
    g = Graph()
    x = {}
    for t in ("q", "k", "v"):
        h = g.op("Pad", [t, g.const([0, 0, 0, 0, npad - N, 0])]) if npad != N else t
        if mode == "single":  # token i = p*k + g  -> [B, P, G, H, D] -> [G, B, H, P, D]
            h = g.op("Reshape", [h, g.const([B, L, k, H, D])])
            h = g.op("Transpose", [h], perm=[2, 0, 3, 1, 4])
        elif mode == "group":  # token i = n*k^2 + m*k + r -> [B, n, m, r, H, D] -> [m, B, H, n, r, D]
            h = g.op("Reshape", [h, g.const([B, npad // (k * k), k, k, H, D])])
            h = g.op("Transpose", [h], perm=[2, 0, 4, 1, 3, 5])
        else:  # [B, N, H, D] -> [B, H, N, D]
            h = g.op("Reshape", [h, g.const([B, N, H, D])])
            h = g.op("Transpose", [h], perm=[0, 2, 1, 3])
        x[t] = g.op("Reshape", [h, g.const([kk * B, H, L, D])])
    kt = g.op("Transpose", [x["k"]], perm=[0, 1, 3, 2])
    s = g.op("MatMul", [x["q"], kt])
    s = g.op("Mul", [s, g.const(1.0 / math.sqrt(D), np.float32)])
    if npad != N:  # upstream masks padded keys with an additive -9980 bias, regrouped like the tokens
        bias = np.zeros(npad, np.float32)
        bias[N:] = -9980.0
        tok = np.arange(npad)
        if mode == "single":
            order = np.stack([tok[tok % k == gi] for gi in range(k)])
        else:
            order = np.stack([tok[(tok // k) % k == gi] for gi in range(k)])
        gb = np.repeat(bias[order][:, None, :], B, axis=1).reshape(k * B, 1, 1, L)
        s = g.op("Add", [s, g.const(gb, np.float32)])
    p = g.op("Softmax", [s], axis=-1)
    o = g.op("MatMul", [p, x["v"]])  # [kk*B, H, L, D]
    if mode == "single":
        o = g.op("Reshape", [o, g.const([k, B, H, L, D])])
        o = g.op("Transpose", [o], perm=[1, 3, 0, 2, 4])  # [B, P, G, H, D]
    elif mode == "group":
        o = g.op("Reshape", [o, g.const([k, B, H, npad // (k * k), k, D])])
        o = g.op("Transpose", [o], perm=[1, 3, 0, 4, 2, 5])  # [B, n, m, r, H, D]
    else:
        o = g.op("Transpose", [o], perm=[0, 2, 1, 3])
    o = g.op("Reshape", [o, g.const([B, npad, H * D])])
    if npad != N:
        o = g.op("Slice", [o, g.const([0]), g.const([N]), g.const([1])])
    g.nodes[-1].output[0] = "out"
    io = lambda n, shape: helper.make_tensor_value_info(n, TensorProto.FLOAT, shape)
    g.save(os.path.join(OUT, f"attention_{mode}_{cfg['name']}.onnx"),
           [io(t, [B, N, H * D]) for t in ("q", "k", "v")], [io("out", [B, N, H * D])])


def haar_filters():
    f = np.zeros((8, 1, 2, 2, 2), np.float32)
    for s in range(8):
        for dt in range(2):
            for dh in range(2):
                for dw in range(2):
                    sign = (-1) ** ((s & 1) * dw + ((s >> 1) & 1) * dh + ((s >> 2) & 1) * dt)
                    f[s, 0, dt, dh, dw] = sign * HAAR_COEF
    return f


def haar_graphs(cfg):
    """Upstream WF-VAE's formulation: depthwise causal Conv3d(k=2, s=2) per subband, subband-major channels."""
    B, C, T, H, W = (cfg[k] for k in ("batch", "channels", "frames", "height", "width"))
    T2 = (T + 1) // 2
    io = lambda n, shape: helper.make_tensor_value_info(n, TensorProto.FLOAT, shape)
    g = Graph()
    first = g.op("Slice", ["x", g.const([0]), g.const([1]), g.const([2])])
    padded = g.op("Concat", [first, "x"], axis=2)  # replicate frame 0: pairs (x0,x0), (x1,x2), ...
    h = g.op("Reshape", [padded, g.const([B * C, 1, T + 1, H, W])])
    h = g.op("Conv", [h, g.const(haar_filters(), np.float32)], strides=[2, 2, 2], kernel_shape=[2, 2, 2])
    h = g.op("Reshape", [h, g.const([B, C, 8, T2, H // 2, W // 2])])
    h = g.op("Transpose", [h], perm=[0, 2, 1, 3, 4, 5])
    h = g.op("Reshape", [h, g.const([B, 8 * C, T2, H // 2, W // 2])])
    g.nodes[-1].output[0] = "y"
    g.save(os.path.join(OUT, f"haar3d_forward_{cfg['name']}.onnx"),
           [io("x", [B, C, T, H, W])], [io("y", [B, 8 * C, T2, H // 2, W // 2])])

    # Inverse: ORT's WebGPU EP rejects 3D ConvTranspose ("Only Conv2d or Conv1d are supported"), so the baseline is
    # the equivalent it can run: per 2x2x2 block an 8x8 MatMul (Haar synthesis), then depth-to-space, then drop the
    # duplicated first frame.
    g = Graph()
    h = g.op("Reshape", ["y", g.const([B, 8, C, T2, H // 2, W // 2])])
    h = g.op("Transpose", [h], perm=[0, 2, 3, 4, 5, 1])  # [B, C, T2, h, w, s]
    synth = haar_filters().reshape(8, 8)  # [s, (dt, dh, dw)]
    h = g.op("MatMul", [h, g.const(synth, np.float32)])  # [B, C, T2, h, w, 8 offsets]
    h = g.op("Reshape", [h, g.const([B, C, T2, H // 2, W // 2, 2, 2, 2])])
    h = g.op("Transpose", [h], perm=[0, 1, 2, 5, 3, 6, 4, 7])  # [B, C, T2, dt, h, dh, w, dw]
    h = g.op("Reshape", [h, g.const([B, C, 2 * T2, H, W])])
    h = g.op("Slice", [h, g.const([1]), g.const([2 * T2]), g.const([2])])
    g.nodes[-1].output[0] = "x"
    g.save(os.path.join(OUT, f"haar3d_inverse_{cfg['name']}.onnx"),
           [io("y", [B, 8 * C, T2, H // 2, W // 2])], [io("x", [B, C, T, H, W])])


def main():
    os.makedirs(OUT, exist_ok=True)
    kernels = os.path.join(HERE, "..", "src", "kernels")
    record = lambda name: json.load(open(os.path.join(kernels, name, "kernel.json")))  # noqa: E731
    for cfg in record("skiparse")["bench"]:
        for mode in ("single", "group", "dense"):
            attention_graph(cfg, mode)
    for cfg in record("haar")["bench"]:
        haar_graphs(cfg)
    print("wrote", sorted(os.listdir(OUT)))


if __name__ == "__main__":
    main()
