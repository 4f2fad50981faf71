/**
 * A keyed work queue in the style of controller-runtime's: one worker per
 * key at a time, repeated adds while a key is queued or running collapse
 * into one more run, so the latest desired state is always acted on.
 */
export class WorkQueue {
  readonly #work: (key: string) => Promise<void>;
  readonly #onError: (key: string, error: Error) => void;
  readonly #running = new Map<string, Promise<void>>();
  readonly #dirty = new Set<string>();
  #closed = false;

  constructor(work: (key: string) => Promise<void>, onError: (key: string, error: Error) => void) {
    this.#work = work;
    this.#onError = onError;
  }

  add(key: string): void {
    if (this.#closed) return;
    if (this.#running.has(key)) {
      this.#dirty.add(key);
      return;
    }
    const run = (async () => {
      do {
        this.#dirty.delete(key);
        try {
          await this.#work(key);
        } catch (error) {
          this.#onError(key, error as Error);
        }
      } while (this.#dirty.has(key) && !this.#closed);
    })().finally(() => this.#running.delete(key));
    this.#running.set(key, run);
  }

  async idle(): Promise<void> {
    while (this.#running.size > 0) {
      await Promise.all(this.#running.values());
    }
  }

  async close(): Promise<void> {
    this.#closed = true;
    await this.idle();
  }
}
