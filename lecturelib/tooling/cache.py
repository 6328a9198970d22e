"""An on-disk cache for heavy results, so a slider revisiting a setting answers at once.

A result is stored under a key made of the function (its module, name and the
source code: every ``lecturelib`` file for the library's own functions, the
defining module's file for others), every argument's *content* (tensors, models, PIL images,
NumPy arrays, plain parameters) and the library/torch versions. Two calls that
would compute the same thing share an entry, even across kernel restarts or
when an instructor pre-computes the evening before class.

Use it as a decorator on a ``compute_*`` function::

    from lecturelib.tooling.cache import disk_cache

    @disk_cache("occlusion", ignore=("progress",))
    def compute_occlusion(model, images, target, *, size=32, stride=2, progress=True):
        ...

or call any function through it, without decorating it::

    from lecturelib.tooling.cache import cached
    heat = cached(occlusion_sensitivity, model, images, 281, size=48)

How arguments are keyed (defaults are filled in first, so ``f(x)`` and
``f(x, size=32)`` share an entry when 32 is the default):

- ``torch.Tensor``: dtype, shape and a hash of the bytes (not the device: a result
  pre-computed on the CPU serves a GPU run, and is moved to the arguments' device).
- ``torch.nn.Module``: class name, ``repr(model)`` (architecture, ReLU flavour,
  dilation…) and a hash of its ``state_dict``. The weights are hashed once per model
  object and memoised; in-place changes (training, ``load_state_dict``) are noticed
  through the tensors' version counters and trigger a new hash.
- ``PIL.Image``: mode, size and pixel bytes; NumPy arrays: dtype, shape and bytes.
- ``torch.Generator``: its state (a hit does *not* advance the generator).
- ``None``/bool/int/float/str/bytes, ``torch.dtype``, ``slice``, ``range``, lists,
  tuples, dicts and other mappings (by their items: a section's ``Settings`` by its
  values, not its profile's name or device), sets, dataclasses, enums,
  module-level functions (by qualified name; lambdas and local functions raise
  ``TypeError``: their name does not say what they compute), objects defining ``__cache_key__(self) -> object`` (whatever it returns is keyed),
  and other ``lecturelib`` objects (e.g. ``ImagePreprocess``) by their attributes.
- Not keyed: the model's ``training`` flag (functions run in eval mode, see
  ``hooks.preserved_state``) and the device (a ``torch.device`` argument is keyed
  as "a device", whichever it is).
- Anything else raises ``TypeError`` naming the argument: pass ``ignore=("name",)``
  for arguments that do not change the result (progress bars, callbacks, batch size).

Where entries live: ``$LECTURELIB_CACHE`` if set (``off``, ``0``, ``false`` or
``none`` disables the cache: every call computes), else ``build/cache`` in a source
checkout, else ``~/.cache/lecturelib``. One file per entry,
``<dir>/<name>/<key>.pt`` (``torch.save``), read back with ``torch.load(weights_only=True)``:
results may be tensors, numbers, strings, lists, tuples, dicts, NumPy arrays, named
tuples and dataclasses (rebuilt only from ``lecturelib`` or already imported classes);
other results are kept in memory only. A small in-memory layer (16 entries per
function) sits in front. Each hit returns a fresh copy (tensors detached, on the
device of the first tensor, model or device argument), so the caller may modify it
freely. A truncated or unreadable file is recomputed.

Size cap: after each store, when the folder's entries exceed ``$LECTURELIB_CACHE_MB``
megabytes (default 500; a number > 0, or ``none`` for no cap), the least recently
used entries are deleted first (a hit, from disk or memory, sets the file's
modification time: that is its last use). A folder that cannot be written (read-only,
a path under a file, a full disk) gives one :class:`CacheWarning` per session and
folder; the calls then compute (entries already there are still read).

Helpers: :func:`clear_cache` (delete entries), :func:`cache_dir` (where they are),
:func:`cache_cap_bytes` (the size cap),
:func:`cache_stats` (hits and misses, for tests and for checking a pre-computation),
:func:`cache_key` (the key of some values), :func:`keyable` (whether values can be
keyed), :func:`cache_watch` (whether a block was answered from the cache, for a
widget's readout). Used by the notebooks' heavy widgets; ``make precompute`` fills it
(:mod:`lecturelib.tooling.precompute`).
"""

