"""A stand-in for the few transformers APIs python/train.py calls, for GPT-2 and ViT only, so that the
suite (where transformers cannot be installed) runs train.py's training loop end to end on the gpt2 and
vit fixtures.

It is NOT transformers: GPT2LMHeadModel and ViTForImageClassification below are the two forwards written
out (the checkpoints' tensor names; GPT-2's Conv1D (d_in, d_out) weights and gelu_new; ViT's pre-norm
blocks, exact gelu, CLS head), loaded from model.safetensors with wegeft.py's reader; AutoTokenizer reads
a character-level tokenizer.json (a BPE without merges) only; AutoImageProcessor resizes with Pillow,
rescales and normalises as preprocessor_config.json says. tests/python/train-loop.test.ts checks them
against the engine: the validation loss they give an exported adapter equals the engine's.
"""
import json
import math
import os
import sys

import torch
import torch.nn.functional as F
from torch import nn

__all__ = ["AutoConfig", "AutoModelForCausalLM", "AutoModelForImageClassification", "AutoImageProcessor", "AutoTokenizer"]


def _wegeft():
    sys.path.insert(0, os.environ["STANDIN_WEGEFT_DIR"])
    import wegeft

    return wegeft


class Config:
    def __init__(self, values):
        self.__dict__.update(values)

    @classmethod
    def from_pretrained(cls, name, **_):
        with open(os.path.join(name, "config.json"), encoding="utf-8") as f:
            return cls(json.load(f))


AutoConfig = Config


class Conv1D(nn.Module):
    """transformers.pytorch_utils.Conv1D: y = x·W + b with W stored (d_in, d_out)."""

    def __init__(self, nf, nx):
        super().__init__()
        self.nf = nf
        self.weight = nn.Parameter(torch.empty(nx, nf))
        self.bias = nn.Parameter(torch.zeros(nf))

    def forward(self, x):
        return torch.addmm(self.bias, x.reshape(-1, x.size(-1)), self.weight).reshape(*x.shape[:-1], self.nf)


