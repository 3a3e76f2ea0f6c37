"""Dataset loaders. Each returns a :class:`Dataset` of float32 samples and int64 labels."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..errors import InputError
from .files import read_npz

__all__ = ["Dataset", "load_dataset", "digits", "DIGITS_SPLIT"]

# The fixed digits split: sklearn's train_test_split with these arguments, stratified by label.
DIGITS_SPLIT = {"test_size": 0.25, "random_state": 0}
_IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".bmp", ".gif", ".pgm", ".ppm")


@dataclass(frozen=True)
class Dataset:
    """Samples and labels.

    Attributes
    ----------
    name : str
    x : ndarray of float32
        ``(N, H, W, C)`` images in [0, 1], or ``(N, ...)`` for a user's arrays.
    y : ndarray of int64
        ``(N,)`` class indices.
    classes : tuple of str
        Class names, indexed by label.
    """

    name: str
    x: np.ndarray
    y: np.ndarray
    classes: tuple[str, ...]

    def __len__(self) -> int:
        return int(self.y.shape[0])

    def take(self, n: int | None) -> "Dataset":
        """The first ``n`` samples (all of them for None)."""
        if n is None or n >= len(self):
            return self
        return Dataset(self.name, self.x[:n], self.y[:n], self.classes)


def digits(split: str = "test") -> Dataset:
    """sklearn's 8x8 digits (1,797 images, shipped with scikit-learn: no download).

    Parameters
    ----------
    split : {"train", "test", "all"}
        The fixed split: 1,347 training and 450 test images from
        ``train_test_split(test_size=0.25, random_state=0, stratify=labels)``.

    Returns
    -------
    Dataset
        ``x`` is ``(N, 8, 8, 1)`` float32, the 0..16 pixel values divided by 16.
    """
    try:
        from sklearn.datasets import load_digits
        from sklearn.model_selection import train_test_split
    except ImportError:
        raise InputError("The digits dataset needs scikit-learn: pip install scikit-learn") from None
    if split not in ("train", "test", "all"):
        raise InputError(f"Unknown digits split '{split}'; choose train, test or all")
    d = load_digits()
    x = (d.images.astype(np.float32) / 16.0)[..., None]
    y = d.target.astype(np.int64)
    if split != "all":
        x_tr, x_te, y_tr, y_te = train_test_split(x, y, stratify=y, **DIGITS_SPLIT)
        x, y = (x_tr, y_tr) if split == "train" else (x_te, y_te)
    return Dataset(f"digits:{split}", np.ascontiguousarray(x), y, tuple(str(i) for i in range(10)))


def _npz(path: Path) -> Dataset:
    arrays = read_npz(path, ("x", "y"), "Dataset file")
    x, y = arrays["x"], arrays["y"]
    if not np.issubdtype(y.dtype, np.integer) or y.ndim != 1:
        raise InputError(f"Dataset file '{path}': 'y' must be a 1-D array of integer labels, got {y.dtype} {y.shape}")
    if x.shape[0] != y.shape[0]:
        raise InputError(f"Dataset file '{path}': 'x' has {x.shape[0]} samples but 'y' has {y.shape[0]} labels")
    if y.size == 0:
        raise InputError(f"Dataset file '{path}' holds no samples")
    if y.min() < 0:
        raise InputError(f"Dataset file '{path}': label {int(y.min())} (sample {int(np.argmin(y))}) is negative; labels "
                         f"are class indices 0, 1, 2, ...")
    if not (np.issubdtype(x.dtype, np.number) or x.dtype == bool):
        raise InputError(f"Dataset file '{path}': 'x' holds {x.dtype} values, not numbers")
    if np.issubdtype(x.dtype, np.floating) and not np.all(np.isfinite(x)):
        raise InputError(f"Dataset file '{path}': 'x' contains NaN or infinite values")
    n_classes = int(y.max()) + 1
    return Dataset(path.name, x, y.astype(np.int64), tuple(str(i) for i in range(n_classes)))


def _image_folder(path: Path) -> Dataset:
    from PIL import Image

    classes = sorted(d.name for d in path.iterdir() if d.is_dir())
    if not classes:
        raise InputError(f"'{path}' has no class subfolders (expected one folder of images per class)")
    xs, ys, shape = [], [], None
    for label, cls in enumerate(classes):
        for f in sorted((path / cls).iterdir()):
            if f.suffix.lower() not in _IMAGE_SUFFIXES:
                continue
            try:
                with Image.open(f) as im:
                    im = im.convert("L" if im.mode in ("1", "L", "P", "I", "F") else "RGB")
                    a = np.asarray(im, np.float32) / 255.0
            except OSError as e:
                raise InputError(f"'{f}' is not a readable image: {e}") from None
            a = a[..., None] if a.ndim == 2 else a
            if shape is None:
                shape = (a.shape, f)
            elif a.shape != shape[0]:
                raise InputError(f"'{f}' is {a.shape[1]}x{a.shape[0]}x{a.shape[2]} but '{shape[1]}' is "
                                 f"{shape[0][1]}x{shape[0][0]}x{shape[0][2]}; all images must have one size")
            xs.append(a)
            ys.append(label)
    if not xs:
        raise InputError(f"'{path}' holds no images ({', '.join(_IMAGE_SUFFIXES)}) in its class folders")
    return Dataset(path.name, np.stack(xs), np.array(ys, np.int64), tuple(classes))


def load_dataset(spec: str | os.PathLike, split: str = "test") -> Dataset:
    """A dataset by name or path.

    Parameters
    ----------
    spec : str or path
        ``digits`` (the ``split`` given), ``digits:train``, ``digits:test``, ``digits:all``; a
        ``.npz`` holding ``x`` and ``y``; or a folder with one subfolder of images per class.
    split : str
        The digits split that a bare ``digits`` means: ``test`` to score, ``train`` to train or calibrate.

    Raises
    ------
    InputError
        Unknown name, missing file, or malformed contents (the message names the file).
    """
    s = os.fspath(spec)
    if s == "digits" or s.startswith("digits:"):
        return digits(s.partition(":")[2] or split)
    p = Path(s)
    if p.is_dir():
        return _image_folder(p)
    if p.suffix == ".npz":
        return _npz(p)
    raise InputError(f"Unknown dataset '{s}': give 'digits' (or digits:train / digits:all), a .npz file "
                     f"with x and y, or a folder of class subfolders")
