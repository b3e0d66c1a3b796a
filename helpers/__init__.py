"""Helpers for the privacy-preserving image classification course.

One module per idea; the notebooks import what they teach. Three groups:

**The shared base**

- :mod:`helpers.profiles`      run profiles (``smoke``, ``quick``, ``paper``), in one place
- :mod:`helpers.runtime`       device choice, seeding, timing, library versions
- :mod:`helpers.paths`         where data, figures, caches and build outputs live
- :mod:`helpers.data`          CIFAR-10 / SVHN / MNIST from torchvision or an offline ``.npz`` folder
- :mod:`helpers.images`        checks and conversions between uint8 and float images
- :mod:`helpers.networks`      ResNet18, the adaptation network and the digit CNNs
- :mod:`helpers.training`      the training engine and the one train-or-load of classifiers
- :mod:`helpers.checkpoints`   the checkpoint cache, keyed by configuration and the code a result uses
- :mod:`helpers.statistics`    Wilson intervals for error and success rates
- :mod:`helpers.notebook`      the per-notebook run record: banner, figures, ``results.json``
- :mod:`helpers.plotting`      image grids and small plotting utilities
- :mod:`helpers.storage`       atomic file writes
- :mod:`helpers.validation`    argument checks shared by the settings classes
- :mod:`helpers.paper_numbers` the numbers both papers report, for side-by-side tables
- :mod:`helpers.paper_tables`  the papers' tables built once from a run's stored results, beside those numbers

**Block-wise encryption and its attacks** (Tanaka 2018; Maung Maung et al. 2019 — notebooks 01–03)

- :mod:`helpers.encryption`    Tanaka's block-wise learnable image encryption and its keys
- :mod:`helpers.cryptanalysis` known-plaintext key recovery for the block-wise scheme
- :mod:`helpers.attacks`       PGD and where its gradient meets the encryption (none, autograd, BPDA, EOT)
- :mod:`helpers.scenarios`     the five models of Table I, trained and cached in one place

**RIC and its attacks** (Liu et al. 2024 — notebooks 04–09; none of them imports the group above)

- :mod:`helpers.keys`          RIC's secret keys and their SHA-256 derivations
- :mod:`helpers.nae`           noise-like adversarial examples grown from a key (eqs. 1–4)
- :mod:`helpers.classifiers`   the cloud's frozen classifier C per data set
- :mod:`helpers.ric`           F, E, D, symmetric residual learning, quantisation; the identity codec baseline
- :mod:`helpers.ric_training`  training the codec (eqs. 11–13) through the cache
- :mod:`helpers.ric_protocol`  provider, cloud and user end to end, and the 4-bit LSB baseline
- :mod:`helpers.metrics`       ADP, PSNR, SSIM (the release's convention), LPIPS, correlation
- :mod:`helpers.ric_attacks`   brute force, known-plaintext U-Net, NAE-averaging leak, cloud attack

The course's machinery — the notebook runner, the results page, the benchmarks and the notebooks' output
policy — lives apart from the science, in the ``course`` package beside this one.
"""

__version__ = "0.1.0"
