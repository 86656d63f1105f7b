/**
 * The README.md inside every export: what the files are, and the exact
 * Python that loads them (transformers + PEFT, or the authors' fork of PEFT
 * for WeGeFT in their format, or plain transformers).
 */
import type { Model } from '../../models/model';
import { autoModelClass, type BaseModelRef } from './base-model';
import type { AdapterFormat, ExportKind } from './export-kinds';

export interface ReadmeFacts {
  runName: string;
  methodLabel: string;
  kind: ExportKind;
  format: AdapterFormat;
  base: BaseModelRef;
  /** A classifier's label names (config.json beside the adapter holds them), else null. */
  labels: readonly string[] | null;
  /** Whether the adapter trains a head of its own for a tied language model (lm_head untied). */
  untiedHead: boolean;
  /** Whether any adapted module is GPT-2's Conv1D (the authors' fork wraps nn.Linear only). */
  conv1d: boolean;
}

export function exportReadme(model: Model, facts: ReadmeFacts): string {
  const auto = autoModelClass(model);
  const lines = [`# ${facts.runName}: ${title(facts)}`, '', ...what(facts), '', ...baseLines(facts.base), '', '## Load it in Python', '', '```python'];
  lines.push(...code(auto, facts), '```', '');
  if (facts.labels) {
    lines.push(
      `The classifier predicts ${facts.labels.length} labels (${listLabels(facts.labels)}): config.json here is the base's config with this run's ` +
        '`id2label` / `label2id`, so the model names them. Loading the adapter onto the base\'s own config instead would name the classes wrongly ' +
        '(or fail on the classifier\'s shape when the count differs).',
      '',
    );
  }
  if (facts.kind === 'own-adapter' && facts.format === 'authors' && facts.conv1d) {
    lines.push(
      '**Caveat:** the authors\' fork wraps `nn.Linear` only (`Conv1D is not supported in WeGeFT yet`), and this adapter targets ' +
        'GPT-2\'s `Conv1D` layers: their `PeftModel.from_pretrained` refuses it. The tensors are correct (φ, ψ of shape (r, d_in), ' +
        'ΔW = (α/r)·W·φᵀ·ψ in the (d_out, d_in) layout; Conv1D stores Wᵀ), for code that handles Conv1D.',
      '',
    );
  }
  lines.push('Made by the WeGeFT Playground.', '');
  return lines.join('\n');
}

function title(facts: ReadmeFacts): string {
  switch (facts.kind) {
    case 'peft-adapter':
      return `${facts.methodLabel} adapter (PEFT)`;
    case 'own-adapter':
      return facts.format === 'authors' ? "WeGeFT adapter (the authors' PEFT fork)" : 'WeGeFT adapter (WeGeFT Playground format)';
    case 'full-checkpoint':
      return 'fully fine-tuned checkpoint (Hugging Face layout)';
    case 'parameters':
      return `${facts.methodLabel} parameters (WeGeFT Playground format)`;
  }
}

function what(facts: ReadmeFacts): string[] {
  switch (facts.kind) {
    case 'peft-adapter':
      return ['`adapter_config.json` + `adapter_model.safetensors`, as PEFT\'s `save_pretrained` writes them.'];
    case 'own-adapter':
      return facts.format === 'authors'
        ? [
            '`adapter_config.json` (`peft_type: "WeGeFT"`) + `adapter_model.safetensors` for the authors\' fork of PEFT',
            '(https://github.com/savadikarc/gift, PEFT 0.12 with `tuners/wegeft`): φ and ψ of each shared pair are stored under',
            'the first module that `tied_modules` matches (`base_model.model.<module>.wegeft_phi.weight`, `.wegeft_psi.weight`).',
            'Released PEFT does not know WeGeFT; install their fork to load this.',
          ]
        : [
            '`adapter_config.json` (`peft_type: "WEGEFT"`) + `adapter_model.safetensors` in the WeGeFT Playground\'s format (the',
            'reference fixtures\'): `groups` maps each shared pair to its modules, and each pair is stored under its first member',
            '(`base_model.model.<module>.wegeft_phi.weight`, `.wegeft_psi.weight`, each (r, d_in)); ΔW = (wegeft_alpha / r)·W·φᵀ·ψ.',
            'Released PEFT does not know WeGeFT (it fails with a KeyError on the peft_type): load it back into the playground, or',
            'export the authors\' format for their fork of PEFT.',
          ];
    case 'full-checkpoint':
      return ['`config.json` + `model.safetensors` (and the base\'s tokenizer or preprocessor files): every weight was trained, so this is a', 'whole checkpoint, in the base\'s dtype. transformers loads it without PEFT.'];
    case 'parameters':
      return [
        '`adapter_model.safetensors` holds only the trained tensors, under the checkpoint\'s own names (`adapter_config.json` lists',
        'them, `peft_type` is this app\'s own): load them onto the base model with `load_state_dict(..., strict=False)`. PEFT has no',
        'such adapter type. For a plain checkpoint, download the merged model instead.',
      ];
  }
}