from __future__ import annotations

import contextlib
import dataclasses
import enum
import functools
import hashlib
import inspect
import json
import math
import os
import sys
import time
import warnings
import weakref
from collections import OrderedDict
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import Any

import numpy as np
import torch

from lecturelib.tooling import _cache_store as _store

__all__ = [
    "CacheWarning",
    "NotCached",
    "cache_cap_bytes",
    "cache_dir",
    "cache_key",
    "cache_only",
    "cache_stats",
    "cache_watch",
    "cached",
    "clear_cache",
    "disk_cache",
    "keyable",
]

NEVER_KEYED = frozenset({"progress", "threads", "on_partial"})

_OFF = {"off", "0", "false", "no", "none"}
_MEMORY_ENTRIES = 16
_MEMORY: dict[tuple[str, str], OrderedDict] = {}  # (folder, name) -> key -> result
_STATS = {"memory_hits": 0, "disk_hits": 0, "misses": 0}
_MODEL_MEMO: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()
_SOURCE_MEMO: dict[str, str] = {}
_MAX_DEPTH = 8
_UNWRITABLE: set[str] = set()  # folders that failed a write (warned once, then skipped)

DEFAULT_CAP_MB = 500
"""Default size cap of the cache folder, in megabytes (``LECTURELIB_CACHE_MB``)."""
_NO_CAP = {"none", "unlimited"}


class CacheWarning(UserWarning):
    """The cache folder cannot be written: results are computed, not stored."""


def cache_dir() -> Path | None:
    """The cache folder (``$LECTURELIB_CACHE``, ``build/cache``…), or None when off."""
    setting = os.environ.get("LECTURELIB_CACHE")
    if setting is not None:
        if setting.strip().lower() in _OFF or not setting.strip():
            return None
        return Path(setting).expanduser()
    checkout = Path(__file__).resolve().parents[2]
    if (checkout / "pyproject.toml").is_file():
        return checkout / "build" / "cache"
    return Path.home() / ".cache" / "lecturelib"


def cache_cap_bytes() -> int | None:
    """The cache folder's size cap in bytes: ``$LECTURELIB_CACHE_MB`` megabytes (10⁶
    bytes; default :data:`DEFAULT_CAP_MB`), or None for ``none``/``unlimited``.

    Raises:
        ValueError: naming ``LECTURELIB_CACHE_MB`` when it is not a number > 0 or
            ``none`` (``0`` too: ``LECTURELIB_CACHE=off`` is what turns the cache off).
    """
    text = os.environ.get("LECTURELIB_CACHE_MB", "").strip()
    if not text:
        return DEFAULT_CAP_MB * 1_000_000
    if text.lower() in _NO_CAP:
        return None
    try:
        megabytes = float(text)
    except ValueError:
        megabytes = math.nan
    if not (math.isfinite(megabytes) and megabytes > 0):
        raise ValueError(
            "LECTURELIB_CACHE_MB must be a number of megabytes > 0 (e.g. 500) or "
            f"'none' for no cap, got {text!r} (LECTURELIB_CACHE=off turns the cache off)"
        )
    return max(1, int(megabytes * 1_000_000))


def cache_stats(reset: bool = False) -> dict[str, int]:
    """Counts of ``memory_hits``, ``disk_hits`` and ``misses`` since start (or reset)."""
    stats = dict(_STATS)
    if reset:
        _STATS.update(dict.fromkeys(_STATS, 0))
    return stats


