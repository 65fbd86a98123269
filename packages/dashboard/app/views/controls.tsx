import { useState } from 'preact/hooks';
import type { ClockState, Fault } from '../../../protocol/src/admin-wire.ts';
import { FAULT_APIS } from '../../../protocol/src/admin-wire.ts';
import { ADMIN_PATHS, adminPath, type AdminApi } from '../api.ts';
import { errcodeText, time } from '../format.ts';
import { setServerClock, useLoad, useNow } from '../hooks.ts';

/** The clock (advance, set, reset; with --time-travel) and the faults (add, list, remove, clear). */
export function ControlsView({ api }: { api: AdminApi }) {
  return (
    <section aria-labelledby="controls-title">
      <h2 id="controls-title">Clock and faults</h2>
      <ClockPanel api={api} />
      <FaultsPanel api={api} />
    </section>
  );
}

function ClockPanel({ api }: { api: AdminApi }) {
  const { data, error, reload } = useLoad(async () => {
    const { clock } = await api.get<{ clock: ClockState }>(ADMIN_PATHS.clock);
    setServerClock(clock.now);
    return clock;
  }, [api], 10_000);
  const [seconds, setSeconds] = useState('3600');
  const [at, setAt] = useState('');
  const [message, setMessage] = useState<string | undefined>(undefined);
  const now = useNow();
  const move = async (command: object) => {
    try {
      const { clock } = await api.post<{ clock: ClockState }>(ADMIN_PATHS.clock, command);
      setServerClock(clock.now);
      setMessage(`Clock now ${clock.iso}`);
      reload();
    } catch (e) {
      setMessage(`Failed: ${(e as Error).message}`);
    }
  };
  const off = data !== undefined && !data.timeTravel;
  return (
    <article class="panel" aria-labelledby="clock-title">
      <header class="panel-head">
        <h3 id="clock-title">Clock</h3>
        <span class="spacer" />
        <span class="mono clock-now">{time(now)}</span>
      </header>
      {error && <p class="error">{error}</p>}
      {data && (
        <p class="muted">
          {data.offsetSeconds === 0 ? 'Real time.' : `${data.offsetSeconds > 0 ? '+' : ''}${data.offsetSeconds} s from real time.`}{' '}
          {off ? 'Time travel is off: start the server with --time-travel to move the clock.' : 'One clock for every instance sharing the state store; kept across restarts.'}
        </p>
      )}
      <fieldset disabled={off}>
        <legend>Move the clock</legend>
        <div class="toolbar">
          <button type="button" onClick={() => move({ advance: 3600 })}>+1 hour</button>
          <button type="button" onClick={() => move({ advance: 7200 })} title="An access token lives 7200 s">+2 hours (tokens expire)</button>
          <button type="button" onClick={() => move({ advance: 259_200 })} title="A media_id lives 259 200 s">+3 days (media expire)</button>
        </div>
        <form class="toolbar" onSubmit={(e) => (e.preventDefault(), move({ advance: Number(seconds) }))}>
          <label>
            Advance by <input type="number" min="0" step="1" value={seconds} onInput={(e) => setSeconds((e.target as HTMLInputElement).value)} /> seconds
          </label>
          <button type="submit">Advance</button>
        </form>
        <form class="toolbar" onSubmit={(e) => (e.preventDefault(), at && move({ set: new Date(`${at}Z`).toISOString() }))}>
          <label>
            Set to (UTC) <input type="datetime-local" step="1" value={at} onInput={(e) => setAt((e.target as HTMLInputElement).value)} />
          </label>
          <button type="submit">Set</button>
          <button type="button" onClick={() => move({ reset: true })}>Reset to real time</button>
        </form>
      </fieldset>
      {message && <p role="status" class="muted">{message}</p>}
    </article>
  );
}

interface FaultForm {
  appid: string;
  api: string;
  errcode: string;
  errmsg: string;
  count: string;
  probability: string;
  latencyMs: string;
  drop: boolean;
}

const EMPTY: FaultForm = { appid: '', api: '', errcode: '45009', errmsg: '', count: '1', probability: '', latencyMs: '', drop: false };

