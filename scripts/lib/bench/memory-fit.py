"""
python3 scripts/lib/bench/memory-fit.py calibration.jsonl [more.jsonl ...] --out src/engine/adapters

Least-squares fit of the memory planner's activation coefficients
(src/engine/train/memory-plan.ts) to the measurements of
memory-calibration.ts; writes each method's as TypeScript into its folder
(<out>/<method>/memory.ts), where the method's declaration reads them. Floats of
one step's peak above the weights and what the run keeps between steps,
against the features `activationFeatures` computes (same order). Rows where
the optimizer's update is the peak (the gradients + 5 of the largest
variable, AdamW's temporaries: OPTIMIZER_TEMPORARIES in memory-plan.ts) are left out of the fit: the planner takes the
larger of the two. Methods that train whole weight matrices (full, head)
have too few such rows: their step is bitfit's plus a multiple of their
gradients' size.
"""
import json, os, sys
import numpy as np

OPTIMIZER_TEMPORARIES = 5  # src/engine/train/memory-plan.ts

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

args = sys.argv[1:]
if '--out' not in args or args.index('--out') + 1 >= len(args):
    sys.exit('usage: memory-fit.py calibration.jsonl [more.jsonl ...] --out src/engine/adapters')
OUT = args[args.index('--out') + 1]
inputs = [a for i, a in enumerate(args) if a != '--out' and (i == 0 or args[i - 1] != '--out')]
rows = [json.loads(l) for f in inputs for l in open(f)]

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
                if s > 1.1 * (r['trainable'] + OPTIMIZER_TEMPORARIES * largest_variable(r, shape)):
                    X.append(x); y.append(s)
            X = np.array(X, float); y = np.array(y, float)
            if m == 'head' and 6 <= len(y) < 12:
                # Few rows (the update of lm_head is usually the peak): the five main terms only, all non-negative.
                coef = np.zeros(X.shape[1])
                coef[:5] = nnls(X[:, :5] / y[:, None], np.ones_like(y))
                out[(family, ck, m)] = (list(coef), 0.0)
            elif m in ('full', 'head') and len(y) <= X.shape[1]:
                G = np.array([r['trainable'] for r in sel if step_floats(r) > 1.1 * (r['trainable'] + OPTIMIZER_TEMPORARIES * largest_variable(r, features(r)[1]))], float)
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

LABELS = {'wegeft': 'WeGeFT', 'lora': 'LoRA', 'dora': 'DoRA', 'pissa': 'PiSSA', 'vera': 'VeRA', 'ia3': '(IA)³',
          'full': 'Full fine-tuning', 'bitfit': 'BitFit', 'head': 'Head-only'}
for m in LABELS:
    lines = ["/**",
             f" * {LABELS[m]}'s activation coefficients for the memory planner (src/engine/train/memory-plan.ts):",
             " * fitted by scripts/lib/bench/memory-fit.py to scripts/lib/bench/memory-calibration.jsonl; not edited by hand.",
             " */",
             "import type { MemoryCoefficients } from '../common/memory-coefficients';",
             "",
             "export const memoryCoefficients: MemoryCoefficients = {"]
    for family in ['gpt2', 'vit']:
        lines.append(f'  {family}: {{')
        for ck in [False, True]:
            coef, k = out[(family, ck, m)]
            lines.append(f"    {str(ck).lower()}: {{ features: [{', '.join(f'{c:.4g}' for c in coef)}], perGradient: {k:.3g} }},")
        lines.append('  },')
    lines.append('};')
    with open(os.path.join(OUT, m, 'memory.ts'), 'w') as f:
        f.write('\n'.join(lines) + '\n')
