"""The VAE trainer's pieces: the unclamped decode and the edge-centred crops."""

import numpy as np
import torch

from tessera_train import vae


def test_decode_unclamped_is_diffusers_decode_before_its_clamp():
    torch.manual_seed(0)
    model = vae.build_vae("tiny").eval()
    with torch.no_grad():
        z = model.encode(torch.rand(1, 3, 5, 32, 32) * 2 - 1).latent_dist.mode() * 40   # push outputs past +-1
        ref = model.decode(z).sample
        out = vae.decode_unclamped(model, z)
    assert out.shape == ref.shape
    assert out.abs().max() > 1.0                           # really unclamped
    assert torch.equal(out.clamp(-1, 1), ref)


def test_edge_crops_centre_on_the_object():
    clip = -torch.ones(3, 1, 128, 128)
    clip[:, :, 90:100, 20:30] = 1.0                        # one white square on black
    rng = np.random.default_rng(0)
    for _ in range(20):
        y0, x0 = vae.crop_origin(clip, 32, rng, edge_fraction=1.0)
        assert y0 <= 90 and y0 + 32 >= 100 - 1 and x0 <= 20 and x0 + 32 >= 30 - 1
    origins = {vae.crop_origin(clip, 32, rng, edge_fraction=0.0) for _ in range(20)}
    assert len(origins) > 10                               # uniform crops go anywhere


def test_training_batch_with_edge_crops_is_deterministic():
    a = vae.training_batch(3, 2, 1, 32, 64, 0, "cpu", edge_fraction=0.75)
    b = vae.training_batch(3, 2, 1, 32, 64, 0, "cpu", edge_fraction=0.75)
    assert a.shape == (2, 3, 1, 32, 32) and torch.equal(a, b)
