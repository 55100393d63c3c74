// Finite-difference checks of rnn_grad_f32 (backpropagation through time, assembly/autograd/
// rnn_grad.ts) on both builds: every gradient (x, kernel, recurrent kernel, bias, initial h and
// c) of L = Σ dy·out against centred differences of the f64 reference forward, for the four
// cells (the GRU reset before and after) over sequence lengths 1, 3 and 17, masked steps (first and last included), goBackwards,
// recurrent-dropout masks and the non-default activations.
import { describe, it } from 'node:test';
import { builds } from '../helpers/wasm.js';
import { randomArray, rng } from '../helpers/rng.js';
import { assertGradClose, numericGrad } from '../helpers/fd.js';
import { makeCase, outLength, runGrad, type CaseOptions } from '../helpers/rnn.js';
import { rnn_forward_ref, type RnnCase } from '../ref/rnn_ref.js';

const cases: CaseOptions[] = [];
for (const cell of ['simple', 'lstm', 'gru', 'gruAfter'] as const) {
  for (const time of [1, 3, 17]) cases.push({ cell, batch: 2, time, inDim: 3, units: 5, h0: true });
  cases.push({ cell, batch: 3, time: 6, inDim: 2, units: 3, masked: true, h0: true });
  cases.push({ cell, batch: 2, time: 5, inDim: 3, units: 6, goBackwards: true, masked: true, h0: true });
  cases.push({ cell, batch: 2, time: 4, inDim: 2, units: 4, rmask: true, h0: true });
  cases.push({ cell, batch: 2, time: 4, inDim: 2, units: 3, act: 'sigmoid', recAct: 'hardSigmoid', h0: true });
  cases.push({ cell, batch: 1, time: 3, inDim: 2, units: 2, act: 'linear', recAct: 'tanh', bias: false });
}
// The reset-after GRU again over lengths 1, 3, 17 with masked steps (recurrent dropout at 3).
for (const time of [1, 3, 17]) cases.push({ cell: 'gruAfter', batch: 3, time, inDim: 3, units: 5, masked: true, h0: true, rmask: time === 3 });

const FD = { eps: 1e-5 };
const TOL = { atol: 2e-4, rtol: 2e-3 };

/** The reference forward with one of the case's arrays replaced. */
function withArray(c: RnnCase, key: 'x' | 'w' | 'u' | 'bias' | 'h0' | 'c0') {
  return (v: Float64Array) => rnn_forward_ref({ ...c, [key]: v });
}

for (const { name: build, k } of builds) {
  describe(`rnn_grad_f32 vs finite differences [${build}]`, () => {
    cases.forEach((o, i) => {
      const what = `${o.cell} B${o.batch} T${o.time} U${o.units}${o.masked ? ' masked' : ''}` +
        `${o.goBackwards ? ' goBackwards' : ''}${o.rmask ? ' rmask' : ''}${o.act ? ` ${o.act}/${o.recAct}` : ''}`;
      it(what, () => {
        const c = makeCase(o, 500 + i);
        const dy = randomArray(rng(900 + i), outLength(c), -1, 1);
        const g = runGrad(k, c, dy);
        // hardSigmoid and relu have kinks: the drawn inputs keep away from them in practice
        // (a difference step of 1e-5 would have to straddle one).
        assertGradClose(g.dx, numericGrad(withArray(c, 'x'), c.x, dy, FD), `${what} dx`, TOL);
        assertGradClose(g.dw, numericGrad(withArray(c, 'w'), c.w, dy, FD), `${what} dkernel`, TOL);
        assertGradClose(g.du, numericGrad(withArray(c, 'u'), c.u, dy, FD), `${what} drecurrentKernel`, TOL);
        if (c.bias) assertGradClose(g.db, numericGrad(withArray(c, 'bias'), c.bias, dy, FD), `${what} dbias`, TOL);
        if (c.h0) assertGradClose(g.dh0, numericGrad(withArray(c, 'h0'), c.h0, dy, FD), `${what} dh0`, TOL);
        if (c.c0) assertGradClose(g.dc0, numericGrad(withArray(c, 'c0'), c.c0, dy, FD), `${what} dc0`, TOL);
      });
    });
  });
}
