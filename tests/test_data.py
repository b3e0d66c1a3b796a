"""Data loading: the offline .npz layouts, the torchvision path's errors, and argument checks."""

import io

import numpy as np
import pytest
import torch
from PIL import Image

from helpers import data as data_module
from helpers.data import DataUnavailableError, load_dataset
from helpers.paths import DATA_DIR_VARIABLE


@pytest.fixture()
def offline_folder(tmp_path, monkeypatch):
    """An offline folder with small synthetic archives in both layouts."""
    rng = np.random.default_rng(0)
    images = rng.integers(0, 256, size=(12, 32, 32, 3), dtype=np.uint8)
    images[:, :16] = 128  # smooth regions so JPEG stays close
    labels = np.arange(12, dtype=np.int64) % 10
    np.savez(
        tmp_path / "cifar10.npz", x_train=images[:6], y_train=labels[:6], x_test=images[6:], y_test=labels[6:]
    )
    encoded = []
    for image in images:
        buffer = io.BytesIO()
        Image.fromarray(image).save(buffer, format="JPEG", quality=95)
        encoded.append(np.frombuffer(buffer.getvalue(), dtype=np.uint8))
    offsets = np.concatenate([[0], np.cumsum([len(e) for e in encoded])]).astype(np.int64)
    np.savez(
        tmp_path / "cifar10_jpeg.npz",
        jpeg_train=np.concatenate(encoded),
        offsets_train=offsets,
        y_train=labels,
    )
    grey = rng.integers(0, 256, size=(5, 28, 28), dtype=np.uint8)
    np.savez(tmp_path / "mnist.npz", x_train=grey, y_train=np.arange(5), x_test=grey[:2], y_test=np.arange(2))
    np.savez(tmp_path / "svhn_unlabeled.npz", x_train=images[:4], y_train=-np.ones(4, np.int64))
    monkeypatch.setenv(DATA_DIR_VARIABLE, str(tmp_path))
    return tmp_path, images, labels


def test_exact_layout_loads_channels_first(offline_folder):
    _, images, labels = offline_folder
    train = load_dataset("cifar10", "train", variant="exact")
    assert train.images.dtype == torch.uint8 and train.images.shape == (6, 3, 32, 32)
    assert torch.equal(train.images, torch.from_numpy(images[:6]).permute(0, 3, 1, 2))
    assert train.labels.tolist() == labels[:6].tolist()
    assert "exact pixels" in train.describe() and train.has_labels


def test_jpeg_layout_decodes_close_to_the_originals(offline_folder):
    _, images, labels = offline_folder
    train = load_dataset("cifar10", "train", variant="jpeg", limit=10)
    assert train.images.shape == (10, 3, 32, 32) and train.labels.tolist() == labels[:10].tolist()
    original = torch.from_numpy(images[:10]).permute(0, 3, 1, 2).float()
    smooth_error = (train.images.float() - original)[:, :, :16].abs().mean()
    assert smooth_error < 3  # the flat half survives JPEG almost exactly
    assert "lossy JPEG" in train.source


def test_auto_variant_prefers_exact_pixels_when_they_suffice(offline_folder):
    assert "cifar10.npz" in load_dataset("cifar10", "train", limit=6).source
    assert "cifar10_jpeg.npz" in load_dataset("cifar10", "train", limit=7).source
    assert "cifar10_jpeg.npz" in load_dataset("cifar10", "train").source  # the whole split


def test_grey_images_get_a_channel_axis(offline_folder):
    mnist = load_dataset("mnist", "test")
    assert mnist.images.shape == (2, 1, 28, 28)


def test_unlabelled_images_only_on_request(offline_folder):
    with pytest.raises(DataUnavailableError, match="labelled=False"):
        load_dataset("svhn")
    unlabelled = load_dataset("svhn", labelled=False)
    assert len(unlabelled) == 4 and not unlabelled.has_labels and "no labels" in unlabelled.describe()


def test_missing_data_says_both_ways_to_provide_it(tmp_path, monkeypatch):
    monkeypatch.setenv(DATA_DIR_VARIABLE, str(tmp_path))
    with pytest.raises(DataUnavailableError) as error:
        load_dataset("cifar10")
    message = str(error.value)
    assert DATA_DIR_VARIABLE in message and "cifar10.npz" in message and "download" in message
    monkeypatch.setenv(DATA_DIR_VARIABLE, str(tmp_path / "nowhere"))
    with pytest.raises(DataUnavailableError, match="not a folder"):
        load_dataset("cifar10")


