// The rule that picks a tile among timed candidates (calibrate.ts times them): which figures can be
// trusted (the engine's optimized code, not its baseline code), by how much a tile must beat the
// build's default, and when a kind is decided (every candidate optimized, two passes in a row).
import type { Calibration, TileKind } from './tile_names.js';

// How much faster than the default a tile must be to replace it: 3 %, and 5 % for a mul+add tile
// of the relaxed build, which changes the results (to the SIMD128 build's), so that noise alone
// does not flip a machine's results from one load to the next.
export const margin = (c: { name: string; id: number }) => (c.id === 0 ? 1 : c.name.endsWith(':muladd') ? 1.05 : 1.03);

export interface Candidate {
  kind: TileKind; id: number; name: string; reps: number; flops: number;
  /** The fastest sample and the first (the engine's baseline code, where it tiers), ms per rep. */
  best: number; first: number;
  /** The fastest sample of the later pass before this one (Infinity before the second), ms per rep. */
  previous: number;
  /** Whether it beat the default in the pass before (ready()'s counts): it takes two in a row. */
  won: boolean;
}

/**
 * Whether a candidate's figure is its optimized code's: it ran at least 1/0.6 times faster than
 * its first (baseline) run, or less than 10 % faster than in the later pass before, 50 ms or more
 * ago (the optimizing compiler takes 2-20 ms per tile). A tile that spills runs its optimized code
 * only 1.3-1.7x faster than its baseline code (6x8 on x64), so the second test is the one that
 * settles it.
 */
export const optimized = (c: Candidate) => sawItsSpeedUp(c) || c.best > 0.9 * c.previous;

/** The first test alone: how the default must prove it runs optimized code before it is replaced
 *  (the second can be fooled by a tile whose optimized code arrived in neither pass, as it did once
 *  for the default on a busy machine, handing the choice to a tile 13 % slower). */
const sawItsSpeedUp = (c: Candidate) => c.best < 0.6 * c.first;

/**
 * The tile of one kind among its timed candidates: the fastest, a challenger having to beat the
 * build's default (id 0) by its margin. The default is replaced only when it was seen running 1/0.6
 * times faster than its first run (its baseline code makes the big tiles look fast) and `confirm`
 * (a head-to-head rematch) agrees, so that one sample of the default taken while the machine was busy does not hand
 * the choice to a tile that is slower on this CPU.
 */
export function chooseTile(candidates: readonly Candidate[], confirm: (winner: Candidate, fallback: Candidate) => boolean): Candidate | undefined {
  const fallback = candidates.find((c) => c.id === 0);
  let winner = fallback;
  for (const c of candidates) {
    if (!Number.isFinite(c.best)) continue;
    if (winner !== undefined && c.best * margin(c) < winner.best * margin(winner)) winner = c;
  }
  if (winner === undefined || fallback === undefined || winner === fallback) return winner;
  return sawItsSpeedUp(fallback) && confirm(winner, fallback) ? winner : fallback;
}

/** What the later passes pick up: every candidate with its figures so far, the kinds not yet
 *  decided, and the pass under way (its candidates in rotation, samples taken, ms spent). */
export interface Tuning {
  candidates: Candidate[];
  open: TileKind[];
  result: Calibration;
  pass: { order: Candidate[]; next: number; ms: number } | null;
}

/**
 * Records every candidate's GFLOP/s and picks the tile of each open kind whose candidates all ran
 * optimized code (every open kind on the `last` pass; chooseTile, with `confirm` as its rematch),
 * closing it. A kind left open keeps its tile so far (the build's default at first): while some
 * candidates still run baseline code, a slowed sample can make a baseline default look optimized
 * and hand the choice to a tile half as fast on this CPU. And a tile replaces the default only
 * after beating it in two passes in a row, on each pass's own samples (ready()'s counts as one):
 * within one pass the compiler's threads, still busy with other tiles, can slow one candidate's
 * samples more than another's (on a 2-core VM, one fresh process in 7 picked a tile 13 % slower
 * with a single pass).
 */
export function decide(tuning: Tuning, last: boolean, confirm: (winner: Candidate, fallback: Candidate) => boolean): void {
  const { result } = tuning;
  for (const kind of [...tuning.open]) {
    const candidates = tuning.candidates.filter((c) => c.kind === kind);
    for (const c of candidates) if (Number.isFinite(c.best)) result[kind][c.name] = c.flops / c.best / 1e6;
    if (!last && !candidates.every(optimized)) continue;
    let winner = chooseTile(candidates, confirm);
    if (winner === undefined) continue;
    if (winner.id !== 0 && !winner.won) {
      if (!last) {
        for (const c of candidates) c.won = c === winner;
        continue; // once more, in the next pass
      }
      winner = candidates.find((c) => c.id === 0) ?? winner;
    }
    result.tiles[kind] = winner.name;
    tuning.open = tuning.open.filter((o) => o !== kind);
  }
}

