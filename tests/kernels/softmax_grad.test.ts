// assembly/autograd/softmax_grad.ts against tests/ref/softmax_grad_ref.ts on both builds:
// softmax_grad_f32 / log_softmax_grad_f32 on [outer, n, inner] with awkward sizes (rows for
// inner == 1, 4-column strips and their tails for inner > 1, the 32-term fold), in place; the
// dense and sparse softmax cross entropies with optional outputs, large logits, special values,
// dlogits in place of logits, and sparse label errors with nothing written.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { builds, type Kernels } from '../helpers/wasm.js';
import { AWKWARD, randomArray, randInt, rng } from '../helpers/rng.js';
import { assertClose, put, runKernel } from '../helpers/check.js';
import { softmax_f32_ref } from '../ref/softmax_ref.js';
import { softmax_cross_entropy_ref, softmax_grad_ref } from '../ref/softmax_grad_ref.js';

interface Case { outer: number; n: number; inner: number }
const cases: Case[] = [];
for (const outer of [1, 3]) for (const n of AWKWARD) for (const inner of AWKWARD) cases.push({ outer, n, inner });
for (const n of [2, 4, 8, 16, 31, 32, 63, 64, 65, 257, 1000]) cases.push({ outer: 2, n, inner: 1 });
for (const inner of [2, 4, 5, 8, 9]) for (const n of [2, 33, 70]) cases.push({ outer: 2, n, inner });
cases.push({ outer: 0, n: 5, inner: 1 }, { outer: 2, n: 0, inner: 3 }, { outer: 2, n: 3, inner: 0 });
const shapeRand = rng(2024);
for (let i = 0; i < 10; i++) {
  cases.push({ outer: randInt(shapeRand, 1, 6), n: randInt(shapeRand, 1, 150), inner: randInt(shapeRand, 1, 12) });
}

/** Saved forward output y (f32, as the forward kernel would give) and an upstream dy. */
function data(c: Case, log: boolean, seed: number) {
  const size = c.outer * c.n * c.inner, rand = rng(seed);
  const x = randomArray(rand, size, -4, 4);
  return { y: softmax_f32_ref(x, c.outer, c.n, c.inner, log), dy: randomArray(rand, size, -2, 2) };
}

/** Tolerance: the sums carry ~1e-7 relative of Σ|dy| (log) or Σ|dy·y|, so atol scales with them. */
function tolFor(dy: Float32Array, c: Case) {
  let worst = 0;
  for (let o = 0; o < c.outer; o++) {
    for (let i = 0; i < c.inner; i++) {
      let s = 0;
      for (let r = 0; r < c.n; r++) s += Math.abs(dy[(o * c.n + r) * c.inner + i]);
      worst = Math.max(worst, s);
    }
  }
  return { atol: 3e-7 * (2 + worst), rtol: 2e-6 };
}

function runGrad(k: Kernels, log: boolean, dy: Float32Array, y: Float32Array, c: Case) {
  const [r] = runKernel(k, [dy, y], [dy.length], ([dx], [pdy, py]) =>
    (log ? k.log_softmax_grad_f32 : k.softmax_grad_f32)(dx, pdy, py, c.outer, c.n, c.inner));
  assert.equal(r.status, 0);
  return r.out;
}

interface CeCase { rows: number; classes: number; scale: number; sparse: boolean; normalized?: boolean }
const ceCases: CeCase[] = [];
for (const sparse of [false, true]) {
  for (const classes of [...AWKWARD, 2, 4, 8, 10, 32, 64, 100, 1000]) {
    ceCases.push({ rows: 3, classes, scale: 4, sparse, normalized: true });
  }
  for (const rows of AWKWARD) ceCases.push({ rows, classes: 10, scale: 10, sparse, normalized: rows % 2 === 1 });
  ceCases.push({ rows: 4, classes: 17, scale: 1e3, sparse }, { rows: 2, classes: 33, scale: 80, sparse });
}

function ceData(c: CeCase, seed: number) {
  const rand = rng(seed);
  const logits = randomArray(rand, c.rows * c.classes, -c.scale, c.scale);
  let labels: Float32Array | Int32Array;
  if (c.sparse) labels = Int32Array.from({ length: c.rows }, () => randInt(rand, 0, c.classes - 1));
  else {
    labels = randomArray(rand, c.rows * c.classes, 0, 1);
    if (c.normalized) {
      for (let r = 0; r < c.rows; r++) {
        let s = 0;
        for (let j = 0; j < c.classes; j++) s += labels[r * c.classes + j];
        for (let j = 0; j < c.classes; j++) labels[r * c.classes + j] /= s;
      }
    }
  }
  return { logits, labels };
}

