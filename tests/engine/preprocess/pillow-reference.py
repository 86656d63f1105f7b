"""
Writes pillow-reference.json: what Pillow (and transformers' ViTImageProcessor
steps, replayed with numpy) produce for small synthetic images. The TypeScript
preprocessing must reproduce these exactly. Not run by the test suite (it needs
Pillow and numpy); rerun with `python3 pillow-reference.py > pillow-reference.json`.
Generated with Pillow 9.4.0 and numpy 1.24.2.
"""
import json
import math

import numpy as np
from PIL import Image


def pattern(w, h):
    """The same synthetic RGB image as `patternImage` in image.test.ts."""
    return bytes(((x * 37 + y * 91 + c * 53 + x * y * 7) % 256) for y in range(h) for x in range(w) for c in range(3))


def rgb(w, h):
    return Image.frombytes('RGB', (w, h), pattern(w, h))


def center_crop(image, crop_h, crop_w):
    """transformers.image_transforms.center_crop on a (H, W, C) array."""
    orig_h, orig_w = image.shape[:2]
    top, left = (orig_h - crop_h) // 2, (orig_w - crop_w) // 2
    bottom, right = top + crop_h, left + crop_w
    if top >= 0 and bottom <= orig_h and left >= 0 and right <= orig_w:
        return image[top:bottom, left:right]
    new_h, new_w = max(crop_h, orig_h), max(crop_w, orig_w)
    padded = np.zeros((new_h, new_w) + image.shape[2:], dtype=image.dtype)
    top_pad, left_pad = math.ceil((new_h - orig_h) / 2), math.ceil((new_w - orig_w) / 2)
    padded[top_pad:top_pad + orig_h, left_pad:left_pad + orig_w] = image
    top, bottom, left, right = top + top_pad, bottom + top_pad, left + left_pad, right + left_pad
    return padded[max(0, top):min(new_h, bottom), max(0, left):min(new_w, right)]


def vit_pipeline(image, size=None, resample=2, crop=None, scale=1 / 255, mean=None, std=None):
    """ViTImageProcessor's steps: PIL resize, centre crop, rescale, normalise, channels first."""
    if size is not None:
        image = image.resize((size[1], size[0]), resample=resample, reducing_gap=None)
    array = np.array(image)
    if crop is not None:
        array = center_crop(array, *crop)
    array = (array.astype(np.float64) * scale).astype(np.float32)
    if mean is not None:
        array = (array - np.array(mean, dtype=np.float32)) / np.array(std, dtype=np.float32)
    return [float(v) for v in array.transpose(2, 0, 1).reshape(-1)]


resize = {}
for (w, h, ow, oh, f) in [(7, 5, 3, 2, 2), (7, 5, 11, 9, 2), (7, 5, 7, 3, 2), (7, 5, 4, 4, 3), (7, 5, 5, 8, 1),
                          (7, 5, 3, 3, 4), (7, 5, 4, 2, 5), (13, 11, 4, 4, 2), (7, 5, 3, 2, 0), (7, 5, 10, 7, 0)]:
    resize[f"{w}x{h}->{ow}x{oh}@{f}"] = list(rgb(w, h).resize((ow, oh), resample=f, reducing_gap=None).tobytes())

checker = Image.frombytes('L', (4, 4), bytes((255 if (x + y) % 2 else 0) for y in range(4) for x in range(4)))
imagenet = dict(mean=[0.485, 0.456, 0.406], std=[0.229, 0.224, 0.225])
print(json.dumps({
    'resize': resize,
    'luminance_4x3': list(rgb(4, 3).convert('L').tobytes()),
    'checker_4x4_to_2x2_bilinear': list(checker.resize((2, 2), resample=2, reducing_gap=None).tobytes()),
    'vit_7x5_to_4x4_bilinear_imagenet': vit_pipeline(rgb(7, 5), size=(4, 4), **imagenet),
    # shortest_edge 4: 7x5 -> 5x4 (W x H), then a 3x3 centre crop, bicubic
    'vit_7x5_shortest4_crop3_bicubic': vit_pipeline(rgb(7, 5), size=(4, 5), resample=3, crop=(3, 3), mean=[0.5] * 3, std=[0.5] * 3),
    # no resize; a 4x4 crop of a 3x2 image pads with zeros
    'vit_3x2_crop4_padded': vit_pipeline(rgb(3, 2), crop=(4, 4), mean=[0.5] * 3, std=[0.5] * 3),
}, indent=None))
