// The tape. Ops never know about training: each differentiable op ends with
// `return record('Relu', [x], y, attrs, saved)`, which is a no-op unless a gradient function
// (grad, grads, valueAndGrad(s), variableGrads, customGrad, or an optimizer's minimize) is
// running AND one of the op's inputs depends on what is being differentiated. The backward pass
// walks the recorded nodes in reverse and runs each kernel's gradient rule (one table,
// js-bindings/grads/, as TF.js's gradient configs); rules call backward kernels and forward ops
// and are not recorded themselves (no higher-order gradients).
//
// Memory: everything a gradient function creates — saved activations, gradients, rule scratch —
// lives in one tidy() scope that ends when it returns; only the value and the gradients survive
// (into the caller's scope). A training step inside tidy() therefore allocates the same blocks
// every step and leaves nothing behind.
import { Tensor, tidy } from './tensor.js';
import { Variable, registeredVariables } from './variable.js';
import { fmt, shapesEqual } from './util.js';
import { add } from './ops/binary.js';
import { onesLike } from './ops/creation.js';

/** One recorded op: its inputs (positional; null for absent optional inputs) and its output. */
export interface TapeNode {
  kernel: string;
  inputs: readonly (Tensor | null)[];
  output: Tensor;
  /** The op's attributes (strides, axes, activation ...) as its rule needs them. */
  attrs: Readonly<Record<string, unknown>>;
  /** Extra tensors the rule needs besides inputs and output (a dropout mask, batch statistics). */
  saved: readonly Tensor[];
}

/**
 * A gradient rule: the gradient of each input, given the gradient dy of the node's output.
 * needs[i] says whether input i wants one (rules skip the work for the others and return null).
 */
export type GradRule = (dy: Tensor, node: TapeNode, needs: readonly boolean[]) => (Tensor | null)[];

const rules = new Map<string, GradRule>();

/** Adds a kernel's gradient rule to the table (js-bindings/grads/*.ts register theirs on import). */
export function registerGradient(kernel: string, rule: GradRule): void {
  rules.set(kernel, rule);
}

interface Tape {
  nodes: TapeNode[];
  /** Ids of the tensors being differentiated and of every recorded output that depends on them. */
  tracked: Set<number>;
}

// The innermost running gradient function's tape; null while none runs, or while a backward
// pass or a customGrad forward runs (nothing is recorded then).
let tape: Tape | null = null;

/** Whether t is tracked by the running tape (ops use it to decide whether to save extra data). */
export function isTracked(t: Tensor | null | undefined): boolean {
  return tape !== null && t != null && tape.tracked.has(t.id);
}

/** Records an op's application when a tape runs and an input is tracked; returns output. */
export function record<T extends Tensor>(kernel: string, inputs: readonly (Tensor | null | undefined)[], output: T,
    attrs: Record<string, unknown> = {}, saved: readonly Tensor[] = []): T {
  if (tape === null || output.dtype !== 'float32') return output;
  const t = tape;
  if (!inputs.some((x) => x != null && t.tracked.has(x.id))) return output;
  t.nodes.push({ kernel, inputs: inputs.map((x) => x ?? null), output, attrs, saved });
  t.tracked.add(output.id);
  return output;
}

/** Runs fn with recording off (customGrad's forward, backward passes). */
export function withoutTape<T>(fn: () => T): T {
  const saved = tape;
  tape = null;
  try {
    return fn();
  } finally {
    tape = saved;
  }
}

/** Runs f with a fresh tape tracking xs; returns f's value and the tape (restoring the outer one). */
function taped<T>(xs: readonly Tensor[], f: () => T): { value: T; tape: Tape } {
  const outer = tape;
  const mine: Tape = { nodes: [], tracked: new Set(xs.map((x) => x.id)) };
  tape = mine;
  try {
    return { value: f(), tape: mine };
  } finally {
    tape = outer;
  }
}

