"""WeGeFT in PyTorch, exactly as the WeGeFT Playground's engine computes it.

WeGeFT (Savadikar et al., ICML 2025) adapts a linear layer with weight W
(d_out, d_in) by

    ΔW = (alpha / r) · W · phiᵀ · psi,      phi, psi: (r, d_in)

one (phi, psi) pair shared by every layer of one module type
(``transformer.h.*.attn.c_attn``), or one pair per layer. phi starts at zero
(ΔW = 0), psi Kaiming-uniform (a = √5).

This file is self-contained: it needs torch only. It wraps ``nn.Linear``
and transformers' ``Conv1D`` (GPT-2's layer, weight stored transposed as
(d_in, d_out)); Conv1D is recognised by its class name and weight layout, so
transformers is not imported here. It reads and writes adapters in both
formats the playground exports:

* ours: adapter_config.json with peft_type "WEGEFT", ``shared``, ``groups``;
* the authors' PEFT fork (savadikarc/gift): peft_type "WeGeFT",
  ``tied_modules`` as lists of regular expressions (Python's ``re.match``).

Both store a shared pair once, under its first member (forward order):
``base_model.model.<first member>.wegeft_phi.weight`` and ``.wegeft_psi.weight``.

Usage::

    import wegeft
    config = wegeft.load_adapter(model, "my-run")           # wraps and loads
    # or: wegeft.apply_wegeft(model, wegeft.WeGeFTConfig(r=4, alpha=8, target_modules=["c_attn"]))
    ...train...
    wegeft.save_adapter(model, "out", adapter_format="ours")  # or "authors"
    wegeft.merge_and_unload(model)                           # plain layers, W + ΔW
"""
from __future__ import annotations

import ctypes
import json
import math
import os
import re
import struct
import sys
from typing import Dict, List, Optional, Tuple, Union

import torch
import torch.nn.functional as F
from torch import nn

__all__ = [
    "OURS_PEFT_TYPE", "AUTHORS_PEFT_TYPE", "WeGeFTError", "WeGeFTConfig", "WeGeFTLayer",
    "weight_layout", "apply_wegeft", "load_adapter", "save_adapter", "adapter_state_dict",
    "merge_and_unload", "read_safetensors", "write_safetensors",
]

OURS_PEFT_TYPE = "WEGEFT"
AUTHORS_PEFT_TYPE = "WeGeFT"
PREFIX = "base_model.model."
CONFIG_FILE = "adapter_config.json"
WEIGHTS_FILE = "adapter_model.safetensors"


class WeGeFTError(ValueError):
    """A file or setting that cannot be used; the message names the file."""


# ---------------------------------------------------------------- safetensors

_DTYPES = {
    "F64": torch.float64, "F32": torch.float32, "F16": torch.float16, "BF16": torch.bfloat16,
    "I64": torch.int64, "I32": torch.int32, "I16": torch.int16, "I8": torch.int8, "U8": torch.uint8, "BOOL": torch.bool,
}
_NAMES = {dtype: name for name, dtype in _DTYPES.items()}
_MAX_HEADER = 100 * 1024 * 1024


def read_safetensors(path: str) -> Tuple[Dict[str, torch.Tensor], Dict[str, str]]:
    """Tensors and metadata of a .safetensors file: an 8-byte little-endian header
    length, a JSON header, then the raw little-endian data."""
    if sys.byteorder != "little":
        raise WeGeFTError(f"{path}: reading safetensors here needs a little-endian machine")
    with open(path, "rb") as f:
        data = f.read()
    if len(data) < 8:
        raise WeGeFTError(f"{path}: {len(data)} bytes is too short for a safetensors file")
    (n,) = struct.unpack("<Q", data[:8])
    if n > min(_MAX_HEADER, len(data) - 8):
        raise WeGeFTError(f"{path}: header length {n} runs past the file's {len(data)} bytes (truncated or not safetensors)")
    try:
        header = json.loads(data[8:8 + n].decode("utf-8"))
    except ValueError as e:
        raise WeGeFTError(f"{path}: the header is not JSON ({e})") from None
    if not isinstance(header, dict):
        raise WeGeFTError(f"{path}: the header is not a JSON object")
    body = memoryview(data)[8 + n:]
    metadata = header.pop("__metadata__", None) or {}
    tensors: Dict[str, torch.Tensor] = {}
    for key, entry in header.items():
        try:
            dtype = _DTYPES[entry["dtype"]]
            shape = [int(d) for d in entry["shape"]]
            start, end = (int(o) for o in entry["data_offsets"])
        except (KeyError, TypeError, ValueError):
            raise WeGeFTError(f"{path}: tensor {key!r} has no valid dtype/shape/data_offsets "
                              f"(dtypes read: {', '.join(_DTYPES)})") from None
        count = math.prod(shape)
        if not 0 <= start <= end <= len(body) or end - start != count * torch.empty((), dtype=dtype).element_size():
            raise WeGeFTError(f"{path}: tensor {key!r} ({entry['dtype']} {shape}) has offsets {start}..{end} "
                              f"that do not fit its size or the file's {len(body)} data bytes")
        raw = bytearray(body[start:end])  # a copy: torch.frombuffer wants a writable buffer
        flat = torch.frombuffer(raw, dtype=dtype) if count > 0 else torch.empty(0, dtype=dtype)
        tensors[key] = flat.reshape(shape).clone()
    return tensors, metadata


