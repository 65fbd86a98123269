import { render } from 'preact';
import { useEffect, useMemo, useState } from 'preact/hooks';
import { ADMIN_PATHS, AdminApi, AdminApiError, forgetKey, storeKey, storedKey, takeKeyFromUrl } from './api.ts';
import './style.css';
import { AppsView } from './views/apps.tsx';
import { CallsView } from './views/calls.tsx';
import { ControlsView } from './views/controls.tsx';
import { MediaView } from './views/media.tsx';
import { OverviewView } from './views/overview.tsx';

const VIEWS = [
  { id: 'overview', label: 'Overview', View: OverviewView },
  { id: 'media', label: 'Media', View: MediaView },
  { id: 'apps', label: 'Apps', View: AppsView },
  { id: 'calls', label: 'Calls', View: CallsView },
  { id: 'controls', label: 'Clock & faults', View: ControlsView },
] as const;

function currentView(): string {
  const id = location.hash.replace(/^#/, '');
  return VIEWS.some((v) => v.id === id) ? id : 'overview';
}

function App() {
  const [key, setKey] = useState(storedKey());
  const [view, setView] = useState(currentView());
  const [loginError, setLoginError] = useState<string | undefined>(undefined);
  useEffect(() => {
    const onHash = () => setView(currentView());
    addEventListener('hashchange', onHash);
    return () => removeEventListener('hashchange', onHash);
  }, []);
  const api = useMemo(
    () =>
      key
        ? new AdminApi(key, () => {
            forgetKey();
            setKey(undefined);
            setLoginError('The admin key was refused: enter the current one.');
          })
        : undefined,
    [key],
  );
  if (!api) return <Login error={loginError} onKey={(k) => (storeKey(k), setLoginError(undefined), setKey(k))} />;
  const active = VIEWS.find((v) => v.id === view) ?? VIEWS[0];
  return (
    <>
      <header class="top">
        <h1>wxmedia</h1>
        <nav aria-label="Views">
          {VIEWS.map((v) => (
            <a key={v.id} href={`#${v.id}`} aria-current={v.id === active.id ? 'page' : undefined}>{v.label}</a>
          ))}
        </nav>
        <button type="button" class="logout" onClick={() => (forgetKey(), setKey(undefined))}>Log out</button>
      </header>
      <main>
        <active.View api={api} />
      </main>
    </>
  );
}

function Login({ error, onKey }: { error: string | undefined; onKey: (key: string) => void }) {
  const [value, setValue] = useState('');
  const [checking, setChecking] = useState<string | undefined>(undefined);
  const submit = async (e: Event) => {
    e.preventDefault();
    const key = value.trim();
    if (!key) return;
    try {
      // Checked before it is kept: a wrong key gets a message here, not a page of errors.
      await new AdminApi(key, () => undefined).get(ADMIN_PATHS.clock);
      onKey(key);
    } catch (err) {
      setChecking(err instanceof AdminApiError && err.status === 401 ? 'That is not the admin key.' : (err as Error).message);
    }
  };
  return (
    <main class="login">
      <h1>wxmedia</h1>
      <form onSubmit={submit}>
        <label for="key">Admin key</label>
        <p class="muted">Open the link <code>wxmedia serve</code> prints, or paste the key from <code>&lt;data dir&gt;/admin.key</code>. It stays in this tab only.</p>
        <input id="key" type="password" autoComplete="off" value={value} onInput={(e) => setValue((e.target as HTMLInputElement).value)} autoFocus />
        <button type="submit">Log in</button>
        {(checking ?? error) && <p class="error" role="alert">{checking ?? error}</p>}
      </form>
    </main>
  );
}

takeKeyFromUrl();
render(<App />, document.getElementById('app')!);