@dataclasses.dataclass
class CacheWatch:
    """What the cached calls inside a :func:`cache_watch` block did."""

    hits: int = 0
    misses: int = 0
    seconds: float = 0.0

    @property
    def from_cache(self) -> bool:
        """True when every cached call was answered from the cache (and there was one)."""
        return self.hits > 0 and self.misses == 0

    def describe(self) -> str:
        """``"from the cache"`` or ``"computed in 2.3 s"`` (for a widget's readout)."""
        if self.from_cache:
            return "from the cache"
        return f"computed in {self.seconds:.1f} s"


@contextlib.contextmanager
def cache_watch():
    """Count the cache hits and misses (and the time) of the calls inside the block.

    Example::

        with cache_watch() as w:
            heat = cached(occlusion_sensitivity, model, x, 281)
        readout.value = f"map {w.describe()}"   # "map from the cache"
    """
    watch, before, start = CacheWatch(), dict(_STATS), time.perf_counter()
    try:
        yield watch
    finally:
        watch.hits = (_STATS["memory_hits"] - before["memory_hits"]) + (
            _STATS["disk_hits"] - before["disk_hits"]
        )
        watch.misses = _STATS["misses"] - before["misses"]
        watch.seconds = time.perf_counter() - start


class NotCached(LookupError):
    """Raised by a cached call inside :func:`cache_only` whose result is not stored."""


_ONLY = [0]  # > 0 inside cache_only(): a miss raises NotCached instead of computing


@contextlib.contextmanager
def cache_only():
    """Inside the block, cached calls answer from the cache or raise :class:`NotCached`.

    A widget uses it to find out, without starting the work, whether a costly
    setting is stored already (then it is shown at once) or would have to be
    computed (then the widget announces the cost first).
    """
    _ONLY[0] += 1
    try:
        yield
    finally:
        _ONLY[0] -= 1


def clear_cache(name: str | None = None, *, memory_only: bool = False) -> int:
    """Forget entries of one function (``name``) or of all; returns files deleted."""
    for key in [k for k in _MEMORY if name is None or k[1] == name]:
        del _MEMORY[key]
    folder = cache_dir()
    if memory_only or folder is None or not folder.is_dir():
        return 0
    removed = 0
    for sub in [folder / name] if name else [p for p in folder.iterdir() if p.is_dir()]:
        for path in sub.glob("*.pt"):
            path.unlink(missing_ok=True)
            removed += 1
    return removed


# ----------------------------------------------------------------------------- keys


def _tensor_digest(t: torch.Tensor) -> str:
    flat = t.detach().contiguous().reshape(-1)
    if flat.is_conj():
        flat = flat.resolve_conj()
    data = flat.view(torch.uint8) if flat.numel() else flat.to(torch.uint8)
    return hashlib.blake2b(data.cpu().numpy().tobytes(), digest_size=16).hexdigest()


def _model_digest(model: torch.nn.Module) -> str:
    """Hash of the weights, memoised per object and redone when a tensor changed."""
    state = model.state_dict(keep_vars=True)
    finger = tuple(
        (k, v.data_ptr(), v._version, tuple(v.shape), str(v.dtype))
        for k, v in state.items()
        if isinstance(v, torch.Tensor)
    )
    memo = _MODEL_MEMO.get(model)
    if memo is not None and memo[0] == finger:
        return memo[1]
    h = hashlib.blake2b(digest_size=16)
    for k, v in state.items():
        h.update(k.encode())
        h.update(
            _tensor_digest(v).encode()
            if isinstance(v, torch.Tensor)
            else repr(v).encode()
        )
    digest = h.hexdigest()
    _MODEL_MEMO[model] = (finger, digest)
    return digest


