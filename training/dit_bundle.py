"""The DiT bundle: the Skiparse DiT + its small text encoder as one module, its default configs and a randomly
initialised one. Library part of training/train_dit.py (no module imports a script); its releases and the VAE that
makes its latents are in training/dit_release.py.
"""
from __future__ import annotations

import torch

from training.models.skiparse_dit import DiTConfig, OpenSoraT2V_v1_3
from training.models.text_encoder import TextEncoder, TextEncoderConfig
from training.tokenizer import Tokenizer




# ----------------------------------------------------------------------------------------------- models / io
class DiTBundle(torch.nn.Module):
    """Everything that trains: the denoiser and the text encoder (one optimizer, one EMA)."""

    def __init__(self, dit_cfg: DiTConfig, text_cfg: TextEncoderConfig):
        super().__init__()
        self.dit = OpenSoraT2V_v1_3(dit_cfg)
        self.text_encoder = TextEncoder(text_cfg)
        self.latent_norm = None  # set from the release meta (training/latent_norm.py)

    def forward(self, x, t, ids, mask, cond_latent=None, cond_mask=None):
        return self.dit(x, t, self.text_encoder(ids, mask), mask, cond_latent, cond_mask)


def default_configs(tok: Tokenizer, inpaint=False, layers=8, heads=4, head_dim=48, text_width=192, text_layers=3,
                    dense=False):
    tc = TextEncoderConfig(vocab_size=tok.vocab_size, width=text_width, layers=text_layers,
                           heads=max(1, text_width // 48), max_length=tok.max_length)
    dc = DiTConfig(num_layers=layers, num_heads=heads, head_dim=head_dim, caption_channels=text_width,
                   inpaint=inpaint, sparse1d=not dense)
    return dc, tc


def random_bundle(inpaint=False, seed=0, **kw):
    tok = Tokenizer()
    torch.manual_seed(seed)
    dc, tc = default_configs(tok, inpaint=inpaint, **kw)
    return DiTBundle(dc, tc).eval(), tok
