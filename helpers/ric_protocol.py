"""RIC's protocol end to end: the data provider encrypts, the cloud classifies, the authorised user decrypts.

Roles (RIC, Liu et al., Fig. 2):

- **data provider** — has x, the frozen classifier C, F, E and the secret key k. :meth:`RicProtocol.encrypt`
  takes the NAE of (k, ŷ) and sends the 8-bit ciphertext ``x'_q``. Which label ŷ? The provider has C, so by
  default it uses **C's own prediction on the plaintext** (ours): then the cloud returns exactly what C would
  have said on the plaintext, which is what the paper's Table 1 shows (ACC_e = ACC_p). Passing the true
  labels is possible too.
- **cloud** — :meth:`RicProtocol.classify`: ``argmax C(x'_q)``; it never sees x or k.
- **authorised user** — has k and D. :meth:`RicProtocol.decrypt` **regenerates** the key's NAEs and takes
  the one of the label the cloud returned, then decodes (eq. 9). When the cloud's label differs from the
  provider's, the wrong NAE is subtracted and decoding fails; :func:`evaluate` counts how often.

The released code decodes with the very tensor used at encryption, which hides that failure mode; it is
available only as the explicitly named debug method :meth:`RicProtocol.decrypt_with_encryption_noise`.

Also here: the 4-bit LSB-with-NAE baseline of the paper's Table 2 (:func:`lsb_embed`, :func:`lsb_extract`).
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import nn

from helpers import metrics
from helpers.images import check_float_images, check_image_tensor, check_uint8_images, to_float, to_uint8
from helpers.keys import SecretKey
from helpers.nae import NaeSettings, cached_class_naes, class_naes, random_noisy_images
from helpers.ric import RicCodec
from helpers.statistics import rate_interval
from helpers.validation import check_int

BATCH_SIZE = 500


@dataclass
class Encrypted:
    """What leaves the data provider: the 8-bit ciphertexts, and (kept by the provider, never sent) the
    labels whose NAEs were used."""

    ciphertext: torch.Tensor
    labels: torch.Tensor


@dataclass
class RicProtocol:
    """A trained codec, the cloud's frozen classifier and the NAE settings: everything but the key.

    Attributes:
        codec: trained F, E, D (its ``variant`` decides whether NAEs or RNIs are mixed in), or the
            :class:`helpers.ric.IdentityCodec` baseline.
        classifier: the frozen C, taking [0, 1] images.
        nae_settings: how NAEs are grown — the provider and the user must agree on them.
        num_classes: C's classes.
    """

    codec: RicCodec
    classifier: nn.Module
    nae_settings: NaeSettings
    num_classes: int

    @property
    def device(self) -> torch.device:
        return next(self.classifier.parameters()).device

    def image_shape(self, images: torch.Tensor, name: str = "images") -> tuple[int, int, int]:
        """``(C, H, W)`` of a batch, checked against the codec's channels and the sizes C accepts.

        A single image ``(C, H, W)`` is refused with a hint (``images[None]``) rather than read as a batch of
        ``C`` one-channel images.
        """
        channels = self.codec.channels
        if images.ndim == 3:
            raise ValueError(
                f"{name} must be a batch (N, {channels}, H, W); got one image of shape {tuple(images.shape)} "
                f"— pass {name}[None] for a batch of one"
            )
        if images.ndim != 4 or images.shape[1] != channels:
            raise ValueError(f"{name} must have shape (N, {channels}, H, W), got {tuple(images.shape)}")
        shape = tuple(images.shape[1:])
        self._check_classifier_accepts(shape, name)
        return shape

    def _check_classifier_accepts(self, shape: tuple[int, int, int], name: str) -> None:
        """One forward pass of a blank image, so that a size C cannot take fails here, clearly, and not deep
        inside the NAE growth. The classifier's train/eval mode is restored afterwards."""
        was_training = self.classifier.training
        probe = torch.zeros(1, *shape, device=self.device)
        try:
            with torch.no_grad():
                self.classifier.eval()(probe)
        except RuntimeError as error:
            raise ValueError(
                f"{name} of size {shape[1]}×{shape[2]} do not fit the cloud's classifier C (trained on "
                f"another size): {str(error).splitlines()[0]}"
            ) from error
        finally:
            self.classifier.train(was_training)

    def check_labels(self, labels: object, count: int) -> torch.Tensor:
        """``labels`` as ``count`` int64 class indices in ``[0, num_classes)`` on the protocol's device."""
        if not isinstance(labels, torch.Tensor) or labels.dtype != torch.int64:
            raise TypeError("labels must be a torch.int64 tensor of class indices")
        if labels.shape != (count,):
            raise ValueError(f"labels must have shape ({count},), got {tuple(labels.shape)}")
        if count and (int(labels.min()) < 0 or int(labels.max()) >= self.num_classes):
            raise ValueError(f"labels must lie in [0, {self.num_classes}), got {labels.unique().tolist()}")
        return labels.to(self.device)

    def key_noise(self, key: SecretKey, shape: tuple[int, int, int], *, cached: bool) -> torch.Tensor:
        """The key's noise per class, ``(classes, C, H, W)``: its NAEs (RNIs for ``rni_srl``).

        ``cached=True`` (the provider's side) reads the NAE cache keyed by the key's fingerprint;
        ``cached=False`` (the user's side) grows them again from the key.
        """
        if not isinstance(key, SecretKey):
            raise TypeError(f"key must be a SecretKey, got {type(key).__name__}")
        if self.codec.variant == "rni_srl":
            return random_noisy_images(key, shape, range(self.num_classes)).to(self.device)
        if cached:
            naes, _, _ = cached_class_naes(
                self.classifier, key, shape, self.num_classes, self.nae_settings, quiet=True
            )
            return naes
        return class_naes(self.classifier, key, shape, self.num_classes, self.nae_settings).naes

    @torch.no_grad()
    def encrypt(self, images: torch.Tensor, key: SecretKey, labels: torch.Tensor | None = None) -> Encrypted:
        """The provider's step: 8-bit ciphertexts of ``images`` (uint8, or float in [0, 1]).

        ``labels`` picks each image's NAE; ``None`` (default) uses C's prediction on the plaintext.
        """
        images = check_image_tensor(images)
        plain = to_float(images) if images.dtype == torch.uint8 else check_float_images(images)
        plain = plain.to(self.device)
        noise_table = self.key_noise(key, self.image_shape(plain), cached=True)
        if labels is not None:
            labels = self.check_labels(labels, len(plain))
        self.codec.eval()
        ciphertexts, used = [], []
        for batch_index in torch.arange(len(plain), device=self.device).split(BATCH_SIZE):
            batch = plain[batch_index]
            batch_labels = self.classifier(batch).argmax(1) if labels is None else labels[batch_index]
            ciphertext, _ = self.codec(batch, noise_table[batch_labels])
            ciphertexts.append(to_uint8(ciphertext))
            used.append(batch_labels)
        return Encrypted(torch.cat(ciphertexts), torch.cat(used))

    @torch.no_grad()
    def encoder_outputs(self, images: torch.Tensor, key: SecretKey, labels: torch.Tensor) -> torch.Tensor:
        """``u_en`` of float ``images`` encrypted toward ``labels`` (what eq. 5 mixes with the NAE; for the
        ``nae_no_srl`` ablation, the ciphertext before quantisation)."""
        plain = check_float_images(images).to(self.device)
        table = self.key_noise(key, self.image_shape(plain), cached=True)
        noise = table[self.check_labels(labels, len(plain))]
        self.codec.eval()
        parts = zip(plain.split(BATCH_SIZE), noise.split(BATCH_SIZE), strict=True)
        return torch.cat([self.codec.encoder_output(batch, batch_noise) for batch, batch_noise in parts])

    @torch.no_grad()
    def classify(self, ciphertext: torch.Tensor) -> torch.Tensor:
        """The cloud's step: C's labels for uint8 ciphertexts."""
        ciphertext = check_uint8_images(ciphertext, "ciphertext").to(self.device)
        self.image_shape(ciphertext, "ciphertext")
        return torch.cat(
            [self.classifier(to_float(batch)).argmax(1) for batch in ciphertext.split(BATCH_SIZE)]
        )

    @torch.no_grad()
    def decrypt(self, ciphertext: torch.Tensor, key: SecretKey, labels: torch.Tensor) -> torch.Tensor:
        """The authorised user's step: regenerate the key's NAEs, take those of the cloud's ``labels``,
        decode (eq. 9). Returns float images in [0, 1] (not rounded)."""
        ciphertext = check_uint8_images(ciphertext, "ciphertext").to(self.device)
        shape = self.image_shape(ciphertext, "ciphertext")
        self.check_labels(labels, len(ciphertext))
        noise_table = self.key_noise(key, shape, cached=False)
        return self.decrypt_with_table(ciphertext, noise_table, labels)

    @torch.no_grad()
    def decrypt_with_table(
        self, ciphertext: torch.Tensor, noise_table: torch.Tensor, labels: torch.Tensor
    ) -> torch.Tensor:
        """:meth:`decrypt` for a user who regenerated the key's per-class noise once
        (:meth:`key_noise`) and keeps it: still indexed by the cloud's labels."""
        ciphertext = check_uint8_images(ciphertext, "ciphertext").to(self.device)
        self.image_shape(ciphertext, "ciphertext")
        return self._decode(ciphertext, noise_table[self.check_labels(labels, len(ciphertext))])

    @torch.no_grad()
    def decrypt_with_encryption_noise(self, ciphertext: torch.Tensor, noise: torch.Tensor) -> torch.Tensor:
        """DEBUG ONLY — the released code's shortcut: decode with the noise used at encryption, ignoring the
        cloud's label. It cannot show a label mismatch; never use it to report results."""
        ciphertext = check_uint8_images(ciphertext, "ciphertext").to(self.device)
        return self._decode(ciphertext, check_float_images(noise, "noise").to(self.device))

    def _decode(self, ciphertext: torch.Tensor, noise: torch.Tensor) -> torch.Tensor:
        self.codec.eval()
        parts = zip(ciphertext.split(BATCH_SIZE), noise.split(BATCH_SIZE), strict=True)
        return torch.cat([self.codec.decode(to_float(batch), batch_noise) for batch, batch_noise in parts])


