// BatchNormalization at inference (the one fold.ts could not fold into a Conv or Gemm before it):
// Keras's BatchNormalization over the channels, which are last in NHWC (rank 4) and in [N, C].
import { BatchNormalization } from '../../layers/normalization.js';
import { attrFloat, attrInt, where } from '../attrs.js';
import { fail } from '../decode.js';
import { dataInitializer, graphConstant, type OpHandler } from '../builder.js';
import { Val } from '../layout.js';

export const normOps: Record<string, OpHandler> = {
  BatchNormalization: {
    check: (node, g) => {
      if (attrInt(node, 'training_mode', 0) !== 0 || node.outputs.slice(1).some((o) => o !== '')) return 'training mode is not supported';
      if (g.opset < 9 && attrInt(node, 'spatial', 1) !== 1) return 'spatial 0 is not supported';
      for (let i = 1; i <= 4; i++) {
        const c = graphConstant(g, node, i);
        if (c === undefined || c.dtype !== 'float32') return `input ${i} (scale, B, mean, var) must be a float32 constant`;
      }
      return null;
    },
    build: (node, b) => {
      const x = b.tensor(node, 0);
      if (x.rank !== 4 && x.rank !== 2) fail(`${where(node)}: only inputs of rank 4 (NCHW) or 2 are supported, got rank ${x.rank}`);
      const [scale, bias, mean, variance] = [1, 2, 3, 4].map((i) => b.floatConstant(node, i, ['scale', 'B', 'mean', 'var'][i - 1]));
      const c = x.shape[1]!;
      for (const t of [scale, bias, mean, variance]) {
        if (t.data.length !== c) fail(`${where(node)}: ${t.name} has ${t.data.length} values for ${c} channels`);
      }
      const form = x.rank === 4 ? 'nhwc' : 'onnx';
      const y = b.apply(new BatchNormalization({ name: b.layerName(node), epsilon: attrFloat(node, 'epsilon', 1e-5),
        momentum: attrFloat(node, 'momentum', 0.9), gammaInitializer: dataInitializer(scale.data), betaInitializer: dataInitializer(bias.data),
        movingMeanInitializer: dataInitializer(mean.data), movingVarianceInitializer: dataInitializer(variance.data) }), b.form(x, form));
      b.set(node.outputs[0], Val.of(form, y, x.chw));
    },
  },
};
