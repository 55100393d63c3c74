// Gradient rules of conv2d, depthwiseConv2d (plain and fused) and the 2-D poolings: the fused
// activation's gradient first (from the output), then the backward kernels of
// assembly/autograd/ — input gradient, and filter gradient with the bias gradient summed in the
// same pass — over the forward call's own geometry (attrs.geometry, a ConvInfo).
import { engine, type Activation } from '../engine.js';
import { registerGradient } from '../autograd.js';
import { allocTensor, callKernel, type Tensor } from '../tensor.js';
import type { ConvInfo } from '../ops/conv_util.js';
import { activationGrad } from './unary.js';
import { kernelOutput } from './util.js';

type ConvAttrs = { geometry: ConvInfo; fout: number; activation: Activation; alpha: number };

function convRule(depthwise: boolean) {
  const op = depthwise ? 'depthwiseConv2d' : 'conv2d';
  return (dy: Tensor, node: { inputs: readonly (Tensor | null)[]; output: Tensor; attrs: Readonly<Record<string, unknown>> },
      needs: readonly boolean[]): (Tensor | null)[] => {
    const [x, filter, bias] = node.inputs as [Tensor, Tensor, Tensor | null];
    const { geometry: g, fout, activation, alpha } = node.attrs as ConvAttrs;
    const dz = activationGrad(dy, node.output, activation, alpha);
    const k = engine.k;
    const gradInput = depthwise ? k.depthwise_conv2d_grad_input_nhwc_f32 : k.conv2d_grad_input_nhwc_f32;
    const gradFilter = depthwise ? k.depthwise_conv2d_grad_filter_nhwc_f32 : k.conv2d_grad_filter_nhwc_f32;
    const dx = needs[0] ? kernelOutput(`${op} (input gradient)`, x.shape, (out) => gradInput(out, dz.ptr, filter.ptr,
      g.n, g.h, g.w, g.c, g.kh, g.kw, fout, g.strideH, g.strideW, g.dilationH, g.dilationW, g.padTop, g.padLeft,
      g.outH, g.outW)) : null;
    let df: Tensor | null = null, db: Tensor | null = null;
    const wantBias = needs[2] && bias !== null;
    if (needs[1] || wantBias) {
      const name = `${op} (filter gradient)`;
      df = allocTensor(name, filter.shape, 'float32');
      db = wantBias ? allocTensor(name, bias!.shape, 'float32') : null;
      const [f, b] = [df, db];
      callKernel(name, [f, b], () => gradFilter(f.ptr, b?.ptr ?? 0, dz.ptr, x.ptr, g.n, g.h, g.w, g.c, g.kh, g.kw, fout,
        g.strideH, g.strideW, g.dilationH, g.dilationW, g.padTop, g.padLeft, g.outH, g.outW));
    }
    return [dx, needs[1] ? df : null, db];
  };
}

registerGradient('Conv2D', convRule(false));
registerGradient('DepthwiseConv2D', convRule(true));

registerGradient('MaxPool', (dy, node) => {
  const x = node.inputs[0]!;
  const g = node.attrs.geometry as ConvInfo;
  return [kernelOutput('maxPool (gradient)', x.shape, (out) => engine.k.maxpool2d_grad_nhwc_f32(out, dy.ptr, x.ptr,
    g.n, g.h, g.w, g.c, g.kh, g.kw, g.strideH, g.strideW, g.padTop, g.padLeft, g.outH, g.outW))];
});

registerGradient('AvgPool', (dy, node) => {
  const x = node.inputs[0]!;
  const g = node.attrs.geometry as ConvInfo;
  return [kernelOutput('avgPool (gradient)', x.shape, (out) => engine.k.avgpool2d_grad_nhwc_f32(out, dy.ptr,
    g.n, g.h, g.w, g.c, g.kh, g.kw, g.strideH, g.strideW, g.padTop, g.padLeft, g.outH, g.outW))];
});

registerGradient('GlobalAveragePool2d', (dy, node) => {
  const x = node.inputs[0]!;
  const { n, h, w, c } = node.attrs as { n: number; h: number; w: number; c: number };
  return [kernelOutput('globalAveragePool2d (gradient)', x.shape,
    (out) => engine.k.global_avgpool2d_grad_nhwc_f32(out, dy.ptr, n, h, w, c))];
});
