#!/usr/bin/env python3
"""Continue a WeGeFT Playground run in PyTorch, on one GPU or many.

This script ships in the playground's "Continue in PyTorch" bundle, beside

* run.json: the run's exact settings (method and its settings, learning
  rate, schedule, warm-up, steps or epochs, batch, gradient accumulation,
  clipping, AdamW's betas, seed, sequence length, the base model, the task);
* adapter/: the run's exported adapter (PEFT's format for LoRA and PEFT's
  methods, WeGeFT in ours or its authors' format, a full checkpoint, or
  BitFit's / head-only's parameter files), with the label mapping;
* data/ (or, for a large dataset, a note to pass --data): the files the app
  trained on, in the formats the app reads.

It loads the base model with transformers, applies the method (PEFT for
LoRA, DoRA, PiSSA, VeRA and (IA)^3; wegeft.py for WeGeFT; plain parameters
for full fine-tuning, BitFit and head only: PEFT has no such methods), loads
the exported adapter (or, with --from-scratch, starts it afresh), trains
with the playground's schedule, batch order and loss, and writes the adapter
back in the format it came in.

    pip install -r requirements.txt
    python train.py                                                      # one GPU (or the CPU)
    accelerate launch --config_file accelerate_config.yaml train.py      # several GPUs

Data formats read (as the app reads them, src/engine/data/): text .txt (one
document per blank-line-separated block, else the whole file), .jsonl /
.json ("text", or "prompt" + "completion"), .csv (a "text" column, or
"prompt" + "completion", or a single column); images .png / .jpg / .jpeg in
class folders (with optional train/ val/ test/ folders above them), or
listed by a path,label[,split] .csv; and .zip archives of either.

Only the standard library is imported at the top: `python train.py --help`
works without torch or transformers; the schedule, the seeded order and the
data readers are plain functions (tests/python/ compares them with the
engine's).
"""
from __future__ import annotations

import argparse
import csv
import functools
import io
import json
import math
import os
import re
import sys
import zipfile
from typing import Callable, Dict, List, Optional, Sequence, Tuple

RUN_FILE = "run.json"
REQUIREMENTS_HINT = "pip install -r requirements.txt"

# ---------------------------------------------------------------- schedule (src/engine/train/schedule.ts)


def lr_multiplier(name: str, warmup_steps: int, total_steps: int, step: int, num_cycles: float = 0.5) -> float:
    """The learning-rate multiplier for optimizer step `step` (0-based), as transformers'
    get_{constant,linear,cosine}_schedule_with_warmup: LambdaLR gives the first step
    the multiplier at 0, so with a warm-up the first step has learning rate 0."""
    if step < warmup_steps:
        return step / max(1, warmup_steps)
    if name == "constant":
        return 1.0
    decay_steps = max(1, total_steps - warmup_steps)
    if name == "linear":
        return max(0.0, (total_steps - step) / decay_steps)
    if name != "cosine":
        raise ValueError(f'the schedule must be constant, linear or cosine, got "{name}"')
    progress = (step - warmup_steps) / decay_steps
    return max(0.0, 0.5 * (1 + math.cos(math.pi * num_cycles * 2 * progress)))


def total_steps_for(training: dict, train_count: int) -> int:
    """`steps`, or enough optimizer steps for `epochs` passes over `train_count` samples."""
    if training.get("steps") is not None:
        return int(training["steps"])
    per_step = training["batchSize"] * training["gradientAccumulation"]
    epochs = training.get("epochs")
    return max(1, math.ceil(((1 if epochs is None else epochs) * train_count) / per_step))


def warmup_steps_for(training: dict, total_steps: int) -> int:
    """Warm-up steps, or the warm-up ratio of the run rounded up (TrainingArguments.get_warmup_steps)."""
    if training.get("warmupSteps") is not None:
        return int(training["warmupSteps"])
    return math.ceil(total_steps * (training.get("warmupRatio") or 0))


# ---------------------------------------------------------------- seeded order (src/engine/random.ts, train/batches.ts)

_M32 = 0xFFFFFFFF


def _imul(a: int, b: int) -> int:
    """JavaScript's Math.imul: the low 32 bits of the product (kept unsigned here)."""
    return (a * b) & _M32


def mulberry32(seed: int) -> Callable[[], float]:
    """The engine's seeded generator: floats in [0, 1), the same sequence as createRng."""
    state = seed & _M32

    def draw() -> float:
        nonlocal state
        state = (state + 0x6D2B79F5) & _M32
        t = state
        t = _imul(t ^ (t >> 15), t | 1)
        t ^= (t + _imul(t ^ (t >> 7), t | 61)) & _M32
        return ((t ^ (t >> 14)) & _M32) / 4294967296

    return draw


def derive_seed(seed: int, purpose: str) -> int:
    """An independent seed for a named purpose (deriveSeed); `purpose` is ASCII in practice (UTF-16 units otherwise)."""
    h = (seed ^ 0x9E3779B9) & _M32
    units = purpose.encode("utf-16-le")
    for i in range(0, len(units), 2):  # charCodeAt: UTF-16 code units
        h = _imul(h ^ (units[i] | units[i + 1] << 8), 0x01000193)
    return h


def shuffled(items: Sequence, seed: int) -> list:
    """A seeded Fisher-Yates shuffle, the engine's `shuffled`."""
    out = list(items)
    draw = mulberry32(seed)
    for i in range(len(out) - 1, 0, -1):
        j = math.floor(draw() * (i + 1))
        out[i], out[j] = out[j], out[i]
    return out