/** Gradients of y (seeded with dy) for every tracked tensor, by running the rules in reverse. */
function backprop(t: Tape, y: Tensor, dy: Tensor): Map<number, Tensor> {
  const grads = new Map<number, Tensor>([[y.id, dy]]);
  withoutTape(() => {
    for (let i = t.nodes.length - 1; i >= 0; i--) {
      const node = t.nodes[i];
      const g = grads.get(node.output.id);
      if (g === undefined) continue;
      const needs = node.inputs.map((x) => x !== null && x.dtype === 'float32' && t.tracked.has(x.id));
      if (!needs.includes(true)) continue;
      const rule = rules.get(node.kernel);
      if (rule === undefined) throw new Error(`gradient: no gradient rule for the ${node.kernel} op`);
      const inGrads = rule(g, node, needs);
      node.inputs.forEach((x, j) => {
        const gx = inGrads[j];
        if (x === null || !needs[j] || gx === null || gx === undefined) return;
        if (!shapesEqual(gx.shape, x.shape)) {
          throw new Error(`gradient: the ${node.kernel} rule gave input ${j} a gradient of shape ` +
            `${fmt(gx.shape)} for an input of shape ${fmt(x.shape)}`);
        }
        const prev = grads.get(x.id);
        grads.set(x.id, prev === undefined ? gx : add(prev, gx)); // a tensor used twice
      });
    }
  });
  return grads;
}

function checkFunction(op: string, f: unknown): void {
  if (typeof f !== 'function') throw new Error(`${op}: f must be a function, got ${typeof f}`);
}

function checkValue(op: string, value: unknown, dy: Tensor | undefined, scalarOnly: boolean): Tensor {
  if (!(value instanceof Tensor)) throw new Error(`${op}: f must return a Tensor, got ${typeof value}`);
  if (value.dtype !== 'float32') throw new Error(`${op}: f must return a float32 tensor, got ${value.dtype}`);
  if (dy !== undefined) {
    if (!(dy instanceof Tensor) || !shapesEqual(dy.shape, value.shape)) {
      throw new Error(`${op}: dy must have the shape of f's value ${fmt(value.shape)}, got ` +
        `${dy instanceof Tensor ? fmt(dy.shape) : typeof dy}`);
    }
  } else if (scalarOnly && value.rank !== 0) {
    throw new Error(`${op}: f must return a scalar (rank 0), got shape ${fmt(value.shape)}; pass dy for other shapes`);
  }
  return value;
}

/** value = f(...xs) and the gradient of value w.r.t. each x (null where none flows). */
function gradsOf(op: string, f: () => Tensor, xs: readonly Tensor[], dy: Tensor | undefined,
    scalarOnly: boolean): { value: Tensor; grads: (Tensor | null)[] } {
  xs.forEach((x, i) => {
    if (!(x instanceof Tensor)) throw new Error(`${op}: argument ${i} must be a Tensor, got ${typeof x}`);
    x.assertLive(op);
    if (x.dtype !== 'float32') throw new Error(`${op}: argument ${i} must be float32 to be differentiated, got ${x.dtype}`);
  });
  return tidy(() => {
    const { value, tape: t } = taped(xs, f);
    const y = checkValue(op, value, dy, scalarOnly);
    const grads = backprop(t, y, dy ?? withoutTape(() => onesLike(y)));
    return { value: y, grads: xs.map((x) => grads.get(x.id) ?? null) };
  });
}

/** The gradients, all present; otherwise (after freeing `value` and the others) an Error. */
function requireAll(op: string, grads: (Tensor | null)[], value?: Tensor): Tensor[] {
  const missing = grads.findIndex((g) => g === null);
  if (missing >= 0) {
    value?.dispose();
    for (const g of grads) g?.dispose();
    throw new Error(`${op}: cannot compute the gradient of y = f(x) with respect to argument ${missing}: ` +
      'no op of f that leads from it to y was recorded (is y computed from it, with float32 ops?)');
  }
  return grads as Tensor[];
}

/** TF.js's tf.grad: a function that returns df/dx (f of one tensor; dy seeds non-scalar f). */
export function grad(f: (x: Tensor) => Tensor): (x: Tensor, dy?: Tensor) => Tensor {
  checkFunction('grad', f);
  return (x, dy) => {
    const { value, grads } = gradsOf('grad', () => f(x), [x], dy, false);
    value.dispose();
    return requireAll('grad', grads)[0];
  };
}

