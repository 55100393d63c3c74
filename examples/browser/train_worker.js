// The training panel's worker: trains a small CNN on generated/digits.bin with Lepton, off the
// page's thread, and posts every batch's loss and accuracy as it goes.
//
//   page → worker  {type: 'start', epochs, batchSize, learningRate}   {type: 'stop'}
//   worker → page  {type: 'ready', build, train, test}
//                  {type: 'batch', step, epoch, loss, acc}            after every batch
//                  {type: 'epoch', epoch, loss, acc, val_loss, val_acc}
//                  {type: 'done', stopped, svg}                       svg: lp.plot.historySvg of the run
//                  {type: 'error', message}
// fit yields to the event loop every ~50 ms, so a 'stop' arrives between batches.
import * as lp from '../../dist/index.js';
import { decodeDigits } from './digits.js';

/** @type {import('../../dist/index.js').Sequential | null} */
let model = null;
let stopRequested = false;

/** @param {Record<string, unknown>} message */
const post = (message) => postMessage(message);

const loaded = (async () => {
  await lp.ready();
  const response = await fetch(new URL('./generated/digits.bin', import.meta.url));
  if (!response.ok) throw new Error(`digits.bin: HTTP ${response.status} (run npm run serve, which makes it)`);
  const { train, test } = decodeDigits(await response.arrayBuffer());
  const data = {
    x: lp.tensor(train.x, [train.count, 28, 28, 1]),
    y: lp.oneHot(lp.tensor(train.y, [train.count], 'int32'), 10),
    xVal: lp.tensor(test.x, [test.count, 28, 28, 1]),
    yVal: lp.oneHot(lp.tensor(test.y, [test.count], 'int32'), 10),
  };
  post({ type: 'ready', build: lp.backendInfo().build, train: train.count, test: test.count });
  return data;
})();
loaded.catch((e) => post({ type: 'error', message: String(e instanceof Error ? e.message : e) }));

/** @param {{epochs: number, batchSize: number, learningRate: number}} args */
async function train({ epochs, batchSize, learningRate }) {
  const data = await loaded;
  model?.dispose();
  // Small on purpose: a few seconds an epoch on one core.
  model = lp.sequential([
    lp.layers.conv2d({ filters: 16, kernelSize: 3, activation: 'relu', inputShape: [28, 28, 1] }),
    lp.layers.maxPooling2d({ poolSize: 2 }),
    lp.layers.conv2d({ filters: 32, kernelSize: 3, activation: 'relu' }),
    lp.layers.maxPooling2d({ poolSize: 2 }),
    lp.layers.flatten(),
    lp.layers.dense({ units: 10, activation: 'softmax' }),
  ]);
  model.compile({ optimizer: lp.train.adam(learningRate), loss: 'categoricalCrossentropy', metrics: ['accuracy'] });
  const batchesPerEpoch = Math.ceil(data.x.shape[0] / batchSize);
  // Batches reshuffled each epoch, ending early when 'stop' came (fit itself stops only between
  // epochs): then stopTraining ends the run after that epoch's validation.
  stopRequested = false;
  let epoch = 0;
  const batches = {
    *[Symbol.iterator]() {
      let b = 0;
      for (const batch of lp.data.batches(data.x, data.y, { batchSize, seed: epoch })) {
        if (stopRequested && b > 0) {
          lp.dispose([batch.xs, batch.ys]);
          if (model !== null) model.stopTraining = true;
          return;
        }
        b++;
        yield batch;
      }
    },
  };
  // fit's batch logs are means over the epoch so far; each batch's own values are recovered
  // from the running sums (seen digits x mean).
  let seen = 0, lossSum = 0, accSum = 0;
  const history = await model.fitDataset(batches, {
    epochs, verbose: 0, validationData: [data.xVal, data.yVal],
    callbacks: {
      onEpochBegin: (e) => { epoch = e; seen = 0; lossSum = 0; accSum = 0; },
      onBatchEnd: (b, logs) => {
        const size = Number(logs?.size), total = seen + size;
        const lossTotal = Number(logs?.loss) * total, accTotal = Number(logs?.acc) * total;
        post({ type: 'batch', step: epoch * batchesPerEpoch + b, epoch, loss: (lossTotal - lossSum) / size, acc: (accTotal - accSum) / size });
        seen = total; lossSum = lossTotal; accSum = accTotal;
      },
      onEpochEnd: (e, logs) => post({ type: 'epoch', epoch: e, ...logs }),
    },
  });
  post({ type: 'done', stopped: stopRequested, svg: lp.plot.historySvg(history, { width: 420, panelHeight: 120 }) });
}

onmessage = (/** @type {MessageEvent} */ event) => {
  const message = event.data;
  if (message?.type === 'start') {
    train(message).catch((e) => post({ type: 'error', message: String(e instanceof Error ? e.message : e) }));
  } else if (message?.type === 'stop') {
    stopRequested = true;
  }
};