class SampleStream:
    """Sample indices in a seeded order, epoch after epoch, taken B at a time (batches.ts):
    each epoch is a fresh permutation, and a batch may cross an epoch's end."""

    def __init__(self, count: int, seed: int):
        if count < 1:
            raise ValueError(f"cannot draw batches from {count} samples")
        self.count, self.seed = count, seed
        self.order: List[int] = []
        self.position = 0
        self.epoch_index = -1

    def next(self, batch_size: int) -> List[int]:
        indices = []
        while len(indices) < batch_size:
            if self.position >= len(self.order):
                self.epoch_index += 1
                self.order = shuffled(range(self.count), derive_seed(self.seed, f"epoch {self.epoch_index}"))
                self.position = 0
            indices.append(self.order[self.position])
            self.position += 1
        return indices


def _allocate_quotas(sizes: List[int], total: int) -> List[int]:
    """`total` split among groups by size (largest remainder), each group keeping one item."""
    everything = sum(sizes)
    caps = [max(0, n - 1) for n in sizes]
    exact = [0 if everything == 0 else total * n / everything for n in sizes]
    quotas = [min(math.floor(q), caps[g]) for g, q in enumerate(exact)]
    left = min(total, sum(caps)) - sum(quotas)
    by_remainder = sorted(range(len(sizes)), key=lambda g: -(exact[g] - math.floor(exact[g])))  # stable, as JS sort
    while left > 0:
        given = False
        for g in by_remainder:
            if left == 0:
                break
            if quotas[g] < caps[g]:
                quotas[g] += 1
                left -= 1
                given = True
        if not given:
            break
    return quotas


def split_train_validation(items: Sequence, fraction: float, seed: int, label_of: Optional[Callable] = None) -> Tuple[list, list]:
    """The engine's seeded split (splitTrainValidation): about `fraction` held out, stratified by `label_of`."""
    groups: Dict[object, List[int]] = {}
    for i, item in enumerate(items):
        groups.setdefault(label_of(item) if label_of else 0, []).append(i)
    wanted = max(1, _js_round(fraction * len(items))) if fraction > 0 and len(items) >= 2 else 0
    quotas = _allocate_quotas([len(g) for g in groups.values()], wanted)
    held = set()
    for g, (key, members) in enumerate(groups.items()):
        order = shuffled(members, derive_seed(seed, f"validation split {_js_string(key)}"))
        held.update(order[: quotas[g]])
    return [x for i, x in enumerate(items) if i not in held], [x for i, x in enumerate(items) if i in held]


def _js_round(x: float) -> int:
    return math.floor(x + 0.5)  # Math.round: halves go up


def _js_string(key: object) -> str:
    return str(key) if not isinstance(key, float) or not key.is_integer() else str(int(key))


# ---------------------------------------------------------------- files (src/engine/data/files.ts, archive.ts)

TEXT_EXTENSIONS = (".txt", ".jsonl", ".json", ".csv")
IMAGE_EXTENSIONS = (".png", ".jpg", ".jpeg")


class DataError(ValueError):
    """A data file that cannot be used; the message names it."""


def extension_of(path: str) -> str:
    name = path.rsplit("/", 1)[-1]
    dot = name.rfind(".")
    return name[dot:].lower() if dot > 0 else ""


def normalize_path(path: str) -> str:
    out: List[str] = []
    for segment in path.replace("\\", "/").split("/"):
        if segment in ("", "."):
            continue
        if segment == "..":
            if out:
                out.pop()
        else:
            out.append(segment)
    return "/".join(out)


def dir_name(path: str) -> str:
    return path.rsplit("/", 1)[0] if "/" in path else ""


def join_path(folder: str, path: str) -> str:
    return normalize_path(f"{folder}/{path}" if folder else path)


def is_ignored_path(path: str) -> bool:
    """Hidden files, macOS archive metadata and Windows thumbnails are not data."""
    return any(s.startswith(".") or s == "__MACOSX" or s.lower() == "thumbs.db" for s in normalize_path(path).split("/"))


def _natural_chunks(text: str) -> List[str]:
    return re.findall(r"\d+|\D+", text, re.ASCII)  # JS's \d is ASCII only


def natural_compare(a: str, b: str) -> int:
    """Names compared as people count ("2" < "10"); digit runs by value, the rest by code point (UTF-16, as JS)."""
    ca, cb = _natural_chunks(a), _natural_chunks(b)
    for x, y in zip(ca, cb):
        if x == y:
            continue
        if x[0] in "0123456789" and y[0] in "0123456789":
            tx, ty = x.lstrip("0") or "0", y.lstrip("0") or "0"
            if len(tx) != len(ty):
                return len(tx) - len(ty)
            if tx != ty:
                return -1 if tx < ty else 1
        return -1 if _utf16(x) < _utf16(y) else 1
    if len(ca) != len(cb):
        return len(ca) - len(cb)
    return 0 if a == b else (-1 if _utf16(a) < _utf16(b) else 1)


def _utf16(text: str) -> bytes:
    return text.encode("utf-16-be")


natural_key = functools.cmp_to_key(natural_compare)


def common_folder(paths: Sequence[str]) -> str:
    if not paths:
        return ""
    common = [p for p in dir_name(normalize_path(paths[0])).split("/") if p]
    for path in paths[1:]:
        folders = dir_name(normalize_path(path)).split("/")
        shared = 0
        while shared < len(common) and shared < len(folders) and folders[shared] == common[shared]:
            shared += 1
        common = common[:shared]
    return "/".join(common)


def read_data_files(targets: Sequence[str]) -> List[Tuple[str, bytes]]:
    """(path, bytes) of each file, named as the app names them: a file by its base name,
    a folder's files by their path from the folder's parent ("digits/train/3/0001.png")."""
    files: List[Tuple[str, bytes]] = []
    for target in targets:
        if os.path.isdir(target):
            parent = os.path.dirname(os.path.abspath(target))
            found = []
            for root, dirs, names in os.walk(os.path.abspath(target), followlinks=True):
                dirs[:] = [d for d in dirs if not is_ignored_path(d)]
                found += [os.path.join(root, n) for n in names if not is_ignored_path(n)]
            for full in sorted((os.path.relpath(f, parent).replace(os.sep, "/") for f in found), key=natural_key):
                with open(os.path.join(parent, full), "rb") as f:
                    files.append((full, f.read()))
        elif os.path.isfile(target):
            with open(target, "rb") as f:
                files.append((os.path.basename(target), f.read()))
        else:
            raise DataError(f"{target}: not found")
    return files


