// quantize(model, {mode: 'float16'}): a copy of the model whose float32 weights are rounded to
// binary16 and stored as float16 in model files (half the size), computed in f32 as before.
import { LayersModel } from '../models/model.js';
import { load, save } from '../io/index.js';
import { engine } from '../engine.js';
import { fromFloat16Bits, markFloat16, toFloat16Bits } from '../float16.js';

const F16_MAX = 65504;

export function quantizeFloat16(model: LayersModel): LayersModel {
  const op = 'quantize';
  for (const v of model.weights) {
    if (v.dtype !== 'float32') continue;
    const data = v.dataSync();
    for (let i = 0; i < data.length; i++) {
      if (Math.abs(data[i]) > F16_MAX && Number.isFinite(data[i])) {
        throw new Error(`${op}: weight '${v.name}' holds ${data[i]}, beyond float16's range (±${F16_MAX}); keep this model in float32`);
      }
    }
  }
  const copy = load<LayersModel>(save(model));
  for (const v of copy.weights) {
    if (v.dtype !== 'float32') continue;
    const view = new Float32Array(engine.k.memory.buffer, v.ptr, v.size);
    for (let i = 0; i < view.length; i++) view[i] = fromFloat16Bits(toFloat16Bits(view[i]));
  }
  markFloat16(copy);
  copy.name = `${model.name}_float16`;
  return copy;
}