def _plain(value: Any, where: str, depth: int = 0) -> Any:
    """A JSON-able description of ``value`` that changes when its content changes."""
    if depth > _MAX_DEPTH:
        raise TypeError(f"cache: argument {where!r} is nested too deeply to be keyed")
    if value is None or isinstance(value, (bool, int, str)):
        return value
    if isinstance(value, float):
        return ["float", value.hex()]
    if isinstance(value, bytes):
        return ["bytes", hashlib.blake2b(value, digest_size=16).hexdigest()]
    if isinstance(value, torch.Tensor):
        return ["tensor", str(value.dtype), list(value.shape), _tensor_digest(value)]
    if isinstance(value, torch.nn.Module):
        kind = f"{type(value).__module__}.{type(value).__qualname__}"
        arch = hashlib.blake2b(repr(value).encode(), digest_size=8).hexdigest()
        return ["module", kind, arch, _model_digest(value)]
    if isinstance(value, np.ndarray):
        data = hashlib.blake2b(np.ascontiguousarray(value).tobytes(), digest_size=16)
        return ["ndarray", str(value.dtype), list(value.shape), data.hexdigest()]
    if isinstance(value, np.generic):
        return ["npscalar", str(value.dtype), _plain(value.item(), where, depth + 1)]
    if isinstance(value, torch.device):
        return ["device"]  # where it runs is not what it computes
    if isinstance(value, torch.dtype):
        return ["torch", str(value)]
    if isinstance(value, torch.Generator):
        return ["generator", _tensor_digest(value.get_state())]
    return _plain_other(value, where, depth)


def _plain_other(value: Any, where: str, depth: int) -> Any:
    if isinstance(value, enum.Enum):
        return ["enum", type(value).__qualname__, value.name]
    if isinstance(value, (list, tuple)):
        return [type(value).__name__] + [
            _plain(v, f"{where}[{i}]", depth + 1) for i, v in enumerate(value)
        ]
    if isinstance(value, (set, frozenset)):
        items = sorted(json.dumps(_plain(v, where, depth + 1)) for v in value)
        return ["set"] + items
    if isinstance(value, dict):
        items = [
            [_plain(k, where, depth + 1), _plain(v, f"{where}[{k!r}]", depth + 1)]
            for k, v in value.items()
        ]
        return ["dict"] + sorted(items, key=json.dumps)
    if isinstance(value, (slice, range)):
        return [type(value).__name__, value.start, value.stop, value.step]
    if hasattr(value, "__cache_key__"):
        return [
            "custom",
            type(value).__qualname__,
            _plain(value.__cache_key__(), where, depth + 1),
        ]
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        fields = {f.name: getattr(value, f.name) for f in dataclasses.fields(value)}
        return ["dataclass", type(value).__qualname__, _plain(fields, where, depth + 1)]
    if isinstance(value, Mapping):  # e.g. core.settings.Settings: its values only
        return _plain(dict(value.items()), where, depth)
    if inspect.isfunction(value) and (
        value.__closure__ or "<l" in value.__qualname__
    ):  # a lambda or local function: its name does not say what it computes
        raise TypeError(
            f"cache: cannot key argument {where!r}: {value.__qualname__} is a lambda or "
            "a local function; pass a module-level function or plain values instead"
        )
    if inspect.isfunction(value) or inspect.isbuiltin(value) or isinstance(value, type):
        return ["callable", getattr(value, "__module__", ""), value.__qualname__]
    if type(value).__module__.startswith("lecturelib.") and hasattr(value, "__dict__"):
        # the library's own small objects (ImagePreprocess, Objective...): their fields
        return [
            "object",
            type(value).__qualname__,
            _plain(vars(value), where, depth + 1),
        ]
    if type(value).__module__ == "PIL.Image" or _is_pil(value):
        pixels = hashlib.blake2b(value.tobytes(), digest_size=16).hexdigest()
        return ["pil", value.mode, list(value.size), pixels]
    raise TypeError(
        f"cache: cannot key argument {where!r} of type {type(value).__name__}; "
        "pass tensors, models, PIL images, arrays or plain values, give the class a "
        "__cache_key__() method, or leave the argument out with ignore=(...)"
    )


def _is_pil(value: Any) -> bool:
    image = sys.modules.get("PIL.Image")
    return image is not None and isinstance(value, image.Image)