def expand_archives(files: Sequence[Tuple[str, bytes]]) -> List[Tuple[str, bytes, str]]:
    """(path, bytes, layout path): each .zip replaced by its files, named "archive.zip/inner/path",
    laid out as if extracted in place (one level; the app opens three)."""
    out = []
    for path, data in files:
        if extension_of(path) != ".zip":
            out.append((path, data, normalize_path(path)))
            continue
        try:
            archive = zipfile.ZipFile(io.BytesIO(data))
        except zipfile.BadZipFile as e:
            raise DataError(f"{path}: not a readable .zip ({e})") from None
        names = [normalize_path(i.filename) for i in archive.infolist() if not i.filename.endswith("/")]
        names = [n for n in names if n and not is_ignored_path(n)]
        if not names:
            raise DataError(f"{path}: is an empty archive (no files in it)")
        inner = [(f"{path}/{n}", archive.read(n), join_path(dir_name(normalize_path(path)), n)) for n in names]
        out += [(p, d, layout) for p, d, layout in inner]
    return out


def _decode_text(data: bytes, path: str) -> str:
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as e:
        raise DataError(f"{path}: is not UTF-8 text ({e})") from None
    return text[1:] if text.startswith("\ufeff") else text


# ---------------------------------------------------------------- text (src/engine/data/text.ts)

_BLANK_LINES = re.compile(r"\n[ \t]*\n(?:[ \t]*\n)*")


def _text_file_examples(path: str, data: bytes) -> List[dict]:
    """One text file's examples: {"kind": "text", "text"} or {"kind": "pair", "prompt", "completion"}, each with "source"."""
    ext = extension_of(path)
    text = _decode_text(data, path).replace("\r\n", "\n").replace("\r", "\n")
    if text.strip() == "":
        raise DataError(f"{path}: is empty")
    if ext == ".txt":
        blocks = [b for b in _BLANK_LINES.split(text) if b.strip() != ""]
        if len(blocks) < 2:
            return [{"kind": "text", "text": text, "source": path}]
        return [{"kind": "text", "text": re.sub(r"^\n+|\s+$", "", b), "source": path} for b in blocks]
    records: List[Tuple[object, str]] = []
    if ext == ".jsonl":
        for i, line in enumerate(text.split("\n")):
            if line.strip():
                try:
                    records.append((json.loads(line), f"line {i + 1}"))
                except ValueError as e:
                    raise DataError(f"{path}: line {i + 1}: invalid JSON ({e})") from None
    elif ext == ".json":
        try:
            value = json.loads(text)
        except ValueError as e:
            raise DataError(f"{path}: invalid JSON ({e})") from None
        if not isinstance(value, list):
            raise DataError(f'{path}: must hold a JSON array of objects with "text", or with "prompt" and "completion"')
        records = [(v, f"item {i + 1}") for i, v in enumerate(value)]
    else:
        records = _csv_text_records(text, path)
    examples, kind = [], None
    for value, where in records:
        if not isinstance(value, dict):
            raise DataError(f'{path}: {where}: expected an object with "text", or with "prompt" and "completion"')
        if "text" in value and ("prompt" in value or "completion" in value):
            raise DataError(f'{path}: {where}: has both "text" and "prompt"/"completion"; keep one kind')
        if "text" in value:
            example = {"kind": "text", "text": _string(value, "text", where, path), "source": path}
        elif "prompt" in value and "completion" in value:
            example = {"kind": "pair", "prompt": _string(value, "prompt", where, path),
                       "completion": _string(value, "completion", where, path), "source": path}
        else:
            raise DataError(f'{path}: {where}: has no "text", nor "prompt" and "completion"')
        kind = kind or example["kind"]
        if example["kind"] != kind:
            raise DataError(f"{path}: {where}: a file must hold one kind of record")
        if (example["text"] if kind == "text" else example["completion"]).strip() != "":
            examples.append(example)
    if not examples:
        raise DataError(f"{path}: has no usable records")
    return examples


def _string(fields: dict, key: str, where: str, path: str) -> str:
    value = fields[key]
    if not isinstance(value, str):
        raise DataError(f'{path}: {where}: "{key}" must be a string')
    return value.replace("\r\n", "\n").replace("\r", "\n")


def _csv_rows(text: str, path: str) -> Tuple[List[str], List[List[str]]]:
    """A CSV's header (trimmed, lower-cased) and rows; blank lines skipped, every row as wide as the header."""
    try:
        records = [r for r in csv.reader(io.StringIO(text, newline=""), strict=True) if r != []]
    except csv.Error as e:
        raise DataError(f"{path}: not valid CSV ({e})") from None
    if not records:
        raise DataError(f"{path}: is empty")
    columns = [c.strip().lower() for c in records[0]]
    for row in records[1:]:
        if len(row) != len(columns):
            raise DataError(f"{path}: a row has {len(row)} fields, the header {len(columns)}")
    return columns, records[1:]


