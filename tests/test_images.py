import pytest
import torch

from helpers.images import check_float_images, check_uint8_images, to_float, to_uint8


def test_uint8_float_round_trip_is_exact():
    images = torch.arange(256, dtype=torch.uint8).reshape(1, 1, 16, 16)
    assert torch.equal(to_uint8(to_float(images)), images)
    assert to_float(images).max() == 1 and to_float(images).min() == 0


@pytest.mark.parametrize("bad", [torch.rand(1, 3, 4, 4) * 2, torch.rand(1, 3, 4, 4) - 0.5])
def test_float_images_outside_unit_interval_are_rejected(bad):
    with pytest.raises(ValueError, match=r"\[0, 1\]"):
        check_float_images(bad)


def test_wrong_types_shapes_and_dtypes_are_rejected():
    with pytest.raises(TypeError, match=r"torch\.Tensor"):
        check_uint8_images([[1, 2]])
    with pytest.raises(ValueError, match="shape"):
        check_uint8_images(torch.zeros(4, 4, dtype=torch.uint8))
    with pytest.raises(TypeError, match="uint8"):
        check_uint8_images(torch.zeros(1, 3, 4, 4))
    with pytest.raises(TypeError, match="floating-point"):
        check_float_images(torch.zeros(1, 3, 4, 4, dtype=torch.uint8))
