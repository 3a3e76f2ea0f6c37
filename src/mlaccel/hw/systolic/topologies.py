"""Reference workloads as SCALE-Sim topologies."""

from __future__ import annotations

from .scalesim import ScaleSimLayer

__all__ = ["resnet50", "topology_csv"]


def _layer(name: str, out: int, k: int, cin: int, cout: int, stride: int = 1) -> ScaleSimLayer:
    # SCALE-Sim pads nothing: give it the input extent the padded layer reads.
    size = (out - 1) * stride + k
    return ScaleSimLayer(name, size, size, k, k, cin, cout, stride, stride)


def resnet50() -> list[ScaleSimLayer]:
    """ResNet-50 v1 (He et al., CVPR 2016) at 224x224: 53 convolutions and the classifier, 54 layers.

    Bottleneck blocks stride in their first 1x1 convolution, as in the original paper.
    """
    layers = [_layer("conv1", 112, 7, 3, 64, 2)]
    cin = 64
    for stage, (blocks, width, out) in enumerate(((3, 64, 56), (4, 128, 28), (6, 256, 14), (3, 512, 7)), 2):
        for b in range(blocks):
            stride = 2 if b == 0 and stage > 2 else 1
            tag = f"conv{stage}_{b + 1}"
            layers.append(_layer(f"{tag}_a", out, 1, cin, width, stride))
            layers.append(_layer(f"{tag}_b", out, 3, width, width))
            layers.append(_layer(f"{tag}_c", out, 1, width, 4 * width))
            if b == 0:
                layers.append(_layer(f"{tag}_proj", out, 1, cin, 4 * width, stride))
            cin = 4 * width
    layers.append(_layer("fc1000", 1, 1, 2048, 1000))
    return layers


def topology_csv(layers: list[ScaleSimLayer]) -> str:
    """The layers as a SCALE-Sim conv topology file."""
    rows = ["Layer name, IFMAP Height, IFMAP Width, Filter Height, Filter Width, Channels, Num Filter, Strides,"]
    rows += [f"{l.name}, {l.ifmap_h}, {l.ifmap_w}, {l.filter_h}, {l.filter_w}, {l.channels}, {l.filters}, "
             f"{l.stride_h}," for l in layers]
    return "\n".join(rows) + "\n"