def _csv_text_records(text: str, path: str) -> List[Tuple[dict, str]]:
    columns, rows = _csv_rows(text, path)
    text_column = 0 if len(columns) == 1 else (columns.index("text") if "text" in columns else -1)
    has_pairs = "prompt" in columns and "completion" in columns
    if text_column >= 0 and has_pairs:
        raise DataError(f'{path}: has both a "text" column and "prompt"/"completion" columns; keep one kind')
    if text_column < 0 and not has_pairs:
        raise DataError(f'{path}: needs a "text" column, or "prompt" and "completion" columns')
    if text_column >= 0:
        return [({"text": r[text_column]}, f"row {i + 2}") for i, r in enumerate(rows)]
    p, c = columns.index("prompt"), columns.index("completion")
    return [({"prompt": r[p], "completion": r[c]}, f"row {i + 2}") for i, r in enumerate(rows)]


def read_text_dataset(files: Sequence[Tuple[str, bytes]]) -> List[dict]:
    """Text examples from text files and .zip archives of them, in natural path order."""
    expanded = sorted(((p, d) for p, d, _ in expand_archives(files) if not is_ignored_path(p)), key=lambda f: natural_key(f[0]))
    examples: List[dict] = []
    for path, data in expanded:
        if extension_of(path) not in TEXT_EXTENSIONS:
            raise DataError(f"{path}: is not a supported text format; use .txt, .jsonl, .json or .csv (or a .zip of them)")
        found = _text_file_examples(path, data)
        if examples and found[0]["kind"] != examples[0]["kind"]:
            raise DataError(f"{path}: a dataset must be all plain text or all prompt/completion pairs")
        examples += found
    if not examples:
        raise DataError("no text files were given")
    return examples


# ---------------------------------------------------------------- images (src/engine/data/images.ts)

_SPLITS = {"train": "train", "training": "train", "val": "validation", "valid": "validation",
           "validation": "validation", "dev": "validation", "test": "test"}


def _is_labels_csv(data: bytes, path: str) -> bool:
    first = _decode_text(data, path).split("\n", 1)[0].rstrip("\r")
    try:
        header = [h.strip().lower() for h in next(csv.reader([first]), [])]
    except csv.Error:
        return False
    return (any(h in ("path", "image", "file", "filename") for h in header)
            and any(h in ("label", "class") for h in header) and "text" not in header)


def read_image_dataset(files: Sequence[Tuple[str, bytes]]) -> Tuple[List[dict], List[str]]:
    """Image examples {"source", "label", "split" (or None), "bytes"} and the sorted labels,
    from class folders (train/ val/ test/ above them mark the split), a path,label[,split]
    CSV, or .zip archives of either. Images are decoded when batched."""
    given = sorted((f for f in files if not is_ignored_path(f[0])), key=lambda f: natural_key(f[0]))
    root = common_folder([p for p, _ in given])
    expanded = [(p, d, layout[len(root) + 1:] if root else layout) for p, d, layout in expand_archives(given)]
    csvs = [f for f in expanded if extension_of(f[0]) == ".csv"]
    images = [f for f in expanded if extension_of(f[0]) in IMAGE_EXTENSIONS]
    other = [f for f in expanded if f not in csvs and f not in images]
    if other:
        raise DataError(f"{other[0][0]}: is not an image: an image dataset takes .png, .jpg or .jpeg files")
    if not images:
        raise DataError(f"{root or 'the dataset'}: holds no images (.png, .jpg or .jpeg)")
    examples = _labels_from_csv(csvs, images) if csvs else _labels_from_folders(images)
    labels = sorted({e["label"] for e in examples}, key=natural_key)
    if len(labels) < 2:
        raise DataError(f"{root or 'the dataset'}: classification needs at least two classes (one folder per class)")
    return examples, labels


def _labels_from_folders(images) -> List[dict]:
    out = []
    for path, data, layout in sorted(images, key=lambda f: natural_key(f[2])):
        folders = dir_name(layout).split("/") if dir_name(layout) else []
        if not folders:
            raise DataError(f"{path}: is unlabelled: put each image in a folder named after its class")
        split = _SPLITS.get(folders[-2].lower()) if len(folders) >= 2 else None
        out.append({"source": path, "label": folders[-1], "split": split, "bytes": data})
    return out


def _labels_from_csv(csvs, images) -> List[dict]:
    by_layout = {normalize_path(layout): (path, data) for path, data, layout in images}
    out, listed = [], set()
    for csv_path, csv_data, csv_layout in csvs:
        columns, rows = _csv_rows(_decode_text(csv_data, csv_path), csv_path)
        path_col = next((i for i, c in enumerate(columns) if c in ("path", "image", "file", "filename")), -1)
        label_col = next((i for i, c in enumerate(columns) if c in ("label", "class")), -1)
        split_col = columns.index("split") if "split" in columns else -1
        if path_col < 0 or label_col < 0:
            raise DataError(f'{csv_path}: the header must name a "path" and a "label" column')
        for row in rows:
            wanted = join_path(dir_name(csv_layout), row[path_col].strip())
            if wanted not in by_layout:
                raise DataError(f'{csv_path}: image "{row[path_col].strip()}" not found among the given files')
            if wanted in listed:
                raise DataError(f'{csv_path}: image "{row[path_col].strip()}" is listed twice')
            listed.add(wanted)
            split_name = row[split_col].strip().lower() if split_col >= 0 else ""
            if split_name and split_name not in _SPLITS:
                raise DataError(f'{csv_path}: unknown split "{row[split_col]}" (use train, val or test)')
            path, data = by_layout[wanted]
            out.append({"source": path, "label": row[label_col].strip(), "split": _SPLITS.get(split_name), "bytes": data})
    return out


