/**
 * A key/value cache for causal language models: each attention layer's keys
 * and values of the tokens seen so far, so that the next forward pass only
 * computes the new tokens and attends to the old ones through the cache.
 *
 * The families' forward takes it as an optional input (CausalLMInputs.cache)
 * and so run the same blocks, the same patched linear layers, with or without
 * it: a cached forward of T new tokens after P cached ones computes what a
 * full forward of all P + T tokens computes at its last T positions. Keys are
 * stored after any position encoding (Llama's RoPE at their own positions),
 * in heads layout (B, KV heads, P, head_dim), so grouped-query attention
 * caches only its KV heads.
 *
 * The cache owns its tensors: a forward replaces a layer's entries with the
 * longer ones and disposes the old; dispose() frees the rest. A forward that
 * throws part-way leaves the cache unusable: dispose it.
 */
import * as tf from '@tensorflow/tfjs';
import { ModelError } from '../errors';

export class KvCache {
  private readonly keys: Array<tf.Tensor4D | null>;
  private readonly values: Array<tf.Tensor4D | null>;
  private cached = 0;
  private pending: number | null = null;

  constructor(readonly numLayers: number) {
    this.keys = new Array(numLayers).fill(null);
    this.values = new Array(numLayers).fill(null);
  }

  /** How many positions the cache holds: the position of the next token. */
  get length(): number {
    return this.cached;
  }

  /** The batch size of the cached sequences (0 while empty). */
  get batch(): number {
    return this.keys[0]?.shape[0] ?? 0;
  }

  /** Called by a forward before its layers: `newTokens` will be appended. Returns the offset of the first. */
  begin(newTokens: number): number {
    if (this.pending !== null) throw new ModelError('the key/value cache is part-way through a forward pass that did not finish');
    this.pending = newTokens;
    return this.cached;
  }

  /**
   * Appends a layer's new keys and values, (B, KV, T, hd) each, and returns
   * all of them, (B, KV, P + T, hd). The returned tensors are kept out of
   * any enclosing tidy (the cache disposes them when the next forward
   * replaces them, or on dispose()).
   */
  append(layer: number, k: tf.Tensor4D, v: tf.Tensor4D): { k: tf.Tensor4D; v: tf.Tensor4D } {
    if (this.pending === null) throw new ModelError('KvCache.append outside a forward pass (call begin first)');
    const oldK = this.keys[layer];
    const oldV = this.values[layer];
    const fullK = oldK ? tf.concat([oldK, k], 2) : k.clone(); // (B, KV, P + T, hd)
    const fullV = oldV ? tf.concat([oldV, v], 2) : v.clone();
    this.keys[layer] = tf.keep(fullK);
    this.values[layer] = tf.keep(fullV);
    oldK?.dispose();
    oldV?.dispose();
    return { k: fullK, v: fullV };
  }

  /** Called by a forward after its last layer. */
  commit(): void {
    if (this.pending === null) throw new ModelError('KvCache.commit without begin');
    this.cached += this.pending;
    this.pending = null;
  }

  /** Frees every cached tensor; the cache is empty (length 0) afterwards and can be filled again. */
  dispose(): void {
    for (const t of [...this.keys, ...this.values]) t?.dispose();
    this.keys.fill(null);
    this.values.fill(null);
    this.cached = 0;
    this.pending = null;
  }
}
