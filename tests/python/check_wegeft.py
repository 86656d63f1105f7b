"""Checks python/wegeft.py module by module against the engine (run by
tests/python/wegeft.test.ts; transformers is not needed).

argv: ENGINE_FILE ADAPTER_DIR AUTHORS_DIR OUT_DIR
  ENGINE_FILE: safetensors the test wrote from the engine: `base:<path>.weight`,
    `base:<path>.bias` (stored layout), `delta:<path>` (the engine's merged minus
    base, stored layout); metadata "modules": [{"path", "layout"}] in forward order.
  ADAPTER_DIR: an adapter in our format; AUTHORS_DIR: the same in the authors'.
  OUT_DIR: wegeft.py writes `ours/` and `authors/` there after moving every pair,
    and `python-deltas.safetensors` with its ΔW of those, for the engine to read back.
Prints one JSON object of measured errors.
"""
import copy
import json
import os
import sys

import torch
from torch import nn

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "python"))
import wegeft  # noqa: E402


class Conv1D(nn.Module):
    """transformers.pytorch_utils.Conv1D as it is: weight (nx, nf), forward x @ W + b."""

    def __init__(self, nf, nx):
        super().__init__()
        self.nf = nf
        self.weight = nn.Parameter(torch.empty(nx, nf))
        self.bias = nn.Parameter(torch.zeros(nf))

    def forward(self, x):
        size_out = x.size()[:-1] + (self.nf,)
        x = torch.addmm(self.bias, x.view(-1, x.size(-1)), self.weight)
        return x.view(size_out)


class Tree(nn.Module):
    """A container standing in for a model: submodules by dotted path."""


def build(tensors, modules):
    root = Tree()
    for m in modules:
        parent = root
        segments = m["path"].split(".")
        for segment in segments[:-1]:
            if not hasattr(parent, segment):
                parent.add_module(segment, Tree())
            parent = getattr(parent, segment)
        w = tensors["base:%s.weight" % m["path"]]
        b = tensors.get("base:%s.bias" % m["path"])
        if m["layout"] == "conv1d":
            layer = Conv1D(w.shape[1], w.shape[0])
        else:
            layer = nn.Linear(w.shape[1], w.shape[0], bias=b is not None)
        with torch.no_grad():
            layer.weight.copy_(w)
            if b is not None:
                layer.bias.copy_(b)
            elif m["layout"] == "conv1d":
                layer.bias.zero_()
        parent.add_module(segments[-1], layer)
    # An untargeted layer outside the blocks: it must stay as it is.
    root.add_module("lm_head", nn.Linear(4, 3))
    return root


def layers(model):
    return {name: m for name, m in model.named_modules() if isinstance(m, wegeft.WeGeFTLayer)}


def max_err(a, b):
    return float((a.double() - b.double()).abs().max())


def delta_errors(model, tensors, modules):
    wrapped = layers(model)
    err, scale = 0.0, 0.0
    for m in modules:
        engine = tensors["delta:%s" % m["path"]]
        ours = wrapped[m["path"]].delta_weight().detach()
        err = max(err, max_err(ours, engine))
        scale = max(scale, float(engine.abs().max()))
    return err, scale


def dense(layer, x):
    """x · (W + ΔW)ᵀ + b with ΔW = (α/r)·W·φᵀ·ψ written out index by index (float64)."""
    w = layer.base_layer.weight.double()
    w = w if layer.layout == "linear" else w.t()  # (d_out, d_in)
    delta = layer.scaling * torch.einsum("oj,kj,ki->oi", w, layer.phi.double(), layer.psi.double())
    b = layer.base_layer.bias
    y = torch.einsum("...i,oi->...o", x, w + delta)
    return y if b is None else y + b.double()