def read_dataset(files: Sequence[Tuple[str, bytes]]) -> dict:
    """The dataset the app would make of these files: {"task", "examples"[, "labels"]}."""
    kinds = set()
    for path, data, _ in expand_archives([f for f in files if not is_ignored_path(f[0])]):
        ext = extension_of(path)
        if ext in IMAGE_EXTENSIONS or (ext == ".csv" and _is_labels_csv(data, path)):
            kinds.add("image")
        elif ext in TEXT_EXTENSIONS:
            kinds.add("text")
        else:
            raise DataError(f"{path}: is not a supported dataset file; use text ({', '.join(TEXT_EXTENSIONS)}), "
                            f"images ({', '.join(IMAGE_EXTENSIONS)}) in class folders, or a .zip of either")
    if kinds == {"image", "text"}:
        raise DataError("a dataset is either text (for language models) or images (for image classifiers), not both")
    if "image" in kinds:
        examples, labels = read_image_dataset(files)
        return {"task": "image-classification", "examples": examples, "labels": labels}
    return {"task": "causal-lm", "examples": read_text_dataset(files)}


# ---------------------------------------------------------------- token sequences (src/engine/data/prepare.ts)


def token_sequences(examples: Sequence[dict], encode: Callable[[str], List[int]], eos: Optional[int],
                    bos: Optional[int], seq_length: int) -> List[Tuple[List[int], Optional[List[int]]]]:
    """(ids, loss mask or None): documents joined with EOS and cut in blocks of `seq_length` (the last
    block is the stream's final `seq_length` tokens, counting only its new targets); each
    prompt/completion pair one sequence, loss on the completion and EOS, prompt cut from its start."""
    documents = [e["text"] for e in examples if e["kind"] == "text"]
    sequences: List[Tuple[List[int], Optional[List[int]]]] = []
    if documents:
        stream: List[int] = []
        for i, text in enumerate(documents):
            if i > 0 and eos is not None:
                stream.append(eos)
            stream += encode(text)
        if len(stream) >= 2:
            if len(stream) <= seq_length:
                sequences.append((stream, None))
            else:
                full = len(stream) // seq_length
                sequences += [(stream[b * seq_length:(b + 1) * seq_length], None) for b in range(full)]
                covered = full * seq_length
                if covered < len(stream):
                    start = len(stream) - seq_length
                    sequences.append((stream[start:], [0] * (covered - start) + [1] * (len(stream) - covered)))
    for e in examples:
        if e["kind"] != "pair":
            continue
        prompt = encode(e["prompt"])
        completion = encode(e["completion"])
        if bos is not None and completion[:1] == [bos]:
            completion = completion[1:]
        if eos is not None:
            completion.append(eos)
        if not completion:
            continue
        keep_p, keep_c = len(prompt), len(completion)
        if keep_p + keep_c > seq_length:
            keep_p = min(len(prompt), max(seq_length - len(completion), 1 if prompt else 0))
            keep_c = seq_length - keep_p
        ids = prompt[len(prompt) - keep_p:] + completion[:keep_c]
        sequences.append((ids, [0] * keep_p + [1] * keep_c))
    if not sequences:
        raise DataError("the data has too little text to train on (fewer than 2 tokens)")
    return sequences


# ---------------------------------------------------------------- command line

HERE = os.path.dirname(os.path.abspath(__file__))


def parse_args(argv: Optional[List[str]] = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="train.py",
        description="Continue a WeGeFT Playground run in PyTorch: the run's method, settings, schedule, batch order "
                    "and loss (run.json), on the data it used, from its exported adapter. One GPU: python train.py; "
                    "several: accelerate launch --config_file accelerate_config.yaml train.py.",
        epilog="Needs torch, transformers (and peft for LoRA, DoRA, PiSSA, VeRA, (IA)^3; accelerate for several "
               f"GPUs): {REQUIREMENTS_HINT}.")
    parser.add_argument("--run", default=os.path.join(HERE, RUN_FILE), help="the run's settings (default: run.json beside this script)")
    parser.add_argument("--model", help="the base model: a folder or Hub id (default: run.json's base model)")
    parser.add_argument("--data", nargs="+", help="training files or folders, in the app's formats (default: run.json's data/)")
    parser.add_argument("--val-data", nargs="+", help="held-out files (default: run.json's, else a seeded split as in the app)")
    parser.add_argument("--adapter", help="the adapter to continue from (default: run.json's adapter/)")
    parser.add_argument("--from-scratch", action="store_true", help="start the method afresh with the run's settings instead of continuing the exported adapter")
    parser.add_argument("--steps", type=int, help="override the run's optimizer steps (0: evaluate the adapter and write it, without training)")
    parser.add_argument("--out", default="output", help="where to write the trained adapter (default: ./output)")
    parser.add_argument("--log-every", type=int, default=10, help="print the loss every n steps (default 10)")
    return parser.parse_args(argv)


def read_run(path: str) -> dict:
    try:
        with open(path, encoding="utf-8") as f:
            run = json.load(f)
    except OSError as e:
        raise SystemExit(f"{path}: cannot be read ({e.strerror}); pass --run <run.json>")
    except ValueError as e:
        raise SystemExit(f"{path}: not JSON ({e})")
    if not isinstance(run, dict) or run.get("format") != "wegeft-playground-run/1":
        raise SystemExit(f'{path}: not a WeGeFT Playground run (expected "format": "wegeft-playground-run/1")')
    return run



def bundle_files(folder: str, names: Sequence[str]) -> List[Tuple[str, bytes]]:
    """The dataset's files stored in the bundle under `folder`, named as the app named them."""
    out = []
    for name in names:
        full = os.path.join(folder, *normalize_path(name).split("/"))
        try:
            with open(full, "rb") as f:
                out.append((name, f.read()))
        except OSError as e:
            raise DataError(f"{full}: cannot be read ({e.strerror})") from None
    return out


