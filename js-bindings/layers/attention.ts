// multiHeadAttention (Keras's MultiHeadAttention): scaled dot-product attention over numHeads
// heads, with Keras's weights (its EinsumDense layers), in Keras's order:
//   query/key/value kernels [dModel, numHeads, keyDim|valueDim] and biases [numHeads, keyDim|valueDim],
//   output kernel [numHeads, valueDim, outputDim] and bias [outputDim].
// apply([query, value]) or apply([query, value, key]) (key defaults to value), each [batch, steps,
// features]. Call options: useCausalMask (query i sees keys j <= i), attentionMask (a bool tensor
// [batch, queries, keys], eager use), returnAttentionScores (then two outputs: the output and the
// attention probabilities [batch, heads, queries, keys], before dropout, as Keras).
// Implicit masks (an Embedding with maskZero upstream) combine as Keras's _compute_attention_mask:
// query mask [B,T,1] AND value (and key) mask [B,1,S] AND attentionMask AND causal. Keys hidden
// from a query get probability 0; a query that sees no key gets a zero row (Keras: uniform).
// The output mask is the query's mask (Keras's supports_masking passes the first input's on).
//
// keyDim, when omitted, is dModel / numHeads (dModel the query's features), and must divide.
// Ops: einsumDense (projections, one GEMM each), attentionScores / attentionSoftmax /
// attentionContext (ops/attention.ts: strided batched GEMMs and the fused masked softmax).
import { Tensor, tidy } from '../tensor.js';
import type { Variable } from '../variable.js';
import { einsumDense } from '../ops/einsum_dense.js';
import { attentionContext, attentionScores, attentionSoftmax } from '../ops/attention.js';
import { dropout as dropoutOp } from '../ops/nn.js';
import { seedOf, reshape, ones } from '../ops/creation.js';
import { cast, logicalAnd } from '../ops/compare.js';
import { assertPositiveInt, fmt } from '../util.js';
import { Layer, type CallKwargs, type InputMask, type LayerArgs, type SymbolicShape } from './layer.js';
import { getInitializer, type Initializer, type InitializerName } from './initializers.js';
import { getRegularizer, serializeRegularizer, type Regularizer } from './regularizers.js';

type RegArg = 'l1' | 'l2' | 'l1l2' | Regularizer;

export interface MultiHeadAttentionArgs extends LayerArgs {
  numHeads: number;
  /** Size of each head for query and key (default: the query's features / numHeads). */
  keyDim?: number | null;
  /** Size of each head for value (default keyDim). */
  valueDim?: number | null;
  dropout?: number;
  useBias?: boolean;
  /** Features of the output (default: the query's). */
  outputShape?: number | null;
  kernelInitializer?: InitializerName | Initializer;
  biasInitializer?: InitializerName | Initializer;
  kernelRegularizer?: RegArg;
  biasRegularizer?: RegArg;
  /** Seed of the attention dropout (a fresh mask every call). */
  seed?: number;
}

/** The call options of multiHeadAttention. */
export interface AttentionCallOptions {
  useCausalMask?: boolean;
  attentionMask?: Tensor;
  returnAttentionScores?: boolean;
}

const WEIGHT_NAMES = ['query', 'key', 'value', 'attention_output'] as const;

export class MultiHeadAttention extends Layer {
  readonly numHeads: number;
  readonly keyDimArg: number | null;
  readonly valueDimArg: number | null;
  readonly dropout: number;
  readonly useBias: boolean;
  readonly outputShapeArg: number | null;
  readonly seed?: number;
  private kernelInit: Initializer;
  private biasInit: Initializer;
  private kernelReg: Regularizer | null;
  private biasReg: Regularizer | null;
  /** [kernel, bias | null] of the query, key, value and output projections, once built. */
  private proj: [Variable, Variable | null][] = [];
  private dims: { dq: number; dv: number; dk: number; keyDim: number; valueDim: number; out: number } | null = null;
  private calls = 0;
  /** Set while a symbolic apply() with returnAttentionScores computes its output shapes. */
  private scoresWanted = false;

