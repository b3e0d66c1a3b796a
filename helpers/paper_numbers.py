"""The numbers the two papers report, in one place, for side-by-side tables (typed in from the papers).

- ``TABLE_I``: Maung Maung, Sirichotedumrong & Kiya, *Adversarial test on learnable image encryption* (2019,
  arXiv 1907.13342), Table I — CIFAR-10, ResNet18 (+ adaptation network), PGD ε = 0.1, α = 0.01, 20 steps;
  errors (1 − accuracy) on the training set, the test set and adversarial test images.
- ``RIC_*``: *Recoverable privacy-preserving image classification through noise-like adversarial examples*
  (arXiv 2310.12707, ACM TOMM 2024), Tables 1–4 and Fig. 8.
"""

from __future__ import annotations

# Table I's rows: the paper's name for each scenario.
TABLE_I_ROWS: dict[str, str] = {
    "plain": "Plain",
    "encrypted": "Encrypted",
    "encrypted_adv": "Encrypted-Adv",
    "encrypted_dk": "Encrypted-DK",
    "encrypted_adv_dk": "Encrypted-Adv-DK",
}
TABLE_I: dict[str, dict[str, float]] = {
    "plain": {"train_error": 0.006, "test_error": 0.137, "adversarial_error": 1.000},
    "encrypted": {"train_error": 0.011, "test_error": 0.166, "adversarial_error": 0.269},
    "encrypted_adv": {"train_error": 0.093, "test_error": 0.830, "adversarial_error": 0.040},
    "encrypted_dk": {"train_error": 0.431, "test_error": 0.506, "adversarial_error": 0.792},
    "encrypted_adv_dk": {"train_error": 0.657, "test_error": 0.617, "adversarial_error": 0.690},
}

# Table 1, RIC rows: (ACC_p %, ACC_e %, ADP %).
RIC_TABLE_1: dict[str, tuple[float, float, float]] = {
    "imagenet": (77.80, 77.80, 0.00),
    "cifar10": (97.09, 97.09, 0.00),
    "mnist": (99.75, 99.75, 0.00),
}
# Section 5.1: the test accuracy of each data set's classifier C (SVHN / VGGFace2 / CIFAR-10 / ImageNet /
# MNIST: 96.00 / 90.20 / 97.09 / 77.80 / 99.75 %), as fractions.
RIC_CLASSIFIER_ACCURACY: dict[str, float] = {
    "svhn": 0.9600,
    "vggface2": 0.9020,
    "cifar10": 0.9709,
    "imagenet": 0.7780,
    "mnist": 0.9975,
}
# Table 2 on SVHN: (PSNR dB, SSIM, LPIPS).
RIC_TABLE_2_SVHN: dict[str, tuple[float, float, float]] = {
    "ric": (51.46, 0.9995, 0.0001),
    "lsb": (31.26, 0.9553, 0.0271),
}
# Table 3, RIC-SVHN: test set → (PSNR dB, SSIM).
RIC_TABLE_3_SVHN_MODEL: dict[str, tuple[float, float]] = {
    "cifar10": (40.03, 0.9963),
    "imagenet": (41.43, 0.9839),
    "svhn": (51.46, 0.9995),
    "vggface2": (47.76, 0.9971),
}
# Table 4 on SVHN: variant → (ADP %, PSNR dB, SSIM).
RIC_TABLE_4: dict[str, tuple[float, float, float]] = {
    "nae_srl": (0.0, 51.46, 0.9995),
    "rni_srl": (4.5, 31.81, 0.9671),
    "nae_no_srl": (0.0, 50.45, 0.9993),
}
# Fig. 8 (VGGFace2): wrong keys' mean PSNR over 100 images, mean / min / max, and the correct key's.
RIC_FIG_8 = {"wrong_mean": 4.84, "wrong_min": 4.38, "wrong_max": 5.30, "correct_at_least": 47.0}