def write_safetensors(path: str, tensors: Dict[str, torch.Tensor], metadata: Optional[Dict[str, str]] = None) -> None:
    """Writes tensors (sorted by key, as the safetensors library does) to `path`."""
    header: Dict[str, object] = {}
    if metadata:
        header["__metadata__"] = dict(metadata)
    blobs: List[bytes] = []
    offset = 0
    for key in sorted(tensors):
        t = tensors[key].detach().cpu().contiguous()
        if t.dtype not in _NAMES:
            raise WeGeFTError(f"{path}: tensor {key!r} has dtype {t.dtype}, which safetensors here does not write")
        nbytes = t.numel() * t.element_size()
        blob = ctypes.string_at(t.data_ptr(), nbytes) if nbytes else b""
        header[key] = {"dtype": _NAMES[t.dtype], "shape": list(t.shape), "data_offsets": [offset, offset + nbytes]}
        blobs.append(blob)
        offset += nbytes
    text = json.dumps(header, separators=(",", ":")).encode("utf-8")
    text += b" " * ((8 - len(text) % 8) % 8)  # the data starts 8-byte aligned, as the library writes
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)))
        f.write(text)
        for blob in blobs:
            f.write(blob)


# ---------------------------------------------------------------- layers

def weight_layout(module: nn.Module) -> Optional[str]:
    """"linear" for nn.Linear (weight (d_out, d_in)), "conv1d" for transformers'
    Conv1D (weight (d_in, d_out), forward x @ W + b), None for anything else."""
    if isinstance(module, nn.Linear):
        return "linear"
    weight = getattr(module, "weight", None)
    if (type(module).__name__ == "Conv1D" and isinstance(weight, torch.Tensor) and weight.dim() == 2
            and getattr(module, "nf", weight.shape[1]) == weight.shape[1]):
        return "conv1d"
    return None


def _dims(module: nn.Module, layout: str) -> Tuple[int, int]:
    """(d_in, d_out) of a wrapped layer."""
    rows, cols = module.weight.shape
    return (cols, rows) if layout == "linear" else (rows, cols)


class _Factor(nn.Module):
    """phi or psi, (r, d_in), held as `.weight` so its key is `<owner>.wegeft_phi.weight`."""

    def __init__(self, r: int, d_in: int):
        super().__init__()
        self.weight = nn.Parameter(torch.zeros(r, d_in))


