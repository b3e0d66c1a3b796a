import pytest
import torch

from helpers.runtime import (
    cpu_name,
    describe_device,
    library_versions,
    native_bf16,
    resolve_device,
    resolve_precision,
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
    assert describe_device(torch.device("cpu")).endswith(f", {cpu_name()})") and cpu_name()


def test_torch_threads_sets_and_restores_the_thread_count():
    before = torch.get_num_threads()
    with torch_threads(1):
        assert torch.get_num_threads() == 1
    assert torch.get_num_threads() == before
    with pytest.raises(ValueError, match="count"), torch_threads(0):
        pass


def test_precision_auto_follows_native_bf16_and_bad_choices_are_refused(monkeypatch):
    cpu = torch.device("cpu")
    assert resolve_precision("fp32", cpu) == "fp32" and resolve_precision("bf16", cpu) == "bf16"
    monkeypatch.setattr("helpers.runtime.native_bf16", lambda device: True)
    assert resolve_precision("auto", cpu) == "bf16"
    monkeypatch.setattr("helpers.runtime.native_bf16", lambda device: False)
    assert resolve_precision("auto", cpu) == "fp32"
    with pytest.raises(ValueError, match="precision must be one of"):
        resolve_precision("fp16", cpu)


def test_native_bf16_reads_the_cpu_flags(monkeypatch, tmp_path):
    flags = tmp_path / "cpuinfo"
    real_open = open

    def fake_open(path, *args, **kwargs):
        return real_open(flags if path == "/proc/cpuinfo" else path, *args, **kwargs)

    monkeypatch.setattr("builtins.open", fake_open)
    flags.write_text("processor : 0\nflags : fpu sse avx512f avx512_bf16 amx_tile\n")
    assert native_bf16(torch.device("cpu"))
    flags.write_text("processor : 0\nflags : fpu sse avx512f\n")
    assert not native_bf16(torch.device("cpu"))
    flags.unlink()
    assert not native_bf16(torch.device("cpu"))
