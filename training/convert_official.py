"""Convert the released Open-Sora Plan v1.3 checkpoints into a model folder the app loads.

    /usr/bin/python3 training/convert_official.py --vae VAE_DIR --dit any93x640x640 [--inpaint any93x640x640_i2v] \
        --text-encoder mt5-xxl --out public/models/osp-v13 [--dtype fp32|fp16] [--id ID] [--name NAME]

Strict: a wrong folder, a missing shard, an unknown / missing key, a shape or config value the app does not implement
stops the conversion with a message naming it (training/convert). The library does the work; this is the CLI.
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))  # run as a script from anywhere
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--vae", required=True, help="released vae/ folder (config.json + .ckpt or safetensors)")
    ap.add_argument("--dit", required=True, help="text-to-video DiT folder (diffusers layout, e.g. any93x640x640)")
    ap.add_argument("--inpaint", default="", help="image-to-video DiT folder (e.g. any93x640x640_i2v)")
    ap.add_argument("--text-encoder", dest="text_encoder", required=True,
                    help="mT5 folder in Hugging Face layout with spiece.model")
    ap.add_argument("--out", required=True)
    ap.add_argument("--dtype", choices=("fp32", "fp16"), default="fp32", help="stored weight dtype")
    ap.add_argument("--no-ema", dest="no_ema", action="store_true",
                    help="VAE .ckpt: use state_dict.gen_model instead of the EMA (upstream NOT_USE_EMA_MODEL)")
    ap.add_argument("--id", default="")
    ap.add_argument("--name", default="")
    ap.add_argument("--license", default="", help="licence text for the model card / manifest")
    ap.add_argument("--defaults", default="", help='JSON merged into manifest.defaults, e.g. \'{"width": 64}\'')
    ap.add_argument("--threads", type=int, default=2)
    args = ap.parse_args(argv)

    import torch
    from training.convert.dit import load_official_dit
    from training.convert.export import export_folder
    from training.convert.safetensors_io import CheckpointError
    from training.convert.text_encoder import load_official_text_encoder
    from training.convert.vae import load_official_vae
    torch.set_num_threads(args.threads)
    t0 = time.time()
    try:
        defaults = json.loads(args.defaults) if args.defaults else {}
        vae, latent, vinfo = load_official_vae(args.vae, use_ema=not args.no_ema)
        print(f"VAE: {vinfo['weights']} {vinfo['config']}")
        dit, dinfo = load_official_dit(args.dit, expect_inpaint=False)
        print(f"DiT: {dinfo['folder']} ({', '.join(dinfo['source_dtypes'])})")
        inp = None
        if args.inpaint:
            inp, iinfo = load_official_dit(args.inpaint, expect_inpaint=True)
            print(f"inpaint DiT: {iinfo['folder']}")
        te, tinfo = load_official_text_encoder(args.text_encoder)
        if te.cfg.d_model != dit.cfg.caption_channels:
            raise CheckpointError(f"{args.text_encoder}: d_model {te.cfg.d_model} ≠ the DiT's caption_channels "
                                  f"{dit.cfg.caption_channels}")
        if inp is not None and (inp.cfg.caption_channels != dit.cfg.caption_channels
                                or inp.cfg.in_channels != dit.cfg.in_channels):
            raise CheckpointError(f"{args.inpaint}: caption/latent channels differ from {args.dit}")
        if vae.cfg.latent_dim != dit.cfg.in_channels:
            raise CheckpointError(f"{args.vae}: latent_dim {vae.cfg.latent_dim} ≠ the DiT's in_channels "
                                  f"{dit.cfg.in_channels}")
        sources = {"vae": args.vae, "dit": args.dit, "text encoder": args.text_encoder}
        if args.inpaint:
            sources["inpaint DiT"] = args.inpaint
        with torch.no_grad():
            m = export_folder(args.out, vae, latent, dit, te, os.path.join(args.text_encoder, "spiece.model"), inp,
                              args.dtype, sources, args.license, args.id, args.name, defaults)
    except (CheckpointError, ValueError) as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    total = sum(f["bytes"] for f in m["files"])
    print(json.dumps({"out": args.out, "files": len(m["files"]), "bytes": total, "dtype": args.dtype,
                      "seconds": round(time.time() - t0, 1)}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