class WeGeFTLayer(nn.Module):
    """A linear layer plus ΔW = (alpha/r)·W·phiᵀ·psi. The owner of a pair holds it
    (`wegeft_phi`, `wegeft_psi`); the other members of its group read the owner's."""

    def __init__(self, base_layer: nn.Module, r: int, alpha: float, owner: Optional["WeGeFTLayer"] = None):
        super().__init__()
        layout = weight_layout(base_layer)
        if layout is None:
            raise WeGeFTError(f"WeGeFT wraps nn.Linear and Conv1D layers, not {type(base_layer).__name__}")
        self.base_layer = base_layer
        self.layout = layout
        self.r = int(r)
        self.alpha = float(alpha)
        self.scaling = self.alpha / self.r
        self.d_in, self.d_out = _dims(base_layer, layout)
        # A plain reference, not a submodule: the pair is saved (and counted) once, under its owner.
        object.__setattr__(self, "_owner", owner)
        if owner is None:
            self.wegeft_phi = _Factor(self.r, self.d_in)
            self.wegeft_psi = _Factor(self.r, self.d_in)
            self.wegeft_phi.weight.data = self.wegeft_phi.weight.data.to(base_layer.weight.device)
            self.wegeft_psi.weight.data = self.wegeft_psi.weight.data.to(base_layer.weight.device)
            nn.init.kaiming_uniform_(self.wegeft_psi.weight, a=math.sqrt(5))
        elif owner.d_in != self.d_in or owner.r != self.r:
            raise WeGeFTError(f"a shared pair is ({owner.r}, {owner.d_in}); this layer needs ({self.r}, {self.d_in})")

    @property
    def owner(self) -> "WeGeFTLayer":
        return self if self._owner is None else self._owner

    @property
    def phi(self) -> torch.Tensor:
        return self.owner.wegeft_phi.weight

    @property
    def psi(self) -> torch.Tensor:
        return self.owner.wegeft_psi.weight

    # Model code that reads a layer's weight or bias (as PEFT's wrapped layers allow) sees the base layer's.
    @property
    def weight(self) -> torch.Tensor:
        return self.base_layer.weight

    @property
    def bias(self) -> Optional[torch.Tensor]:
        return self.base_layer.bias

    def delta_weight(self) -> torch.Tensor:
        """ΔW in the base layer's storage layout: (d_out, d_in) for Linear, (d_in, d_out) for Conv1D."""
        phi, psi = self.phi, self.psi
        stored = self.base_layer.weight.to(phi.dtype)
        if self.layout == "linear":
            w_phi = stored @ phi.t()  # W (d_out, d_in) · phiᵀ (d_in, r) → (d_out, r)
            return self.scaling * (w_phi @ psi)  # (d_out, r) · (r, d_in)
        w_phi = stored.t() @ phi.t()  # Conv1D stores Wᵀ (d_in, d_out): (Wᵀ)ᵀ · phiᵀ → (d_out, r)
        return self.scaling * (psi.t() @ w_phi.t())  # ΔWᵀ = psiᵀ · (W phiᵀ)ᵀ → (d_in, d_out)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        phi, psi = self.phi, self.psi
        # Feeding x + s·(x·psiᵀ)·phi to the base layer adds s·W·phiᵀ·psi·x = ΔW·x (bias once), at LoRA's
        # cost and without building the (d_out, d_in) ΔW, as the engine does: (…, d_in) → (…, r) → (…, d_in).
        h = F.linear(F.linear(x.to(psi.dtype), psi), phi.t())
        return self.base_layer(x + (self.scaling * h).to(x.dtype))

    def extra_repr(self) -> str:
        return f"layout={self.layout}, r={self.r}, alpha={self.alpha}, shared_with={'self' if self._owner is None else 'owner'}"


# ---------------------------------------------------------------- config

class WeGeFTConfig:
    """WeGeFT settings. `target_modules` as PEFT reads it: a list of names (a module
    matches when its name is one or ends with "." + one), a regular expression
    (re.fullmatch over the full name), or "all-linear". Only layers inside a
    numbered block (a path segment that is an integer) are adapted, as the
    engine does. `shared`: one pair per module type, else one per layer.
    `tied_modules` (the authors' format): lists of regular expressions that
    decide the pairs instead of `shared`."""

    def __init__(self, r: int, alpha: float, target_modules: Union[List[str], str], shared: bool = True,
                 tied_modules: Optional[List[List[str]]] = None, modules_to_save: Optional[List[str]] = None,
                 base_model_name_or_path: Optional[str] = None, revision: Optional[str] = None,
                 groups: Optional[Dict[str, List[str]]] = None, peft_type: str = OURS_PEFT_TYPE):
        if not isinstance(r, int) or isinstance(r, bool) or r < 1:
            raise WeGeFTError(f"r must be a positive integer, got {r!r}")
        if not isinstance(alpha, (int, float)) or isinstance(alpha, bool) or not alpha > 0:
            raise WeGeFTError(f"alpha must be a positive number, got {alpha!r}")
        if not (isinstance(target_modules, str) or (isinstance(target_modules, list) and target_modules
                                                     and all(isinstance(t, str) and t for t in target_modules))):
            raise WeGeFTError(f"target_modules must be a non-empty list of names or a regular expression, got {target_modules!r}")
        self.r, self.alpha, self.target_modules, self.shared = r, alpha, target_modules, bool(shared)
        self.tied_modules, self.modules_to_save = tied_modules, modules_to_save
        self.base_model_name_or_path, self.revision = base_model_name_or_path, revision
        self.groups, self.peft_type = groups, peft_type

    @classmethod
    def from_json(cls, config: dict, config_file: str = CONFIG_FILE) -> "WeGeFTConfig":
        """Either format's adapter_config.json (as a dict); `config_file` names it in errors."""
        peft_type = config.get("peft_type")
        if peft_type not in (OURS_PEFT_TYPE, AUTHORS_PEFT_TYPE):
            raise WeGeFTError(f'{config_file}: "peft_type" {peft_type!r} is not WeGeFT '
                              f'("{OURS_PEFT_TYPE}": ours, "{AUTHORS_PEFT_TYPE}": the authors\' fork)')
        if config.get("transform_dim", "input") != "input":
            raise WeGeFTError(f'{config_file}: "transform_dim" {config.get("transform_dim")!r} is not supported (only "input")')
        tied = config.get("tied_modules")
        if peft_type == AUTHORS_PEFT_TYPE and tied is not None and not (
                isinstance(tied, list) and all(isinstance(g, list) and all(isinstance(p, str) for p in g) for g in tied)):
            raise WeGeFTError(f'{config_file}: "tied_modules" must be null or a list of lists of regular expressions')
        try:
            return cls(
                r=config.get("r"), alpha=config.get("wegeft_alpha"), target_modules=config.get("target_modules"),
                shared=config.get("shared", True) if peft_type == OURS_PEFT_TYPE else tied is not None,
                tied_modules=tied if peft_type == AUTHORS_PEFT_TYPE else None,
                modules_to_save=config.get("modules_to_save"),
                base_model_name_or_path=config.get("base_model_name_or_path"), revision=config.get("revision"),
                groups=config.get("groups") if peft_type == OURS_PEFT_TYPE else None, peft_type=peft_type)
        except WeGeFTError as e:
            raise WeGeFTError(f"{config_file}: {e}") from None