  constructor(args: MultiHeadAttentionArgs) {
    super('MultiHeadAttention', args);
    const cls = 'MultiHeadAttention';
    assertPositiveInt(cls, 'numHeads', args?.numHeads);
    for (const key of ['keyDim', 'valueDim', 'outputShape'] as const) {
      if (args[key] !== undefined && args[key] !== null) assertPositiveInt(cls, key, args[key]);
    }
    const rate = args.dropout ?? 0;
    if (typeof rate !== 'number' || !(rate >= 0 && rate < 1)) throw new Error(`${cls}: dropout must be a number in [0, 1), got ${String(args.dropout)}`);
    if (args.seed !== undefined && !Number.isSafeInteger(args.seed)) throw new Error(`${cls}: seed must be an integer, got ${String(args.seed)}`);
    this.numHeads = args.numHeads;
    this.keyDimArg = args.keyDim ?? null;
    this.valueDimArg = args.valueDim ?? null;
    this.outputShapeArg = args.outputShape ?? null;
    this.dropout = rate;
    this.useBias = args.useBias ?? true;
    this.seed = args.seed;
    this.kernelInit = getInitializer(cls, 'kernelInitializer', args.kernelInitializer, 'glorotUniform');
    this.biasInit = getInitializer(cls, 'biasInitializer', args.biasInitializer, 'zeros');
    this.kernelReg = getRegularizer(cls, 'kernelRegularizer', args.kernelRegularizer);
    this.biasReg = getRegularizer(cls, 'biasRegularizer', args.biasRegularizer);
    this.supportsMasking = true;
  }

  private fail(message: string): never {
    throw new Error(`${this.name} (MultiHeadAttention): ${message}`);
  }

  /** Checks [query, value(, key)] shapes; returns them and the resolved head sizes. */
  private resolve(inputShape: SymbolicShape | SymbolicShape[]) {
    if (!Array.isArray(inputShape[0]) || (inputShape.length !== 2 && inputShape.length !== 3)) {
      this.fail('expects a list [query, value] or [query, value, key]');
    }
    const [q, v, k = v] = inputShape as SymbolicShape[];
    const show = (s: SymbolicShape) => `[${s.map((d) => d ?? 'null')}]`;
    for (const [name, s] of [['query', q], ['value', v], ['key', k]] as const) {
      if (s.length !== 3) this.fail(`${name} must have rank 3 [batch, steps, features], got ${show(s)}`);
    }
    if (v[1] !== k[1]) this.fail(`value ${show(v)} and key ${show(k)} must have the same number of steps`);
    const batches = [q[0], v[0], k[0]].filter((d) => d !== null);
    if (batches.some((d) => d !== batches[0])) this.fail(`query ${show(q)}, value ${show(v)} and key ${show(k)} have different batch sizes`);
    const dq = q[2]!, dv = v[2]!, dk = k[2]!;
    let keyDim = this.keyDimArg;
    if (keyDim === null) {
      if (dq % this.numHeads !== 0) {
        this.fail(`the query's ${dq} features are not divisible by numHeads ${this.numHeads}; give keyDim explicitly or change numHeads`);
      }
      keyDim = dq / this.numHeads;
    }
    const dims = { dq, dv, dk, keyDim, valueDim: this.valueDimArg ?? keyDim, out: this.outputShapeArg ?? dq };
    if (this.dims !== null && (this.dims.dq !== dq || this.dims.dv !== dv || this.dims.dk !== dk)) {
      this.fail(`was built for query/value/key features ${this.dims.dq}/${this.dims.dv}/${this.dims.dk}, got ${dq}/${dv}/${dk}`);
    }
    return { q, v, dims };
  }

  computeOutputShape(inputShape: SymbolicShape | SymbolicShape[]): SymbolicShape {
    const { q, dims } = this.resolve(inputShape);
    return [q[0], q[1], dims.out];
  }

  override computeOutputShapes(inputShape: SymbolicShape | SymbolicShape[]): SymbolicShape[] {
    const { q, v } = this.resolve(inputShape);
    const out = this.computeOutputShape(inputShape);
    return this.scoresWanted ? [out, [q[0], this.numHeads, q[1], v[1]]] : [out];
  }

  // returnAttentionScores changes the number of outputs: computeOutputShapes must know it.
  override apply(inputs: any, kwargs: CallKwargs = {}): any {
    this.scoresWanted = kwargs.returnAttentionScores === true;
    try {
      return super.apply(inputs, kwargs);
    } finally {
      this.scoresWanted = false;
    }
  }

  override build(inputShape: SymbolicShape | SymbolicShape[]): void {
    const { dims } = this.resolve(inputShape);
    const h = this.numHeads;
    const shapes: [number[], number[]][] = [
      [[dims.dq, h, dims.keyDim], [h, dims.keyDim]],
      [[dims.dk, h, dims.keyDim], [h, dims.keyDim]],
      [[dims.dv, h, dims.valueDim], [h, dims.valueDim]],
      [[h, dims.valueDim, dims.out], [dims.out]],
    ];
    this.proj = shapes.map(([ks, bs], i) => [
      this.addWeight(`${WEIGHT_NAMES[i]}/kernel`, ks, this.kernelInit, this.kernelReg),
      this.useBias ? this.addWeight(`${WEIGHT_NAMES[i]}/bias`, bs, this.biasInit, this.biasReg) : null,
    ]);
    this.dims = dims;
  }

