"""Labeled datasets as arrays: sklearn's digits, a user's ``.npz``, or a folder of images.

Images come as float32 NHWC in [0, 1] (``x``) with int64 class indices (``y``); see
:func:`load_dataset` for the names it accepts.
"""

from .datasets import DIGITS_SPLIT, Dataset, load_dataset, digits

__all__ = ["Dataset", "load_dataset", "digits", "DIGITS_SPLIT"]
