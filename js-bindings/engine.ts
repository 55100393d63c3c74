// Loads the right .wasm build and owns the one linear memory: the Arena wrapper, tidy() scopes,
// and the status-to-Error seam. Imports nothing runtime-specific at the top level.
import { instantiate } from '../build/lepton.simd.js';
import { PROBE_RELAXED_BASE64 } from './probe_relaxed.generated.js';
import { calibrate, retune, RETUNE_DELAYS_MS } from './calibrate.js';
import { tileIds, useTiles, type Calibration, type TileChoice } from './tile_names.js';
import type { Tuning } from './tile_choice.js';

/**
 * The wasm exports, typed by the typings asc emits for the full builds (lepton.{simd,relaxed}.wasm,
 * one ABI). The core builds (lepton.core.{simd,relaxed}.wasm) export the same minus the sequence
 * kernels; only modules that call engine.requireFullBuild() at import time call those.
 */
export type Kernels = Awaited<ReturnType<typeof instantiate>>;

export type BuildName = 'simd' | 'relaxed';
/** What backendInfo() reports: the build that runs and the micro-kernel tiles chosen for this CPU. */
export interface BackendInfo {
  /** Always true: Lepton needs WebAssembly SIMD128. */
  simd: boolean;
  /** True when the relaxed-SIMD build was loaded. */
  relaxedSimd: boolean;
  /** Which .wasm file runs the kernels. */
  build: BuildName;
  /** True when the .wasm running has the sequence kernels (lepton.{build}.wasm), false for a core one. */
  full: boolean;
  /** The micro-kernel tiles in use; pass them to ready({tiles}) to skip the calibration. */
  tiles: Required<TileChoice>;
  /**
   * The load-time calibration: how long ready() spent on it (ms, 0 when tiles were given), the
   * GFLOP/s each candidate tile reached on its block (GOP/s for the int8 dot forms), and the later
   * passes: how many ran, how long they took in all (ms), and whether the choice is final
   * (`settled`; tilesSettled() waits for it).
   */
  calibration: {
    ms: number; gemm: Record<string, number>; conv: Record<string, number>; int8: Record<string, number>;
    passes: number; passesMs: number; settled: boolean;
  };
}

/** Options of ready(): which build, which tiles, and where the .wasm comes from. */
export interface ReadyOptions {
  /** Force a build ('simd' runs everywhere); default: 'relaxed' when the runtime validates it. */
  build?: BuildName;
  /**
   * Where the .wasm files are (a URL ending in '/'); default: ../build/ beside this module. The
   * core entry loads lepton.core.{simd,relaxed}.wasm from there, the full entry lepton.{simd,relaxed}.wasm.
   */
  wasmBase?: string | URL;
  /**
   * The micro-kernel tiles, skipping the load-time calibration (up to 20 ms, and where the
   * optimizing compiler is slower than that, a few later passes of 5 ms in the first half second;
   * see tilesSettled()): a choice saved from backendInfo().tiles under the same build, or
   * 'default' for each build's first tiles.
   * Given to ready() once the engine is loaded, it switches tiles (results stay bit-identical
   * between tiles of one arithmetic; a ':muladd' tile gives the SIMD128 build's results).
   */
  tiles?: TileChoice | 'default';
  /**
   * The wasm itself, for runtimes that hand it over (Cloudflare-style edge workers import a .wasm
   * as a `WebAssembly.Module`): a Module, its bytes, or a URL to fetch. One source is the build
   * named by `build` (default 'simd'); `{simd, relaxed}` gives both and the relaxed one runs when
   * the runtime validates it. With a Module or bytes the engine uses no fetch, file access,
   * dynamic import(), eval or new Function. The core entry runs on a core or a full build; the
   * full entry ('lepton-wasm', and anything importing its sequence layers) needs a full one.
   */
  wasm?: WasmSource | { simd?: WasmSource; relaxed?: WasmSource };
}

