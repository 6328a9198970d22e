"""Notebook 05, slides 34-37: Patched activations and their geometry, for :mod:`.engine`.

A :class:`Patch` stands for a batch of activations that equal the clean image's
activation except inside a region, one per batch item; :func:`gather` reads windows
of it, :func:`materialize` makes whole activations of it.
Coordinates follow Nakandala et al. (SIGMOD 2019): the *nominal* footprint is where the
values may differ (it can reach outside the map at the borders); the *stored* region is
the nominal one clipped to the map, moved inside it when needed, all items sharing one
size so that a batch is one tensor.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import Tensor


class Unsupported(Exception):
    """The model cannot be run incrementally; the message says why."""


@dataclass
class Patch:
    data: Tensor  # (B, C, h, w): exact values of the stored region
    r: Tensor  # (B,) stored region's top row
    c: Tensor  # (B,) stored region's left column
    nr: Tensor  # (B,) nominal footprint's top row (may be < 0)
    nc: Tensor  # (B,) nominal footprint's left column
    nh: int  # nominal footprint's height (shared by the batch)
    nw: int

    def covers(self, clean: Tensor) -> bool:
        return tuple(self.data.shape[-2:]) == tuple(clean.shape[-2:])


def _grow(start, n, k, s, d, p, n_out):
    """Output footprint of a k/s/d/p window op for an input footprint [start, start+n)."""
    lo = -torch.div(-(start + p - (k - 1) * d), s, rounding_mode="floor")  # ceil
    hi = torch.div(start + n - 1 + p, s, rounding_mode="floor")
    size = max(int((hi - lo).max()) + 1, 1)
    m = min(size, n_out)
    return lo, size, lo.clamp(0, n_out - m), m


def gather(x: Patch, clean: Tensor, wr, wc, ih: int, iw: int, pad: float = 0.0):
    """(B, C, ih, iw) windows at (wr, wc) of the patched activations, ``pad`` outside.

    One row gather from a table [clean pixels; patch pixels; pad], channels last.
    """
    dev, (hh, ww), (batch, ch, h, w) = clean.device, clean.shape[-2:], x.data.shape
    if (ih, iw) == (h, w) and torch.equal(wr, x.r) and torch.equal(wc, x.c):
        return x.data  # the window is the stored region (1×1 convolutions, additions)
    lo_r, hi_r = int(wr.min()), int(wr.max()) + ih  # the band of rows the batch reads
    lo_c, hi_c = int(wc.min()), int(wc.max()) + iw
    r0, r1, c0, c1 = max(lo_r, 0), min(hi_r, hh), max(lo_c, 0), min(hi_c, ww)
    rows = wr[:, None] + torch.arange(ih, device=dev)
    cols = wc[:, None] + torch.arange(iw, device=dev)
    in_r = (rows.clamp(r0, r1 - 1) - r0) * (c1 - c0)
    idx = in_r[:, :, None] + (cols.clamp(c0, c1 - 1) - c0)[:, None, :]
    pr, pc = rows - x.r[:, None], cols - x.c[:, None]
    inside = ((pr >= 0) & (pr < h))[:, :, None] & ((pc >= 0) & (pc < w))[:, None, :]
    b = torch.arange(batch, device=dev)[:, None, None] * (h * w)
    pidx = b + pr.clamp(0, h - 1)[:, :, None] * w + pc.clamp(0, w - 1)[:, None, :]
    n_clean = (r1 - r0) * (c1 - c0)
    idx = torch.where(inside, pidx + n_clean, idx)
    if lo_r < 0 or hi_r > hh or lo_c < 0 or hi_c > ww:  # padding
        ok_r, ok_c = (rows >= 0) & (rows < hh), (cols >= 0) & (cols < ww)
        valid = ok_r[:, :, None] & ok_c[:, None, :]
        idx = torch.where(valid | inside, idx, n_clean + batch * h * w)
    table = torch.cat(
        [
            clean[0, :, r0:r1, c0:c1].permute(1, 2, 0).reshape(-1, ch),
            x.data.permute(0, 2, 3, 1).reshape(-1, ch),
            clean.new_full((1, ch), pad),
        ]
    )
    out = table.index_select(0, idx.flatten()).view(batch, ih, iw, ch)
    return out.permute(0, 3, 1, 2)


def materialize(x: Patch, clean: Tensor) -> Tensor:
    """The whole (B, C, H, W) activations: clean everywhere, the patch pasted in."""
    if x.covers(clean):
        return x.data
    batch, (h, w) = x.data.shape[0], x.data.shape[-2:]
    full = clean.expand(batch, *clean.shape[1:]).contiguous()
    rows = (x.r[:, None] + torch.arange(h, device=clean.device))[:, :, None]
    cols = (x.c[:, None] + torch.arange(w, device=clean.device))[:, None, :]
    b = torch.arange(batch, device=clean.device)[:, None, None]
    full.permute(0, 2, 3, 1)[b, rows, cols] = x.data.permute(0, 2, 3, 1)
    return full


def windowed(x: Patch, clean_in, clean_out, k, s, d, p, pad, op) -> Patch:
    hh, ww = clean_out.shape[-2:]
    nr, nh, r, mh = _grow(x.nr, x.nh, k[0], s[0], d[0], p[0], hh)
    nc, nw, c, mw = _grow(x.nc, x.nw, k[1], s[1], d[1], p[1], ww)
    ih = (mh - 1) * s[0] + (k[0] - 1) * d[0] + 1
    iw = (mw - 1) * s[1] + (k[1] - 1) * d[1] + 1
    win = gather(x, clean_in, r * s[0] - p[0], c * s[1] - p[1], ih, iw, pad)
    return Patch(op(win), r, c, nr, nc, nh, nw)


def union(a: Patch, b: Patch, clean_a, clean_b, fn) -> Patch:
    """fn(a, b) for two patched activations of one shape: the union of the footprints."""
    geo = []
    for sa, na, sb, nb, size in (
        (a.nr, a.nh, b.nr, b.nh, clean_a.shape[-2]),
        (a.nc, a.nw, b.nc, b.nw, clean_a.shape[-1]),
    ):
        lo, hi = torch.minimum(sa, sb), torch.maximum(sa + na, sb + nb)
        n = int((hi - lo).max())
        m = min(n, size)
        geo.append((lo, n, lo.clamp(0, size - m), m))
    (nr, nh, r, mh), (nc, nw, c, mw) = geo
    wa, wb = gather(a, clean_a, r, c, mh, mw), gather(b, clean_b, r, c, mh, mw)
    return Patch(fn(wa, wb), r, c, nr, nc, nh, nw)
