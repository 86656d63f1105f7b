"""A GPT-2-small-shaped checkpoint with random weights and a random LoRA (r = 16 on the 48 modules c_attn,
attn.c_proj, c_fc, mlp.c_proj), to time `npm run analyze` at real size without the Hub (docs/insight.md).

    /usr/bin/python3 scripts/lib/analysis/random_gpt2_small.py <out-dir>   # writes <out-dir>/model and <out-dir>/lora
"""
import ctypes, json, os, struct, sys

import torch

OUT = sys.argv[1] if len(sys.argv) > 1 else "."
torch.manual_seed(0)
L, D, V, P = 12, 768, 50257, 1024
def save(path, tensors, meta=None):
    header = {}; off = 0; blobs = []
    for k, t in tensors.items():
        data = t.contiguous().to(torch.float32).flatten()
        raw = memoryview(bytearray(data.numel() * 4))
        ctypes.memmove((ctypes.c_char * len(raw)).from_buffer(raw), data.data_ptr(), len(raw))
        blobs.append(raw); header[k] = {"dtype": "F32", "shape": list(t.shape), "data_offsets": [off, off + len(raw)]}; off += len(raw)
    if meta: header["__metadata__"] = meta
    h = json.dumps(header).encode(); h += b" " * ((8 - len(h) % 8) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(h))); f.write(h)
        for b in blobs: f.write(b)
t = {"transformer.wte.weight": torch.randn(V, D) * 0.02, "transformer.wpe.weight": torch.randn(P, D) * 0.01,
     "transformer.ln_f.weight": torch.ones(D), "transformer.ln_f.bias": torch.zeros(D)}
for i in range(L):
    p = f"transformer.h.{i}."
    t[p+"ln_1.weight"] = torch.ones(D); t[p+"ln_1.bias"] = torch.zeros(D)
    t[p+"ln_2.weight"] = torch.ones(D); t[p+"ln_2.bias"] = torch.zeros(D)
    t[p+"attn.c_attn.weight"] = torch.randn(D, 3*D) * 0.02; t[p+"attn.c_attn.bias"] = torch.zeros(3*D)
    t[p+"attn.c_proj.weight"] = torch.randn(D, D) * 0.02; t[p+"attn.c_proj.bias"] = torch.zeros(D)
    t[p+"mlp.c_fc.weight"] = torch.randn(D, 4*D) * 0.02; t[p+"mlp.c_fc.bias"] = torch.zeros(4*D)
    t[p+"mlp.c_proj.weight"] = torch.randn(4*D, D) * 0.02; t[p+"mlp.c_proj.bias"] = torch.zeros(D)
os.makedirs(f"{OUT}/model", exist_ok=True)
save(f"{OUT}/model/model.safetensors", t, {"format": "pt"})
json.dump({"model_type": "gpt2", "n_layer": L, "n_embd": D, "n_head": 12, "vocab_size": V, "n_positions": P, "n_ctx": P,
           "activation_function": "gelu_new", "layer_norm_epsilon": 1e-5, "architectures": ["GPT2LMHeadModel"]}, open(f"{OUT}/model/config.json", "w"))
# LoRA r=16 on the 48 modules (c_attn, attn.c_proj, c_fc, mlp.c_proj), random A and B
r = 16; a = {}
for i in range(L):
    for m, (din, dout) in {"attn.c_attn": (D, 3*D), "attn.c_proj": (D, D), "mlp.c_fc": (D, 4*D), "mlp.c_proj": (4*D, D)}.items():
        k = f"base_model.model.transformer.h.{i}.{m}"
        a[k+".lora_A.weight"] = torch.randn(r, din) * 0.01; a[k+".lora_B.weight"] = torch.randn(dout, r) * 0.01
os.makedirs(f"{OUT}/lora", exist_ok=True)
save(f"{OUT}/lora/adapter_model.safetensors", a, {"format": "pt"})
json.dump({"peft_type": "LORA", "r": r, "lora_alpha": 32, "target_modules": ["c_attn", "c_proj", "c_fc"], "fan_in_fan_out": True,
           "lora_dropout": 0.0, "bias": "none", "task_type": "CAUSAL_LM", "base_model_name_or_path": None}, open(f"{OUT}/lora/adapter_config.json", "w"))
print(f"wrote {OUT}/model and {OUT}/lora")
