"""Float models for the compression tests: small torch modules exported to ONNX (seconds, no training)."""

from __future__ import annotations

import numpy as np
import pytest

torch = pytest.importorskip("torch")
nn = torch.nn

from mlaccel.compress.recipes import torch_to_onnx  # noqa: E402


class AllOps(nn.Module):
    """Every supported ONNX op at least once, with BatchNorm to fold and odd padding."""

    def __init__(self):
        super().__init__()
        self.c1 = nn.Conv2d(3, 8, 3, padding=1)
        self.bn1 = nn.BatchNorm2d(8)
        self.dw = nn.Conv2d(8, 16, 3, padding=1, groups=8)  # depthwise, multiplier 2
        self.bn2 = nn.BatchNorm2d(16)
        self.g = nn.Conv2d(16, 16, 3, stride=2, padding=(1, 0), groups=4)  # grouped, explicit pads
        self.c2 = nn.Conv2d(32, 8, 1)
        self.fc = nn.Linear(8 * 2 * 1, 12)
        self.fc2 = nn.Linear(12, 5)
        self.drop = nn.Dropout(0.1)

    def forward(self, x):
        y = torch.relu(self.bn1(self.c1(x)))
        y = torch.clamp(self.bn2(self.dw(y)), 0, 6)
        y = nn.functional.max_pool2d(y, 2)
        z = self.g(y)
        z = torch.sigmoid(z) * z + 0.5
        z = nn.functional.pad(z, (0, 1, 1, 0))  # exported as shape arithmetic that must fold

        z = torch.cat([z, z - 1.0], dim=1)
        z = nn.functional.avg_pool2d(z, 2)
        w = torch.tanh(self.c2(z))
        f = torch.flatten(w, 1)
        h = torch.relu(self.fc(self.drop(f)))
        return torch.softmax(self.fc2(h), dim=-1)


def _init_bn(m):
    g = torch.Generator().manual_seed(0)
    for mod in m.modules():
        if isinstance(mod, nn.BatchNorm2d):
            mod.running_mean.copy_(torch.rand(mod.num_features, generator=g) - 0.5)
            mod.running_var.copy_(torch.rand(mod.num_features, generator=g) + 0.5)
            mod.weight.data.copy_(torch.rand(mod.num_features, generator=g) + 0.5)
    return m.eval()


def small_cnn():
    torch.manual_seed(0)
    return _init_bn(nn.Sequential(
        nn.Conv2d(1, 8, 3, padding=1), nn.BatchNorm2d(8), nn.ReLU(),
        nn.Conv2d(8, 8, 3, padding=1, groups=8), nn.BatchNorm2d(8), nn.ReLU6(), nn.MaxPool2d(2),
        nn.Conv2d(8, 16, 1), nn.ReLU(), nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(16, 10)))


@pytest.fixture(scope="session")
def allops_onnx() -> bytes:
    torch.manual_seed(0)
    return torch_to_onnx(_init_bn(AllOps()), np.zeros((1, 3, 12, 12), np.float32))


@pytest.fixture(scope="session")
def cnn_onnx() -> bytes:
    return torch_to_onnx(small_cnn(), np.zeros((1, 1, 8, 8), np.float32))


@pytest.fixture(scope="session")
def mlp_onnx() -> bytes:
    torch.manual_seed(0)
    return torch_to_onnx(nn.Sequential(nn.Flatten(), nn.Linear(64, 32), nn.ReLU(), nn.Linear(32, 10)).eval(),
                         np.zeros((1, 1, 8, 8), np.float32))