/** A compiled module, the .wasm bytes, or where to fetch them. */
export type WasmSource = WebAssembly.Module | ArrayBuffer | ArrayBufferView | string | URL;

/** Activation codes of the fused epilogues; mirror assembly/kernels/activation.ts. */
export const ACTIVATIONS = {
  linear: 0, relu: 1, relu6: 2, leakyrelu: 3, elu: 4, sigmoid: 5, tanh: 6, gelu: 7,
} as const;
/** Activations a fused op or layer can apply in its kernel's epilogue. */
export type Activation = keyof typeof ACTIVATIONS;

function decodeBase64(text: string): Uint8Array<ArrayBuffer> {
  const bin = atob(text);
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}

/** Whether this runtime accepts relaxed SIMD (Node 20 only with --experimental-wasm-relaxed-simd). */
export function relaxedSimdSupported(): boolean {
  try {
    return WebAssembly.validate(decodeBase64(PROBE_RELAXED_BASE64));
  } catch {
    return false;
  }
}

async function fetchWasm(url: URL): Promise<WebAssembly.Module> {
  if (url.protocol === 'file:') {
    // Node's fetch does not read file: URLs; Node, Deno and Bun all provide node:fs. The
    // specifier is a variable so that bundlers for the browser leave it alone.
    const specifier = 'node:fs/promises';
    const fs = await import(specifier) as { readFile(u: URL): Promise<Uint8Array<ArrayBuffer>> };
    return WebAssembly.compile(await fs.readFile(url));
  }
  const response = await fetch(url);
  if (!response.ok) throw new Error(`lepton: cannot load ${url}: HTTP ${response.status}`);
  if (typeof WebAssembly.compileStreaming === 'function' &&
      response.headers.get('content-type')?.startsWith('application/wasm')) {
    return WebAssembly.compileStreaming(response);
  }
  return WebAssembly.compile(await response.arrayBuffer());
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (typeof value === 'object') return (value as object).constructor?.name ?? 'object';
  return typeof value;
}

function isSource(value: unknown): value is WasmSource {
  return value instanceof WebAssembly.Module || value instanceof ArrayBuffer || ArrayBuffer.isView(value) ||
    typeof value === 'string' || value instanceof URL;
}

/** ready({wasm}) as {simd?, relaxed?}: one source is the 'simd' build unless ready({build}) names it. */
const SOURCE_KINDS = 'a WebAssembly.Module, ArrayBuffer, Uint8Array, URL or string';

function wasmSources(wasm: unknown, build: BuildName | undefined): { simd?: WasmSource; relaxed?: WasmSource } {
  if (isSource(wasm)) return { [build ?? 'simd']: wasm };
  if (wasm === null || typeof wasm !== 'object' || Object.getPrototypeOf(wasm) !== Object.prototype) {
    throw new Error(`lepton: ready(): wasm must be ${SOURCE_KINDS}, or {simd, relaxed} of those; got ${describe(wasm)}`);
  }
  const pair = wasm as Record<string, unknown>;
  const extra = Object.keys(pair).filter((k) => k !== 'simd' && k !== 'relaxed');
  if (extra.length > 0) throw new Error(`lepton: ready(): wasm has unknown key '${extra[0]}' (expected simd, relaxed)`);
  for (const key of ['simd', 'relaxed'] as const) {
    if (pair[key] !== undefined && !isSource(pair[key])) {
      throw new Error(`lepton: ready(): wasm.${key} must be ${SOURCE_KINDS}; got ${describe(pair[key])}`);
    }
  }
  if (pair.simd === undefined && pair.relaxed === undefined) throw new Error('lepton: ready(): wasm has neither simd nor relaxed');
  return pair as { simd?: WasmSource; relaxed?: WasmSource };
}

