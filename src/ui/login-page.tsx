// Login: the screen shown while this device has no session, and the same form reopened from
// the "login expired" banner. It talks to the sync engine only; pending edits stay on the
// device whatever happens here. The embedded default server advertises its demo accounts.
import { useEffect, useRef, useState } from 'preact/hooks';
import type { ServerInfo } from '../model/protocol';
import { ROLE_LABELS } from '../model/protocol';
import { useSyncEngine, useSyncStatus } from './data/sync-context';
import { errorText, problemText } from './messages';

/** デモ用アカウント: lead@demo（リーダー）/ staff@demo（担当）/ admin@demo（管理者）、パスワード demo1234 */
export function demoHint(info: ServerInfo | null): string | null {
  const accounts = info?.demo?.accounts ?? [];
  if (accounts.length === 0) return null;
  const passwords = new Set(accounts.map((a) => a.password));
  if (passwords.size === 1) {
    return `デモ用アカウント: ${accounts.map((a) => `${a.email}（${ROLE_LABELS[a.role]}）`).join('/ ')}、パスワード ${accounts[0]!.password}`;
  }
  return `デモ用アカウント: ${accounts.map((a) => `${a.email}（${ROLE_LABELS[a.role]}、パスワード ${a.password}）`).join('/ ')}`;
}

export function LoginPage() {
  return (
    <section class="page login-page" aria-labelledby="login-heading">
      <h1 id="login-heading">ログイン</h1>
      <p class="hint">支部のアカウントでログインすると、ほかの端末と記入を同期します。この端末に保存された記入は、ログインしてもログアウトしても消えません。</p>
      <LoginForm />
    </section>
  );
}

/** `again`: the session expired while the app stays usable (the banner's 再ログイン). */
export function LoginForm({ initialEmail = '', again = false }: { initialEmail?: string; again?: boolean }) {
  const engine = useSyncEngine();
  const status = useSyncStatus();
  const [email, setEmail] = useState(initialEmail);
  const [password, setPassword] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [info, setInfo] = useState<ServerInfo | null>(null);
  const passwordRef = useRef<HTMLInputElement>(null);
  const online = status?.online ?? navigator.onLine;

  useEffect(() => {
    let alive = true;
    // No info (offline, an old server) just means no hint.
    engine?.serverInfo().then(
      (i) => alive && setInfo(i),
      () => undefined,
    );
    return () => {
      alive = false;
    };
  }, [engine]);

  // Opened on purpose from the banner with the email filled in: the password is what is missing.
  useEffect(() => {
    if (again) passwordRef.current?.focus();
  }, [again]);

  async function onSubmit(e: Event) {
    e.preventDefault();
    if (!engine || busy) return;
    setBusy(true);
    setError(null);
    try {
      const result = await engine.login(email.trim(), password);
      if (result.ok) setPassword('');
      else setError(problemText(result.error));
    } catch (err) {
      setError(`ログインできませんでした。${errorText(err)}`);
    } finally {
      setBusy(false);
    }
  }

  const hint = demoHint(info);
  return (
    <form class="login-form" onSubmit={onSubmit}>
      {!online && (
        <p class="hint offline-hint" role="status">
          {again
            ? 'オフラインです。再ログインにはネットワーク接続が必要です。記入はこのまま続けられます。'
            : 'オフラインです。最初のログインにはネットワーク接続が必要です。接続してからログインしてください。'}
        </p>
      )}
      <label class="field">
        メールアドレス
        <input type="email" name="email" autoComplete="username" required value={email} onInput={(e) => setEmail(e.currentTarget.value)} />
      </label>
      <label class="field">
        パスワード
        <input
          ref={passwordRef}
          type="password"
          name="password"
          autoComplete="current-password"
          required
          value={password}
          onInput={(e) => setPassword(e.currentTarget.value)}
        />
      </label>
      {error && (
        <p class="error" role="alert">
          {error}
        </p>
      )}
      <button type="submit" class="primary" disabled={busy}>
        ログイン
      </button>
      {busy && (
        <span class="hint" role="status">
          ログインしています…
        </span>
      )}
      {hint && <p class="hint demo-hint">{hint}</p>}
    </form>
  );
}
