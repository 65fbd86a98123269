import type { StateStore } from '../../storage/state-store.ts';

const REVISION_KEY = 'emulator:rev';

/**
 * The emulator's controls (the moved clock, the faults) live in the state store, so every instance sharing it has
 * one clock and one fault list. Each change bumps one revision counter; each WeChat API request calls sync(),
 * which reads that counter — one read, shared by every request that arrives while it is in flight — and reloads
 * the controls only when it moved. A change made through any instance is therefore in force on every instance for
 * each request that starts after the change was acknowledged.
 */
export class EmulatorSync {
  /** The revision the loaded controls reflect; null before the first load. */
  #seen: string | undefined | null = null;
  #flight: Promise<void> | undefined;
  readonly #loaders: (() => Promise<void>)[] = [];

  constructor(private readonly state: StateStore) {}

  /** Registers what to reload when another instance (or this one) changed the controls. */
  onReload(load: () => Promise<void>): void {
    this.#loaders.push(load);
  }

  /** Brings the controls up to date with the state store. Throws when the store cannot be read. */
  sync(): Promise<void> {
    this.#flight ??= this.#sync().finally(() => {
      this.#flight = undefined;
    });
    return this.#flight;
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