function FaultsPanel({ api }: { api: AdminApi }) {
  const faults = useLoad(() => api.get<{ faults: Fault[] }>(ADMIN_PATHS.faults), [api], 5000);
  const apps = useLoad(() => api.get<{ apps: { appid: string }[] }>(ADMIN_PATHS.apps), [api]);
  const [form, setForm] = useState<FaultForm>(EMPTY);
  const [message, setMessage] = useState<string | undefined>(undefined);
  const field = (name: keyof FaultForm) => (e: Event) => {
    const el = e.target as HTMLInputElement;
    setForm({ ...form, [name]: el.type === 'checkbox' ? el.checked : el.value });
  };
  const add = async (e: Event) => {
    e.preventDefault();
    const spec: Record<string, unknown> = {};
    if (form.appid) spec['appid'] = form.appid;
    if (form.api) spec['api'] = form.api;
    if (form.drop) spec['drop'] = true;
    else if (form.errcode) spec['errcode'] = Number(form.errcode);
    if (form.errmsg && !form.drop) spec['errmsg'] = form.errmsg;
    if (form.count) spec['count'] = Number(form.count);
    if (form.probability) spec['probability'] = Number(form.probability);
    if (form.latencyMs) spec['latencyMs'] = Number(form.latencyMs);
    try {
      const { fault } = await api.post<{ fault: Fault }>(ADMIN_PATHS.faults, spec);
      setMessage(`Added fault ${fault.id}`);
      faults.reload();
    } catch (err) {
      setMessage(`Refused: ${(err as Error).message}`);
    }
  };
  const remove = async (id: string) => {
    await api.delete(adminPath(ADMIN_PATHS.fault, { id })).catch(() => undefined);
    faults.reload();
  };
  return (
    <article class="panel" aria-labelledby="faults-title">
      <header class="panel-head">
        <h3 id="faults-title">Faults</h3>
        <span class="spacer" />
        <button type="button" class="danger" onClick={() => api.delete(ADMIN_PATHS.faults).then(faults.reload, () => undefined)}>Clear all</button>
      </header>
      <p class="muted">A matching call is answered exactly as WeChat would answer the errcode (HTTPS and cloud calls alike), after its app is known and before any quota is spent.</p>
      <form class="fault-form" onSubmit={add}>
        <label>
          App
          <select value={form.appid} onChange={field('appid')} aria-label="App">
            <option value="">every app</option>
            {apps.data?.apps.map((a) => <option key={a.appid} value={a.appid}>{a.appid}</option>)}
          </select>
        </label>
        <label>
          API
          <select value={form.api} onChange={field('api')} aria-label="API">
            <option value="">every API</option>
            {FAULT_APIS.map((p) => <option key={p} value={p}>{p}</option>)}
          </select>
        </label>
        <label>
          errcode <input type="number" value={form.errcode} disabled={form.drop} onInput={field('errcode')} aria-label="errcode" aria-describedby="errcode-text" />
        </label>
        <span id="errcode-text" class="muted small-text">{errcodeText(Number(form.errcode))}</span>
        <label>
          errmsg <input value={form.errmsg} disabled={form.drop} placeholder="WeChat's own" onInput={field('errmsg')} aria-label="errmsg" />
        </label>
        <label>
          count <input type="number" min="1" value={form.count} placeholder="unlimited" onInput={field('count')} aria-label="count" />
        </label>
        <label>
          probability <input type="number" min="0" max="1" step="0.01" value={form.probability} placeholder="1" onInput={field('probability')} aria-label="probability" />
        </label>
        <label>
          latency ms <input type="number" min="0" value={form.latencyMs} onInput={field('latencyMs')} aria-label="latency ms" />
        </label>
        <label class="check">
          <input type="checkbox" checked={form.drop} onChange={field('drop')} /> drop the connection
        </label>
        <button type="submit">Add fault</button>
      </form>
      {message && <p role="status" class="muted">{message}</p>}
      {faults.data && faults.data.faults.length === 0 && <p class="muted">No faults in force.</p>}
      {faults.data && faults.data.faults.length > 0 && (
        <div class="table-wrap">
          <table>
            <thead>
              <tr><th>id</th><th>app</th><th>API</th><th>effect</th><th>how often</th><th></th></tr>
            </thead>
            <tbody>
              {faults.data.faults.map((f) => (
                <tr key={f.id}>
                  <td class="mono">{f.id}</td>
                  <td class="mono">{f.appid ?? 'every app'}</td>
                  <td class="mono">{f.api ?? 'every API'}</td>
                  <td>{[f.errcode !== undefined ? `errcode ${f.errcode}` : '', f.latencyMs ? `+${f.latencyMs} ms` : '', f.drop ? 'drop' : ''].filter(Boolean).join(', ')}</td>
                  <td>{[f.count !== undefined ? `${f.fired ?? 0} of ${f.count}` : 'every time', f.probability !== undefined ? `p=${f.probability}` : ''].filter(Boolean).join(', ')}</td>
                  <td><button type="button" class="small" onClick={() => remove(f.id)} aria-label={`Remove fault ${f.id}`}>Remove</button></td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </article>
  );
}