function baseLines(base: BaseModelRef): string[] {
  if (base.nameOrPath === null) return ['Base model: not recorded. Set `BASE` below to the folder or Hub id of the model this run was trained from.'];
  if (base.fromHub) {
    const at = base.revision ? ` at revision \`${base.revision}\`` : '';
    return [`Base model: \`${base.nameOrPath}\` on the Hugging Face Hub${at} (\`base_model_name_or_path\` in adapter_config.json).`];
  }
  return [
    `Base model: \`${base.nameOrPath}\`, which is not on the Hub (a model bundled with the playground, or a dropped folder):`,
    'set `BASE` below to the folder holding its config.json and model.safetensors.',
  ];
}

function baseValue(base: BaseModelRef): string {
  if (base.nameOrPath === null) return '"path/to/base-model"';
  return base.fromHub ? JSON.stringify(base.nameOrPath) : JSON.stringify(`path/to/${base.nameOrPath}`);
}

function code(auto: string, facts: ReadmeFacts): string[] {
  const revision = facts.base.fromHub && facts.base.revision ? `, revision=${JSON.stringify(facts.base.revision)}` : '';
  const here = 'HERE = "path/to/this/folder"  # the unzipped export';
  const base = `BASE = ${baseValue(facts.base)}`;
  if (facts.kind === 'full-checkpoint') {
    return [`from transformers import ${auto}`, '', here, `model = ${auto}.from_pretrained(HERE)`];
  }
  const imports = facts.labels ? [`from transformers import AutoConfig, ${auto}`] : [`from transformers import ${auto}`];
  const baseArgs = facts.labels ? `BASE, config=AutoConfig.from_pretrained(HERE), ignore_mismatched_sizes=True${revision}` : `BASE${revision}`;
  if (facts.kind === 'parameters') {
    const untie = facts.untiedHead ? ', tie_word_embeddings=False' : '';
    return [
      'from safetensors.torch import load_file',
      ...imports,
      '',
      here,
      base,
      `model = ${auto}.from_pretrained(${baseArgs}${untie})`,
      'missing, unexpected = model.load_state_dict(load_file(f"{HERE}/adapter_model.safetensors"), strict=False)',
      'assert not unexpected, unexpected',
    ];
  }
  const fork = facts.kind === 'own-adapter' && facts.format === 'authors';
  if (facts.kind === 'own-adapter' && !fork) {
    return [
      '# Released PEFT cannot load this format (peft_type "WEGEFT"). Export the run again as',
      "# \"WeGeFT adapter (authors' PEFT fork)\" for PeftModel in their fork, or load it back into the playground.",
      'import json',
      'from safetensors.torch import load_file',
      '',
      here,
      'config = json.load(open(f"{HERE}/adapter_config.json"))',
      'tensors = load_file(f"{HERE}/adapter_model.safetensors")  # (r, d_in) phi and psi per group',
      'print(config["groups"], {k: tuple(v.shape) for k, v in tensors.items()})',
    ];
  }
  return [
    ...(fork ? ['# pip install "git+https://github.com/savadikarc/gift#subdirectory=peft"  (their fork of PEFT)'] : []),
    'from peft import PeftModel',
    ...imports,
    '',
    here,
    base,
    `base = ${auto}.from_pretrained(${baseArgs})`,
    'model = PeftModel.from_pretrained(base, HERE)',
  ];
}

function listLabels(labels: readonly string[]): string {
  const shown = labels.slice(0, 10).map((l) => JSON.stringify(l)).join(', ');
  return labels.length > 10 ? `${shown}, …` : shown;
}
