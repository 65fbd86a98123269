import { randomBytes } from 'node:crypto';
import { ERRCODE_BY_NUMBER, type Fault, type FaultSpec } from '@wxmedia/protocol';
import type { StateStore } from '../../storage/state-store.ts';
import type { EmulatorSync } from './sync.ts';

const RULE_PREFIX = 'fault:';
const FIRED_PREFIX = 'fault-fired:';
/**
 * A spent fault's counter outlives the fault, so that an instance still holding the fault in memory cannot fire it
 * again (its increment lands past the count). The TTL only tidies the store.
 */
const FIRED_TTL_MS = 7 * 86_400_000;

/** What a fault does to the call it fires on. */
export interface FaultEffect {
  readonly id: string;
  /** Answer with this errcode and errmsg (WeChat's text, or the fault's own). */
  readonly error?: { readonly errcode: number; readonly errmsg: string };
  readonly latencyMs?: number;
  readonly drop?: boolean;
}

/**
 * Injected faults, kept in the state store (one list for every instance sharing it, reloaded through EmulatorSync).
 * The first fault, in the order they were added, that matches a call's app and API fires. A fault with a count is
 * spent by an atomic counter in the store, so `count: 1` fires exactly once across all instances.
 */
export class FaultService {
  #faults: Fault[] = [];

  constructor(
    private readonly state: StateStore,
    private readonly sync: EmulatorSync,
  ) {
    sync.onReload(() => this.#load());
  }

  async add(spec: FaultSpec): Promise<Fault> {
    const fault: Fault = { id: randomBytes(6).toString('hex'), createdAt: Date.now(), ...spec };
    await this.state.set(RULE_PREFIX + fault.id, JSON.stringify(fault));
    this.#faults = sortByAge([...this.#faults, fault]);
    await this.sync.bump();
    return fault;
  }

  /** The faults in force, with how often each has fired. */
  async list(): Promise<Fault[]> {
    await this.sync.sync();
    return Promise.all(
      this.#faults.map(async (f) => (f.count === undefined ? f : { ...f, fired: Number(await this.state.get(FIRED_PREFIX + f.id)) || 0 })),
    );
  }

  /** How many faults are in force (as last synced). */
  get size(): number {
    return this.#faults.length;
  }

  async remove(id: string): Promise<boolean> {
    const existed = await this.state.delete(RULE_PREFIX + id);
    this.#faults = this.#faults.filter((f) => f.id !== id);
    if (existed) await this.sync.bump();
    return existed;
  }

  /** Removes every fault, or those aimed at one app; returns how many. */
  async clear(appid?: string): Promise<number> {
    await this.sync.sync();
    const doomed = this.#faults.filter((f) => appid === undefined || f.appid === appid);
    let removed = 0;
    for (const f of doomed) if (await this.state.delete(RULE_PREFIX + f.id)) removed += 1;
    this.#faults = this.#faults.filter((f) => !doomed.includes(f));
    if (doomed.length > 0) await this.sync.bump();
    return removed;
  }

  /** The fault that fires on this call, if any (the caller synced first). */
  async fire(call: { readonly api: string; readonly appid: string }): Promise<FaultEffect | undefined> {
    for (const fault of this.#faults) {
      if (fault.appid !== undefined && fault.appid !== call.appid) continue;
      if (fault.api !== undefined && fault.api !== call.api) continue;
      if (fault.probability !== undefined && Math.random() >= fault.probability) continue;
      if (fault.count !== undefined) {
        const fired = await this.state.incr(FIRED_PREFIX + fault.id, { ttlMs: FIRED_TTL_MS });
        if (fired >= fault.count) await this.remove(fault.id);
        if (fired > fault.count) continue;
      }
      return effectOf(fault);
    }
    return undefined;
  }

  async #load(): Promise<void> {
    const loaded: Fault[] = [];
    for (const key of await this.state.keys(RULE_PREFIX)) {
      const fault = parse(await this.state.get(key));
      if (fault) loaded.push(fault);
    }
    this.#faults = sortByAge(loaded);
  }
}

function effectOf(fault: Fault): FaultEffect {
  const errmsg = fault.errmsg ?? (fault.errcode !== undefined ? ERRCODE_BY_NUMBER.get(fault.errcode)?.errmsg : undefined);
  return {
    id: fault.id,
    ...(fault.errcode !== undefined ? { error: { errcode: fault.errcode, errmsg: errmsg ?? 'system error' } } : {}),
    ...(fault.latencyMs ? { latencyMs: fault.latencyMs } : {}),
    ...(fault.drop ? { drop: true } : {}),
  };
}

function sortByAge(faults: Fault[]): Fault[] {
  return faults.sort((a, b) => a.createdAt - b.createdAt || a.id.localeCompare(b.id));
}

function parse(json: string | undefined): Fault | undefined {
  if (!json) return undefined;
  try {
    const v = JSON.parse(json) as Fault;
    return typeof v.id === 'string' && typeof v.createdAt === 'number' ? v : undefined;
  } catch {
    return undefined;
  }
}
