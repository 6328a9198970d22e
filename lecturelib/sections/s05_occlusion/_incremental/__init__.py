"""Notebook 05, slides 34-37: Incremental occlusion: recompute only the part of each layer a gray square changes.

Private to :mod:`lecturelib.sections.s05_occlusion.compute`, the public entry point
(``occlusion_sensitivity(..., method="incremental")``). Three modules:
``patch`` (a changed window of a feature map, and how it grows through a layer),
``ops`` (one rule per supported layer type, on a ``torch.fx`` graph) and ``engine``
(:class:`IncrementalOcclusion`: trace, record the clean pass, replay each square).
"""

from .engine import IncrementalOcclusion
from .patch import Unsupported

__all__ = ["IncrementalOcclusion", "Unsupported"]