class Attention(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.heads = c.n_head
        self.c_attn = Conv1D(3 * c.n_embd, c.n_embd)
        self.c_proj = Conv1D(c.n_embd, c.n_embd)

    def forward(self, x):
        B, T, C = x.shape
        q, k, v = self.c_attn(x).split(C, dim=2)
        q, k, v = (t.reshape(B, T, self.heads, C // self.heads).transpose(1, 2) for t in (q, k, v))  # (B, nh, T, hs)
        att = (q @ k.transpose(-2, -1)) / math.sqrt(C // self.heads)
        att = att.masked_fill(torch.ones(T, T, dtype=torch.bool).triu(1), float("-inf")).softmax(-1)
        return self.c_proj((att @ v).transpose(1, 2).reshape(B, T, C))


class MLP(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.c_fc = Conv1D(4 * c.n_embd, c.n_embd)
        self.c_proj = Conv1D(c.n_embd, 4 * c.n_embd)

    def forward(self, x):
        return self.c_proj(F.gelu(self.c_fc(x), approximate="tanh"))  # gelu_new


class Block(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.ln_1 = nn.LayerNorm(c.n_embd, eps=c.layer_norm_epsilon)
        self.attn = Attention(c)
        self.ln_2 = nn.LayerNorm(c.n_embd, eps=c.layer_norm_epsilon)
        self.mlp = MLP(c)

    def forward(self, x):
        x = x + self.attn(self.ln_1(x))
        return x + self.mlp(self.ln_2(x))


class Output:
    def __init__(self, logits):
        self.logits = logits


class GPT2LMHeadModel(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.config = c
        self.transformer = nn.Module()
        self.transformer.wte = nn.Embedding(c.vocab_size, c.n_embd)
        self.transformer.wpe = nn.Embedding(c.n_positions, c.n_embd)
        self.transformer.h = nn.ModuleList(Block(c) for _ in range(c.n_layer))
        self.transformer.ln_f = nn.LayerNorm(c.n_embd, eps=c.layer_norm_epsilon)
        self.lm_head = nn.Linear(c.n_embd, c.vocab_size, bias=False)
        self.lm_head.weight = self.transformer.wte.weight  # tied

    def forward(self, input_ids):
        t = self.transformer
        x = t.wte(input_ids) + t.wpe(torch.arange(input_ids.shape[1], device=input_ids.device))
        for block in t.h:
            x = block(x)
        return Output(self.lm_head(t.ln_f(x)))

    def save_pretrained(self, out, **_):
        os.makedirs(out, exist_ok=True)
        _wegeft().write_safetensors(os.path.join(out, "model.safetensors"), {k: v.detach() for k, v in self.state_dict().items()})


class AutoModelForCausalLM:
    @staticmethod
    def from_pretrained(name, torch_dtype=None, **_):
        config = Config.from_pretrained(name)
        if config.model_type != "gpt2":
            raise ValueError(f"the stand-in knows GPT-2 only, not {config.model_type}")
        model = GPT2LMHeadModel(config)
        tensors, _ = _wegeft().read_safetensors(os.path.join(name, "model.safetensors"))
        missing, unexpected = model.load_state_dict(tensors, strict=False)
        assert not unexpected and set(missing) <= {"lm_head.weight"}, (missing, unexpected)
        return model.to(torch_dtype or torch.float32)


class CharTokenizer:
    def __init__(self, vocab):
        self.vocab = vocab
        self.eos_token_id = None
        self.bos_token_id = None

    def __call__(self, text):
        return {"input_ids": [self.vocab[c] for c in text if c in self.vocab]}


class AutoTokenizer:
    @staticmethod
    def from_pretrained(name, **_):
        with open(os.path.join(name, "tokenizer.json"), encoding="utf-8") as f:
            model = json.load(f)["model"]
        if model.get("merges"):
            raise ValueError("the stand-in reads character-level tokenizers only")
        return CharTokenizer(model["vocab"])


# ---------------------------------------------------------------- ViT


class ViTSelfAttention(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.heads = c.num_attention_heads
        self.query, self.key, self.value = (nn.Linear(c.hidden_size, c.hidden_size) for _ in range(3))

    def forward(self, x):
        B, T, C = x.shape
        q, k, v = (m(x).reshape(B, T, self.heads, C // self.heads).transpose(1, 2) for m in (self.query, self.key, self.value))  # (B, nh, T, hs)
        att = ((q @ k.transpose(-2, -1)) / math.sqrt(C // self.heads)).softmax(-1)
        return (att @ v).transpose(1, 2).reshape(B, T, C)


class ViTLayer(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.layernorm_before = nn.LayerNorm(c.hidden_size, eps=c.layer_norm_eps)
        self.attention = nn.Module()
        self.attention.attention = ViTSelfAttention(c)
        self.attention.output = nn.Module()
        self.attention.output.dense = nn.Linear(c.hidden_size, c.hidden_size)
        self.layernorm_after = nn.LayerNorm(c.hidden_size, eps=c.layer_norm_eps)
        self.intermediate = nn.Module()
        self.intermediate.dense = nn.Linear(c.hidden_size, c.intermediate_size)
        self.output = nn.Module()
        self.output.dense = nn.Linear(c.intermediate_size, c.hidden_size)

    def forward(self, x):
        x = x + self.attention.output.dense(self.attention.attention(self.layernorm_before(x)))
        return x + self.output.dense(F.gelu(self.intermediate.dense(self.layernorm_after(x))))


class ViTForImageClassification(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.config = c
        p, n = c.patch_size, (c.image_size // c.patch_size) ** 2
        self.vit = nn.Module()
        self.vit.embeddings = nn.Module()
        self.vit.embeddings.cls_token = nn.Parameter(torch.zeros(1, 1, c.hidden_size))
        self.vit.embeddings.position_embeddings = nn.Parameter(torch.zeros(1, n + 1, c.hidden_size))
        self.vit.embeddings.patch_embeddings = nn.Module()
        self.vit.embeddings.patch_embeddings.projection = nn.Conv2d(c.num_channels, c.hidden_size, p, stride=p)
        self.vit.encoder = nn.Module()
        self.vit.encoder.layer = nn.ModuleList(ViTLayer(c) for _ in range(c.num_hidden_layers))
        self.vit.layernorm = nn.LayerNorm(c.hidden_size, eps=c.layer_norm_eps)
        self.classifier = nn.Linear(c.hidden_size, len(c.id2label))

    def forward(self, pixel_values):
        e = self.vit.embeddings
        x = e.patch_embeddings.projection(pixel_values).flatten(2).transpose(1, 2)  # (B, patches, C)
        x = torch.cat([e.cls_token.expand(x.shape[0], -1, -1), x], dim=1) + e.position_embeddings
        for layer in self.vit.encoder.layer:
            x = layer(x)
        return Output(self.classifier(self.vit.layernorm(x)[:, 0]))


class AutoModelForImageClassification:
    @staticmethod
    def from_pretrained(name, config=None, ignore_mismatched_sizes=False, torch_dtype=None, **_):
        config = config or Config.from_pretrained(name)
        if config.model_type != "vit":
            raise ValueError(f"the stand-in knows ViT only, not {config.model_type}")
        model = ViTForImageClassification(config)
        torch.nn.init.normal_(model.classifier.weight, std=0.02)  # a new head where the sizes differ, as transformers does
        torch.nn.init.zeros_(model.classifier.bias)
        tensors, _ = _wegeft().read_safetensors(os.path.join(name, "model.safetensors"))
        own = model.state_dict()
        kept = {k: v for k, v in tensors.items() if k in own and (tuple(v.shape) == tuple(own[k].shape) or not ignore_mismatched_sizes)}
        missing, unexpected = model.load_state_dict(kept, strict=False)
        assert not unexpected and set(missing) <= {"classifier.weight", "classifier.bias"}, (missing, unexpected)
        return model.to(torch_dtype or torch.float32)


class ImageProcessor:
    def __init__(self, c):
        self.size = (c["size"]["width"], c["size"]["height"])
        self.resample, self.rescale = c.get("resample", 2), c.get("rescale_factor", 1 / 255)
        self.mean, self.std = torch.tensor(c["image_mean"]).view(3, 1, 1), torch.tensor(c["image_std"]).view(3, 1, 1)

    def __call__(self, images, return_tensors="pt"):
        import numpy as np

        arrays = [np.asarray(image.convert("RGB").resize(self.size, resample=self.resample), dtype=np.float32) for image in images]
        pixels = torch.from_numpy(np.stack(arrays)).permute(0, 3, 1, 2) * self.rescale  # (B, C, H, W)
        return {"pixel_values": (pixels - self.mean) / self.std}


class AutoImageProcessor:
    @staticmethod
    def from_pretrained(name, **_):
        with open(os.path.join(name, "preprocessor_config.json"), encoding="utf-8") as f:
            return ImageProcessor(json.load(f))
