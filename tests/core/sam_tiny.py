"""A tiny Segment Anything model with RANDOM weights, for testing the session's plumbing only.

Built from ``segment_anything``'s own modeling classes with a 64-pixel input, 8-pixel patches,
two encoder blocks and 32 channels, so one embedding takes milliseconds on a CPU. Its masks mean
nothing; tests check shapes, coordinate transforms, caching and threading, never mask quality.
"""

from __future__ import annotations

from functools import partial

import torch
from segment_anything.modeling import ImageEncoderViT, MaskDecoder, PromptEncoder, Sam, TwoWayTransformer

IMG = 64
PATCH = 8
DIM = 32


def tiny_sam(seed: int = 0) -> Sam:
    torch.manual_seed(seed)
    grid = IMG // PATCH
    sam = Sam(
        image_encoder=ImageEncoderViT(
            img_size=IMG, patch_size=PATCH, embed_dim=DIM, depth=2, num_heads=2, mlp_ratio=2,
            out_chans=DIM, qkv_bias=True, norm_layer=partial(torch.nn.LayerNorm, eps=1e-6),
            use_rel_pos=True, window_size=4, global_attn_indexes=(1,)),
        prompt_encoder=PromptEncoder(embed_dim=DIM, image_embedding_size=(grid, grid),
                                     input_image_size=(IMG, IMG), mask_in_chans=4),
        mask_decoder=MaskDecoder(num_multimask_outputs=3,
                                 transformer=TwoWayTransformer(depth=1, embedding_dim=DIM, mlp_dim=64, num_heads=2),
                                 transformer_dim=DIM, iou_head_depth=2, iou_head_hidden_dim=16),
        pixel_mean=[123.675, 116.28, 103.53],
        pixel_std=[58.395, 57.12, 57.375],
    )
    return sam.eval()
