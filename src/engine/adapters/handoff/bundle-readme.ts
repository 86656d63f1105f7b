/**
 * README.md of a "Continue in PyTorch" bundle: what each file is, the exact
 * commands, and what was and was not checked where the bundle was made.
 */
import { methodsExportingAs } from './export-kinds';
import type { RunJson } from './pytorch-bundle';

export function bundleReadme(run: RunJson, facts: { limit: number; wegeft: boolean }): string {
  const t = run.training;
  const length = t.steps !== undefined ? `${t.steps} steps` : `${t.epochs} epoch${t.epochs === 1 ? '' : 's'}`;
  const warmup = t.warmupSteps !== undefined ? `${t.warmupSteps} warm-up steps` : `warm-up ratio ${t.warmupRatio ?? 0}`;
  const lines = [
    `# ${run.runName}: continue in PyTorch`,
    '',
    `This folder continues the playground run "${run.runName}" (${run.method.label} on ${baseName(run)}) in Python,`,
    'on one GPU or many, with the same method, settings, schedule, batch order and loss. Its files:',
    '',
    `- \`${run.export.dir}/\`: the run's export (${exportWhat(run)}), with its own README.md and the Python that loads it;`,
    '- `run.json`: the run\'s exact settings, which `train.py` reads: ' +
      `${length} of ${t.batchSize}${t.gradientAccumulation > 1 ? ` × ${t.gradientAccumulation}` : ''} samples, learning rate ${t.learningRate} ` +
      `(${t.schedule}, ${warmup}), AdamW betas (${t.beta1}, ${t.beta2}), eps ${t.epsilon}, weight decay ${t.weightDecay}, ` +
      `clipping ${t.maxGradNorm ?? 'off'}, seed ${t.seed}${run.seqLength ? `, ${run.seqLength} tokens per sequence` : ''};`,
    `- \`train.py\`: loads the base with transformers, applies ${methodHow(run)}, loads the adapter above and trains;`,
    ...(facts.wegeft ? ["- `wegeft.py`: WeGeFT in PyTorch (wraps `nn.Linear` and transformers' `Conv1D`; reads and writes our format and the authors')."] : []),
    '- `requirements.txt`, and `accelerate_config.yaml`: Hugging Face Accelerate for one machine with 8 GPUs (edit `num_processes`);',
    ...dataLines(run, facts.limit),
    '',
    '## Run it',
    '',
    '```sh',
    'pip install -r requirements.txt',
    `python train.py${modelArgument(run)}    # one GPU (or the CPU)`,
    `accelerate launch --config_file accelerate_config.yaml train.py${modelArgument(run)}    # several GPUs`,
    '```',
    '',
    ...(modelArgument(run)
      ? [`The base model \`${run.base.nameOrPath ?? '(not recorded)'}\` is not on the Hugging Face Hub: give \`--model\` the folder that holds its config.json and model.safetensors.`, '']
      : []),
    '`python train.py --help` lists the options: `--model` (another base folder or Hub id), `--data` / `--val-data`',
    '(other files, in the same formats), `--steps`, `--from-scratch` (start the method afresh with the run\'s settings',
    `instead of continuing the exported adapter), \`--out\` (default \`output/\`, written in the format of \`${run.export.dir}/\`).`,
    'It uses Accelerate\'s `Accelerator` when accelerate is installed (plain PyTorch otherwise). With N processes every step',
    "draws N times the run's batch (each process its share of the same seeded order), so the step count stays the run's.",
    '',
    '## What was checked',
    '',
    "Where this bundle was made (the WeGeFT Playground's tests, torch 1.13 on the CPU): `train.py` and `wegeft.py` compile,",
    "`python train.py --help` runs without transformers, `train.py`'s learning-rate schedule equals the engine's at every",
    "step, its seeded batch order and validation split equal the engine's, and its data readers read each format to the",
    "engine's examples and labels; `wegeft.py` reproduces the engine's WeGeFT weights, outputs and gradients; and the",
    "training loop ran on WeGeFT bundles of a tiny GPT-2 and a tiny ViT with a stand-in for transformers' models (their",
    "validation loss of the exported adapter equals the engine's). **Not checked there:** transformers, PEFT and Accelerate",
    'themselves (no GPU machine and no pip were available), so neither `accelerate launch` nor the PEFT, full-checkpoint and',
    `parameter-file (${methodsExportingAs('parameters').join(', ')}) paths of train.py have run; the versions in requirements.txt are`,
    'minimums, untested.',
    '',
    'Made by the WeGeFT Playground.',
    '',
  ];
  return lines.join('\n');
}

function baseName(run: RunJson): string {
  const name = run.base.nameOrPath ?? 'its base model';
  return run.base.fromHub ? `\`${name}\`${run.base.revision ? ` at revision \`${run.base.revision}\`` : ''}` : `\`${name}\``;
}

function exportWhat(run: RunJson): string {
  switch (run.export.kind) {
    case 'peft-adapter':
      return 'a PEFT adapter';
    case 'own-adapter':
      return run.export.format === 'authors' ? "WeGeFT in its authors' PEFT-fork format" : "WeGeFT in the playground's format";
    case 'full-checkpoint':
      return 'the whole fine-tuned checkpoint';
    case 'parameters':
      return "the trained tensors under the checkpoint's names";
  }
}

function methodHow(run: RunJson): string {
  switch (run.export.kind) {
    case 'peft-adapter':
      return `${run.method.label} with PEFT`;
    case 'own-adapter':
      return 'WeGeFT with `wegeft.py` (PEFT has no WeGeFT)';
    case 'full-checkpoint':
      return 'full fine-tuning (every weight; no PEFT)';
    case 'parameters':
      return `${run.method.label} as plain trainable parameters (PEFT has no such method)`;
  }
}

function dataLines(run: RunJson, limit: number): string[] {
  const d = run.data;
  const mb = (bytes: number) => `${(bytes / 2 ** 20).toFixed(1)} MiB`;
  if (d.included) {
    return [
      `- \`${d.dir}/train/\`${d.validationFiles.length > 0 ? ` and \`${d.dir}/validation/\`` : ''}: the dataset's files as the app read them (${d.files.length + d.validationFiles.length} files, ${mb(d.bytes)}).`,
    ];
  }
  return [
    `- no dataset: its files (${d.files.slice(0, 3).join(', ')}${d.files.length > 3 ? ', …' : ''}; ${mb(d.bytes)}) are larger than the bundle's`,
    `  limit of ${mb(limit)}. Pass them to train.py: \`python train.py --data <your files or folder>\` (and \`--val-data <held-out files>\``,
    `  ${d.validationFiles.length > 0 ? `for ${d.validationFiles.slice(0, 3).join(', ')}` : 'if you have them'}), in the same layout as in the app.`,
  ];
}

/** ` --model path/to/<base>` when the base is not on the Hub (a bundled model, a dropped folder); else nothing. */
function modelArgument(run: RunJson): string {
  if (run.base.fromHub || run.export.kind === 'full-checkpoint') return '';
  // The bundled model's or dropped folder's name (the CLI records the folder as given: its last part).
  const name = (run.base.nameOrPath ?? 'base-model').replace(/\/+$/, '').split('/').pop();
  return ` --model path/to/${name}`;
}