def main():
    engine_file, adapter_dir, authors_dir, out_dir = sys.argv[1:5]
    tensors, metadata = wegeft.read_safetensors(engine_file)
    modules = json.loads(metadata["modules"])
    result = {}

    model = build(tensors, modules)
    untouched = copy.deepcopy(model.lm_head.state_dict())
    config = wegeft.load_adapter(model, adapter_dir)
    wrapped = layers(model)
    result["wrapped"] = list(wrapped)
    result["lm_head_kept"] = isinstance(model.lm_head, nn.Linear) and all(
        torch.equal(v, model.lm_head.state_dict()[k]) for k, v in untouched.items())
    result["layouts"] = sorted({m.layout for m in wrapped.values()})
    result["trainable"] = sum(p.numel() for p in model.parameters() if p.requires_grad)
    result["delta_err"], result["delta_scale"] = delta_errors(model, tensors, modules)
    result["groups"] = model.wegeft_groups

    authors = build(tensors, modules)
    authors_config = wegeft.load_adapter(authors, authors_dir)
    result["authors_peft_type"] = authors_config.peft_type
    result["authors_delta_err"], _ = delta_errors(authors, tensors, modules)
    result["authors_trainable"] = sum(p.numel() for p in authors.parameters() if p.requires_grad)

    # Forward and gradients in float64: the wrapped layer against the dense formula, on random x.
    model64 = copy.deepcopy(model).double()
    torch.manual_seed(0)
    forward_err, forward_scale = 0.0, 0.0
    loss_wrapped = 0.0
    grads_dense = {}
    for name, layer in layers(model64).items():
        x = torch.randn(2, 3, layer.d_in, dtype=torch.float64)
        c = torch.randn(2, 3, layer.d_out, dtype=torch.float64)
        y = layer(x)
        expected = dense(layer, x)
        forward_err = max(forward_err, max_err(y, expected))
        forward_scale = max(forward_scale, float(expected.abs().max()))
        loss_wrapped = loss_wrapped + (c * y).sum()
        # d/dψ Σ c⊙y = s·φ·Wᵀ·Gᵀ·X, d/dφ = s·ψ·Xᵀ·G·W (G = c, X = x flattened to rows), summed over a pair's members.
        w = layer.base_layer.weight.detach() if layer.layout == "linear" else layer.base_layer.weight.detach().t()
        g, xs = c.reshape(-1, layer.d_out), x.reshape(-1, layer.d_in)
        phi, psi = layer.phi.detach(), layer.psi.detach()
        owner = id(layer.owner)
        d_psi = layer.scaling * phi @ w.t() @ g.t() @ xs
        d_phi = layer.scaling * psi @ xs.t() @ g @ w
        prev = grads_dense.get(owner, (0, 0))
        grads_dense[owner] = (prev[0] + d_phi, prev[1] + d_psi)
    loss_wrapped.backward()
    grad_err, grad_scale = 0.0, 0.0
    for layer in layers(model64).values():
        if layer._owner is None:
            d_phi, d_psi = grads_dense[id(layer)]
            grad_err = max(grad_err, max_err(layer.wegeft_phi.weight.grad, d_phi), max_err(layer.wegeft_psi.weight.grad, d_psi))
            grad_scale = max(grad_scale, float(d_phi.abs().max()), float(d_psi.abs().max()))
    result["frozen_have_no_grad"] = all(
        p.grad is None for n, p in model64.named_parameters() if "wegeft_" not in n)
    result.update(forward_err=forward_err, forward_scale=forward_scale, grad_err=grad_err, grad_scale=grad_scale)

    # Move every pair, save in both formats, and write the ΔW the engine must read back from either.
    with torch.no_grad():
        for i, layer in enumerate(layers(model).values()):
            if layer._owner is None:
                layer.wegeft_phi.weight.add_(0.01 * (i + 1))
                layer.wegeft_psi.weight.mul_(1.5)
    wegeft.save_adapter(model, os.path.join(out_dir, "ours"), "ours")
    wegeft.save_adapter(model, os.path.join(out_dir, "authors"), "authors")
    deltas = {name: layer.delta_weight().detach().float() for name, layer in layers(model).items()}
    wegeft.write_safetensors(os.path.join(out_dir, "python-deltas.safetensors"), deltas)

    # Merging gives the dense weight; the untargeted head stays.
    merged = wegeft.merge_and_unload(copy.deepcopy(model))
    merge_err = 0.0
    for name, delta in deltas.items():
        base = tensors["base:%s.weight" % name]
        merge_err = max(merge_err, max_err(merged.get_submodule(name).weight, base + delta))
    result["merge_err"] = merge_err
    result["merged_plain"] = not layers(merged)

    # Bad input gets a sentence naming the file.
    errors = {}
    bad = os.path.join(out_dir, "bad")
    os.makedirs(bad, exist_ok=True)
    with open(os.path.join(bad, "adapter_config.json"), "w") as f:
        json.dump({"peft_type": "LORA", "r": 4}, f)
    with open(os.path.join(bad, "adapter_model.safetensors"), "wb") as f:
        f.write(b"\x10\x00")
    for what, call in [("peft_type", lambda: wegeft.load_adapter(build(tensors, modules), bad)),
                       ("truncated", lambda: wegeft.read_safetensors(os.path.join(bad, "adapter_model.safetensors")))]:
        try:
            call()
            errors[what] = None
        except wegeft.WeGeFTError as e:
            errors[what] = str(e)
    result["errors"] = errors
    result["config_r"] = config.r
    print(json.dumps(result))


if __name__ == "__main__":
    main()
