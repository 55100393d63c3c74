// The terminal progress bar of fit() in Node, Deno and Bun (Keras-like): one line per epoch,
//   Epoch 3/10
//   122/122 [==============================] 8.1s 66ms/step - loss: 0.0712 - acc: 0.9781 - val_loss: ...
// redrawn in place with an ETA while the epoch runs when stdout is a terminal; without a
// terminal (CI logs) only the finished line is written. Browsers have no process.stdout: nothing.
import { Callback, type Logs } from './callbacks.js';

interface Out { write(s: string): unknown; isTTY?: boolean }

function stdout(): Out | null {
  const p = (globalThis as { process?: { stdout?: Out } }).process;
  return p?.stdout && typeof p.stdout.write === 'function' ? p.stdout : null;
}

const now = () => (typeof performance !== 'undefined' ? performance.now() : Date.now());

function formatLogs(logs: Logs | undefined): string {
  return Object.entries(logs ?? {}).filter(([k]) => k !== 'batch' && k !== 'size')
    .map(([k, v]) => ` - ${k}: ${Math.abs(v) >= 1e-3 || v === 0 ? v.toFixed(4) : v.toExponential(3)}`).join('');
}

function formatTime(s: number): string {
  return s >= 60 ? `${Math.floor(s / 60)}m${Math.round(s % 60)}s` : `${s.toFixed(s < 10 ? 1 : 0)}s`;
}

export class ProgressBar extends Callback {
  private out = stdout();
  private epochStart = 0;
  private lastDraw = 0;
  private steps = 0;
  private epochs = 0;
  /** verbose 1: the bar; 2: one line per epoch. */
  constructor(private readonly verbose: number) { super(); }

  override onTrainBegin(): void {
    this.epochs = this.params?.epochs ?? 0;
  }
  override onEpochBegin(epoch: number): void {
    this.epochStart = now();
    this.lastDraw = 0;
    this.steps = this.params?.steps ?? 0;
    if (this.verbose === 1) this.out?.write(`Epoch ${epoch + 1}/${this.epochs}\n`);
  }
  override onBatchEnd(batch: number, logs?: Logs): void {
    if (this.verbose !== 1 || !this.out?.isTTY) return;
    const t = now();
    if (t - this.lastDraw < 100 && batch + 1 < this.steps) return;
    this.lastDraw = t;
    const done = batch + 1;
    const elapsed = (t - this.epochStart) / 1000;
    const eta = this.steps > 0 ? (elapsed / done) * (this.steps - done) : 0;
    this.out.write(`\r${this.bar(done)} ETA: ${formatTime(eta)}${formatLogs(logs)}\x1b[K`);
  }
  override onEpochEnd(epoch: number, logs?: Logs): void {
    if (this.out === null) return;
    const elapsed = (now() - this.epochStart) / 1000;
    const perStep = this.steps > 0 ? ` ${Math.round((elapsed * 1000) / this.steps)}ms/step` : '';
    const head = this.verbose === 1 ? this.bar(this.steps) : `Epoch ${epoch + 1}/${this.epochs}`;
    this.out.write(`${this.verbose === 1 && this.out.isTTY ? '\r' : ''}${head} ${formatTime(elapsed)}${perStep}` +
      `${formatLogs(logs)}${this.out.isTTY ? '\x1b[K' : ''}\n`);
  }
  private bar(done: number): string {
    const width = 30, steps = Math.max(this.steps, 1);
    const filled = Math.min(width, Math.floor((done / steps) * width));
    const digits = String(steps).length;
    const body = filled === width ? '='.repeat(width) : `${'='.repeat(filled)}>${'.'.repeat(width - filled - 1)}`;
    return `${String(done).padStart(digits)}/${steps} [${body}]`;
  }
}
