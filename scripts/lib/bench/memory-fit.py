"""
python3 scripts/lib/bench/memory-fit.py calibration.jsonl [more.jsonl ...]

Least-squares fit of the memory planner's activation coefficients
(src/engine/train/memory-plan.ts, ACTIVATION_COEFFICIENTS) to the
measurements of memory-calibration.ts; prints them as TypeScript. Floats of
one step's peak above the weights and what the run keeps between steps,
against the features `activationFeatures` computes (same order). Rows where
the optimizer's update is the peak (2 gradients + 13 of the largest
variable, AdamW's temporaries) are left out of the fit: the planner takes the
larger of the two. Methods that train whole weight matrices (full, head)
have too few such rows: their step is bitfit's plus a multiple of their
gradients' size.
"""
import json, sys
import numpy as np

def nnls(A, b, iterations=500):
    """Lawson-Hanson non-negative least squares: min |Ax - b| with x >= 0."""
    n = A.shape[1]; x = np.zeros(n); passive = np.zeros(n, bool)
    for _ in range(iterations):
        w = A.T @ (b - A @ x)
        if passive.all() or w[~passive].max() <= 1e-10: break
        j = np.argmax(np.where(passive, -np.inf, w)); passive[j] = True
        while True:
            z = np.zeros(n); z[passive] = np.linalg.lstsq(A[:, passive], b, rcond=None)[0]
            if z[passive].min() > 0: x = z; break
            neg = passive & (z <= 0)
            alpha = np.min(x[neg] / (x[neg] - z[neg]))
            x = x + alpha * (z - x); passive &= x > 1e-12
    return x

# The per-layer terms and the logits are tensors that exist: their counts cannot be negative. The rest may correct either way.
SIGNED = [3, 5, 6, 7, 8]  # tokens × width, batch × vocabulary (or pixels), layers × tokens, 1, weights

def fit(A, b):
    """Least squares with coefficients 0-4 non-negative: signed ones split into a positive and a negative part."""
    parts = np.hstack([A, -A[:, SIGNED]])
    x = nnls(parts, b)
    coef = x[:A.shape[1]].copy()
    coef[SIGNED] -= x[A.shape[1]:]
    return coef

rows = [json.loads(l) for f in sys.argv[1:] for l in open(f)]

def features(r):
    c = r['config']; B = r['batch']
    if c['model_type'] == 'gpt2':
        L, D, H, V, F, T = c['n_layer'], c['n_embd'], c['n_head'], c['vocab_size'], c.get('n_inner') or 4 * c['n_embd'], r['seq']
        N = B * T
        return [L*N*D, L*N*F, L*B*H*T*T, N*D, N*V, B*V, L*N, 1, L*(4*D*D + 2*D*F), N*F, B*H*T*T], (D, F, V, T, L)
    img, p, D, L, H, labels, F = (c[k] for k in ['image_size', 'patch_size', 'hidden_size', 'num_hidden_layers', 'num_attention_heads', 'num_labels', 'intermediate_size'])
    T = (img // p) ** 2 + 1; N = B * T
    return [L*N*D, L*N*F, L*B*H*T*T, N*D, B*labels, B*3*img*img, L*N, 1, L*(4*D*D + 2*D*F), N*F, B*H*T*T], (D, F, labels, T, L)

def largest_variable(r, shape):
    D, F, V, T, L = shape; m = r['method']
    if m == 'full': return max(V*D, D*F) if r['config']['model_type'] == 'gpt2' else max(D*F, V*D, T*D, D*3*r['config']['patch_size']**2)
    if m == 'head': return V*D
    return 0

def step_floats(r): return (r['peak'] - r['weights'] - r['persistent']) / 4

out = {}
for family in ['gpt2', 'vit']:
    for ck in [False, True]:
        base = None
        for m in ['bitfit', 'wegeft', 'lora', 'dora', 'pissa', 'vera', 'ia3', 'full', 'head']:
            sel = [r for r in rows if r['config']['model_type'] == family and r['method'] == m and r['checkpointing'] == ck]
            X, y = [], []
            for r in sel:
                x, shape = features(r)
                s = step_floats(r)
                if s > 1.1 * (2 * r['trainable'] + 13 * largest_variable(r, shape)):
                    X.append(x); y.append(s)
            X = np.array(X, float); y = np.array(y, float)
            if m == 'head' and len(y) >= 6:
                # Few rows (the update of lm_head is usually the peak): the five main terms only, all non-negative.
                coef = np.zeros(X.shape[1])
                coef[:5] = nnls(X[:, :5] / y[:, None], np.ones_like(y))
                out[(family, ck, m)] = (list(coef), 0.0)
            elif m in ('full', 'head') and len(y) <= X.shape[1]:
                G = np.array([r['trainable'] for r in sel if step_floats(r) > 1.1 * (2 * r['trainable'] + 13 * largest_variable(r, features(r)[1]))], float)
                k = float(np.linalg.lstsq(G[:, None], y - X @ base, rcond=None)[0][0]) if len(y) else 1.0
                coef = list(base); out[(family, ck, m)] = (coef, k)
            else:
                # Relative error is what matters: each row weighted by 1 / its value.
                coef = fit(X / y[:, None], np.ones_like(y))
                if m == 'bitfit': base = coef
                out[(family, ck, m)] = (list(coef), 0.0)
            pred = X @ np.array(out[(family, ck, m)][0]) + (out[(family, ck, m)][1] * G if out[(family, ck, m)][1] else 0)
            err = np.max(np.abs(pred - y) / y) if len(y) else 0
            print(f'// {family} {m} checkpointing={ck}: {len(y)} rows, largest error {err:.3f}', file=sys.stderr)

print('''/**
 * The memory planner's activation coefficients: floats of one step's peak
 * per unit of each shape term (memory-plan.ts, activationFeatures; the last
 * term is the targeted layers' weight elements, all-linear as measured), per
 * model family, checkpointing off/on and method, and for methods that train
 * whole matrices, per trainable element. Written by
 *   npx tsx scripts/lib/bench/memory-calibration.ts > cal.jsonl
 *   npx tsx scripts/lib/bench/memory-calibration.ts --presets > presets.jsonl
 *   python3 scripts/lib/bench/memory-fit.py cal.jsonl presets.jsonl > src/engine/train/memory-coefficients.ts
 * on the wasm backend (the measurements: scripts/lib/bench/memory-calibration.jsonl); not edited by hand.
 */
import type { AdapterMethodName } from '../adapters/types';

/** GPT-2's coefficients serve every causal language model, ViT's every image classifier. */
export type CoefficientFamily = 'gpt2' | 'vit';

export interface MethodCoefficients {
  readonly features: readonly number[];
  readonly perGradient: number;
}
''')
print('export const ACTIVATION_COEFFICIENTS: Record<CoefficientFamily, Record<`${boolean}`, Record<AdapterMethodName, MethodCoefficients>>> = {')
for family in ['gpt2', 'vit']:
    print(f'  {family}: {{')
    for ck in [False, True]:
        print(f'    {str(ck).lower()}: {{')
        for m in ['wegeft', 'lora', 'dora', 'pissa', 'vera', 'ia3', 'full', 'bitfit', 'head']:
            coef, k = out[(family, ck, m)]
            print(f"      {m}: {{ features: [{', '.join(f'{c:.4g}' for c in coef)}], perGradient: {k:.3g} }},")
        print('    },')
    print('  },')
print('};')
