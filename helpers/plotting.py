"""Small plotting utilities shared by the notebooks."""

from __future__ import annotations

from collections.abc import Sequence

import matplotlib.pyplot as plt
import torch
from matplotlib.figure import Figure

from helpers.attacks import PGDSettings, expected_cross_entropy, pgd
from helpers.encryption import BlockKey, decrypt, encrypt, model_input
from helpers.images import check_image_tensor, to_float


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


def plot_attack_examples(
    model: torch.nn.Module,
    images: torch.Tensor,
    labels: torch.Tensor,
    key: BlockKey | None,
    placement: str,
    settings: PGDSettings,
    classes: tuple[str, ...],
) -> Figure:
    """Clean uint8 images, the PGD perturbation, the adversarial images and what the model sees, with the
    model's predictions on the clean images (column titles) and on the adversarial ones (under the third row).

    The science behind notebook 03's ε slider: the slider calls exactly this function. Only placements that
    perturb the plain image (``none``, ``autograd``, ``bpda``) can be drawn this way.
    """
    if placement == "encrypted_domain":
        raise ValueError(
            "plot_attack_examples draws plain-image perturbations; use 'none', 'autograd' or 'bpda'"
        )
    model.eval()
    clean = to_float(images)
    generator = torch.Generator(images.device).manual_seed(0)
    adversarial = pgd(
        expected_cross_entropy(model, labels, [key], placement), clean, settings, generator=generator
    )
    with torch.no_grad():
        predicted_clean = model(model_input(images, key)).argmax(1)
        predicted_adversarial = model(model_input(adversarial, key)).argmax(1)
    perturbation = (0.5 + (adversarial - clean) / (2 * max(settings.epsilon, 1e-8))).clamp(0, 1)

    def names(predicted: torch.Tensor) -> list[str]:
        pairs = zip(predicted.tolist(), labels.tolist(), strict=True)
        return [f"{classes[p]}{'' if p == t else ' ✗'}" for p, t in pairs]

    rows = [images, perturbation, adversarial]
    row_labels = ["clean", f"perturbation\n(±{settings.epsilon:g} → 0..1)", "adversarial"]
    if key is not None:
        rows.append(model_input(adversarial, key))
        row_labels.append("what the\nmodel sees")
    figure = image_rows(
        rows,
        row_labels,
        column_titles=names(predicted_clean),
        title=f"PGD ε = {settings.epsilon:g}, {settings.steps} steps, placement '{placement}' (✗: wrong)",
    )
    columns = len(images)
    for axis, title in zip(figure.axes[2 * columns : 3 * columns], names(predicted_adversarial), strict=True):
        axis.set_xlabel(title, fontsize=8)
    figure.tight_layout()
    return figure