def test_failed_download_says_both_ways_to_provide_it(tmp_path, monkeypatch):
    import torchvision.datasets

    def offline(*args, **kwargs):
        raise RuntimeError("<urlopen error [Errno -3] Temporary failure in name resolution>")

    monkeypatch.delenv(DATA_DIR_VARIABLE, raising=False)
    monkeypatch.setenv("PPIC_DOWNLOAD_DIR", str(tmp_path))
    monkeypatch.setattr(torchvision.datasets, "CIFAR10", offline)
    with pytest.raises(
        DataUnavailableError, match=f"torchvision could not provide cifar10.*{DATA_DIR_VARIABLE}"
    ):
        load_dataset("cifar10")
    with pytest.raises(DataUnavailableError, match="only from an offline folder"):
        load_dataset("faces_att")


def test_torchvision_arrays_become_uint8_nchw(tmp_path, monkeypatch):
    class FakeCIFAR:
        def __init__(self, root, train, download):
            self.data = np.full((5, 32, 32, 3), 7, np.uint8)
            self.targets = [1, 2, 3, 4, 5]

    import torchvision.datasets

    monkeypatch.delenv(DATA_DIR_VARIABLE, raising=False)
    monkeypatch.setenv("PPIC_DOWNLOAD_DIR", str(tmp_path))
    monkeypatch.setattr(torchvision.datasets, "CIFAR10", FakeCIFAR)
    loaded = load_dataset("cifar10", "test", limit=3)
    assert loaded.images.shape == (3, 3, 32, 32) and loaded.labels.tolist() == [1, 2, 3]
    assert "torchvision" in loaded.source


def test_bad_arguments(offline_folder):
    with pytest.raises(ValueError, match="unknown data set 'imagenet'"):
        load_dataset("imagenet")
    with pytest.raises(ValueError, match="split"):
        load_dataset("cifar10", "validation")
    with pytest.raises(ValueError, match="variant"):
        load_dataset("cifar10", variant="png")
    with pytest.raises(ValueError, match="limit"):
        load_dataset("cifar10", limit=0)


def test_real_offline_cifar_subset_if_configured(cifar_test):
    """The real data CI uses: labels in range, images not constant, classes named."""
    assert cifar_test.images.shape[1:] == (3, 32, 32) and len(cifar_test) == 64
    assert cifar_test.labels.min() >= 0 and cifar_test.labels.max() <= 9
    assert cifar_test.images.float().std() > 30
    assert cifar_test.classes[cifar_test.labels[0]] == "cat"  # CIFAR-10 test image 0 is a cat


def test_module_exports_class_names():
    assert len(data_module.CIFAR10_CLASSES) == 10 and data_module.DIGIT_CLASSES[3] == "3"


def test_labelled_availability_is_reported_without_raising(offline_folder):
    assert data_module.labelled_data_available("cifar10")
    assert not data_module.labelled_data_available("svhn")  # only unlabelled SVHN in the folder


# Bad input: each damaged or inconsistent archive is refused with a ValueError that names the file.


def _replace_archive(folder, name, **arrays):
    path = folder / f"{name}.npz"
    np.savez(path, **arrays)
    return path


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"y_test": np.array([0.0, 1.7, 2.2, 3.0, 4.0, 5.0])}, "integer labels"),
        ({"y_test": np.array([0, 1, 2, 3, 4, 10])}, r"must lie in \[0, 10\)"),
        ({"y_test": np.array([0, 1, -1, 3, 4, 5])}, r"got values in \[-1, 5\]"),
        ({"y_test": np.array([0, 1, 2])}, "there are 6 images"),
    ],
    ids=["float-labels", "label-out-of-range", "some-labels-missing", "fewer-labels-than-images"],
)
def test_inconsistent_labels_are_refused_naming_the_file(offline_folder, change, message):
    folder, images, labels = offline_folder
    arrays = {"x_train": images[:6], "y_train": labels[:6], "x_test": images[6:], "y_test": labels[6:]}
    path = _replace_archive(folder, "cifar10", **{**arrays, **change})
    with pytest.raises(ValueError, match=message) as error:
        load_dataset("cifar10", "test", variant="exact")
    assert str(path) in str(error.value)


def test_a_missing_array_is_named_with_its_file(offline_folder):
    folder, images, _ = offline_folder
    path = _replace_archive(folder, "cifar10", x_test=images[6:])
    with pytest.raises(ValueError, match="'y_test' is missing") as error:
        load_dataset("cifar10", "test", variant="exact")
    assert str(path) in str(error.value)


