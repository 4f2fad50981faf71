/** Progress with timings on stderr, one line a step: stdout stays for results. */
export class Progress {
  readonly #write: (s: string) => void;
  readonly #started = performance.now();
  #stepStarted = performance.now();

  constructor(write: (s: string) => void) {
    this.#write = write;
  }

  /** Marks the end of a step and prints how long it took. */
  done(step: string, detail = ''): void {
    const now = performance.now();
    const seconds = ((now - this.#stepStarted) / 1000).toFixed(1);
    this.#write(`  ${step.padEnd(8)} ${seconds.padStart(5)}s${detail ? `  ${detail}` : ''}\n`);
    this.#stepStarted = now;
  }

  get elapsedMs(): number {
    return Math.round(performance.now() - this.#started);
  }
}
