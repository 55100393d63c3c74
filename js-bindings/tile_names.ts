// The micro-kernel tiles by name: what each build has (tiles.generated.ts, from
// scripts/gen-ukernels.mjs), a choice given by name checked and turned into ids, the ids selected
// in the module, and what the calibration reports (calibrate.ts times them, tile_choice.ts picks).
import type { BuildName, Kernels } from './engine.js';
import { CONV_TILES, GEMM_TILES } from './tiles.generated.js';

/** The micro-kernel tiles in use, by name (backendInfo().tiles; ready({tiles}) takes it back). */
export interface TileChoice {
  /** The GEMM tile (matMul, dense layers, 1x1 convolutions, backward GEMMs), e.g. '2x16:splat'. */
  gemm: string;
  /** The implicit-GEMM convolution tile (conv2d, Winograd, their gradients), e.g. '4x8:splat'. */
  conv: string;
  /**
   * The int8 GEMM's dot form: 'i16' (the SIMD128 build's only one), 'split' or 'fused' (the
   * relaxed build's). Optional when given to ready(): each build's first by default; 'fused'
   * falls back to 'split' where the engine gets it wrong.
   */
  int8?: string;
}

/** The int8 dot forms of each build (the first is its default). */
export const INT8_DOTS: Record<BuildName, readonly string[]> = { simd: ['i16'], relaxed: ['split', 'fused'] };

export interface Calibration {
  tiles: Required<TileChoice>;
  /** How long the calibration took, ms (0 when the tiles were given). */
  ms: number;
  /** GFLOP/s each candidate reached on the calibration block (empty when the tiles were given). */
  gemm: Record<string, number>;
  conv: Record<string, number>;
  /** GOP/s of each int8 dot form on its block (only where there was a choice). */
  int8: Record<string, number>;
  /** The later passes run so far (retune()) and how long they took in all, ms. */
  passes: number;
  passesMs: number;
  /** False while later passes may still change the tiles (see tilesSettled()). */
  settled: boolean;
}

export type Kind = 'gemm' | 'conv' | 'int8';
export type TileKind = 'gemm' | 'conv';
export type TileIds = Record<Kind, number>;

/** The tile names of a build. */
export function tileNames(build: BuildName): Record<Kind, readonly string[]> {
  return { gemm: GEMM_TILES[build], conv: CONV_TILES[build], int8: INT8_DOTS[build] };
}

/** The ids of a choice in this build ('default': each kind's first); a clear Error for a name the build does not have. */
export function tileIds(build: BuildName, tiles: TileChoice | 'default'): TileIds {
  if (tiles === 'default') return { gemm: 0, conv: 0, int8: 0 };
  const names = tileNames(build);
  const id = (kind: Kind, name: unknown): number => {
    const i = typeof name === 'string' ? names[kind].indexOf(name) : -1;
    if (i < 0) {
      throw new Error(`lepton: ready({tiles}): ${kind} tile ${JSON.stringify(name)} is not one of the ` +
        `${build} build's: ${names[kind].join(', ')}`);
    }
    return i;
  };
  if (typeof tiles !== 'object' || tiles === null) {
    throw new Error(`lepton: ready({tiles}): expected {gemm, conv} tile names (backendInfo().tiles), got ${String(tiles)}`);
  }
  return { gemm: id('gemm', tiles.gemm), conv: id('conv', tiles.conv),
    int8: tiles.int8 === undefined ? 0 : id('int8', tiles.int8) };
}

/** Selects tiles by id (validated by the caller: tileIds); the fused int8 dot only where its
 *  check passes. Returns the names in use. */
export function applyTiles(k: Kernels, build: BuildName, ids: TileIds): Required<TileChoice> {
  if (k.set_tiles(ids.gemm, ids.conv) !== 0) throw new Error(`lepton: tile ids ${ids.gemm}, ${ids.conv} out of range`);
  const int8 = ids.int8 === 1 && k.int8_dot_check() !== 1 ? 0 : ids.int8;
  k.set_int8_dot(int8);
  const names = tileNames(build);
  return { gemm: names.gemm[ids.gemm], conv: names.conv[ids.conv], int8: names.int8[int8] };
}

/** Selects given tiles without timing them (a bad name throws and changes nothing). */
export function useTiles(k: Kernels, build: BuildName, tiles: TileChoice | 'default'): Calibration {
  return { tiles: applyTiles(k, build, tileIds(build, tiles)), ms: 0, gemm: {}, conv: {}, int8: {},
    passes: 0, passesMs: 0, settled: true };
}

