#!/usr/bin/env python3
"""The order in which llm-compressor 0.14 feeds n equal-length calibration samples to the model.

usage: python3 scripts/interop/llmc_sample_order.py N [--check]     (--check needs torch)

With `shuffle_calibration_samples=False` llm-compressor does NOT keep the dataset order: its
`LengthAwareSampler` (llmcompressor/datasets/utils.py) iterates
`torch.argsort(torch.tensor(lengths), descending=True)`, and torch's CPU argsort is not stable
(`stable=False` -> libstdc++ `std::sort` on (key, index) pairs comparing keys only). With all lengths
equal -- C(n, L) samples all have L tokens -- the result is the permutation std::sort's introsort leaves
on n equal keys: the identity for n <= 16 (insertion sort only), a shuffled order above, e.g. n = 64:
[48, 33..47, 32, 49..63, 16, 1..15, 0, 17..31].

This matters for observers that depend on the order: the `minmax` observer (moving average, the default
for static input activations and kv-cache scales) -- the first batch carries weight 0.99^(n-1). It
does not matter for `static_minmax` (FP8 preset), `memoryless_minmax` (weights) or GPTQ's Hessian sum
up to rounding. Verified: for SmolLM2-135M int8_static C(64, 512) the reference input scales of layers
0-1 are reproduced bit for bit with this order and no other.

The emulation below is libstdc++'s std::sort (GCC 13 bits/stl_algo.h: __introsort_loop with
_S_threshold 16, __move_median_to_first, __unguarded_partition, then __final_insertion_sort) specialised
to a comparator that is always false. --check compares it with torch.argsort for n = 1..1100.
"""
import argparse, json, sys


def llmc_sample_order(n):
    """Indices of the dataset in the order llm-compressor visits n equal-length samples."""
    a = list(range(n))

    def move_median_to_first(result, x, y, z):
        # comp(...) is always false for equal keys: the final `else` branch swaps result with y (the middle)
        a[result], a[y] = a[y], a[result]

    def unguarded_partition(first, last, pivot):
        while True:
            # `while comp(*first, *pivot) ++first` and `while comp(*pivot, *last) --last` never advance
            last -= 1
            if not first < last:
                return first
            a[first], a[last] = a[last], a[first]
            first += 1

    def introsort_loop(first, last, depth_limit):
        while last - first > 16:
            if depth_limit == 0:  # heap sort fallback; never reached for equal keys (balanced cuts)
                raise AssertionError("introsort depth limit reached")
            depth_limit -= 1
            mid = first + (last - first) // 2
            move_median_to_first(first, first + 1, mid, last - 1)
            cut = unguarded_partition(first + 1, last, first)
            introsort_loop(cut, last, depth_limit)
            last = cut

    if n > 1:
        introsort_loop(0, n, 2 * (n.bit_length() - 1))
    # __final_insertion_sort moves nothing when every comparison is false
    return a


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("n", type=int)
    ap.add_argument("--check", action="store_true", help="compare with torch.argsort for n = 1..1100 and N")
    a = ap.parse_args()
    if a.check:
        import torch
        bad = [n for n in list(range(1, 1101)) + [a.n]
               if torch.argsort(torch.tensor([1] * n), descending=True).tolist() != llmc_sample_order(n)]
        print(f"check against torch {torch.__version__}: " + ("all equal" if not bad else f"MISMATCH for n = {bad[:10]}"),
              file=sys.stderr)
        if bad:
            sys.exit(1)
    print(json.dumps(llmc_sample_order(a.n)))


if __name__ == "__main__":
    main()
