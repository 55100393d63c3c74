// Variables: persistent tensors that training updates in place (layer weights, user parameters).
// A Variable lives outside every tidy() scope, keeps one arena block for its whole life (the
// optimizers write into it), and is registered by a unique name, as TF.js's tf.variable, so that
// variableGrads() without a list finds every trainable one.
import { engine } from './engine.js';
import { allocPersistent, Tensor, type DType } from './tensor.js';
import { assertTensor, fmt, shapesEqual } from './util.js';

const registry = new Map<string, Variable>();
let unnamed = 0;

/** A persistent, mutable tensor (TF.js's tf.Variable): what optimizers update and layers hold as weights. */
export class Variable<D extends DType = DType> extends Tensor<D> {
  /** Use variable(): it copies the initial value and registers the name. */
  constructor(ptr: number, shape: readonly number[], dtype: D, readonly name: string, public trainable: boolean) {
    super(ptr, shape, dtype, false);
  }

  /** Copies value (same shape and dtype) into this variable's block. */
  assign(value: Tensor): void {
    const op = `Variable '${this.name}'.assign`;
    this.assertLive(op);
    assertTensor(op, 'value', value);
    if (value.dtype !== this.dtype || !shapesEqual(value.shape, this.shape)) {
      throw new Error(`${op}: expected ${this.dtype} ${fmt(this.shape)}, got ${value.dtype} ${fmt(value.shape)}`);
    }
    engine.k.copy_bytes(this.ptr, value.ptr, this.byteLength);
  }

  override dispose(): void {
    if (this.isDisposed) return;
    registry.delete(this.name);
    super.dispose();
  }
}

/**
 * A new variable holding a copy of initialValue (TF.js's tf.variable). Names must be unique among
 * live variables; the default is 'variable_N'.
 */
export function variable(initialValue: Tensor, trainable = true, name?: string, dtype?: DType): Variable {
  const op = 'variable';
  assertTensor(op, 'initialValue', initialValue);
  if (dtype !== undefined && dtype !== initialValue.dtype) {
    throw new Error(`${op}: dtype ${dtype} differs from initialValue's ${initialValue.dtype} (cast it first)`);
  }
  let key = name;
  if (key === undefined) {
    do key = `variable_${unnamed++}`; while (registry.has(key));
  } else if (typeof key !== 'string' || key.length === 0) {
    throw new Error(`${op}: name must be a non-empty string, got ${String(name)}`);
  } else if (registry.has(key)) {
    throw new Error(`${op}: a variable named '${key}' already exists (dispose it first, or pick another name)`);
  }
  const v = allocPersistent(op, initialValue.shape, initialValue.dtype,
    (ptr) => new Variable(ptr, [...initialValue.shape], initialValue.dtype, key, trainable));
  engine.k.copy_bytes(v.ptr, initialValue.ptr, v.byteLength);
  registry.set(key, v);
  return v;
}

/** Every live variable, in creation order. */
export function registeredVariables(): Variable[] {
  return [...registry.values()];
}

/** A name no live variable has: base, or base_1, base_2, ... */
export function uniqueVariableName(base: string): string {
  if (!registry.has(base)) return base;
  for (let i = 1; ; i++) if (!registry.has(`${base}_${i}`)) return `${base}_${i}`;
}

/** The live variable of that name, or undefined. */
export function findVariable(name: string): Variable | undefined {
  return registry.get(name);
}

/**
 * Assigns values[i] to vars[i] for every i, after checking every count and shape (so a bad list
 * changes nothing). op names the caller in errors.
 */
export function assignAll(op: string, vars: readonly Variable[], values: unknown): void {
  if (!Array.isArray(values) || values.length !== vars.length) {
    throw new Error(`${op}: expected ${vars.length} tensors, got ${Array.isArray(values) ? values.length : typeof values}`);
  }
  values.forEach((t, i) => {
    if (!(t instanceof Tensor) || !shapesEqual(t.shape, vars[i].shape)) {
      throw new Error(`${op}: weight ${i} (${vars[i].name}) must have shape ${fmt(vars[i].shape)}, got ` +
        `${t instanceof Tensor ? fmt(t.shape) : typeof t}`);
    }
  });
  values.forEach((t, i) => vars[i].assign(t));
}
