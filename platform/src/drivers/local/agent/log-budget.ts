/**
 * How much output an app may write: a token bucket per version, in lines and
 * in bytes. An app printing without pause costs the platform a bounded
 * amount of work and memory; what is over the budget is dropped and counted,
 * and the count is reported instead.
 */
export class LogBudget {
  readonly #linesPerSecond: number;
  readonly #bytesPerSecond: number;
  readonly #burstLines: number;
  readonly #burstBytes: number;
  #lines: number;
  #bytes: number;
  #at = Date.now();
  droppedLines = 0;
  droppedBytes = 0;

  constructor(
    options: { linesPerSecond?: number; bytesPerSecond?: number; burstSeconds?: number } = {},
  ) {
    this.#linesPerSecond = options.linesPerSecond ?? 200;
    this.#bytesPerSecond = options.bytesPerSecond ?? 256 * 1024;
    const burst = options.burstSeconds ?? 5;
    this.#burstLines = this.#linesPerSecond * burst;
    this.#burstBytes = this.#bytesPerSecond * burst;
    this.#lines = this.#burstLines;
    this.#bytes = this.#burstBytes;
  }

  /** True if a line of this many bytes may be kept now; counts it as dropped otherwise. */
  take(bytes: number, now = Date.now()): boolean {
    const seconds = (now - this.#at) / 1000;
    this.#at = now;
    this.#lines = Math.min(this.#burstLines, this.#lines + seconds * this.#linesPerSecond);
    this.#bytes = Math.min(this.#burstBytes, this.#bytes + seconds * this.#bytesPerSecond);
    if (this.#lines >= 1 && this.#bytes >= bytes) {
      this.#lines -= 1;
      this.#bytes -= bytes;
      return true;
    }
    this.droppedLines += 1;
    this.droppedBytes += bytes;
    return false;
  }

  /** What was dropped since the last call, then zero. */
  takeDropped(): { lines: number; bytes: number } {
    const dropped = { lines: this.droppedLines, bytes: this.droppedBytes };
    this.droppedLines = 0;
    this.droppedBytes = 0;
    return dropped;
  }

  get limits(): string {
    return `${this.#linesPerSecond} lines and ${Math.round(this.#bytesPerSecond / 1024)} KiB a second`;
  }
}
