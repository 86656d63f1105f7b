/**
 * Initialisers for fresh adapter tensors, drawn from the project's seeded
 * generator (src/engine/random.ts) on the CPU so that a seed gives the same
 * adapter on every backend.
 */
import { createRng } from '../../random';

/**
 * torch.nn.init.kaiming_uniform_(t, a=√5) for a (rows, fanIn) matrix, the
 * default init of nn.Linear and of LoRA's A: U(−b, b) with
 * b = gain·√(3 / fan_in), gain = √(2 / (1 + a²)) = √(1/3), so b = 1/√fan_in.
 */
export function kaimingUniform(rows: number, fanIn: number, seed: number): Float32Array {
  const bound = 1 / Math.sqrt(fanIn);
  const random = createRng(seed);
  const values = new Float32Array(rows * fanIn);
  for (let i = 0; i < values.length; i++) values[i] = (2 * random() - 1) * bound;
  return values;
}

/** N(0, std²) samples (Box–Muller), as transformers initialises a new classification head's weight. */
export function normalSamples(count: number, std: number, seed: number): Float32Array {
  const random = createRng(seed);
  const values = new Float32Array(count);
  for (let i = 0; i < count; i += 2) {
    const u1 = 1 - random(); // in (0, 1]: log stays finite
    const u2 = random();
    const radius = Math.sqrt(-2 * Math.log(u1)) * std;
    values[i] = radius * Math.cos(2 * Math.PI * u2);
    if (i + 1 < count) values[i + 1] = radius * Math.sin(2 * Math.PI * u2);
  }
  return values;
}
