import pytest
import torch

from helpers.images import check_float_images, check_uint8_images, convert_images, to_float, to_uint8
from helpers.validation import check_finite_number, check_int


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


def test_convert_images_between_grey_colour_and_sizes():
    grey = torch.arange(2 * 28 * 28, dtype=torch.int64).remainder(256).to(torch.uint8).view(2, 1, 28, 28)
    colour = convert_images(grey, 3, (28, 28))
    assert colour.shape == (2, 3, 28, 28) and all(torch.equal(colour[:, c], grey[:, 0]) for c in range(3))
    assert torch.equal(convert_images(colour, 1, (28, 28)), grey)  # BT.601 weights sum to 1
    resized = convert_images(torch.full((1, 3, 32, 32), 77, dtype=torch.uint8), 1, (28, 28))
    assert resized.shape == (1, 1, 28, 28) and bool((resized == 77).all())


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: convert_images(torch.zeros(1, 3, 8, 8), 3, (8, 8)), "uint8"),
        (lambda: convert_images(torch.zeros(1, 2, 8, 8, dtype=torch.uint8), 3, (8, 8)), "1 or 3"),
        (lambda: convert_images(torch.zeros(1, 3, 8, 8, dtype=torch.uint8), 2, (8, 8)), "channels"),
        (lambda: convert_images(torch.zeros(1, 3, 8, 8, dtype=torch.uint8), 3, (8, 0)), "size"),
    ],
)
def test_convert_images_rejects_bad_arguments(call, message):
    with pytest.raises((TypeError, ValueError), match=message):
        call()


@pytest.mark.parametrize("bad", [float("nan"), float("inf"), -float("inf")])
def test_non_finite_float_images_are_refused(bad):
    images = torch.full((2, 3, 4, 4), 0.5)
    images[1, 2, 3, 3] = bad
    with pytest.raises(ValueError, match="images must be finite, got 1 NaN or infinite"):
        check_float_images(images)
    with pytest.raises(ValueError, match="finite"):
        to_uint8(images)


@pytest.mark.parametrize("value", [float("nan"), float("inf")])
def test_settings_numbers_must_be_finite(value):
    with pytest.raises(ValueError, match="alpha must be a finite number"):
        check_finite_number(value, "alpha")
    with pytest.raises(TypeError, match="alpha must be a number, got str"):
        check_finite_number("0.1", "alpha")
    assert check_finite_number(3, "alpha") == 3.0


def test_integer_settings_share_one_validator():
    assert check_int(3, "steps", minimum=1) == 3
    with pytest.raises(TypeError, match=r"steps must be a positive int, got float 1\.5"):
        check_int(1.5, "steps", minimum=1)
    with pytest.raises(TypeError, match="steps must be a positive int, got bool"):
        check_int(True, "steps", minimum=1)
    with pytest.raises(ValueError, match="swaps must be a non-negative int, got -1"):
        check_int(-1, "swaps", minimum=0)
    with pytest.raises(ValueError, match=r"bits must be an int in 1\.\.7, got 8"):
        check_int(8, "bits", minimum=1, maximum=7)