  override dispose(): void {
    super.dispose();
    this.proj = [];
    this.dims = null;
  }

  /** The attention mask [B, T, S] or [B, 1, S] (bool), or null for none; checks attentionMask. */
  private attentionMask(query: Tensor, value: Tensor, mask: InputMask | undefined, explicit: unknown): Tensor | null {
    const [b, t] = query.shape, s = value.shape[1];
    if (explicit !== undefined && explicit !== null) {
      if (!(explicit instanceof Tensor)) this.fail(`attentionMask must be a bool Tensor [${b},${t},${s}], got ${typeof explicit}`);
      explicit.assertLive(this.name);
      if (explicit.dtype !== 'bool' || explicit.rank !== 3 || explicit.shape[0] !== b || explicit.shape[1] !== t || explicit.shape[2] !== s) {
        this.fail(`attentionMask must be a bool tensor of shape [${b},${t},${s}] (batch, queries, keys), got ${explicit.dtype} ${fmt(explicit.shape)}`);
      }
    }
    if (mask !== undefined && mask !== null && !Array.isArray(mask)) {
      this.fail('mask must be a list [queryMask, valueMask, keyMask?] (null where an input has none), one per input');
    }
    const [qm, vm, km] = mask ?? [null, null, null];
    const checkMask = (m: Tensor | null | undefined, name: string, steps: number) => {
      if (m != null && (m.dtype !== 'bool' || m.rank !== 2 || m.shape[0] !== b || m.shape[1] !== steps)) {
        this.fail(`the ${name} mask must be a bool tensor [${b},${steps}], got ${m.dtype} ${fmt(m.shape)}`);
      }
    };
    checkMask(qm, 'query', t);
    checkMask(vm, 'value', s);
    checkMask(km, 'key', s);
    if (!qm && !vm && !km) return explicit instanceof Tensor ? explicit : null;
    return tidy(() => {
      const parts: Tensor[] = [];
      if (qm) parts.push(reshape(qm, [b, t, 1]));
      if (vm) parts.push(reshape(vm, [b, 1, s]));
      if (km) parts.push(reshape(km, [b, 1, s]));
      if (explicit instanceof Tensor) parts.push(explicit);
      let m = parts.reduce((acc, part) => logicalAnd(acc, part));
      if (m.shape[2] !== s) m = logicalAnd(m, cast(ones([b, 1, s], 'int32'), 'bool')); // the query mask alone
      return m;
    });
  }

  call(inputs: Tensor | Tensor[], kwargs: CallKwargs): Tensor {
    if (!Array.isArray(inputs) || (inputs.length !== 2 && inputs.length !== 3)) this.fail('expects a list [query, value] or [query, value, key]');
    const [query, value, key = value] = inputs;
    const mask = this.attentionMask(query, value, kwargs.mask, kwargs.attentionMask);
    const { keyDim } = this.dims!;
    const [[wq, bq], [wk, bk], [wv, bv], [wo, bo]] = this.proj;
    const q = einsumDense(query, this.kernelValue(wq), bq, 1);
    const k = einsumDense(key, this.kernelValue(wk), bk, 1);
    const v = einsumDense(value, this.kernelValue(wv), bv, 1);
    let p: Tensor;
    try {
      p = attentionSoftmax(attentionScores(q, k), mask, kwargs.useCausalMask === true, 1 / Math.sqrt(keyDim));
    } finally {
      if (mask !== null && mask !== kwargs.attentionMask) mask.dispose(); // made here, not the caller's
    }
    let pd = p;
    if (kwargs.training && this.dropout > 0) {
      const seed = this.seed !== undefined ? (this.seed + Math.imul(this.calls++, 0x9E3779B1)) >>> 0 : seedOf('MultiHeadAttention', undefined);
      pd = dropoutOp(p, this.dropout, undefined, seed);
    }
    const out = einsumDense(attentionContext(pd, v), this.kernelValue(wo), bo, 2);
    return (kwargs.returnAttentionScores === true ? [out, p] : out) as Tensor;
  }

  override computeMask(_inputs: Tensor | Tensor[], mask: InputMask): Tensor | null | (Tensor | null)[] {
    return Array.isArray(mask) ? mask[0] ?? null : mask ?? null;
  }

  override getConfig(): Record<string, unknown> {
    return { ...super.getConfig(), numHeads: this.numHeads, keyDim: this.keyDimArg, valueDim: this.valueDimArg,
      dropout: this.dropout, useBias: this.useBias, outputShape: this.outputShapeArg, seed: this.seed,
      kernelInitializer: this.kernelInit.className, biasInitializer: this.biasInit.className,
      kernelRegularizer: serializeRegularizer(this.kernelReg), biasRegularizer: serializeRegularizer(this.biasReg) };
  }
}