def lsb_embed(plaintext: torch.Tensor, cover: torch.Tensor, bits: int = 4) -> torch.Tensor:
    """Table 2's baseline: keep the cover's (NAE's) high ``8 − bits`` bits and store the plaintext's high
    ``bits`` bits in its low bits. Both uint8, one shape."""
    check_uint8_images(plaintext, "plaintext")
    check_uint8_images(cover, "cover")
    if plaintext.shape != cover.shape:
        raise ValueError(f"plaintext {tuple(plaintext.shape)} and cover {tuple(cover.shape)} must match")
    check_int(bits, "bits", minimum=1, maximum=7)
    low_mask = (1 << bits) - 1
    return (cover & (255 - low_mask)) | (plaintext >> (8 - bits))


def lsb_extract(ciphertext: torch.Tensor, bits: int = 4) -> torch.Tensor:
    """Inverse of :func:`lsb_embed` up to the lost bits, which are filled with their midpoint."""
    check_uint8_images(ciphertext, "ciphertext")
    check_int(bits, "bits", minimum=1, maximum=7)
    return ((ciphertext & ((1 << bits) - 1)) << (8 - bits)) | (1 << (7 - bits))


@dataclass
class ProtocolReport:
    """One end-to-end run of the protocol on labelled test images (see :func:`evaluate`)."""

    acc_plain: float
    acc_encrypted: float
    adp: float
    label_mismatch_rate: float
    mismatch_psnr_db: float | None
    recovery: metrics.Recovery
    privacy_psnr_db: float
    privacy_ssim: float
    wrong_key_psnr_db: float
    wrong_key_ssim: float
    encoder_correlation: float
    plaintext: torch.Tensor
    ciphertext: torch.Tensor
    decoded: torch.Tensor
    wrong_key_decoded: torch.Tensor

    def numbers(self) -> dict[str, float | int | None]:
        """The report's measurements (no tensors), flat, as a ``results.json`` stores them; ``ci95`` holds the
        95 % Wilson intervals of the two accuracies."""
        images = self.recovery.images
        return {
            "acc_plain": self.acc_plain,
            "acc_encrypted": self.acc_encrypted,
            "ci95": {
                "acc_plain": rate_interval(self.acc_plain, images),
                "acc_encrypted": rate_interval(self.acc_encrypted, images),
            },
            "adp": self.adp,
            "label_mismatch_rate": self.label_mismatch_rate,
            "mismatch_psnr_db": self.mismatch_psnr_db,
            **_recovery_numbers(self.recovery),
            "privacy_psnr_db": self.privacy_psnr_db,
            "privacy_ssim": self.privacy_ssim,
            "wrong_key_psnr_db": self.wrong_key_psnr_db,
            "wrong_key_ssim": self.wrong_key_ssim,
            "encoder_correlation": self.encoder_correlation,
        }


