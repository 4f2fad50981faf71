/**
 * One process at a time holds an app's Durable Objects: workerd keeps each
 * object in memory beside its files, so two processes on the same folder
 * would each believe they own every object. This lease, one per app, is
 * what a version's instances must hold before they start. The version
 * applied last takes it: the holder hands over (stops taking requests,
 * lets the ones in flight finish, stops) and waits idle; an older version
 * woken meanwhile waits for the lease instead of taking it back. A deploy
 * of such an app is then a short pause, as a Kubernetes Deployment with the
 * Recreate strategy has.
 */
export interface LeaseHolder {
  readonly appId: string;
  /** True once it no longer wants to run (removed): it gives up waiting. */
  readonly gone: boolean;
  /** Stops its instances for the next holder, after the requests in flight. */
  handOver(): Promise<void>;
}

export class ObjectLease {
  readonly #holders = new Map<string, LeaseHolder>();
  readonly #applied = new WeakMap<LeaseHolder, number>();
  readonly #waiters = new Set<() => void>();
  #applySeq = 0;

  /** Records that the control plane (re)applied this version: it is now the one wanted most. */
  applied(version: LeaseHolder): void {
    this.#applySeq += 1;
    this.#applied.set(version, this.#applySeq);
  }

  /** Resolves true once `version` holds its app's objects; false if it stopped wanting them. */
  async acquire(version: LeaseHolder): Promise<boolean> {
    for (;;) {
      if (version.gone) return false;
      const holder = this.#holders.get(version.appId);
      if (!holder || holder === version) {
        this.#holders.set(version.appId, version);
        return true;
      }
      const newer = (this.#applied.get(version) ?? 0) > (this.#applied.get(holder) ?? 0);
      if (newer || holder.gone) {
        await holder.handOver();
        // The holder released the lease as it stopped; if not, take it all the same.
        if (this.#holders.get(version.appId) === holder) this.release(holder);
        continue;
      }
      await new Promise<void>((resolve) => this.#waiters.add(resolve));
    }
  }

  /** Called when a version's instances have all stopped. */
  release(version: LeaseHolder): void {
    if (this.#holders.get(version.appId) !== version) return;
    this.#holders.delete(version.appId);
    const waiting = [...this.#waiters];
    this.#waiters.clear();
    for (const wake of waiting) wake();
  }

  holderOf(appId: string): LeaseHolder | undefined {
    return this.#holders.get(appId);
  }
}
