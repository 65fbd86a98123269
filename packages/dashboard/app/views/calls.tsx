import { useEffect, useState } from 'preact/hooks';
import type { CallRecord } from '../../../protocol/src/admin-wire.ts';
import { ADMIN_PATHS, AdminApiError, adminPath, type AdminApi } from '../api.ts';
import { bytes, errcodeText, time } from '../format.ts';

const KEPT = 500;

/** Recent calls, live (server-sent events), newest first; a row opens its detail; search by rid. */
export function CallsView({ api }: { api: AdminApi }) {
  const [calls, setCalls] = useState<CallRecord[]>([]);
  const [selected, setSelected] = useState<CallRecord | undefined>(undefined);
  const [failedOnly, setFailedOnly] = useState(false);
  const [rid, setRid] = useState('');
  const [search, setSearch] = useState<string | undefined>(undefined);
  const [live, setLive] = useState<'connecting' | 'live' | 'lost'>('connecting');

  useEffect(() => {
    const controller = new AbortController();
    const connect = (attempt: number): void => {
      setLive('connecting');
      api
        .streamCalls(
          (call) => {
            setLive('live');
            setCalls((list) => [call, ...list.filter((c) => c.rid !== call.rid)].slice(0, KEPT));
          },
          controller.signal,
        )
        .then(
          () => !controller.signal.aborted && (setLive('lost'), setTimeout(() => connect(attempt + 1), 2000)),
          () => !controller.signal.aborted && (setLive('lost'), setTimeout(() => connect(attempt + 1), Math.min(10_000, 1000 * 2 ** attempt))),
        );
      // The stream opens with the backlog; an idle server sends none, so say "live" once connected anyway.
      setTimeout(() => !controller.signal.aborted && setLive((s) => (s === 'connecting' ? 'live' : s)), 1500);
    };
    connect(0);
    return () => controller.abort();
  }, [api]);

  const find = async (e: Event) => {
    e.preventDefault();
    const wanted = rid.trim();
    const local = calls.find((c) => c.rid === wanted);
    if (local) {
      setSelected(local);
      setSearch(undefined);
      return;
    }
    try {
      setSelected((await api.get<{ call: CallRecord }>(adminPath(ADMIN_PATHS.call, { rid: wanted }))).call);
      setSearch(undefined);
    } catch (err) {
      setSelected(undefined);
      setSearch(err instanceof AdminApiError ? err.message : String(err));
    }
  };

  const shown = failedOnly ? calls.filter(isFailure) : calls;
  return (
    <section aria-labelledby="calls-title">
      <h2 id="calls-title">Calls <span class={`live live-${live}`} role="status">{live}</span></h2>
      <form class="toolbar" role="search" onSubmit={find}>
        <label>
          rid <input class="mono" value={rid} placeholder="6aac005a-355b48ab-4c5b487e" size={28} onInput={(e) => setRid((e.target as HTMLInputElement).value)} />
        </label>
        <button type="submit">Find</button>
        <label class="check">
          <input type="checkbox" checked={failedOnly} onChange={(e) => setFailedOnly((e.target as HTMLInputElement).checked)} /> failed only
        </label>
        <span class="muted">This instance's calls, newest first.</span>
      </form>
      {search && <p class="error" role="alert">{search}</p>}
      {selected && <CallDetail call={selected} onClose={() => setSelected(undefined)} />}
      <div class="table-wrap">
        <table class="calls">
          <thead>
            <tr><th>time</th><th>app</th><th>API</th><th>errcode</th><th>latency</th><th>size</th><th>rid</th></tr>
          </thead>
          <tbody>
            {shown.map((c) => (
              <tr
                key={c.rid}
                tabIndex={0}
                class={`${isFailure(c) ? 'failed' : ''} ${selected?.rid === c.rid ? 'selected' : ''}`}
                onClick={() => setSelected(c)}
                onKeyDown={(e) => (e.key === 'Enter' || e.key === ' ') && (e.preventDefault(), setSelected(c))}
              >
                <td class="mono">{time(c.at)}</td>
                <td class="mono">{c.appid ?? '-'}</td>
                <td class="mono">{c.channel === 'cloud' ? `☁ ${c.api}` : c.api}</td>
                <td class="mono" title={c.errcode !== undefined ? errcodeText(c.errcode) : ''}>
                  {c.dropped ? 'dropped' : (c.errcode ?? '-')}
                  {c.fault ? <span class="badge fault" title={`injected by fault ${c.fault}`}>injected</span> : null}
                </td>
                <td>{c.ms} ms</td>
                <td>{c.bytes !== undefined ? bytes(c.bytes) : '-'}</td>
                <td class="mono rid">{c.rid}</td>
              </tr>
            ))}
          </tbody>
        </table>
        {shown.length === 0 && <p class="muted">No calls yet: make one against this server.</p>}
      </div>
    </section>
  );
}

function isFailure(c: CallRecord): boolean {
  return c.dropped === true || (c.errcode !== undefined && c.errcode !== 0);
}

function CallDetail({ call, onClose }: { call: CallRecord; onClose: () => void }) {
  return (
    <article class="panel detail" aria-label={`Call ${call.rid}`}>
      <header class="panel-head">
        <h3 class="mono">{call.rid}</h3>
        <span class="spacer" />
        <button type="button" onClick={onClose}>Close</button>
      </header>
      <dl class="facts">
        <dt>Time</dt><dd class="mono">{time(call.at)}</dd>
        <dt>Call</dt><dd class="mono">{call.method} {call.api} ({call.channel})</dd>
        <dt>App</dt><dd class="mono">{call.appid ?? '-'}</dd>
        <dt>Answer</dt>
        <dd>{call.dropped ? 'connection dropped' : `HTTP ${call.status}, errcode ${call.errcode ?? '-'}`} {call.errcode ? <span class="muted">{errcodeText(call.errcode)}</span> : null}</dd>
        <dt>Latency</dt><dd>{call.ms} ms</dd>
        {call.mediaId && (<><dt>media_id</dt><dd class="mono">{call.mediaId}</dd></>)}
        {call.bytes !== undefined && (<><dt>Size</dt><dd>{bytes(call.bytes)}</dd></>)}
        {call.fault && (<><dt>Fault</dt><dd class="mono">{call.fault} (injected)</dd></>)}
        {call.reason && (<><dt>Reason</dt><dd class="reason">{call.reason}</dd></>)}
      </dl>
      <div class="split">
        <KeyValues title="Query" values={call.query} />
        <KeyValues title="Headers" values={call.headers} />
      </div>
    </article>
  );
}

function KeyValues({ title, values }: { title: string; values: Readonly<Record<string, string>> }) {
  const entries = Object.entries(values);
  return (
    <div>
      <h4>{title}</h4>
      {entries.length === 0 ? <p class="muted">none</p> : (
        <table class="headers">
          <tbody>{entries.map(([k, v]) => <tr key={k}><th class="mono">{k}</th><td class="mono">{v}</td></tr>)}</tbody>
        </table>
      )}
    </div>
  );
}