def _recovery_numbers(recovery: metrics.Recovery) -> dict[str, float | int | None]:
    return {
        "psnr_db": recovery.psnr_db,
        "psnr_rounded_db": recovery.psnr_rounded_db,
        "ssim": recovery.ssim,
        "ssim_rounded": recovery.ssim_rounded,
        "lpips": recovery.lpips,
        "images": recovery.images,
    }


def evaluate(
    protocol: RicProtocol,
    images: torch.Tensor,
    labels: torch.Tensor,
    key: SecretKey,
    wrong_key: SecretKey,
    *,
    with_lpips: bool = True,
) -> ProtocolReport:
    """Encrypt with ``key``, classify, decrypt with ``key`` and with ``wrong_key``; measure everything.

    ``label_mismatch_rate``: the fraction of images whose returned label differs from the label whose NAE
    encrypted them (decoding then subtracts the wrong NAE); ``mismatch_psnr_db`` is their mean PSNR.
    ``encoder_correlation``: the mean per-image Pearson correlation of ``u_en`` with ``x`` — how much of the
    plaintext's appearance the encoder keeps (1 for the identity codec), i.e. what a key-free estimate of the
    noise would reveal (notebook 09).
    """
    plaintext = to_float(check_uint8_images(images)).to(protocol.device)
    labels = protocol.check_labels(labels, len(plaintext))
    with torch.no_grad():
        plain_predictions = torch.cat(
            [protocol.classifier(batch).argmax(1) for batch in plaintext.split(BATCH_SIZE)]
        )
    encrypted = protocol.encrypt(plaintext, key)
    returned = protocol.classify(encrypted.ciphertext)
    decoded = protocol.decrypt(encrypted.ciphertext, key, returned)
    wrong = protocol.decrypt(encrypted.ciphertext, wrong_key, returned)
    mismatch = returned != encrypted.labels
    psnr = metrics.psnr_per_image(plaintext, decoded)
    encoder_outputs = protocol.encoder_outputs(plaintext, key, encrypted.labels)
    acc_plain = (plain_predictions == labels).float().mean().item()
    acc_encrypted = (returned == labels).float().mean().item()
    ciphertext = to_float(encrypted.ciphertext)
    return ProtocolReport(
        acc_plain=acc_plain,
        acc_encrypted=acc_encrypted,
        adp=metrics.accuracy_drop_percentage(acc_plain, acc_encrypted),
        label_mismatch_rate=mismatch.float().mean().item(),
        mismatch_psnr_db=psnr[mismatch].mean().item() if mismatch.any() else None,
        recovery=metrics.recovery(plaintext, decoded, with_lpips=with_lpips),
        privacy_psnr_db=metrics.psnr_per_image(plaintext, ciphertext).mean().item(),
        privacy_ssim=metrics.ssim_per_image(plaintext, ciphertext).mean().item(),
        wrong_key_psnr_db=metrics.psnr_per_image(plaintext, wrong).mean().item(),
        wrong_key_ssim=metrics.ssim_per_image(plaintext, wrong).mean().item(),
        encoder_correlation=metrics.correlation_per_image(plaintext, encoder_outputs).mean().item(),
        plaintext=plaintext,
        ciphertext=ciphertext,
        decoded=decoded,
        wrong_key_decoded=wrong,
    )


