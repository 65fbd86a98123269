import type { StateStore } from '../../storage/state-store.ts';

const REVISION_KEY = 'emulator:rev';

/**
 * The emulator's controls (the moved clock, the faults) live in the state store, so every instance sharing it has
 * one clock and one fault list. Each change bumps one revision counter; each WeChat API request calls sync(),
 * which reads that counter — a read that started after the call; calls that arrive while one is in flight share
 * the next — and reloads the controls only when it moved. A change made through any instance is therefore in force on every instance for
 * each request that starts after the change was acknowledged.
 */
export class EmulatorSync {
  /** The revision the loaded controls reflect; null before the first load. */
  #seen: string | undefined | null = null;
  #flight: Promise<void> | undefined;
  /** The read that starts once #flight ends, for the calls that came in while it ran. */
  #followUp: Promise<void> | undefined;
  readonly #loaders: (() => Promise<void>)[] = [];

  constructor(private readonly state: StateStore) {}

  /** Registers what to reload when another instance (or this one) changed the controls. */
  onReload(load: () => Promise<void>): void {
    this.#loaders.push(load);
  }

  /** Brings the controls up to date with the state store. Throws when the store cannot be read. */
  sync(): Promise<void> {
    if (this.#flight === undefined) {
      this.#flight = this.#sync().finally(() => {
        this.#flight = undefined;
      });
      return this.#flight;
    }
    // The read in flight may have started before this call, and before a change it must see (the sweeper syncs on
    // its own schedule): wait for a read that starts after it. One follow-up is shared by every call that arrives
    // meanwhile, so there are never more than two reads in a row, however many requests come in.
    this.#followUp ??= this.#flight
      .catch(() => undefined)
      .then(() => {
        this.#followUp = undefined;
        return this.sync();
      });
    return this.#followUp;
  }

  /**
   * Records that the controls changed. The caller has already updated its own copy; this instance reloads too at
   * its next sync, which also picks up any change another instance made meanwhile.
   */
  async bump(): Promise<void> {
    await this.state.incr(REVISION_KEY);
  }

  async #sync(): Promise<void> {
    const revision = await this.state.get(REVISION_KEY);
    if (revision === this.#seen) return;
    for (const load of this.#loaders) await load();
    this.#seen = revision;
  }
}
