"""The sparse features of a systolic array: which zeros it exploits, and how it stores weights.

``weight_sparsity``
    ``"none"``; ``"N:M"`` (structured: at most N non-zeros in every M consecutive weights along the
    reduction axis; the array holds only the N kept values of each group, with ``log2 M``-bit
    indices that drive a per-PE operand mux, so the reduction dimension shrinks by M/N, as in
    NVIDIA's sparse tensor cores); ``"unstructured"`` (zero-skipping: a reduction step or a weight
    vector whose weights are all zero across the fold is skipped; needs a format that marks zeros).
``activation_zeros``
    ``"none"``; ``"gate"`` (a zero operand does not toggle the multiplier: energy only); ``"skip"``
    (gating, and a streamed or stationary activation vector that is zero across the fold is skipped:
    cycles too; a zero flag per vector is written beside the activations).
``format``
    How weights are stored in SRAM and DRAM: ``"dense"``, ``"bitmask"`` (non-zero values and one
    bit per position), ``"csr"`` (values and column indices per k-row of the K x N weight matrix,
    with row pointers), ``"csc"`` (per output column), or ``"nm"`` (the N kept values of every group
    and their indices). Metadata bytes are counted in traffic and energy.

Skipping is lockstep: the whole array skips a step, as a systolic array whose operands flow in
lockstep can. So unstructured sparsity pays off only where a whole vector of the fold is zero; N:M
pays off always, because each PE picks its own operand through the mux.
"""

from __future__ import annotations

from dataclasses import dataclass
from math import ceil, log2

__all__ = ["SparseSpec", "parse_weight_sparsity", "WEIGHT_SPARSITY", "ACTIVATION_ZEROS", "FORMATS",
           "FORMATS_FOR_DATAFLOW", "metadata_bits", "index_bytes"]

WEIGHT_SPARSITY = ("none", "N:M", "unstructured")
ACTIVATION_ZEROS = ("none", "gate", "skip")
FORMATS = ("dense", "bitmask", "csr", "csc", "nm")
# csr walks k-rows of the weight matrix (what ws loads and os streams), csc walks its columns (what
# is streams); bitmask can be walked either way.
FORMATS_FOR_DATAFLOW = {"ws": ("dense", "bitmask", "csr", "nm"), "os": ("dense", "bitmask", "csr", "nm"),
                        "is": ("dense", "bitmask", "csc", "nm")}


def parse_weight_sparsity(text: str) -> tuple[int, int] | str:
    """``"none"``, ``"unstructured"``, or ``(N, M)`` for ``"N:M"``.

    Raises
    ------
    ValueError
        Not one of those forms, or N:M with N >= M, N < 1 or M > 64; the message says which.
    """
    if text in ("none", "unstructured"):
        return text
    n_text, sep, m_text = str(text).partition(":")
    if not sep or not n_text.strip().isdigit() or not m_text.strip().isdigit():
        raise ValueError(f"must be 'none', 'unstructured' or 'N:M' such as '2:4', got {text!r}")
    n, m = int(n_text), int(m_text)
    if not 1 <= n < m:
        raise ValueError(f"N:M needs 1 <= N < M (N kept of every M weights), got {text!r}")
    if m > 64:
        raise ValueError(f"N:M groups of more than 64 weights are not modeled, got {text!r}")
    return n, m


def index_bytes(length: int) -> int:
    """Bytes of one index into a vector of ``length`` elements (1 up to 256, else 2 or 4)."""
    return 1 if length <= 256 else (2 if length <= 65536 else 4)


@dataclass(frozen=True)
class SparseSpec:
    """The sparse features one GEMM runs with (a layer whose weights break N:M runs with ``dense()``).

    Attributes
    ----------
    n, m : int
        N:M structure (``m == 1``: none; every unit is one k).
    unstructured : bool
        Skip all-zero weight vectors.
    activations : str
        ``"none"``, ``"gate"`` or ``"skip"``.
    format : str
        Weight storage format (see the module's docstring).
    """

    n: int = 1
    m: int = 1
    unstructured: bool = False
    activations: str = "none"
    format: str = "dense"

    @property
    def structured(self) -> bool:
        return self.m > 1

    @property
    def slots(self) -> int:
        """Array slots (PE rows or stream steps) one reduction unit occupies."""
        return self.n

    @property
    def skip_activations(self) -> bool:
        return self.activations == "skip"

    @property
    def gate(self) -> bool:
        """Whether zero operands leave the multiplier idle (``gate``, and ``skip``, which gates as well)."""
        return self.activations != "none"

    @property
    def is_dense(self) -> bool:
        return not self.structured and not self.unstructured and self.activations == "none" and self.format == "dense"

    def dense_weights(self) -> "SparseSpec":
        """The same spec with the weights dense (for a layer that breaks N:M)."""
        return SparseSpec(activations=self.activations)


def metadata_bits(fmt: str, values: int, positions: int, vectors: int, vector_length: int, m: int = 1) -> int:
    """Metadata bits that come with ``values`` weights read in format ``fmt``.

    Parameters
    ----------
    values : int
        Weight values read (non-zeros for bitmask/csr/csc; kept slots for nm).
    positions : int
        Dense positions those values cover (one bitmask bit each).
    vectors : int
        Compressed vectors read (one pointer each, for csr/csc).
    vector_length : int
        Length of such a vector (the index range).
    m : int
        Group size of nm (``log2 M``-bit indices).
    """
    if fmt == "bitmask":
        return positions
    if fmt in ("csr", "csc"):
        return 8 * (values * index_bytes(vector_length) + vectors * 2)
    if fmt == "nm":
        return values * max(1, ceil(log2(m)))
    return 0