def dataset_files(args: argparse.Namespace, run: dict) -> Tuple[List[Tuple[str, bytes]], List[Tuple[str, bytes]]]:
    """The training and held-out files: --data / --val-data, else the bundle's copy of what the app used."""
    data = run["data"]
    if args.data:
        return read_data_files(args.data), read_data_files(args.val_data or [])
    if not data["included"]:
        raise DataError(f"the dataset ({', '.join(data['files'][:3])}{'…' if len(data['files']) > 3 else ''}, "
                        f"{data['bytes']:,} bytes) is too large for the bundle: pass --data <your files or folder> "
                        "(and --val-data for held-out files), in the same layout")
    folder = os.path.join(os.path.dirname(os.path.abspath(args.run)), data["dir"])
    validation = read_data_files(args.val_data) if args.val_data else bundle_files(os.path.join(folder, "validation"), data["validationFiles"])
    return bundle_files(os.path.join(folder, "train"), data["files"]), validation


def split_dataset(dataset: dict, held: Optional[dict], fraction: float, seed: int) -> Tuple[list, list, str]:
    """Training and held-out examples, chosen as the app chooses them (training-data.ts):
    held-out files; else the data's own val/test split (images); else a seeded share
    (images stratified by class; text by document, or a single document's blocks)."""
    examples = dataset["examples"]
    if held is not None:
        return examples, held["examples"], "the held-out files"
    if dataset["task"] == "image-classification":
        own = next((s for s in ("validation", "test") if any(e["split"] == s for e in examples)), None)
        if own:
            return ([e for e in examples if e["split"] in (None, "train")], [e for e in examples if e["split"] == own],
                    f"the data's own {own} split")
        train, val = split_train_validation(examples, fraction, seed, lambda e: e["label"])
        return train, val, f"a seeded {fraction} of the images, stratified by class"
    train, val = split_train_validation(examples, fraction, seed)
    if train and val:
        return train, val, f"a seeded {fraction} of the documents"
    if len(examples) == 1 and examples[0]["kind"] == "text" and fraction > 0:
        return examples, [], "blocks"  # split after tokenising, by block
    return examples, [], "none"


# ---------------------------------------------------------------- training (torch, transformers, peft, accelerate)


def _load_model(run: dict, args: argparse.Namespace, adapter_dir: str):
    import torch
    import transformers

    base, kind = run["base"], run["export"]["kind"]
    name = args.model or base["nameOrPath"]
    revision = None if args.model else base.get("revision")
    if kind == "full-checkpoint" and not args.from_scratch:
        name, revision = adapter_dir, None  # the exported checkpoint is the model to continue
    elif name is None or (not args.model and not base["fromHub"] and not os.path.isdir(name)):
        raise SystemExit(f"train.py: the base model {name or '(not recorded)'} is not on the Hugging Face Hub: "
                         "pass --model <the folder holding its config.json and model.safetensors>")
    options = {"revision": revision} if revision else {}
    if run["task"] == "causal-lm":
        return transformers.AutoModelForCausalLM.from_pretrained(name, torch_dtype=torch.float32, **options), name, options
    config_dir = adapter_dir if os.path.isfile(os.path.join(adapter_dir, "config.json")) else name
    config = transformers.AutoConfig.from_pretrained(config_dir, **({} if config_dir == adapter_dir else options))
    model = transformers.AutoModelForImageClassification.from_pretrained(name, config=config, ignore_mismatched_sizes=True,
                                                            torch_dtype=torch.float32, **options)
    return model, name, options


PEFT_METHODS = {"lora": "LoraConfig", "dora": "LoraConfig(use_dora=True)", "pissa": 'LoraConfig(init_lora_weights="pissa")',
                "vera": "VeraConfig", "ia3": "IA3Config"}
"""Our methods that PEFT implements, and its config for each (the exported adapter_config.json is that config)."""


def _apply_method(model, run: dict, args: argparse.Namespace, adapter_dir: str):
    """The model with the run's method applied (continued from `adapter_dir` unless --from-scratch),
    its trainable parameters, and a function that saves the adapter to a folder."""
    import torch

    method, kind = run["method"]["name"], run["export"]["kind"]
    config_file = os.path.join(adapter_dir, "adapter_config.json")
    weights_file = os.path.join(adapter_dir, "adapter_model.safetensors")
    if kind == "peft-adapter":
        try:
            from peft import PeftConfig, PeftModel, get_peft_model
        except ImportError:
            raise SystemExit(f"train.py: {run['method']['label']} needs PEFT ({PEFT_METHODS[method]}): {REQUIREMENTS_HINT}")
        if args.from_scratch:
            config = PeftConfig.from_pretrained(adapter_dir)
            config.inference_mode = False
            model = get_peft_model(model, config)
        else:
            model = PeftModel.from_pretrained(model, adapter_dir, is_trainable=True)
        return model, [p for p in model.parameters() if p.requires_grad], lambda out: model.save_pretrained(out)
    if kind == "own-adapter":
        sys.path.insert(0, HERE)
        import wegeft  # shipped beside this script

        if args.from_scratch:
            with open(config_file, encoding="utf-8") as f:
                wegeft.apply_wegeft(model, wegeft.WeGeFTConfig.from_json(json.load(f), config_file), config_file)
        else:
            wegeft.load_adapter(model, adapter_dir)
        fmt = run["export"]["format"]
        return model, [p for p in model.parameters() if p.requires_grad], lambda out: wegeft.save_adapter(model, out, adapter_format=fmt)
    if kind == "full-checkpoint":
        for p in model.parameters():
            p.requires_grad_(True)
        return model, list(model.parameters()), lambda out: model.save_pretrained(out, safe_serialization=True)
    # BitFit, head only (and full fine-tuning written as parameters): PEFT has no such methods; the
    # adapter file names the trained tensors under the checkpoint's own names.
    from safetensors.torch import load_file, save_file

    stored = load_file(weights_file)
    named = dict(model.named_parameters())
    unknown = [k for k in stored if k not in named]
    if unknown:
        raise SystemExit(f"train.py: {weights_file}: {unknown[:3]} are not parameters of this model (another base model?)")
    if not args.from_scratch:
        missing, unexpected = model.load_state_dict(stored, strict=False)
        assert not unexpected, unexpected
    for name, p in named.items():
        p.requires_grad_(name in stored)

    def save(out: str) -> None:
        os.makedirs(out, exist_ok=True)
        save_file({k: named[k].detach().float().contiguous().cpu() for k in stored}, os.path.join(out, "adapter_model.safetensors"))
        with open(config_file, encoding="utf-8") as f, open(os.path.join(out, "adapter_config.json"), "w", encoding="utf-8") as g:
            g.write(f.read())

    return model, [named[k] for k in stored], save


