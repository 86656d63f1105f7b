/**
 * The language-model recipe: a byte-level BPE tokenizer trained on the
 * corpus's training documents, then a random-init GPT-2 trained on them,
 * evaluated on held-out documents (a seeded 4% of them, whole documents,
 * so no held-out text is ever seen in training).
 */
import type { TextDataset } from '../../../src/engine/data/types';
import { prepareTokenSequences } from '../../../src/engine/data/prepare';
import { generateText } from '../../../src/engine/generate';
import { MemorySource } from '../../../src/engine/io/source';
import { initialiseModelFromConfig } from '../../../src/engine/models/init';
import { loadModel } from '../../../src/engine/models/load';
import type { CausalLMConfig } from '../../../src/engine/models/types';
import { createTokenizer, loadTokenizer, type TextTokenizer } from '../../../src/engine/tokenizer';
import { splitTrainValidation, type TrainingData } from '../../../src/engine/train/batches';
import { trainByteLevelBpe } from './bpe';
import type { CorpusDocument } from './corpus';
import { LM_SPECIAL_TOKENS, type Recipe } from './recipes';
import { tokenizerFiles } from './tokenizer-files';
import { evaluateAll, pretrainModel, type PretrainRun } from './train-model';
import { json } from './vit';

export const LM_VALIDATION_FRACTION = 0.04;

/** Prompts of the sample generations in the model card. */
export const SAMPLE_PROMPTS = ['Call me Ishmael. Some years ago', 'The jury said that', 'The whale', 'In the morning, the President'];
export const SAMPLE_GENERATION = { maxNewTokens: 40, temperature: 0.8, topK: 40, seed: 0 } as const;

/** Longest held-out text committed for tests (characters, cut at a paragraph end). */
const HELD_OUT_SAMPLE_CHARS = 6000;

export interface LmPretrainResult {
  run: PretrainRun;
  /** Checkpoint, tokenizer and generation files, by name. */
  files: Map<string, Uint8Array>;
  trainDocuments: CorpusDocument[];
  validationDocuments: CorpusDocument[];
  trainTokens: number;
  /** A held-out text and the exported model's perplexity on it. */
  heldOutSample: { source: string; text: string; perplexity: number };
  generations: Array<{ prompt: string; text: string }>;
}

export async function pretrainLm(recipe: Recipe, documents: CorpusDocument[]): Promise<LmPretrainResult> {
  const { train: trainDocuments, validation: validationDocuments } = splitTrainValidation(
    documents,
    LM_VALIDATION_FRACTION,
    recipe.settings.seed,
  );
  if (validationDocuments.length === 0) throw new Error('the corpus is too small to hold out any document');
  const seqLength = recipe.config.n_positions as number;
  const tokenizerJsonFiles = trainTokenizer(recipe, trainDocuments, seqLength);
  const tokenizer = createTokenizer(tokenizerJsonFiles['tokenizer.json'], tokenizerJsonFiles['tokenizer_config.json'], {
    tokenizer: 'tokenizer.json',
    config: 'tokenizer_config.json',
  });
  const sequences = (docs: CorpusDocument[]): TrainingData => ({
    kind: 'tokens',
    sequences: prepareTokenSequences(textDataset(docs), tokenizer, { seqLength }),
  });
  const train = sequences(trainDocuments);
  const validation = sequences(validationDocuments);
  const model = initialiseModelFromConfig(recipe.config, recipe.settings.seed);
  let run: PretrainRun;
  try {
    run = await pretrainModel(model, { train, validation }, recipe);
  } finally {
    model.dispose();
  }
  const files = new Map(run.files);
  files.set('tokenizer.json', json(tokenizerJsonFiles['tokenizer.json']));
  files.set('tokenizer_config.json', json(tokenizerJsonFiles['tokenizer_config.json']));
  files.set('generation_config.json', json(generationConfig(recipe.config)));
  const { heldOutSample, generations } = await checkExported(files, validationDocuments[0], recipe);
  const trainTokens = train.kind === 'tokens' ? train.sequences.reduce((n, s) => n + s.ids.length, 0) : 0;
  return { run, files, trainDocuments, validationDocuments, trainTokens, heldOutSample, generations };
}

function trainTokenizer(recipe: Recipe, documents: CorpusDocument[], maxLength: number) {
  const vocabSize = recipe.config.vocab_size as number;
  const bpe = trainByteLevelBpe(
    documents.map((d) => d.text),
    { vocabSize, specialTokens: LM_SPECIAL_TOKENS },
  );
  if (bpe.vocab.size !== vocabSize) {
    throw new Error(`the corpus gave a vocabulary of ${bpe.vocab.size} tokens, not the ${vocabSize} config.json declares`);
  }
  return tokenizerFiles(bpe, maxLength);
}

function textDataset(documents: CorpusDocument[]): TextDataset {
  return {
    task: 'causal-lm',
    examples: documents.map((d) => ({ kind: 'text', text: d.text, source: d.source })),
    files: [...new Set(documents.map((d) => d.source.split('/')[0]))],
    warnings: [],
  };
}

function generationConfig(config: Record<string, unknown>): Record<string, unknown> {
  return {
    bos_token_id: config.bos_token_id,
    eos_token_id: config.eos_token_id,
    do_sample: true,
    temperature: SAMPLE_GENERATION.temperature,
    top_k: SAMPLE_GENERATION.topK,
    max_new_tokens: 64,
  };
}

/**
 * Reloads the written files as any user's checkpoint (loadModel,
 * loadTokenizer), measures perplexity on a held-out text and generates the
 * card's samples, so what the card states is what the files do.
 */
async function checkExported(files: Map<string, Uint8Array>, heldOut: CorpusDocument, recipe: Recipe) {
  const source = new MemorySource(recipe.modelId, files);
  const model = await loadModel(source);
  try {
    const config = model.config as CausalLMConfig;
    const tokenizer = await loadTokenizer(source, { bosTokenId: config.bosTokenId, eosTokenId: config.eosTokenId });
    const text = cutAtParagraph(heldOut.text, HELD_OUT_SAMPLE_CHARS);
    const perplexity = await textPerplexity(model, tokenizer, text, config.maxPositions);
    const generations: Array<{ prompt: string; text: string }> = [];
    for (const prompt of SAMPLE_PROMPTS) {
      const result = await generateText(model, tokenizer, prompt, { ...SAMPLE_GENERATION });
      generations.push({ prompt, text: result.text });
    }
    return { heldOutSample: { source: heldOut.source, text, perplexity }, generations };
  } finally {
    model.dispose();
  }
}

/** Perplexity of `text` cut in blocks of the model's context, as the train CLI prepares plain text. */
export async function textPerplexity(
  model: Parameters<typeof evaluateAll>[0],
  tokenizer: TextTokenizer,
  text: string,
  seqLength: number,
): Promise<number> {
  const data: TrainingData = {
    kind: 'tokens',
    sequences: prepareTokenSequences(
      { task: 'causal-lm', examples: [{ kind: 'text', text, source: 'sample' }], files: ['sample'], warnings: [] },
      tokenizer,
      { seqLength },
    ),
  };
  const evaluation = await evaluateAll(model, null, data, 16);
  if (evaluation.task !== 'causal-lm') throw new Error('expected a language-model evaluation');
  return evaluation.perplexity;
}

function cutAtParagraph(text: string, maxChars: number): string {
  if (text.length <= maxChars) return text;
  const cut = text.lastIndexOf('\n\n', maxChars);
  return cut > maxChars / 2 ? text.slice(0, cut) : text.slice(0, maxChars);
}