function runCe(k: Kernels, c: CeCase, logits: Float32Array, labels: Float32Array | Int32Array, gradScale: number,
    want: { loss: boolean; dlogits: boolean }) {
  const [rl, rd, re] = runKernel(k, [logits, labels], [c.rows, c.rows * c.classes, 2], ([loss, dl, err], [pl, plab]) =>
    c.sparse
      ? k.sparse_softmax_cross_entropy_f32(want.loss ? loss : 0, want.dlogits ? dl : 0, pl, plab, err, c.rows, c.classes,
        gradScale)
      : k.softmax_cross_entropy_f32(want.loss ? loss : 0, want.dlogits ? dl : 0, pl, plab, c.rows, c.classes, gradScale));
  return { status: rl.status, loss: rl.out, dlogits: rd.out, err: new Int32Array(re.out.buffer) };
}

function ceTol(c: CeCase, gradScale = 1) {
  // loss: lse and Σ L·(l - m) each carry ~1e-7 relative of terms up to 2·scale. dlogits:
  // softmax·ΣL - L cancels where the label's probability is near ΣL (f32, as in TF.js), so its
  // error is absolute, ~1e-7 of gradScale·ΣL (ΣL < classes/2 for unnormalized labels).
  const sumL = c.sparse || c.normalized ? 1 : c.classes / 2;
  return { loss: { atol: 4e-7 * (1 + 2 * c.scale) * sumL, rtol: 2e-6 },
    dlogits: { atol: 3e-7 * Math.abs(gradScale) * sumL, rtol: 2e-6 } };
}