def _layer_index(path: str) -> Optional[int]:
    """The index of the first integer segment (the block's), or None outside the blocks."""
    for i, segment in enumerate(path.split(".")):
        if segment.isdigit():
            return i
    return None


def module_type(path: str) -> str:
    """`transformer.h.3.attn.c_attn` → `transformer.h.*.attn.c_attn`."""
    i = _layer_index(path)
    if i is None:
        return path
    segments = path.split(".")
    segments[i] = "*"
    return ".".join(segments)


def _is_target(path: str, target_modules: Union[List[str], str]) -> bool:
    if target_modules == "all-linear":
        return True
    if isinstance(target_modules, str):
        return re.fullmatch(target_modules, path) is not None
    return any(path == t or path.endswith("." + t) for t in target_modules)


def _targets(model: nn.Module, config: WeGeFTConfig) -> List[Tuple[str, nn.Module]]:
    return [(name, m) for name, m in model.named_modules()
            if name and weight_layout(m) is not None and not isinstance(m, WeGeFTLayer)
            and _layer_index(name) is not None and _is_target(name, config.target_modules)]


def _group_key(path: str, config: WeGeFTConfig) -> str:
    if config.peft_type == AUTHORS_PEFT_TYPE:
        # The fork's _parameter_origin_key: the first tied list with a pattern that re.match-es the name.
        for i, patterns in enumerate(config.tied_modules or []):
            if any(re.match(p, path) for p in patterns):
                return "tied:%d" % i
        return path
    return module_type(path) if config.shared else path


def _set_module(model: nn.Module, path: str, module: nn.Module) -> None:
    parent_path, _, name = path.rpartition(".")
    parent = model.get_submodule(parent_path) if parent_path else model
    setattr(parent, name, module)


