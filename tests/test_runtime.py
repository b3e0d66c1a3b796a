import pytest
import torch

from helpers.runtime import (
    describe_device,
    library_versions,
    resolve_device,
    seed_everything,
    timed,
    torch_threads,
)


def test_auto_device_follows_cuda_availability():
    expected = "cuda" if torch.cuda.is_available() else "cpu"
    assert resolve_device("auto").type == expected
    assert resolve_device("cpu") == torch.device("cpu")
    assert resolve_device(torch.device("cpu")) == torch.device("cpu")


@pytest.mark.skipif(torch.cuda.is_available(), reason="checks the behaviour without a GPU")
def test_cuda_without_gpu_is_an_error_not_a_silent_fallback():
    with pytest.raises(ValueError, match="no CUDA GPU"):
        resolve_device("cuda")


def test_bad_device_choices():
    with pytest.raises(ValueError, match="device must be one of"):
        resolve_device("tpu")
    with pytest.raises(TypeError):
        resolve_device(3)


def test_seeding_makes_torch_repeatable():
    seed_everything(5)
    first = torch.rand(3)
    seed_everything(5)
    assert torch.equal(first, torch.rand(3))
    with pytest.raises(TypeError):
        seed_everything(1.5)


def test_timed_measures_and_prints(capsys):
    with timed("work") as watch:
        sum(range(10_000))
    assert 0 <= watch.seconds < 5
    assert capsys.readouterr().out.startswith("work: ")


def test_versions_and_device_description():
    versions = library_versions()
    assert {"python", "torch", "torchvision", "numpy"} <= set(versions)
    assert torch.__version__.startswith(versions["torch"])
    assert describe_device(torch.device("cpu")).startswith("cpu (")


def test_torch_threads_sets_and_restores_the_thread_count():
    before = torch.get_num_threads()
    with torch_threads(1):
        assert torch.get_num_threads() == 1
    assert torch.get_num_threads() == before
    with pytest.raises(ValueError, match="count"), torch_threads(0):
        pass
