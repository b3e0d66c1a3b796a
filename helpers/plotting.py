"""Small plotting utilities shared by the notebooks."""

from __future__ import annotations

from collections.abc import Sequence

import matplotlib.pyplot as plt
import torch
from matplotlib.figure import Figure

from helpers.encryption import BlockKey, decrypt, encrypt
from helpers.images import check_image_tensor


def _as_displayable(image: torch.Tensor) -> torch.Tensor:
    image = image.detach().cpu()
    if image.dtype == torch.uint8:
        image = image.float() / 255
    image = image.clamp(0, 1)
    return image[0] if image.shape[0] == 1 else image.permute(1, 2, 0)


def image_rows(
    rows: Sequence[torch.Tensor],
    row_labels: Sequence[str],
    *,
    column_titles: Sequence[str] | None = None,
    cell_inches: float = 1.3,
    title: str | None = None,
) -> Figure:
    """A grid with one row per batch ``(N, C, H, W)`` (uint8 or float in [0, 1]) and one column per image.

    Row labels go on the left (e.g. "plaintext", "encrypted"), optional titles over the columns.
    """
    if len(rows) != len(row_labels):
        raise ValueError(f"got {len(rows)} rows but {len(row_labels)} row labels")
    batches = [check_image_tensor(row, "rows[i]") for row in rows]
    columns = max(batch.shape[0] for batch in batches)
    figure, axes = plt.subplots(
        len(batches),
        columns,
        figsize=(cell_inches * columns + 0.8, cell_inches * len(batches) + 0.4),
        squeeze=False,
    )
    for r, (batch, label) in enumerate(zip(batches, row_labels, strict=True)):
        for c in range(columns):
            axis = axes[r][c]
            axis.set_xticks([])
            axis.set_yticks([])
            if c < batch.shape[0]:
                axis.imshow(_as_displayable(batch[c]), cmap="gray", vmin=0, vmax=1, interpolation="nearest")
            else:
                axis.axis("off")
            if c == 0:
                axis.set_ylabel(label, fontsize=9)
            if r == 0 and column_titles is not None and c < len(column_titles):
                axis.set_title(column_titles[c], fontsize=8)
    if title:
        figure.suptitle(title, fontsize=10)
    figure.tight_layout()
    return figure


def plot_block_encryption(images: torch.Tensor, block_size: int, key_seed: int) -> Figure:
    """Plaintexts, their block-wise encryptions and a wrong-key decryption, for one block size and key seed.

    The science behind notebook 01's slider: the slider calls exactly this function.
    """
    key = BlockKey.from_seed(key_seed, block_size=block_size, channels=images.shape[-3])
    wrong_key = BlockKey.from_seed(key_seed + 1, block_size=block_size, channels=images.shape[-3])
    ciphertexts = encrypt(images, key)
    return image_rows(
        [images, ciphertexts, decrypt(ciphertexts, wrong_key)],
        ["plaintext", "encrypted", "wrong key"],
        title=f"block size M = {block_size}, key seed {key_seed}",
    )
