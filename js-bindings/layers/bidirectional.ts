// tfjs-layers' Bidirectional wrapper: a recurrent layer run forwards and a copy of it (built from
// the same arguments, goBackwards flipped) run backwards over the same input. The backward copy's
// sequence output comes in reversed time; it is turned back (as Keras does) before the merge:
// concat (last axis), sum, mul, ave, or null (both outputs, as a list). With returnState the
// outputs are [merged..., forward states..., backward states...]; initial states come as
// initialState or extra inputs, forward ones first. Weights: the forward layer's, then the
// backward layer's (TF.js's order).
import { Tensor } from '../tensor.js';
import { tensor } from '../ops/creation.js';
import { add, mul } from '../ops/binary.js';
import { concat } from '../ops/layout.js';
import { gather } from '../ops/gather.js';
import { Layer, type CallKwargs, type InputMask, type LayerArgs, type SymbolicShape } from './layer.js';
import { RNNLayer } from './recurrent.js';

export type MergeMode = 'concat' | 'sum' | 'mul' | 'ave' | null;
const MERGE_MODES: MergeMode[] = ['concat', 'sum', 'mul', 'ave', null];

export interface BidirectionalArgs extends LayerArgs {
  layer: RNNLayer;
  mergeMode?: MergeMode;
}

export class Bidirectional extends Layer {
  readonly forwardLayer: RNNLayer;
  readonly backwardLayer: RNNLayer;
  readonly mergeMode: MergeMode;
  private readonly innerName: string;

  constructor(args: BidirectionalArgs) {
    super('Bidirectional', args);
    if (!(args.layer instanceof RNNLayer)) {
      throw new Error('Bidirectional: layer must be a recurrent layer (simpleRNN, lstm or gru)');
    }
    const mode = args.mergeMode === undefined ? 'concat' : args.mergeMode;
    if (!MERGE_MODES.includes(mode)) {
      throw new Error(`Bidirectional: mergeMode must be one of concat, sum, mul, ave or null, got ${JSON.stringify(mode)}`);
    }
    this.mergeMode = mode;
    this.innerName = args.layer.name;
    this.forwardLayer = args.layer.cloneWith({ name: `forward_${this.innerName}` });
    this.backwardLayer = args.layer.cloneWith({ name: `backward_${this.innerName}`, goBackwards: !args.layer.goBackwards });
    this.supportsMasking = true;
  }

  private get states(): number { return this.forwardLayer.returnState ? this.forwardLayer.stateCount : 0; }

  computeOutputShape(inputShape: SymbolicShape | SymbolicShape[]): SymbolicShape {
    const out = this.forwardLayer.computeOutputShape(inputShape);
    return this.mergeMode === 'concat' ? [...out.slice(0, -1), 2 * out[out.length - 1]!] : out;
  }

  override computeOutputShapes(inputShape: SymbolicShape | SymbolicShape[]): SymbolicShape[] {
    const single = this.forwardLayer.computeOutputShapes(inputShape);
    const merged = this.mergeMode === null ? [single[0], single[0]] : [this.computeOutputShape(inputShape)];
    return [...merged, ...single.slice(1), ...single.slice(1)];
  }

  override computeMask(_inputs: Tensor | Tensor[], mask: InputMask): Tensor | null | (Tensor | null)[] {
    const m = this.forwardLayer.returnSequences ? (Array.isArray(mask) ? mask[0] : mask) ?? null : null;
    const outputs = (this.mergeMode === null ? 2 : 1) + 2 * this.states;
    return outputs === 1 ? m : Array.from({ length: outputs }, (_, i) => (i < (this.mergeMode === null ? 2 : 1) ? m : null));
  }

  override build(inputShape: SymbolicShape | SymbolicShape[]): void {
    this.forwardLayer.ensureBuilt(inputShape);
    this.backwardLayer.ensureBuilt(inputShape);
    this.trainableList = [...this.forwardLayer.weights, ...this.backwardLayer.weights];
  }

  call(inputs: Tensor | Tensor[], kwargs: CallKwargs): Tensor {
    const list = Array.isArray(inputs) ? inputs : [inputs];
    const x = list[0];
    const given = kwargs.initialState;
    const states = list.length > 1 ? list.slice(1) : given instanceof Tensor ? [given] : Array.isArray(given) ? given as Tensor[] : [];
    const n = this.forwardLayer.stateCount;
    if (states.length !== 0 && states.length !== 2 * n) {
      throw new Error(`${this.name} (Bidirectional): expects ${2 * n} initial states (forward, then backward), got ${states.length}`);
    }
    const run = (layer: RNNLayer, s: Tensor[]) => {
      const y = layer.call(x, { ...kwargs, initialState: s.length ? s : undefined }) as Tensor | Tensor[];
      return Array.isArray(y) ? y : [y];
    };
    const fwd = run(this.forwardLayer, states.slice(0, n));
    const bwd = run(this.backwardLayer, states.slice(n));
    let yB = bwd[0];
    if (this.forwardLayer.returnSequences) {
      const time = yB.shape[1];
      yB = gather(yB, tensor(Array.from({ length: time }, (_, t) => time - 1 - t), [time], 'int32'), 1);
    }
    const yF = fwd[0];
    let merged: Tensor[];
    switch (this.mergeMode) {
      case 'concat': merged = [concat([yF, yB], -1)]; break;
      case 'sum': merged = [add(yF, yB)]; break;
      case 'mul': merged = [mul(yF, yB)]; break;
      case 'ave': merged = [mul(add(yF, yB), 0.5)]; break;
      default: merged = [yF, yB];
    }
    const out = [...merged, ...fwd.slice(1), ...bwd.slice(1)];
    return (out.length === 1 ? out[0] : out) as Tensor;
  }

  override regularizationLoss(): Tensor | null {
    const a = this.forwardLayer.regularizationLoss(), b = this.backwardLayer.regularizationLoss();
    return a && b ? add(a, b) : a ?? b;
  }

  override dispose(): void {
    super.dispose();
    this.forwardLayer.dispose();
    this.backwardLayer.dispose();
  }

  override getConfig(): Record<string, unknown> {
    const inner = { ...this.forwardLayer.getConfig(), name: this.innerName, goBackwards: this.forwardLayer.goBackwards };
    return { ...super.getConfig(), layer: { className: this.forwardLayer.className, config: inner }, mergeMode: this.mergeMode };
  }
}