for (const { name: build, k } of builds) {
  describe(`softmax_grad_f32 / log_softmax_grad_f32 [${build}]`, () => {
    for (const c of cases) {
      it(`outer=${c.outer} n=${c.n} inner=${c.inner}`, () => {
        for (const log of [false, true]) {
          const { y, dy } = data(c, log, c.outer * 7919 + c.n * 31 + c.inner + (log ? 1 : 0));
          assertClose(runGrad(k, log, dy, y, c), Float32Array.from(softmax_grad_ref(dy, y, c.outer, c.n, c.inner, log)),
            tolFor(dy, c), `${log ? 'log_softmax' : 'softmax'}_grad`);
        }
      });
    }

    it('in place: dx == dy, and dx == y', () => {
      for (const c of [{ outer: 3, n: 17, inner: 1 }, { outer: 2, n: 7, inner: 5 }]) {
        for (const log of [false, true]) {
          for (const into of ['dy', 'y'] as const) {
            const { y, dy } = data(c, log, 5);
            const want = Float32Array.from(softmax_grad_ref(dy, y, c.outer, c.n, c.inner, log));
            const pdy = put(k, dy), py = put(k, y), dst = into === 'dy' ? pdy : py;
            const f = log ? k.log_softmax_grad_f32 : k.softmax_grad_f32;
            assert.equal(f(dst, pdy, py, c.outer, c.n, c.inner), 0);
            assertClose(new Float32Array(k.memory.buffer, dst, dy.length).slice(), want, tolFor(dy, c),
              `in place into ${into}`);
            k.arena_free(pdy);
            k.arena_free(py);
          }
        }
      }
    });

    it('NaN in dy spreads over its softmax row (through the sum)', () => {
      const c = { outer: 2, n: 9, inner: 1 };
      const { y, dy } = data(c, false, 3);
      dy[4] = NaN;
      const dx = runGrad(k, false, dy, y, c);
      assert.ok(dx.slice(0, 9).every(Number.isNaN) && dx.slice(9).every(Number.isFinite));
    });
  });

  describe(`softmax cross entropy, dense and sparse [${build}]`, () => {
    for (const c of ceCases) {
      it(`${c.sparse ? 'sparse' : 'dense'} rows=${c.rows} classes=${c.classes} logits ±${c.scale}` +
        `${c.sparse || c.normalized ? '' : ' (labels not normalized)'}`, () => {
        const { logits, labels } = ceData(c, c.rows * 131 + c.classes + (c.sparse ? 7 : 0));
        const gradScale = 1 / c.rows;
        const want = softmax_cross_entropy_ref(logits, labels, c.rows, c.classes, gradScale);
        const tol = ceTol(c, gradScale);
        for (const w of [{ loss: true, dlogits: true }, { loss: true, dlogits: false }, { loss: false, dlogits: true }]) {
          const r = runCe(k, c, logits, labels, gradScale, w);
          assert.equal(r.status, 0);
          if (w.loss) assertClose(r.loss, Float32Array.from(want.loss), tol.loss, 'loss');
          else assert.ok(r.loss.every(Number.isNaN), 'loss written although 0');
          if (w.dlogits) assertClose(r.dlogits, Float32Array.from(want.dlogits), tol.dlogits, 'dlogits');
          else assert.ok(r.dlogits.every(Number.isNaN), 'dlogits written although 0');
        }
      });
    }

    it('dlogits in place of logits (both kinds)', () => {
      for (const sparse of [false, true]) {
        const c: CeCase = { rows: 5, classes: 13, scale: 5, sparse, normalized: true };
        const { logits, labels } = ceData(c, 77);
        const want = softmax_cross_entropy_ref(logits, labels, c.rows, c.classes, 0.5);
        const pl = put(k, logits), plab = put(k, labels), loss = k.arena_alloc(4 * c.rows);
        const status = sparse ? k.sparse_softmax_cross_entropy_f32(loss, pl, pl, plab, 0, c.rows, c.classes, 0.5)
          : k.softmax_cross_entropy_f32(loss, pl, pl, plab, c.rows, c.classes, 0.5);
        assert.equal(status, 0);
        const tol = ceTol(c, 0.5);
        assertClose(new Float32Array(k.memory.buffer, loss, c.rows).slice(), Float32Array.from(want.loss), tol.loss, 'loss');
        assertClose(new Float32Array(k.memory.buffer, pl, logits.length).slice(), Float32Array.from(want.dlogits),
          tol.dlogits, 'dlogits');
        for (const p of [pl, plab, loss]) k.arena_free(p);
      }
    });

    it('special values: NaN or +Inf logit → NaN row; -Inf logits get 0 gradient (sparse) / NaN loss with label 0 (dense)', () => {
      for (const sparse of [false, true]) {
        const c: CeCase = { rows: 4, classes: 6, scale: 3, sparse, normalized: true };
        const { logits, labels } = ceData(c, 12);
        logits[1] = NaN;                    // row 0
        logits[6 + 2] = Infinity;           // row 1
        logits[12 + 3] = -Infinity;         // row 2
        if (sparse) labels[2] = 0;
        else labels.fill(0, 12, 18), labels[12] = 1; // label 0 on the -Inf logit: 0·(-Inf)
        const want = softmax_cross_entropy_ref(logits, labels, c.rows, c.classes, 1);
        const r = runCe(k, c, logits, labels, 1, { loss: true, dlogits: true });
        assert.equal(r.status, 0);
        assertClose(r.loss, Float32Array.from(want.loss), ceTol(c).loss, `${sparse ? 'sparse' : 'dense'} loss`);
        assertClose(r.dlogits, Float32Array.from(want.dlogits), ceTol(c).dlogits, `${sparse ? 'sparse' : 'dense'} dlogits`);
        assert.ok(Number.isNaN(r.loss[0]) && Number.isNaN(r.loss[1]) && Number.isNaN(r.loss[2]) === !sparse);
        assert.equal(r.dlogits[12 + 3], 0);
      }
    });

    for (const [bad, at] of [[10, 0], [-1, 3], [11, 6], [2147483647, 2], [-2147483648, 5]]) {
      it(`sparse: label ${bad} at row ${at} returns -2 with err = [row, label], nothing else written`, () => {
        const c: CeCase = { rows: 7, classes: 10, scale: 2, sparse: true };
        const { logits, labels } = ceData(c, 9);
        labels[at] = bad;
        if (at < 6) labels[6] = -5; // a later bad label is not the one reported
        const r = runCe(k, c, logits, labels, 1, { loss: true, dlogits: true });
        assert.equal(r.status, -2);
        assert.deepEqual([...r.err], [at, bad]);
        assert.ok(r.loss.every(Number.isNaN) && r.dlogits.every(Number.isNaN), 'an output was written');
        // err = 0 is allowed
        const [q] = runKernel(k, [logits, labels], [c.rows], ([loss], [pl, plab]) =>
          k.sparse_softmax_cross_entropy_f32(loss, 0, pl, plab, 0, c.rows, c.classes, 1));
        assert.equal(q.status, -2);
      });
    }

    it('empty: rows = 0 writes nothing; classes = 0: dense loss 0, sparse -2', () => {
      const none = new Float32Array(0);
      const [r] = runKernel(k, [none], [1], ([loss], [p]) => k.softmax_cross_entropy_f32(loss, 0, p, p, 0, 5, 1));
      assert.ok(r.status === 0 && Number.isNaN(r.out[0]));
      const [d] = runKernel(k, [none], [2], ([loss], [p]) => k.softmax_cross_entropy_f32(loss, 0, p, p, 2, 0, 1));
      assert.deepEqual([d.status, ...d.out], [0, 0, 0]);
      const lab = Int32Array.of(0, 0);
      const [s] = runKernel(k, [lab], [2], ([loss], [p]) => k.sparse_softmax_cross_entropy_f32(loss, 0, p, p, 0, 2, 0, 1));
      assert.equal(s.status, -2);
    });
  });
}