async function compileGiven(source: WasmSource, build: BuildName): Promise<WebAssembly.Module> {
  if (source instanceof WebAssembly.Module) return source;
  if (source instanceof URL) return fetchWasm(source);
  if (typeof source === 'string') {
    // (no base to resolve against: a worker has no document, and this module's URL is not the caller's)
    let url: URL;
    try { url = new URL(source); } catch { throw new Error(`lepton: ready(): wasm '${source}' is not an absolute URL`); }
    return fetchWasm(url);
  }
  const bytes = (source instanceof ArrayBuffer ? new Uint8Array(source) :
    new Uint8Array(source.buffer, source.byteOffset, source.byteLength)) as Uint8Array<ArrayBuffer>;
  if (bytes.byteLength < 8 || bytes[0] !== 0 || bytes[1] !== 0x61 || bytes[2] !== 0x73 || bytes[3] !== 0x6d) {
    throw new Error(`lepton: ready(): the wasm bytes for the ${build} build (${bytes.byteLength} bytes) are not WebAssembly (no \\0asm header)`);
  }
  if (!WebAssembly.validate(bytes)) {
    throw new Error(`lepton: ready(): the wasm bytes for the ${build} build (${bytes.byteLength} bytes) do not validate ` +
      'on this runtime (not WebAssembly, truncated, or using features it lacks' +
      (relaxedSimdSupported() ? ')' : ', such as relaxed SIMD: give the simd build here)'));
  }
  return WebAssembly.compile(bytes);
}

/** A module from outside must be one of ours: instantiating anything else fails far from the cause. */
function checkLeptonModule(module: WebAssembly.Module, build: BuildName, full: boolean): void {
  const names = new Set(WebAssembly.Module.exports(module).map((e) => e.name));
  for (const name of ['memory', 'arena_bytes_in_use']) {
    if (!names.has(name)) throw new Error(`lepton: ready(): the ${build} wasm module is not a Lepton build (no export '${name}')`);
  }
  if (full && !names.has(FULL_BUILD_MARK)) {
    throw new Error(`lepton: ready(): the ${build} wasm module is a core build (no sequence kernels); ` +
      `the sequence layers of the full entry need lepton.${build}.wasm`);
  }
}

/** An export only the full builds have (assembly/index.ts over assembly/core.ts). */
const FULL_BUILD_MARK = 'rnn_forward_f32';

class Engine {
  kernels: Kernels | null = null;
  info: BackendInfo | null = null;
  private loading: Promise<void> | null = null;
  /** The build being loaded or loaded (known as soon as ready() is first called). */
  private build: BuildName | null = null;
  /**
   * Whether the full .wasm (with the sequence kernels) is needed. Fixed once loading starts:
   * requireFullBuild() refuses to change it then, unless the loaded .wasm has those kernels.
   */
  private full = false;

  /**
   * Called at import time by every module that calls a kernel only the full builds have (the
   * sequence layers and ops): from then on ready() loads lepton.{build}.wasm, not the core one.
   */
  requireFullBuild(): void {
    // (a full .wasm handed to the core entry's ready({wasm}) already has the sequence kernels)
    if (this.loading !== null && !this.full && this.info?.full !== true) {
      throw new Error("lepton: the core .wasm is already loaded: the sequence layers ('lepton-wasm', " +
        "'lepton-wasm/node', 'lepton-wasm/onnx') need the full one; import them before calling ready()");
    }
    this.full = true;
  }

  get k(): Kernels {
    if (this.kernels === null) throw new Error('lepton: call and await ready() before using tensors');
    return this.kernels;
  }

  ready(options: ReadyOptions = {}): Promise<void> {
    if (options.build !== undefined && this.build !== null && this.build !== options.build) {
      // (a rejection, not a throw: callers may use .catch() as well as await)
      return Promise.reject(new Error(`lepton: ready(): the ${this.build} build is already loaded`));
    }
    if (this.loading !== null && options.tiles !== undefined) {
      const tiles = options.tiles;
      return this.loading.then(() => {
        this.setInfo(this.info!.build, useTiles(this.k, this.info!.build, tiles));
        this.stopTuning();
      });
    }
    this.loading ??= this.load(options).catch((e) => { this.loading = null; this.build = null; throw e; });
    return this.loading;
  }

