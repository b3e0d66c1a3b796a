"""Helpers for the privacy-preserving image classification course.

One module per idea; the notebooks import what they teach:

- :mod:`helpers.profiles`     run profiles (``smoke``, ``quick``, ``paper``), in one place
- :mod:`helpers.runtime`      device choice, seeding, timing, library versions
- :mod:`helpers.data`         CIFAR-10 / SVHN / MNIST from torchvision or an offline ``.npz`` folder
- :mod:`helpers.images`       checks and conversions between uint8 and float images
- :mod:`helpers.encryption`   Tanaka's block-wise learnable image encryption and its keys
- :mod:`helpers.cryptanalysis` known-plaintext key recovery for the block-wise scheme
- :mod:`helpers.notebook`     the per-notebook run record: banner, figures, ``results.json``
- :mod:`helpers.plotting`     image grids and small plotting utilities
- :mod:`helpers.storage`      atomic file writes
- :mod:`helpers.validation`   argument checks shared by the settings classes

The course's machinery — the notebook runner, the results page, the benchmarks and the notebooks' output
policy — lives apart from the science, in the ``course`` package beside this one.
"""

__version__ = "0.1.0"