def apply_wegeft(model: nn.Module, config: WeGeFTConfig, config_file: str = CONFIG_FILE) -> Dict[str, List[str]]:
    """Wraps every targeted layer in place (modules in `named_modules` order; a
    pair's owner is its group's first member), freezes everything but the pairs
    and `modules_to_save`, and returns the groups (name → member paths)."""
    targets = _targets(model, config)
    if not targets:
        raise WeGeFTError(f"{config_file}: target_modules {config.target_modules!r} match no nn.Linear or Conv1D layer "
                          f"inside a numbered block of this {type(model).__name__}")
    groups: Dict[str, List[str]] = {}
    owners: Dict[str, WeGeFTLayer] = {}
    for path, layer in targets:
        key = _group_key(path, config)
        owner = owners.get(key)
        if owner is not None and owner.d_in != _dims(layer, weight_layout(layer))[0]:
            raise WeGeFTError(f"{config_file}: {path} and {groups[key][0]} share a pair but have input widths "
                              f"{_dims(layer, weight_layout(layer))[0]} and {owner.d_in}")
        wrapped = WeGeFTLayer(layer, config.r, config.alpha, owner)
        if owner is None:
            owners[key] = wrapped
        groups.setdefault(key, []).append(path)
        _set_module(model, path, wrapped)
    # The authors' keys ("tied:0") named as ours: a tied group by its module type, an own pair by its path.
    named = {module_type(members[0]) if key.startswith("tied:") else key: members for key, members in groups.items()}
    if config.groups is not None and config.peft_type == OURS_PEFT_TYPE:
        recorded = {k: list(v) for k, v in config.groups.items()}
        if recorded != named:
            raise WeGeFTError(f"{config_file}: its groups {sorted(recorded)} do not match this model's "
                              f"{sorted(named)}: the adapter was made for a different base model")
    for p in model.parameters():
        p.requires_grad_(False)
    for m in model.modules():
        if isinstance(m, WeGeFTLayer) and m._owner is None:
            m.wegeft_phi.weight.requires_grad_(True)
            m.wegeft_psi.weight.requires_grad_(True)
    for name in config.modules_to_save or []:
        try:
            module = model.get_submodule(name)
        except AttributeError:
            raise WeGeFTError(f"{config_file}: modules_to_save names {name!r}, which this {type(model).__name__} "
                              "does not have (load the base model with its classifier head)") from None
        for p in module.parameters():
            p.requires_grad_(True)
    object.__setattr__(model, "wegeft_config", config)
    object.__setattr__(model, "wegeft_groups", named)
    return named


def _layers(model: nn.Module) -> List[Tuple[str, WeGeFTLayer]]:
    return [(name, m) for name, m in model.named_modules() if isinstance(m, WeGeFTLayer)]


def adapter_state_dict(model: nn.Module) -> Dict[str, torch.Tensor]:
    """The tensors an adapter file holds: each pair under its owner, and the
    parameters of `modules_to_save` by their full names."""
    out: Dict[str, torch.Tensor] = {}
    for name, m in _layers(model):
        if m._owner is None:
            out[f"{PREFIX}{name}.wegeft_phi.weight"] = m.wegeft_phi.weight.detach()
            out[f"{PREFIX}{name}.wegeft_psi.weight"] = m.wegeft_psi.weight.detach()
    config: Optional[WeGeFTConfig] = getattr(model, "wegeft_config", None)
    for module_name in (config.modules_to_save if config else None) or []:
        for pname, p in model.get_submodule(module_name).named_parameters():
            out[f"{PREFIX}{module_name}.{pname}"] = p.detach()
    return out


def load_adapter(model: nn.Module, directory: str) -> WeGeFTConfig:
    """Wraps `model` as `directory`/adapter_config.json says (either format) and
    loads `directory`/adapter_model.safetensors into it."""
    config_file = os.path.join(directory, CONFIG_FILE)
    weights_file = os.path.join(directory, WEIGHTS_FILE)
    for f in (config_file, weights_file):
        if not os.path.isfile(f):
            raise WeGeFTError(f"{f}: not found (an adapter folder holds {CONFIG_FILE} and {WEIGHTS_FILE})")
    try:
        with open(config_file, encoding="utf-8") as f:
            raw = json.load(f)
    except ValueError as e:
        raise WeGeFTError(f"{config_file}: not JSON ({e})") from None
    if not isinstance(raw, dict):
        raise WeGeFTError(f"{config_file}: not a JSON object")
    config = WeGeFTConfig.from_json(raw, config_file)
    apply_wegeft(model, config, config_file)
    stored, _ = read_safetensors(weights_file)
    expected = adapter_state_dict(model)
    # A head in modules_to_save that the file does not hold is the checkpoint's, trained from there (as the engine does).
    for module_name in config.modules_to_save or []:
        keys = [k for k in expected if k.startswith(f"{PREFIX}{module_name}.") and "wegeft_" not in k]
        if not any(k in stored for k in keys):
            for k in keys:
                del expected[k]
    missing = [k for k in expected if k not in stored]
    unexpected = [k for k in stored if k not in expected]
    if missing or unexpected:
        raise WeGeFTError(f"{weights_file}: missing {missing[:4]}{'…' if len(missing) > 4 else ''}, "
                          f"unexpected {unexpected[:4]}{'…' if len(unexpected) > 4 else ''}: "
                          "the adapter was made for a different base model or settings")
    with torch.no_grad():
        for key, target in expected.items():
            value = stored[key]
            if tuple(value.shape) != tuple(target.shape):
                raise WeGeFTError(f"{weights_file}: {key} is {list(value.shape)}, this model needs {list(target.shape)}")
            target.copy_(value.to(target.dtype))
    return config