@dataclass
class LsbReport:
    """Table 2's baseline on labelled images: accuracy of C on the LSB ciphertexts and recovery."""

    acc_encrypted: float
    recovery: metrics.Recovery
    ciphertext: torch.Tensor
    recovered: torch.Tensor

    def numbers(self) -> dict[str, float | int | None]:
        """The report's measurements (no tensors), as a ``results.json`` stores them."""
        return {"acc_encrypted": self.acc_encrypted, **_recovery_numbers(self.recovery)}


@torch.no_grad()
def evaluate_lsb_baseline(
    protocol: RicProtocol, images: torch.Tensor, labels: torch.Tensor, key: SecretKey, *, bits: int = 4
) -> LsbReport:
    """Hide each plaintext's high ``bits`` bits in the low bits of the NAE of C's plaintext prediction;
    the cloud classifies the result; the user reads the bits back (no network involved)."""
    plaintext = check_uint8_images(images).to(protocol.device)
    predictions = protocol.classify(plaintext)
    covers = to_uint8(protocol.key_noise(key, protocol.image_shape(plaintext), cached=True)[predictions])
    ciphertext = lsb_embed(plaintext, covers, bits)
    returned = protocol.classify(ciphertext)
    recovered = lsb_extract(ciphertext, bits)
    return LsbReport(
        acc_encrypted=(returned == protocol.check_labels(labels, len(plaintext))).float().mean().item(),
        recovery=metrics.recovery(to_float(plaintext), to_float(recovered)),
        ciphertext=to_float(ciphertext),
        recovered=to_float(recovered),
    )