/** TF.js's tf.grads: the gradients of f(...args) w.r.t. each argument. */
export function grads(f: (...args: Tensor[]) => Tensor): (args: Tensor[], dy?: Tensor) => Tensor[] {
  checkFunction('grads', f);
  return (args, dy) => {
    const { value, grads: g } = gradsOf('grads', () => f(...args), args, dy, false);
    value.dispose();
    return requireAll('grads', g);
  };
}

/** TF.js's tf.valueAndGrad: {value: f(x), grad: df/dx}. */
export function valueAndGrad(f: (x: Tensor) => Tensor): (x: Tensor, dy?: Tensor) => { value: Tensor; grad: Tensor } {
  checkFunction('valueAndGrad', f);
  return (x, dy) => {
    const { value, grads: g } = gradsOf('valueAndGrad', () => f(x), [x], dy, false);
    return { value, grad: requireAll('valueAndGrad', g, value)[0] };
  };
}

/** TF.js's tf.valueAndGrads: {value: f(...args), grads}. */
export function valueAndGrads(f: (...args: Tensor[]) => Tensor): (args: Tensor[], dy?: Tensor) =>
    { value: Tensor; grads: Tensor[] } {
  checkFunction('valueAndGrads', f);
  return (args, dy) => {
    const { value, grads: g } = gradsOf('valueAndGrads', () => f(...args), args, dy, false);
    return { value, grads: requireAll('valueAndGrads', g, value) };
  };
}

/** Tensors by name. */
export type NamedTensorMap = Record<string, Tensor>;

/**
 * TF.js's tf.variableGrads: the scalar f() and its gradient w.r.t. each variable in varList
 * (default: every trainable variable), keyed by variable name. Variables that f does not use
 * get no entry.
 */
export function variableGrads(f: () => Tensor, varList?: Variable[]): { value: Tensor; grads: NamedTensorMap } {
  checkFunction('variableGrads', f);
  (varList ?? []).forEach((v, i) => {
    if (!(v instanceof Variable)) throw new Error(`variableGrads: varList[${i}] is not a Variable`);
  });
  // Non-trainable variables are left out, even when listed (as TF.js does).
  const vars = (varList ?? registeredVariables()).filter((v) => v.trainable);
  const { value, grads: g } = gradsOf('variableGrads', f, vars, undefined, true);
  const named: NamedTensorMap = {};
  vars.forEach((v, i) => {
    const gi = g[i];
    if (gi !== null) named[v.name] = gi;
  });
  if (Object.keys(named).length === 0 && vars.length > 0) {
    value.dispose();
    throw new Error('variableGrads: f does not depend on any of the variables (no recorded op leads from them to its value)');
  }
  return { value, grads: named };
}

/** What customGrad's f returns: the value, and the gradients of the inputs given dy. */
export interface CustomGradResult {
  value: Tensor;
  gradFunc: (dy: Tensor, saved: Tensor[]) => Tensor | Tensor[];
}

/**
 * TF.js's tf.customGrad: f(...inputs, save) computes the value (its ops are not recorded) and
 * returns gradFunc, which gives each input's gradient; save(tensors) keeps tensors for it.
 */
export function customGrad(f: (...args: any[]) => CustomGradResult): (...inputs: Tensor[]) => Tensor {
  checkFunction('customGrad', f);
  return (...inputs) => {
    let saved: Tensor[] = [];
    const save = (tensors: Tensor[]) => { saved = tensors; };
    const result = withoutTape(() => f(...inputs, save));
    if (!result || !(result.value instanceof Tensor) || typeof result.gradFunc !== 'function') {
      throw new Error('customGrad: f must return {value: Tensor, gradFunc: (dy, saved) => Tensor | Tensor[]}');
    }
    return record('CustomGrad', inputs, result.value, { gradFunc: result.gradFunc, count: inputs.length }, saved);
  };
}

registerGradient('CustomGrad', (dy, node) => {
  const gradFunc = node.attrs.gradFunc as CustomGradResult['gradFunc'];
  const out = gradFunc(dy, [...node.saved]);
  const list = Array.isArray(out) ? out : [out];
  if (list.length !== node.inputs.length) {
    throw new Error(`customGrad: gradFunc returned ${list.length} gradients for ${node.inputs.length} inputs`);
  }
  return list;
});