def _rgb_on_white(data: bytes, source: str):
    from PIL import Image

    try:
        image = Image.open(io.BytesIO(data))
        image.load()
    except Exception as e:  # Pillow raises several kinds
        raise DataError(f"{source}: cannot be decoded as an image ({e})") from None
    rgba = image.convert("RGBA")
    white = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
    return Image.alpha_composite(white, rgba).convert("RGB")  # the app composites transparency on white


def _prepared(run: dict, args: argparse.Namespace, model, model_name: str, options: dict, adapter_dir: str):
    """(train items, validation items, weigh, batch_loss_sum, describe) for the run's task."""
    import torch
    import torch.nn.functional as F

    training = run["training"]
    train_files, val_files = dataset_files(args, run)
    dataset = read_dataset(train_files)
    if dataset["task"] != run["task"]:
        raise DataError(f"the data holds {'images' if dataset['task'] == 'image-classification' else 'text'}, "
                        f"but the model is {'a language model' if run['task'] == 'causal-lm' else 'an image classifier'}")
    held = read_dataset(val_files) if val_files else None
    seed = run["data"]["splitSeed"]  # the app splits with its own fixed seed, the CLI with the run's
    train, val, how = split_dataset(dataset, held, run["data"]["validationFraction"], seed)
    if run["task"] == "image-classification":
        from transformers import AutoImageProcessor

        processor_dir = adapter_dir if os.path.isfile(os.path.join(adapter_dir, "preprocessor_config.json")) else model_name
        processor = AutoImageProcessor.from_pretrained(processor_dir, **({} if processor_dir == adapter_dir else options))
        labels = run["labels"] or dataset["labels"]
        index = {label: i for i, label in enumerate(labels)}
        for e in train + val:
            if e["label"] not in index:
                raise DataError(f'{e["source"]}: has the label "{e["label"]}", which is not one of the run\'s {len(labels)}')

        def batch_loss_sum(model, items, device):
            pixels = processor(images=[_rgb_on_white(e["bytes"], e["source"]) for e in items], return_tensors="pt")["pixel_values"]
            target = torch.tensor([index[e["label"]] for e in items], device=device)
            logits = model(pixel_values=pixels.to(device)).logits
            return F.cross_entropy(logits.float(), target, reduction="sum"), (logits.argmax(-1) == target).sum().item()

        return train, val, lambda items: len(items), batch_loss_sum, how, processor
    from transformers import AutoTokenizer

    tokenizer_dir = adapter_dir if os.path.isfile(os.path.join(adapter_dir, "tokenizer.json")) else model_name
    tokenizer = AutoTokenizer.from_pretrained(tokenizer_dir, **({} if tokenizer_dir == adapter_dir else options))
    seq_length = run["seqLength"]
    # As the engine: the tokenizer's special tokens, else the model config's.
    eos = tokenizer.eos_token_id if tokenizer.eos_token_id is not None else getattr(model.config, "eos_token_id", None)
    bos = tokenizer.bos_token_id if tokenizer.bos_token_id is not None else getattr(model.config, "bos_token_id", None)

    def sequences(examples):
        return token_sequences(examples, lambda text: list(tokenizer(text)["input_ids"]), eos, bos, seq_length) if examples else []

    train_seqs, val_seqs = sequences(train), sequences(val)
    if how == "blocks":
        train_seqs, val_seqs = split_train_validation(train_seqs, run["data"]["validationFraction"], seed)
    length = max(len(ids) for ids, _ in train_seqs + val_seqs)  # one padded length for every batch, as the engine

    def weigh(items):
        return sum(sum(mask[1:]) if mask else len(ids) - 1 for ids, mask in items)

    def batch_loss_sum(model, items, device):
        ids = torch.zeros((len(items), length), dtype=torch.long)  # (B, T), right-padded with 0
        mask = torch.zeros((len(items), length))
        for row, (seq, m) in enumerate(items):
            ids[row, :len(seq)] = torch.tensor(seq)
            mask[row, :len(seq)] = torch.tensor(m if m else [1] * len(seq), dtype=torch.float)
        ids, mask = ids.to(device), mask.to(device)
        logits = model(input_ids=ids).logits.float()  # (B, T, V)
        losses = F.cross_entropy(logits[:, :-1].reshape(-1, logits.shape[-1]), ids[:, 1:].reshape(-1), reduction="none")
        return (losses * mask[:, 1:].reshape(-1)).sum(), None

    return train_seqs, val_seqs, weigh, batch_loss_sum, how, tokenizer


