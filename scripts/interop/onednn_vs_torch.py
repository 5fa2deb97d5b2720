#!/usr/bin/env python3
"""Is SwiftQuant's oneDNN bf16 Linear (Sources/CDNNL, one oneDNN thread per call) bit-identical to torch's
CPU bf16 F.linear on THIS machine? Builds Sources/CDNNL/sq_dnnl.c into a temporary shared library (gcc,
libdnnl-dev) and compares on SmolLM2's widths (K = 576, 1536), hashed and Gaussian inputs, torch with 1
and 2 threads (llm-compressor's anchors ran with 2).

usage:  "$(scripts/python-env.sh | tail -n1)" scripts/interop/onednn_vs_torch.py
"""
import ctypes, os, subprocess, sys, tempfile
import numpy as np
import torch
import torch.nn.functional as F

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
tmp = tempfile.mkdtemp()
lib_path = os.path.join(tmp, "libsq_dnnl.so")
subprocess.check_call(["gcc", "-O2", "-shared", "-fPIC", "-I", os.path.join(ROOT, "Sources/CDNNL/include"),
                       os.path.join(ROOT, "Sources/CDNNL/sq_dnnl.c"), "-ldnnl", "-ldl", "-o", lib_path])
lib = ctypes.CDLL(lib_path)
lib.sq_dnnl_bf16_impl.restype = ctypes.c_char_p
if not lib.sq_dnnl_bf16_native():
    print(f"oneDNN has no native bf16 matmul here ({lib.sq_dnnl_bf16_impl().decode()}): SwiftQuant uses its own kernel")
    sys.exit(0)
P = ctypes.POINTER(ctypes.c_uint16)


def onednn(x, w):
    m, k = x.shape
    n = w.shape[0]
    a = x.view(torch.int16).numpy().astype(np.uint16).copy()
    b = w.view(torch.int16).numpy().astype(np.uint16).copy()
    c = np.zeros((m, n), np.uint16)
    status = lib.sq_dnnl_bf16_linear(ctypes.c_int64(m), ctypes.c_int64(n), ctypes.c_int64(k), a.ctypes.data_as(P),
                                     ctypes.c_int64(k), b.ctypes.data_as(P), c.ctypes.data_as(P), ctypes.c_int64(n))
    assert status == 0, status
    return torch.from_numpy(c.astype(np.int16)).view(torch.bfloat16)


def hashed(rows, cols, salt):
    i = torch.arange(rows, dtype=torch.int64)[:, None]
    k = torch.arange(cols, dtype=torch.int64)[None, :]
    h = (i * 7919 + k * 104729 + salt * 1299709) % 1000003
    return (((h % 255) - 127).double() * torch.pow(2.0, -((h // 255) % 9).double())).bfloat16()


torch.manual_seed(0)
print(f"oneDNN {lib.sq_dnnl_bf16_impl().decode()}, torch {torch.__version__}")
worst = 1.0
for threads in (1, 2):
    torch.set_num_threads(threads)
    for k in (576, 1536):
        for name, (x, w) in {"hashed": (hashed(256, k, 1), hashed(256, k, 2)),
                             "gaussian": (torch.randn(2048, k).bfloat16(), (torch.randn(1536, k) * 0.05).bfloat16())}.items():
            share = (F.linear(x, w).view(torch.int16) == onednn(x, w).view(torch.int16)).float().mean().item()
            worst = min(worst, share) if threads == 2 else worst
            print(f"torch threads {threads}, K {k}, {name}: {share * 100:.4f} % of outputs bit-identical")
print(f"worst with torch at 2 threads: {worst * 100:.4f} %")