  private setInfo(build: BuildName, calibration: Calibration): void {
    const { tiles, ...timings } = calibration;
    const full = typeof (this.kernels as unknown as Record<string, unknown> | null)?.[FULL_BUILD_MARK] === 'function';
    this.info = { simd: true, relaxedSimd: build === 'relaxed', build, full, tiles, calibration: timings };
  }

  private async load(options: ReadyOptions): Promise<void> {
    const relaxed = relaxedSimdSupported();
    if (options.wasm !== undefined && options.wasmBase !== undefined) {
      throw new Error('lepton: ready(): give wasm or wasmBase, not both');
    }
    const given = options.wasm === undefined ? null : wasmSources(options.wasm, options.build);
    const build: BuildName = options.build ?? (given === null ? (relaxed ? 'relaxed' : 'simd') :
      given.relaxed !== undefined && (relaxed || given.simd === undefined) ? 'relaxed' : 'simd');
    this.build = build; // set before the first await: a concurrent ready({build}) sees it
    if (build === 'relaxed' && !relaxed && given !== null && options.build === undefined) {
      throw new Error('lepton: ready(): wasm gives only the relaxed build and this runtime does not validate ' +
        'relaxed SIMD (give {simd, relaxed})');
    }
    if (build === 'relaxed' && !relaxed) {
      throw new Error('lepton: the relaxed build was asked for but this runtime does not validate ' +
        'relaxed SIMD (Node 20 needs --experimental-wasm-relaxed-simd)');
    }
    if (options.tiles !== undefined) tileIds(build, options.tiles); // a bad name fails before the fetch
    let module: WebAssembly.Module;
    if (given === null) {
      const base = options.wasmBase !== undefined ? new URL(options.wasmBase) : new URL('../build/', import.meta.url);
      module = await fetchWasm(new URL(`lepton.${this.full ? '' : 'core.'}${build}.wasm`, base));
    } else {
      const source = given[build];
      if (source === undefined) throw new Error(`lepton: ready(): wasm has no ${build} build (give {${build}: ...})`);
      module = await compileGiven(source, build);
    }
    checkLeptonModule(module, build, this.full);
    const kernels = await instantiate(module, {});
    const { calibration, tuning } = options.tiles === undefined ? calibrate(kernels, build) :
      { calibration: useTiles(kernels, build, options.tiles), tuning: null };
    this.kernels = kernels;
    this.setInfo(build, calibration);
    if (tuning !== null) this.scheduleTuning(kernels, build, tuning);
  }

  /** The next later pass of the calibration, while one is due; and who waits for the last. */
  private tuning: Timer | null = null;
  private settledWaiters: Array<(tiles: Required<TileChoice>) => void> = [];

  /** Runs the next slice of the later passes (calibrate.ts: retune) off ready()'s path: at once
   *  while a pass is under way, else after the next pass's delay. */
  private scheduleTuning(k: Kernels, build: BuildName, tuning: Tuning): void {
    const final = () => {
      tuning.open = [];
      tuning.result.settled = true;
      this.setInfo(build, tuning.result);
      this.settle();
    };
    this.tuning = later(() => {
      this.tuning = null;
      if (this.kernels !== k) return;
      try {
        this.setInfo(build, retune(k, build, tuning));
      } catch {
        final(); // (a pass runs in a timer: nothing must escape it into the app; the tiles so far stay)
        return;
      }
      if (tuning.open.length > 0) this.scheduleTuning(k, build, tuning);
      else this.settle();
    }, tuning.pass !== null ? 0 : RETUNE_DELAYS_MS[tuning.result.passes]);
    if (this.tuning === null) {
      final(); // no timers here (an edge worker's global scope): the choice so far is final
    } else if (this.settledWaiters.length > 0) {
      this.tuning.ref();
    }
  }

