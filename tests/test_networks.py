"""Networks: shapes, the adapter's one-block receptive field, known parameter counts, clear errors."""

import pytest
import torch

from helpers.networks import (
    AdaptationNetwork,
    MnistCNN,
    ResNet18,
    SvhnCNN,
    count_parameters,
    encrypted_resnet18,
)


def test_adapter_output_shapes():
    images = torch.rand(2, 3, 32, 32)
    assert AdaptationNetwork(4)(images).shape == (2, 32, 32, 32)
    assert AdaptationNetwork(4, out_channels=3)(images).shape == (2, 3, 32, 32)
    assert AdaptationNetwork(2)(images).shape == (2, 32, 32, 32)
    block_conv = AdaptationNetwork(4).block_conv
    assert block_conv.kernel_size == (4, 4) and block_conv.stride == (4, 4) and block_conv.out_channels == 48


def test_adapter_sees_exactly_one_block():
    adapter = AdaptationNetwork(
        4
    ).eval()  # eval: batch norm uses running statistics, a per-channel affine map
    images = torch.rand(1, 3, 32, 32)
    changed = images.clone()
    changed[:, :, 8:12, 4:8] = torch.rand(1, 3, 4, 4)  # one block: block row 2, block column 1
    with torch.no_grad():
        difference = (adapter(images) - adapter(changed)).abs().sum(1)[0]
    outside = difference.clone()
    outside[8:12, 4:8] = 0
    assert difference[8:12, 4:8].min() > 0 and outside.max() == 0


def test_resnet18_matches_the_known_cifar_parameter_count():
    # The CIFAR-style ResNet18 (3×3 stem, no max-pool, 10 classes) has 11,173,962 parameters.
    assert count_parameters(ResNet18()) == 11_173_962
    assert ResNet18(width=0.25)(torch.rand(2, 3, 32, 32)).shape == (2, 10)


def test_encrypted_resnet18_variants():
    images = torch.rand(2, 3, 32, 32)
    assert encrypted_resnet18(width=0.125)(images).shape == (2, 10)
    three = encrypted_resnet18(width=0.125, three_channel=True)
    assert three(images).shape == (2, 10) and three[1].stem[0].in_channels == 3
    assert encrypted_resnet18(width=0.125)[1].stem[0].in_channels == 32


def test_small_cnns():
    assert MnistCNN()(torch.rand(3, 1, 28, 28)).shape == (3, 10)
    assert SvhnCNN()(torch.rand(3, 3, 32, 32)).shape == (3, 10)


def test_bad_configurations():
    with pytest.raises(ValueError, match="not a multiple of block_size 4"):
        AdaptationNetwork(4)(torch.rand(1, 3, 30, 32))
    with pytest.raises(ValueError, match="block_size must be a positive int"):
        AdaptationNetwork(0)
    with pytest.raises(ValueError, match="width"):
        ResNet18(width=0)
    with pytest.raises(ValueError, match="width"):
        ResNet18(width="wide")