def cache_key(*values: Any, **named: Any) -> str:
    """Hex digest of ``values`` and ``named`` by content, as the cache keys them."""
    plain = [_plain(v, f"#{i}") for i, v in enumerate(values)]
    plain.append({k: _plain(v, k) for k, v in sorted(named.items())})
    text = json.dumps(plain, sort_keys=True, separators=(",", ":"))
    return hashlib.blake2b(text.encode(), digest_size=20).hexdigest()


def keyable(*values: Any) -> bool:
    """Whether the cache can key ``values`` (False for lambdas, open files…)."""
    try:
        cache_key(*values)
    except TypeError:
        return False
    return True


def _code_version(fn: Callable) -> str:
    """Hash of the code behind ``fn``: editing it invalidates its entries.

    For the library's own functions, every ``lecturelib`` source file counts,
    subpackages included (a change in a shared helper such as
    :mod:`lecturelib.core.hooks`, or in a section's private engine, may change any
    result); for other functions, the defining module's source file.
    """
    module = getattr(fn, "__module__", "") or ""
    if module == "lecturelib" or module.startswith("lecturelib."):
        module = "lecturelib"
    if module not in _SOURCE_MEMO:
        try:
            if module == "lecturelib":
                package = Path(__file__).resolve().parents[1]
                paths = sorted(package.rglob("*.py"))
                names = [p.relative_to(package).as_posix() for p in paths]
            else:
                paths = [Path(inspect.getsourcefile(fn) or "")]
                names = [p.name for p in paths]
            h = hashlib.blake2b(digest_size=8)
            for name, path in zip(names, paths, strict=True):
                h.update(name.encode() + b"\0" + path.read_bytes())
            _SOURCE_MEMO[module] = h.hexdigest()
        except (TypeError, OSError):
            _SOURCE_MEMO[module] = "unknown"
    return _SOURCE_MEMO[module]


# --------------------------------------------------------------------- the cache


def _target_device(arguments: dict[str, Any]) -> torch.device:
    """Device of the first tensor, model or device argument (results go there)."""
    for value in arguments.values():
        if isinstance(value, torch.device):
            return value
        if isinstance(value, torch.Tensor):
            return value.device
        if isinstance(value, torch.nn.Module):
            tensor = next(iter(value.state_dict().values()), None)
            if isinstance(tensor, torch.Tensor):
                return tensor.device
    return torch.device("cpu")


def _entry_key(fn: Callable, name: str, arguments: dict[str, Any]) -> str:
    version = getattr(sys.modules.get("lecturelib"), "__version__", "")
    return cache_key(
        f"{fn.__module__}.{fn.__qualname__}",
        name,
        _code_version(fn),
        version,
        torch.__version__,
        **arguments,
    )


def _bound_arguments(fn: Callable, args, kwargs, ignore: frozenset) -> dict[str, Any]:
    bound = inspect.signature(fn).bind(*args, **kwargs)
    bound.apply_defaults()
    return {k: v for k, v in bound.arguments.items() if k not in ignore}


def _memory(folder: Path, name: str) -> OrderedDict:
    return _MEMORY.setdefault((str(folder), name), OrderedDict())


def _remember(table: OrderedDict, key: str, result: Any) -> None:
    table[key] = result
    table.move_to_end(key)
    while len(table) > _MEMORY_ENTRIES:
        table.popitem(last=False)


def _store_entry(folder: Path, path: Path, result: Any, cap: int | None) -> None:
    """Write ``result`` (unless ``folder`` failed before), then keep under the cap."""
    if str(folder) in _UNWRITABLE:
        return
    try:
        stored = _store.write(path, result)
    except (OSError, RuntimeError) as error:  # torch.save reports some as RuntimeError
        _UNWRITABLE.add(str(folder))
        reason = getattr(error, "strerror", None) or str(error).splitlines()[0]
        warnings.warn(
            f"lecturelib cache: cannot write to {folder} ({reason}); results are "
            "computed and kept in memory only for this session. Point "
            "LECTURELIB_CACHE to a writable folder, or set it to 'off'.",
            CacheWarning,
            stacklevel=4,
        )
        return
    if stored and cap is not None:
        _store.prune(folder, cap, keep=path)