  /** Ends the later passes (a choice given to ready({tiles}) replaces theirs). */
  private stopTuning(): void {
    this.tuning?.cancel();
    this.tuning = null;
    this.settle();
  }

  private settle(): void {
    const waiters = this.settledWaiters;
    this.settledWaiters = [];
    for (const resolve of waiters) resolve({ ...this.info!.tiles });
  }

  /** The tiles once no later pass can change them. */
  tilesSettled(): Promise<Required<TileChoice>> {
    if (this.loading === null) return Promise.reject(new Error('lepton: tilesSettled(): call ready() first'));
    return this.loading.then(() => {
      if (this.tuning === null) return { ...this.info!.tiles };
      this.tuning.ref(); // Node, Deno and Bun: a pending pass now keeps the process alive
      return new Promise((resolve) => { this.settledWaiters.push(resolve); });
    });
  }

  /** A fresh Float32Array over [ptr, ptr + 4·length): never keep it past one call (memory.grow). */
  f32(ptr: number, length: number): Float32Array {
    return new Float32Array(this.k.memory.buffer, ptr, length);
  }

  i32(ptr: number, length: number): Int32Array {
    return new Int32Array(this.k.memory.buffer, ptr, length);
  }

  /** Throws the Error a nonzero kernel status stands for, naming the op. */
  check(op: string, status: number): void {
    if (status === 0) return;
    if (status === -1) {
      throw new Error(`${op}: out of memory for scratch (in use ${this.k.arena_bytes_in_use()} bytes)`);
    }
    throw new Error(`${op}: kernel failed with status ${status}`);
  }
}

export const engine = new Engine();

/** Loads the kernels; call and await once before anything else. */
export function ready(options?: ReadyOptions): Promise<void> {
  return engine.ready(options);
}

/**
 * Resolves with the micro-kernel tiles once they are final. ready() resolves after at most 20 ms
 * of calibration; where the engine's optimizing compiler had not finished every candidate tile by
 * then (a 2-core machine, the relaxed build), the candidates are timed again in a few passes of
 * 5 ms (in slices of at most 4 ms) in the first half second, off ready()'s path, and the tiles
 * can change then (to faster ones with the same results, or where a ':muladd' tile wins, the
 * SIMD128 build's results). Await this
 * before saving backendInfo().tiles for ready({tiles}), or before a run that must use one tile
 * throughout. Results do not depend on it otherwise.
 */
export function tilesSettled(): Promise<Required<TileChoice>> {
  return engine.tilesSettled();
}

/** A timer that does not keep the process alive until ref() (Node, Deno and Bun); null where
 *  the runtime allows no timer here. */
interface Timer { cancel(): void; ref(): void }

function later(fn: () => void, ms: number): Timer | null {
  let id: ReturnType<typeof setTimeout>;
  try {
    id = setTimeout(fn, ms);
  } catch {
    return null;
  }
  const deno = (globalThis as { Deno?: { unrefTimer?(id: number): void; refTimer?(id: number): void } }).Deno;
  const handle = id as unknown as { unref?(): void; ref?(): void };
  if (typeof handle.unref === 'function') handle.unref();
  else deno?.unrefTimer?.(id as unknown as number);
  return {
    cancel: () => clearTimeout(id),
    ref: () => {
      if (typeof handle.ref === 'function') handle.ref();
      else deno?.refTimer?.(id as unknown as number);
    },
  };
}

/** Which build runs and with which tiles: {simd, relaxedSimd, build, tiles, calibration}. */
export function backendInfo(): BackendInfo {
  if (engine.info === null) throw new Error('lepton: backendInfo(): call and await ready() first');
  const { calibration } = engine.info;
  return { ...engine.info, tiles: { ...engine.info.tiles },
    calibration: { ...calibration, gemm: { ...calibration.gemm }, conv: { ...calibration.conv },
      int8: { ...calibration.int8 } } };
}
