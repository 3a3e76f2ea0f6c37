"""Reading NumPy files that users hand in: one wording for a missing file, and clear errors for empty,
pickled or damaged ones (NumPy's own say "Object arrays cannot be loaded" or nothing at all)."""

from __future__ import annotations

import os
import zipfile
from pathlib import Path

import numpy as np

from ..errors import InputError

__all__ = ["existing_file", "read_npy", "read_npz"]


def existing_file(path: str | os.PathLike, what: str) -> Path:
    """``path`` as a Path, when it names a file.

    Raises
    ------
    InputError
        ``"{what} '{path}' does not exist"``, or is a folder.
    """
    p = Path(path)
    if p.is_dir():
        raise InputError(f"{what} '{p}' is a folder, not a file")
    if not p.is_file():
        raise InputError(f"{what} '{p}' does not exist")
    return p


def read_npy(path: str | os.PathLike, what: str = "File") -> np.ndarray:
    """One array from a ``.npy`` file, never unpickled.

    Raises
    ------
    InputError
        The file is missing, empty, not a ``.npy`` (no NumPy header), holds a pickled object, is
        truncated, or holds an empty array.
    """
    p = existing_file(path, what)
    with open(p, "rb") as f:
        head = f.read(6)
    if not head:
        raise InputError(f"{what} '{p}' is empty")
    if head != b"\x93NUMPY":
        raise InputError(f"{what} '{p}' is not a .npy file (it lacks NumPy's header); save arrays with numpy.save")
    try:
        arr = np.load(p, allow_pickle=False)
    except ValueError as e:
        why = "holds pickled Python objects, which are refused" if "allow_pickle" in str(e) else str(e)
        raise InputError(f"{what} '{p}' {why}; save a plain numeric array with numpy.save") from None
    except (OSError, EOFError) as e:
        raise InputError(f"{what} '{p}' is damaged or truncated ({e or type(e).__name__})") from None
    if arr.dtype == object or not (np.issubdtype(arr.dtype, np.number) or arr.dtype == bool):
        raise InputError(f"{what} '{p}' holds {arr.dtype} values, not numbers")
    if arr.size == 0:
        raise InputError(f"{what} '{p}' holds an empty array {arr.shape}")
    return arr


def read_npz(path: str | os.PathLike, names: tuple[str, ...], what: str = "File") -> dict[str, np.ndarray]:
    """The named arrays of a ``.npz`` file, never unpickled.

    Raises
    ------
    InputError
        The file is missing, empty, not a zip of arrays, lacks a name, or holds pickled objects.
    """
    p = existing_file(path, what)
    if p.stat().st_size == 0:
        raise InputError(f"{what} '{p}' is empty")
    try:
        with np.load(p, allow_pickle=False) as f:
            missing = set(names) - set(f.files)
            if missing:
                raise InputError(f"{what} '{p}' must hold arrays {', '.join(repr(n) for n in names)}; it lacks "
                                 f"{', '.join(sorted(missing))} (it has: {', '.join(f.files) or 'nothing'})")
            return {n: f[n] for n in names}
    except InputError:
        raise
    except ValueError as e:
        why = "holds pickled Python objects, which are refused" if "allow_pickle" in str(e) else f"is not a .npz " \
              f"file ({e})"
        raise InputError(f"{what} '{p}' {why}; save arrays with numpy.savez") from None
    except (OSError, EOFError, zipfile.BadZipFile) as e:
        raise InputError(f"{what} '{p}' is not a readable .npz file ({e or type(e).__name__})") from None
