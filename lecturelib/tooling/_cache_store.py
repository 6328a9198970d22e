"""Storage of :mod:`lecturelib.tooling.cache` entries: results as files readable with
``torch.load(weights_only=True)``, fresh copies of results, and the size cap (least
recently used entries deleted first; a file's modification time is its last use).

Tensors, plain values, lists, tuples and dicts are stored as they are; dataclasses,
named tuples, NumPy arrays and torch devices/dtypes as tagged dicts, rebuilt on
reading (only classes of the ``lecturelib`` package, or already imported, are
rebuilt: reading an entry never imports foreign code).
"""

from __future__ import annotations

import contextlib
import copy
import dataclasses
import importlib
import os
import sys
from pathlib import Path
from typing import Any

import numpy as np
import torch

__all__ = ["folder_bytes", "fresh", "prune", "read", "touch", "write"]

_TAG = "__lecturelib_cache__"


def _encode(value: Any) -> Any:
    """Tensors, plain values and containers as they are; dataclasses, named tuples
    and arrays as tagged dicts, so that ``torch.load(weights_only=True)`` reads them."""
    if value is None or isinstance(value, (bool, int, float, str, bytes, torch.Tensor)):
        return value
    if isinstance(value, (torch.device, torch.dtype)):
        return {_TAG: "torch", "text": str(value)}
    if isinstance(value, np.ndarray):
        return {_TAG: "ndarray", "data": torch.from_numpy(np.ascontiguousarray(value))}
    if isinstance(value, np.generic):
        return _encode(value.item())
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        fields = {
            f.name: _encode(getattr(value, f.name)) for f in dataclasses.fields(value)
        }
        return {_TAG: "dataclass", "class": _class_path(value), "fields": fields}
    if isinstance(value, tuple) and hasattr(value, "_fields"):
        return {
            _TAG: "namedtuple",
            "class": _class_path(value),
            "items": [_encode(v) for v in value],
        }
    if isinstance(value, (list, tuple)):
        return type(value)(_encode(v) for v in value)
    if isinstance(value, dict) and _TAG not in value:
        return {k: _encode(v) for k, v in value.items()}
    raise TypeError(f"cache: cannot store a result of type {type(value).__name__}")


def _class_path(value: Any) -> str:
    return f"{type(value).__module__}:{type(value).__qualname__}"


def _load_class(path: str) -> type:
    module, _, qualname = path.partition(":")
    ours = module == "lecturelib" or module.startswith("lecturelib.")
    if not ours and module not in sys.modules:  # only classes already imported
        raise TypeError(f"cache: refusing to import {module!r} to read an entry")
    obj: Any = importlib.import_module(module)
    for part in qualname.split("."):
        obj = getattr(obj, part)
    return obj


def _decode(value: Any) -> Any:
    if isinstance(value, list):
        return [_decode(v) for v in value]
    if isinstance(value, tuple):
        return tuple(_decode(v) for v in value)
    if not isinstance(value, dict):
        return value
    kind = value.get(_TAG)
    if kind is None:
        return {k: _decode(v) for k, v in value.items()}
    if kind == "torch":
        text = value["text"]
        return (
            getattr(torch, text[len("torch.") :])
            if text.startswith("torch.")
            else torch.device(text)
        )
    if kind == "ndarray":
        return value["data"].cpu().numpy()
    cls = _load_class(value["class"])
    if kind == "namedtuple":
        return cls(*[_decode(v) for v in value["items"]])
    fields = {k: _decode(v) for k, v in value["fields"].items()}
    obj = cls.__new__(cls)
    for name, field_value in fields.items():  # works for frozen dataclasses too
        object.__setattr__(obj, name, field_value)
    return obj


def _moved(value: Any, device: torch.device | None, copy: bool) -> Any:
    """Tensors of an encoded value detached, copied if ``copy``, and moved to
    ``device`` if given (the data of NumPy arrays stays on the CPU)."""
    if isinstance(value, torch.Tensor):
        t = value.detach()
        if device is None:
            return t.clone() if copy else t
        return t.to(device, copy=copy)
    if isinstance(value, (list, tuple)):
        return type(value)(_moved(v, device, copy) for v in value)
    if isinstance(value, dict):
        if value.get(_TAG) == "ndarray":
            return {**value, "data": _moved(value["data"], None, copy)}
        return {k: _moved(v, device, copy) for k, v in value.items()}
    return value


