"""Float64 references for tests/engine/analysis (regenerate: /usr/bin/python3 tests/engine/analysis/make_reference.py).

Written from the definitions, in torch, independently of the engine's code:
- cluster maps as the authors' ClusterVisualizer.process_cluster computes them
  (scores = cluster @ x.T, reshape to the grid, F.interpolate bilinear with
  align_corners=False, per-map min-max, values below 0.5 set to 0);
- update anatomy from torch.linalg.svd of the dense ΔW and W.
"""
import json
import math
from pathlib import Path

import torch
import torch.nn.functional as F

torch.manual_seed(0)
dtype = torch.float64


def normalize(x, axis, thr=0.5):
    xmin = x.amin(dim=axis, keepdim=True)
    xmax = x.amax(dim=axis, keepdim=True)
    x = (x - xmin) / (xmax - xmin)
    return (x < thr) * 0 + (x > thr) * x


def cluster_case(r, d, h, w, out_h, out_w):
    cluster = torch.randn(r, d, dtype=dtype)
    x = torch.randn(h * w, d, dtype=dtype)
    attn = (cluster @ x.T).reshape(1, r, h, w)
    up = F.interpolate(attn, size=(out_h, out_w), mode="bilinear", align_corners=False)[0]
    maps = normalize(up, axis=(1, 2))
    return {
        "r": r, "d": d, "grid_h": h, "grid_w": w, "height": out_h, "width": out_w,
        "directions": cluster.flatten().tolist(), "tokens": x.flatten().tolist(),
        "upsampled": up.flatten().tolist(), "maps": maps.flatten().tolist(),
    }


def anatomy_case(m, n, rank, dense, energy_ks, alignment_rank=None):
    W = torch.randn(m, n, dtype=dtype)
    if dense:
        D = 0.1 * torch.randn(m, n, dtype=dtype)
        left = right = None
    else:
        left = 0.3 * torch.randn(m, rank, dtype=dtype)
        right = torch.randn(rank, n, dtype=dtype)
        D = left @ right
    U, S, Vh = torch.linalg.svd(D, full_matrices=False)
    r = alignment_rank if dense else rank
    Ur, Vr = U[:, :r], Vh[:r, :].T
    projected = torch.linalg.norm(Ur.T @ W @ Vr)
    Uw, Sw, _ = torch.linalg.svd(W, full_matrices=False)
    delta_fro = torch.linalg.norm(D)
    p = S / S.sum()
    erank = math.exp(-(p[p > 0] * torch.log(p[p > 0])).sum().item())
    case = {
        "m": m, "n": n, "dense": dense, "weight": W.flatten().tolist(),
        "delta_fro_over_weight_fro": (delta_fro / torch.linalg.norm(W)).item(),
        "singular_values": S[: (rank if not dense else min(m, n))].tolist(),
        "effective_rank": erank if not dense else None,
        "stable_rank": (delta_fro ** 2 / S[0] ** 2).item(),
        "alignment_rank": r,
        "projected_weight_fro": projected.item(),
        "amplification_factor": (delta_fro / projected).item(),
        "energy": [{"k": k, "share": (torch.linalg.norm(Uw[:, :k].T @ D) ** 2 / delta_fro ** 2).item()} for k in energy_ks],
    }
    if dense:
        case["delta"] = D.flatten().tolist()
    else:
        case["left"] = left.flatten().tolist()
        case["right"] = right.flatten().tolist()
        case["rank"] = rank
    return case


reference = {
    "clusters": [cluster_case(3, 5, 2, 2, 7, 7), cluster_case(4, 6, 3, 3, 8, 5), cluster_case(2, 4, 4, 4, 16, 16)],
    "anatomy": [
        anatomy_case(12, 9, 3, False, [1, 4]),
        anatomy_case(9, 14, 2, False, [1, 4, 8]),
        anatomy_case(10, 8, None, True, [1, 4], alignment_rank=3),
        anatomy_case(40, 36, 4, False, [1, 4, 16]),
    ],
}
out = Path(__file__).with_name("reference.json")
out.write_text(json.dumps(reference))
print(f"wrote {out} ({out.stat().st_size} bytes)")
