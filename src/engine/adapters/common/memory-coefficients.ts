/**
 * The shape of a method's activation coefficients for the memory planner
 * (src/engine/train/memory-plan.ts): floats of one step's peak per unit of
 * each shape term (activationFeatures there; the last term is the targeted
 * layers' weight elements, all-linear as measured), per model family and
 * checkpointing off/on, and for methods that train whole matrices, per
 * trainable element. Each method's own are in its folder (<method>/memory.ts),
 * written by scripts/lib/bench/memory-fit.py from the measurements of
 * scripts/lib/bench/memory-calibration.ts on the wasm backend:
 *   npx tsx scripts/lib/bench/memory-calibration.ts > cal.jsonl
 *   npx tsx scripts/lib/bench/memory-calibration.ts --presets > presets.jsonl
 *   python3 scripts/lib/bench/memory-fit.py cal.jsonl presets.jsonl --out src/engine/adapters
 * (the committed measurements: scripts/lib/bench/memory-calibration.jsonl).
 */

/** GPT-2's coefficients serve every causal language model, ViT's every image classifier. */
export type CoefficientFamily = 'gpt2' | 'vit';

export interface MethodCoefficients {
  readonly features: readonly number[];
  readonly perGradient: number;
}

export type MemoryCoefficients = Readonly<Record<CoefficientFamily, Readonly<Record<`${boolean}`, MethodCoefficients>>>>;
