// Pruning schedules (TF Model Optimization Toolkit's tfmot.sparsity.keras.PolynomialDecay and
// ConstantSparsity, same names, defaults and step rule): which optimizer steps update the masks,
// and the target sparsity at a step.

export interface PolynomialDecayArgs {
  type: 'polynomialDecay';
  initialSparsity: number;
  finalSparsity: number;
  beginStep?: number;
  endStep: number;
  /** Exponent of the decay (tfmot: 3). */
  power?: number;
  /** Masks are updated every `frequency` steps (tfmot: 100). */
  frequency?: number;
}

export interface ConstantSparsityArgs {
  type: 'constantSparsity';
  targetSparsity: number;
  beginStep?: number;
  /** -1: prune until training ends (tfmot's default). */
  endStep?: number;
  frequency?: number;
}

/** A sparsity schedule (tfmot's polynomialDecay or constantSparsity). */
export type ScheduleArgs = PolynomialDecayArgs | ConstantSparsityArgs;

export interface Schedule {
  /** Whether the masks are updated before optimizer step `step` (counted from 0). */
  updatesAt(step: number): boolean;
  /** Target fraction of zeros at `step`. */
  sparsityAt(step: number): number;
}

function sparsityArg(op: string, name: string, v: unknown): number {
  if (typeof v !== 'number' || !(v >= 0 && v < 1)) {
    throw new Error(`${op}: ${name} must be a sparsity in [0, 1), got ${String(v)}`);
  }
  return v;
}

function stepArg(op: string, name: string, v: unknown, allowMinusOne = false): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || (v < 0 && !(allowMinusOne && v === -1))) {
    throw new Error(`${op}: ${name} must be an integer >= 0${allowMinusOne ? ' (or -1: no end)' : ''}, got ${String(v)}`);
  }
  return v;
}

/** Checks the arguments (before anything is allocated) and returns the schedule. */
export function makeSchedule(op: string, args: unknown): Schedule {
  if (args === null || typeof args !== 'object') {
    throw new Error(`${op}: schedule must be {type: 'polynomialDecay' | 'constantSparsity', ...}, got ${String(args)}`);
  }
  const a = args as { type?: unknown; initialSparsity?: unknown; finalSparsity?: unknown; targetSparsity?: unknown;
    beginStep?: unknown; endStep?: unknown; power?: unknown; frequency?: unknown };
  const frequency = a.frequency ?? 100;
  if (typeof frequency !== 'number' || !Number.isInteger(frequency) || frequency <= 0) {
    throw new Error(`${op}: frequency must be a positive integer, got ${String(a.frequency)}`);
  }
  const begin = stepArg(op, 'beginStep', a.beginStep ?? 0);
  if (a.type === 'polynomialDecay') {
    const initial = sparsityArg(op, 'initialSparsity', a.initialSparsity);
    const final = sparsityArg(op, 'finalSparsity', a.finalSparsity);
    const end = stepArg(op, 'endStep', a.endStep);
    if (end <= begin) throw new Error(`${op}: endStep (${end}) must be greater than beginStep (${begin})`);
    const power = a.power ?? 3;
    if (typeof power !== 'number' || !(power > 0) || !Number.isFinite(power)) {
      throw new Error(`${op}: power must be a positive number, got ${String(a.power)}`);
    }
    return {
      // tfmot: pruning goes on at the final sparsity after endStep only through the last update at endStep.
      updatesAt: (step) => step >= begin && step <= end && (step - begin) % frequency === 0,
      sparsityAt: (step) => {
        const p = Math.min(1, Math.max(0, (step - begin) / (end - begin)));
        return final + (initial - final) * (1 - p) ** power;
      },
    };
  }
  if (a.type === 'constantSparsity') {
    const target = sparsityArg(op, 'targetSparsity', a.targetSparsity);
    const end = stepArg(op, 'endStep', a.endStep ?? -1, true);
    if (end !== -1 && end < begin) throw new Error(`${op}: endStep (${end}) must not be before beginStep (${begin})`);
    return {
      updatesAt: (step) => step >= begin && (end === -1 || step <= end) && (step - begin) % frequency === 0,
      sparsityAt: () => target,
    };
  }
  throw new Error(`${op}: unknown schedule type ${JSON.stringify(a.type)} (known: 'polynomialDecay', 'constantSparsity')`);
}
