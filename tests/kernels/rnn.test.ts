// assembly/kernels/rnn.ts (rnn_forward_f32) against tests/ref/rnn_ref.ts on both builds: the
// four cells (SimpleRNN, LSTM, GRU reset before and after) over awkward batch/time/feature/unit sizes (unit tails of 1-3, sizes past the GEMM
// tiles and KC = 256), every activation for both slots, masks (first/last steps masked too),
// goBackwards, initial states, no bias, recurrent-dropout masks; out and saved guarded against
// writes past their ends; a bad activation code refused with nothing written.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { builds } from '../helpers/wasm.js';
import { AWKWARD, randInt, rng } from '../helpers/rng.js';
import { assertClose } from '../helpers/check.js';
import { makeCase, runForward, type CaseOptions } from '../helpers/rnn.js';
import { rnn_forward_ref, type ActName, type CellName } from '../ref/rnn_ref.js';

const CELLS: CellName[] = ['simple', 'lstm', 'gru', 'gruAfter'];
const ACTS: ActName[] = ['tanh', 'sigmoid', 'hardSigmoid', 'relu', 'linear'];
const cases: CaseOptions[] = [];
for (const cell of CELLS) {
  for (const units of AWKWARD) cases.push({ cell, batch: 2, time: 3, inDim: 5, units });
  for (const time of [1, 3, 17]) cases.push({ cell, batch: 3, time, inDim: 7, units: 6, masked: true });
  for (const batch of [1, 7, 33]) cases.push({ cell, batch, time: 4, inDim: 3, units: 9, goBackwards: true, h0: true });
  for (const act of ACTS) cases.push({ cell, batch: 2, time: 5, inDim: 4, units: 5, act, recAct: ACTS[(ACTS.indexOf(act) + 2) % 5] });
  cases.push({ cell, batch: 4, time: 6, inDim: 17, units: 7, rmask: true, masked: true, goBackwards: true, h0: true, bias: false });
  cases.push({ cell, batch: 5, time: 2, inDim: 300, units: 260, h0: true }); // K > KC in both GEMMs
  const rand = rng(CELLS.indexOf(cell) + 77);
  for (let i = 0; i < 4; i++) {
    cases.push({ cell, batch: randInt(rand, 1, 9), time: randInt(rand, 1, 9), inDim: randInt(rand, 1, 20),
      units: randInt(rand, 1, 40), masked: rand() < 0.5, goBackwards: rand() < 0.5, h0: rand() < 0.5 });
  }
}

const label = (o: CaseOptions) => `${o.cell} B${o.batch} T${o.time} F${o.inDim} U${o.units}` +
  `${o.masked ? ' masked' : ''}${o.goBackwards ? ' goBackwards' : ''}${o.h0 ? ' h0' : ''}` +
  `${o.rmask ? ' rmask' : ''}${o.bias === false ? ' noBias' : ''}${o.act ? ` ${o.act}/${o.recAct}` : ''}`;

for (const { name: build, k } of builds) {
  describe(`rnn_forward_f32 [${build}]`, () => {
    cases.forEach((o, i) => {
      it(label(o), () => {
        const c = makeCase(o, 1000 + i);
        const { out, status } = runForward(k, c);
        assert.equal(status, 0);
        // Reduction of F + U terms in f32 plus the tanh/sigmoid approximations, through T steps.
        const tol = 2e-6 * Math.sqrt(o.inDim + o.units) + 2e-6;
        assertClose(out, rnn_forward_ref(c), { atol: tol * 4, rtol: tol * 4 }, label(o));
      });
    });

    it('refuses an unknown activation or cell code with -2 before touching memory', () => {
      // Null pointers everywhere: the codes are checked first, so nothing is read or written.
      for (const bad of [2, 7, 99]) {
        assert.equal(k.rnn_forward_f32(1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2, 3, 2, 3, 0, bad, 5), -2);
        assert.equal(k.rnn_grad_f32(2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2, 3, 2, 3, 0, 6, bad), -2);
      }
      assert.equal(k.rnn_forward_f32(4, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2, 3, 2, 3, 0, 6, 5), -2);
    });
  });
}