def _call(fn: Callable, name: str, ignore: frozenset, args, kwargs, folder=None) -> Any:
    folder = cache_dir() if folder is None else Path(folder)
    if folder is None:
        if _ONLY[0]:
            raise NotCached(name)
        return fn(*args, **kwargs)
    cap = cache_cap_bytes()  # a bad LECTURELIB_CACHE_MB fails before the work
    arguments = _bound_arguments(fn, args, kwargs, ignore)
    key = _entry_key(fn, name, arguments)
    table = _memory(folder, name)
    path = folder / name / f"{key}.pt"
    if key in table:
        _STATS["memory_hits"] += 1
        table.move_to_end(key)
        _store.touch(path)  # a use, for the size cap
        return _store.fresh(table[key], _target_device(arguments))
    if path.is_file():
        ok, result = _store.read(path, _target_device(arguments))
        if ok:
            _STATS["disk_hits"] += 1
            _store.touch(path)
            _remember(table, key, _store.fresh(result))
            return result
    if _ONLY[0]:
        raise NotCached(name)
    _STATS["misses"] += 1
    result = fn(*args, **kwargs)
    _store_entry(folder, path, result, cap)
    _remember(table, key, _store.fresh(result))
    return result


def disk_cache(name: str | None = None, *, ignore: Iterable[str] = ()) -> Callable:
    """Decorator: cache ``fn``'s results on disk, keyed by its arguments' content.

    Args:
        name: sub-folder of the cache for this function (default: its qualified name).
        ignore: argument names left out of the key (progress bars, batch sizes…).
    Returns:
        A decorator; the wrapped function keeps ``fn``'s signature and docstring and
        has ``.uncached`` (the original function) and ``.cache_name``.
    """
    if callable(name):  # used bare, as @disk_cache
        return disk_cache()(name)
    ignored = frozenset(ignore)

    def decorate(fn: Callable) -> Callable:
        folder_name = name or f"{fn.__module__}.{fn.__qualname__}"
        unknown = ignored - set(inspect.signature(fn).parameters)
        if unknown:
            raise ValueError(
                f"disk_cache: ignore names unknown arguments {sorted(unknown)}"
            )

        @functools.wraps(fn)
        def wrapper(*args, **kwargs):
            return _call(fn, folder_name, ignored, args, kwargs)

        wrapper.uncached = fn
        wrapper.cache_name = folder_name
        return wrapper

    return decorate


def cached(
    fn: Callable,
    /,
    *args: Any,
    cache_dir: str | Path | None = None,
    cache_name: str | None = None,
    cache_ignore: Iterable[str] = (),
    **kwargs: Any,
) -> Any:
    """``fn(*args, **kwargs)``, answered from the cache when computed before.

    Args:
        fn: any function whose result depends only on its arguments.
        cache_dir: folder of the cache (default: :func:`cache_dir`; when the
            cache is off, ``LECTURELIB_CACHE=off`` still wins).
        cache_name: sub-folder of the cache (default: ``fn``'s qualified name).
        cache_ignore: argument names left out of the key, besides
            :data:`NEVER_KEYED` (``progress``, ``threads`` and ``on_partial``, a
            callback shown partial results, change the display or the speed of
            lecturelib's functions, never their result).
    Returns:
        ``fn``'s result (a fresh copy on a hit, on the device of the first tensor,
        model or device argument).
    """
    fn = getattr(fn, "uncached", fn)
    name = cache_name or f"{fn.__module__}.{fn.__qualname__}"
    default = globals()["cache_dir"]()
    folder = None if default is None else (cache_dir or default)
    if folder is None:
        if _ONLY[0]:
            raise NotCached(name)
        return fn(*args, **kwargs)
    ignore = frozenset(cache_ignore) | NEVER_KEYED
    return _call(fn, name, ignore, args, kwargs, folder)