def fresh(value: Any, device: torch.device | None = None) -> Any:
    """A copy sharing no tensor with ``value`` (tensors detached, and moved to
    ``device`` when given)."""
    try:
        return _decode(_moved(_encode(value), device, copy=True))
    except TypeError:
        return copy.deepcopy(value)


def read(path: Path, device: torch.device) -> tuple[bool, Any]:
    """``(True, result)`` with its tensors on ``device``, or ``(False, None)``."""
    try:
        stored = torch.load(path, map_location="cpu", weights_only=True)
        return True, _decode(_moved(stored["result"], device, copy=False))
    except Exception:  # noqa: BLE001 - truncated, stale or foreign file: recompute
        return False, None


def _compact(value: Any) -> Any:
    """Views of larger tensors (a crop of a dataset…) copied, so that a file holds
    only their own elements: ``torch.save`` writes a view's whole storage."""
    if isinstance(value, torch.Tensor):
        t = value.detach()
        size = t.numel() * t.element_size()
        return t.clone() if t.untyped_storage().nbytes() > size else t
    if isinstance(value, (list, tuple)):
        return type(value)(_compact(v) for v in value)
    if isinstance(value, dict):
        return {k: _compact(v) for k, v in value.items()}
    return value


def write(path: Path, result: Any) -> bool:
    """Store ``result`` at ``path``; False when its type cannot be stored (it is then
    kept in memory only). Raises ``OSError`` when the folder cannot be written."""
    try:
        payload = {"result": _compact(_encode(result))}
    except TypeError:
        return False
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        torch.save(payload, tmp)
        os.replace(tmp, path)  # atomic: a reader never sees half a file
    except BaseException:
        with contextlib.suppress(OSError):
            tmp.unlink(missing_ok=True)
        raise
    return True


def touch(path: Path) -> None:
    """Mark an entry as used now (its modification time), for the size cap; an entry
    deleted meanwhile or a read-only folder is no error."""
    with contextlib.suppress(OSError):
        os.utime(path)


def _entries(folder: Path) -> list[tuple[int, int, Path]]:
    """``(last use in ns, bytes, path)`` of every entry (``<folder>/<name>/*.pt``)."""
    found = []
    with contextlib.suppress(OSError):
        subs = [e.path for e in os.scandir(folder) if e.is_dir(follow_symlinks=False)]
        for sub in subs:
            with contextlib.suppress(OSError):
                for entry in os.scandir(sub):
                    if entry.name.startswith(".") or not entry.name.endswith(".pt"):
                        continue  # another process's half-written file
                    try:
                        st = entry.stat()
                    except OSError:  # deleted meanwhile by another process
                        continue
                    found.append((st.st_mtime_ns, st.st_size, Path(entry.path)))
    return found


def folder_bytes(folder: Path) -> int:
    """Bytes held by the entries of the cache ``folder``."""
    return sum(size for _, size, _ in _entries(folder))


def prune(folder: Path, cap: int, keep: Path | None = None) -> list[Path]:
    """Delete the least recently used entries until ``folder`` holds ``<= cap`` bytes.

    ``keep`` (the entry just written) goes last, and only when it alone exceeds the
    cap. Safe beside other processes: an entry they delete first still counts as
    gone, and one they are reading stays readable to them (POSIX) or is recomputed.
    Returns the deleted paths, oldest first.
    """
    found = _entries(folder)
    total = sum(size for _, size, _ in found)
    removed: list[Path] = []
    if total <= cap:
        return removed
    found.sort(key=lambda e: (e[2] == keep, e[0], str(e[2])))
    for _, size, path in found:
        if total <= cap:
            break
        try:
            path.unlink()
        except FileNotFoundError:
            pass  # another process pruned it already
        except OSError:
            continue
        total -= size
        removed.append(path)
    return removed