def _ours_json(model: nn.Module, config: WeGeFTConfig) -> dict:
    groups = getattr(model, "wegeft_groups")
    paths = [name for name, _ in _layers(model)]
    ours: Dict[str, List[str]] = {}
    for path in paths:
        ours.setdefault(module_type(path) if config.shared else path, []).append(path)
    if ours != groups:
        raise WeGeFTError("these pairs are tied in a way our format cannot record (one pair per module type, "
                          "or one per layer): save with adapter_format=\"authors\"")
    return {
        "base_model_name_or_path": config.base_model_name_or_path,
        "groups": groups,
        "init_wegeft_weights": True,
        "modules_to_save": config.modules_to_save,
        "peft_type": OURS_PEFT_TYPE,
        "r": config.r,
        "revision": config.revision,
        "shared": config.shared,
        "target_modules": config.target_modules,
        "tied_modules": [[name] for name in groups] if config.shared else None,
        "transform_dim": "input",
        "wegeft_alpha": config.alpha,
    }


def _authors_json(model: nn.Module, config: WeGeFTConfig) -> dict:
    layers = _layers(model)
    if config.peft_type == AUTHORS_PEFT_TYPE:
        tied = config.tied_modules
    elif config.shared:
        types = list(dict.fromkeys(module_type(name) for name, _ in layers))
        tied = [["^" + r"\d+".join(re.escape(part) for part in t.split("*")) + "$"] for t in types]
    else:
        tied = None
    return {
        "alpha_pattern": {},
        "auto_mapping": {"base_model_class": type(model).__name__, "parent_library": type(model).__module__},
        "base_model_name_or_path": config.base_model_name_or_path,
        "bias": "none",
        "fan_in_fan_out": any(m.layout == "conv1d" for _, m in layers),
        "inference_mode": True,
        "init_wegeft_weights": True,
        "layers_pattern": None,
        "layers_to_transform": None,
        "modules_to_save": config.modules_to_save,
        "peft_type": AUTHORS_PEFT_TYPE,
        "r": config.r,
        "rank_pattern": {},
        "revision": config.revision,
        # A list: the fork iterates target_modules.
        "target_modules": config.target_modules if isinstance(config.target_modules, list) else [name for name, _ in layers],
        "task_type": None,
        "tied_modules": tied,
        "transform_dim": "input",
        "wegeft_alpha": config.alpha,
        "wegeft_dropout": None,
    }


def save_adapter(model: nn.Module, directory: str, adapter_format: str = "ours") -> None:
    """Writes adapter_config.json and adapter_model.safetensors: "ours" (the
    playground loads it) or "authors" (their PEFT fork loads it; it wraps nn.Linear only)."""
    config: Optional[WeGeFTConfig] = getattr(model, "wegeft_config", None)
    if config is None:
        raise WeGeFTError("this model has no WeGeFT layers: call apply_wegeft or load_adapter first")
    if adapter_format not in ("ours", "authors"):
        raise WeGeFTError(f'adapter_format must be "ours" or "authors", got {adapter_format!r}')
    os.makedirs(directory, exist_ok=True)
    body = _ours_json(model, config) if adapter_format == "ours" else _authors_json(model, config)
    with open(os.path.join(directory, CONFIG_FILE), "w", encoding="utf-8") as f:
        json.dump(body, f, indent=2, sort_keys=True)
    tensors = {k: v.float() if v.is_floating_point() else v for k, v in adapter_state_dict(model).items()}
    write_safetensors(os.path.join(directory, WEIGHTS_FILE), tensors, {"format": "pt"})


@torch.no_grad()
def merge_and_unload(model: nn.Module) -> nn.Module:
    """Puts each base layer back with W + ΔW (every ΔW is taken before any W changes)."""
    layers = _layers(model)
    deltas = [m.delta_weight() for _, m in layers]
    for (name, m), delta in zip(layers, deltas):
        m.base_layer.weight.data += delta.to(m.base_layer.weight.dtype)
        _set_module(model, name, m.base_layer)
    for attr in ("wegeft_config", "wegeft_groups"):
        if attr in model.__dict__:
            object.__delattr__(model, attr)
    return model