@pytest.mark.parametrize("keep", [0.5, 0.95], ids=["half", "almost-all"])
def test_a_truncated_archive_is_refused_naming_the_file(offline_folder, keep):
    folder, _, _ = offline_folder
    path = folder / "cifar10.npz"
    content = path.read_bytes()
    path.write_bytes(content[: int(len(content) * keep)])
    with pytest.raises(ValueError, match="damaged") as error:
        load_dataset("cifar10", "test", variant="exact")
    assert str(path) in str(error.value)


def test_a_cut_jpeg_archive_is_refused(offline_folder):
    folder, _, labels = offline_folder
    with np.load(folder / "cifar10_jpeg.npz") as archive:
        encoded, offsets = archive["jpeg_train"], archive["offsets_train"]
    path = folder / "cifar10_jpeg.npz"
    np.savez(path, jpeg_train=encoded[: len(encoded) // 2], offsets_train=offsets, y_train=labels)
    with pytest.raises(ValueError, match="cut short") as error:
        load_dataset("cifar10", "train", variant="jpeg")
    assert str(path) in str(error.value)


def test_image_data_refuses_mismatched_or_invalid_fields():
    images = torch.zeros(5, 3, 8, 8, dtype=torch.uint8)
    classes = data_module.CIFAR10_CLASSES
    with pytest.raises(ValueError, match=r"labels must have shape \(5,\)"):
        data_module.ImageData(
            "cifar10", "test", images, torch.zeros(3, dtype=torch.int64), classes, "hand-made"
        )
    with pytest.raises(TypeError, match=r"torch\.int64"):
        data_module.ImageData("cifar10", "test", images, torch.zeros(5), classes, "hand-made")
    with pytest.raises(TypeError, match=r"torch\.uint8"):
        data_module.ImageData(
            "cifar10", "test", images.float(), torch.zeros(5, dtype=torch.int64), classes, "hand-made"
        )
    with pytest.raises(ValueError, match=r"labels must lie in \[0, 10\)"):
        data_module.ImageData("cifar10", "test", images, torch.full((5,), 12), classes, "hand-made")


@pytest.mark.skipif(torch.cuda.is_available(), reason="checks the message on a machine without a GPU")
def test_asking_for_cuda_without_a_gpu_is_a_clear_error(offline_folder):
    with pytest.raises(ValueError, match="no CUDA GPU is visible"):
        load_dataset("cifar10", "test", variant="exact", device="cuda")


def test_a_mix_of_labels_and_missing_labels_is_refused():
    images = torch.zeros(3, 3, 8, 8, dtype=torch.uint8)
    with pytest.raises(ValueError, match=r"-1 throughout"):
        data_module.ImageData(
            "cifar10", "test", images, torch.tensor([0, -1, 2]), data_module.CIFAR10_CLASSES, "hand-made"
        )


def test_a_damaged_label_array_is_named_when_choosing_between_copies(offline_folder):
    """variant="auto" reads the exact file's label count to choose a copy: damage there is reported too."""
    folder, images, _ = offline_folder
    path = _replace_archive(folder, "cifar10", x_test=images[6:], y_test=np.int64(3))
    with pytest.raises(ValueError, match="one-dimensional") as error:
        load_dataset("cifar10", "test", limit=2)
    assert str(path) in str(error.value)


def test_jpeg_round_trip_loses_what_a_quality_75_jpeg_loses(cifar_test):
    from helpers.data import jpeg_round_trip

    exact = cifar_test.head(64)
    lossy = jpeg_round_trip(exact)
    assert lossy.images.shape == exact.images.shape and torch.equal(lossy.labels, exact.labels)
    assert "JPEG round trip at quality 75" in lossy.source
    error = (lossy.images.float() - exact.images.float()) / 255
    psnr = -10 * torch.log10(error.pow(2).mean()).item()
    # the offline JPEG copy (quality about 75) is 30.5 dB from the exact pixels on average
    assert 27 < psnr < 36, psnr
    assert (
        -10
        * torch.log10(
            ((jpeg_round_trip(exact, 95).images.float() - exact.images.float()) / 255).pow(2).mean()
        )
        > psnr + 3
    )  # a higher quality loses less
    with pytest.raises(TypeError, match="ImageData"):
        jpeg_round_trip(exact.images)
    with pytest.raises(ValueError, match="quality"):
        jpeg_round_trip(exact, 0)
    grey = load_dataset("mnist", "test", limit=4)
    with pytest.raises(ValueError, match="colour"):
        jpeg_round_trip(grey)