def train(args: argparse.Namespace, run: dict) -> int:
    import contextlib

    import torch

    try:
        from accelerate import Accelerator
    except ImportError:
        Accelerator = None  # plain torch on one device; `accelerate launch` needs it installed
    accelerator = Accelerator() if Accelerator is not None else None
    device = accelerator.device if accelerator else torch.device("cuda" if torch.cuda.is_available() else "cpu")
    world = accelerator.num_processes if accelerator else 1
    rank = accelerator.process_index if accelerator else 0
    say = (lambda line: accelerator.print(line)) if accelerator else print
    training = run["training"]
    torch.manual_seed(training["seed"])
    adapter_dir = args.adapter or os.path.join(os.path.dirname(os.path.abspath(args.run)), run["export"]["dir"])

    model, model_name, options = _load_model(run, args, adapter_dir)
    model, params, save = _apply_method(model, run, args, adapter_dir)
    try:
        train_items, val_items, weigh, batch_loss_sum, how, companion = _prepared(run, args, model, model_name, options, adapter_dir)
    except DataError as e:
        raise SystemExit(f"train.py: {e}")
    total = args.steps if args.steps is not None else total_steps_for(training, len(train_items))
    warmup = warmup_steps_for(training, total)
    schedule = training["schedule"]
    optimizer = torch.optim.AdamW(params, lr=training["learningRate"], betas=(training["beta1"], training["beta2"]),
                                  eps=training["epsilon"], weight_decay=training["weightDecay"])
    scheduler = torch.optim.lr_scheduler.LambdaLR(optimizer, lambda step: lr_multiplier(schedule, warmup, total, step))
    model.to(device)
    if accelerator:
        # The scheduler is stepped here once per optimizer step, so it is not prepared.
        model, optimizer = accelerator.prepare(model, optimizer)
    batch, accumulation = training["batchSize"], training["gradientAccumulation"]
    say(f"{run['method']['label']} on {model_name}: {sum(p.numel() for p in params):,} trainable parameters; "
        f"{len(train_items):,} training and {len(val_items):,} held-out items ({how}); {total} steps of {batch} x {accumulation}"
        f"{f' x {world} processes' if world > 1 else ''}, lr {training['learningRate']} ({schedule}, warm-up {warmup}), seed {training['seed']}")
    stream = SampleStream(len(train_items), training["seed"])
    model.train()
    for step in range(total):
        # Every process draws the same micro-batches (the engine's order) and computes its share: with N
        # processes a step holds N times the run's samples. Each micro-batch's loss is its sum over targets
        # divided by the step's, so the gradient is the whole step's mean (DDP averages: times N).
        micro = [[train_items[i] for i in stream.next(batch)] for _ in range(accumulation * world)]
        step_weight = max(1, sum(weigh(m) for m in micro))
        mine = micro[rank::world]
        local = 0.0
        for k, items in enumerate(mine):
            sync = contextlib.nullcontext() if not accelerator or k == len(mine) - 1 else accelerator.no_sync(model)
            with sync:
                loss_sum, _ = batch_loss_sum(model, items, device)
                loss = loss_sum * (world / step_weight)
                accelerator.backward(loss) if accelerator else loss.backward()
                local += loss_sum.item()
        lr = optimizer.param_groups[0]["lr"]  # this step's (LambdaLR: the multiplier at `step`)
        if training["maxGradNorm"] is not None:
            (accelerator.clip_grad_norm_ if accelerator else torch.nn.utils.clip_grad_norm_)(params, training["maxGradNorm"])
        optimizer.step()
        scheduler.step()
        optimizer.zero_grad(set_to_none=True)
        if (step + 1) % args.log_every == 0 or step + 1 == total:
            share = sum(weigh(m) for m in mine)
            say(f"step {step + 1}/{total}: loss {local / max(1, share):.4f} (this process), lr {lr:.4g}")
    unwrapped = accelerator.unwrap_model(model) if accelerator else model
    if rank == 0 and val_items:
        unwrapped.eval()
        loss_sum, correct, counted = 0.0, 0, 0
        with torch.no_grad():
            for start in range(0, len(val_items), batch):
                items = val_items[start:start + batch]
                value, right = batch_loss_sum(unwrapped, items, device)
                loss_sum, counted, correct = loss_sum + value.item(), counted + weigh(items), correct + (right or 0)
        mean = loss_sum / max(1, counted)
        detail = f"accuracy {correct / len(val_items):.4f}" if run["task"] == "image-classification" else f"perplexity {math.exp(mean):.2f}"
        say(f"validation: loss {mean:.6f}, {detail} ({len(val_items)} items)")
    if accelerator:
        accelerator.wait_for_everyone()
    if rank == 0:
        save(args.out)
        if run["export"]["kind"] == "full-checkpoint":
            companion.save_pretrained(args.out)
        labels_config = os.path.join(adapter_dir, "config.json")
        if run["export"]["kind"] != "full-checkpoint" and os.path.isfile(labels_config):
            with open(labels_config, encoding="utf-8") as f, open(os.path.join(args.out, "config.json"), "w", encoding="utf-8") as g:
                g.write(f.read())  # the label mapping travels with the adapter
            _keep_labels(args.out, run["labels"])
        say(f"wrote the adapter to {args.out}")
    return 0


def _keep_labels(out: str, labels: Optional[List[str]]) -> None:
    """A classifier's label names in the adapter file's metadata, where the playground reads them back
    (PEFT and transformers read config.json's id2label instead, which is written beside it)."""
    path = os.path.join(out, "adapter_model.safetensors")
    if not labels or not os.path.isfile(path):
        return
    names = json.dumps(labels, separators=(",", ":"))
    try:
        from safetensors.torch import load_file, save_file
    except ImportError:  # no safetensors package: wegeft.py's own reader and writer (WeGeFT bundles)
        import wegeft

        tensors, metadata = wegeft.read_safetensors(path)
        wegeft.write_safetensors(path, tensors, {**metadata, "labels": names})
        return
    save_file(load_file(path), path, metadata={"format": "pt", "labels": names})


def main(argv: Optional[List[str]] = None) -> int:
    args = parse_args(argv)
    run = read_run(args.run)
    try:
        import torch  # noqa: F401  (imported here, not at the top: --help needs neither)
        import transformers  # noqa: F401
    except ImportError as e:
        print(f"train.py: {e.name or e} is not installed: {REQUIREMENTS_HINT} (README.md says which versions)", file=sys.stderr)
        return 2
    return train(args, run)


if __name__ == "__main__":
    sys.exit(main())
