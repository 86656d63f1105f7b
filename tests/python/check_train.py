"""Runs python/train.py's plain functions on a JSON request (stdin) and prints their results (stdout),
for tests/python/train.test.ts to compare with the engine's. Needs torch only for "torch_schedules".

usage: python3 check_train.py <train.py> < request.json
"""
import importlib.util
import json
import sys


def load(path):
    spec = importlib.util.spec_from_file_location("train", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def fake_encoder(bos):
    """Token ids of ASCII text: one per character (code + 10), BOS first when the tokenizer has one."""
    return lambda text: ([bos] if bos is not None else []) + [ord(c) + 10 for c in text]


def main():
    train = load(sys.argv[1])
    request = json.load(sys.stdin)
    out = {}
    out["schedules"] = [[train.lr_multiplier(s["name"], s["warmup"], s["total"], step) for step in range(s["total"])]
                        for s in request.get("schedules", [])]
    out["steps"] = [[train.total_steps_for(t, n), train.warmup_steps_for(t, train.total_steps_for(t, n))]
                    for t, n in request.get("settings", [])]
    if request.get("torch_schedules"):
        import torch

        lrs = []
        for s in request["torch_schedules"]:
            # What train.py's loop does: AdamW driven by LambdaLR over lr_multiplier, stepped once per optimizer step.
            p = torch.nn.Parameter(torch.zeros(1))
            optimizer = torch.optim.AdamW([p], lr=s["lr"])
            scheduler = torch.optim.lr_scheduler.LambdaLR(optimizer, lambda step: train.lr_multiplier(s["name"], s["warmup"], s["total"], step))
            seen = []
            for _ in range(s["total"]):
                seen.append(optimizer.param_groups[0]["lr"])
                optimizer.step()
                scheduler.step()
            lrs.append(seen)
        out["torch_schedules"] = lrs
    out["shuffles"] = [train.shuffled(list(range(s["n"])), s["seed"]) for s in request.get("shuffles", [])]
    streams = []
    for s in request.get("streams", []):
        stream = train.SampleStream(s["count"], s["seed"])
        streams.append([stream.next(s["batch"]) for _ in range(s["draws"])])
    out["streams"] = streams
    out["splits"] = []
    for s in request.get("splits", []):
        items = list(range(len(s["labels"])))
        label_of = (lambda i: s["labels"][i]) if s["stratified"] else None
        _, held = train.split_train_validation(items, s["fraction"], s["seed"], label_of)
        out["splits"].append(held)
    datasets = {}
    for name, paths in request.get("datasets", {}).items():
        try:
            dataset = train.read_dataset(train.read_data_files(paths))
        except train.DataError as e:
            datasets[name] = {"error": str(e)}
            continue
        for e in dataset["examples"]:
            e.pop("bytes", None)
        datasets[name] = dataset
    out["datasets"] = datasets
    out["sequences"] = [
        [[ids, mask] for ids, mask in train.token_sequences(s["examples"], fake_encoder(s["bos"]), s["eos"], s["bos"], s["seqLength"])]
        for s in request.get("sequences", [])
    ]
    json.dump(out, sys.stdout)


if __name__ == "__main__":
    main()
