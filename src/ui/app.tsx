// The app shell: providers (database, sync engine, the signed-in user's name), header with the
// always-visible status, banners for storage trouble, an expired login and updates, and the page
// for the current route — or the login screen while this device has no session.
import { useEffect, useMemo, useRef, useState } from 'preact/hooks';
import type { TrackerDb } from '../db/database';
import { DbContext, FirstResultsContext, SessionNameContext, useDbHealth, useDb, type FirstResults } from './data/hooks';
import type { PersistenceState } from '../db/persistence';
import type { SyncEngineApi } from '../sync/engine-api';
import { lazyPage } from './lazy-page';
import { Link } from './link';
import { problemText } from './messages';
import { PlanListPage } from './plan-list-page';
// The plan screen is where people spend their time: it ships with the entry, not lazily.
import { PlanPage } from './plan-page';
import { ErrorBoundary } from './error-boundary';
import { entryState } from './place';
import { paths, useRoute, type Route } from './router';
import { SaveRegistry, SaveRegistryContext, useSaveRegistry } from './save-registry';
import { StatusBar } from './status-bar';
import { SyncContext, useSession, useSyncSelect } from './data/sync-context';

// Screens and panels that are not the first screen load on first use.
const LoginPage = lazyPage(() => import('./login-page').then((m) => m.LoginPage));
const LoginForm = lazyPage(() => import('./login-page').then((m) => m.LoginForm));
const RejectedPanel = lazyPage(() => import('./rejected-panel').then((m) => m.RejectedPanel));
const ItemPage = lazyPage(() => import('./item-page').then((m) => m.ItemPage));
const KpiPage = lazyPage(() => import('./kpi-page').then((m) => m.KpiPage));
const VisitsPage = lazyPage(() => import('./visits-page').then((m) => m.VisitsPage));
const StructurePage = lazyPage(() => import('./structure-page').then((m) => m.StructurePage));
const ReportPage = lazyPage(() => import('./report-page').then((m) => m.ReportPage));
const DashboardPage = lazyPage(() => import('./dashboard-page').then((m) => m.DashboardPage));
const ComparePage = lazyPage(() => import('./compare-page').then((m) => m.ComparePage));
const TextImportPage = lazyPage(() => import('./text-import-page').then((m) => m.TextImportPage));

export interface AppProps {
  db: TrackerDb;
  persistence?: Promise<PersistenceState>;
  /** Resolves the update prompt: set by the service worker registration when a version waits. */
  subscribeUpdate?: (onReady: (apply: () => void) => void) => void;
  /** The sync engine; without one the app works on this device only, with no login. */
  engine?: SyncEngineApi;
  /** Told when the first screen's live queries have all delivered. */
  firstResults?: FirstResults;
}

export function App({ db, persistence, subscribeUpdate, engine, firstResults }: AppProps) {
  const registry = useMemo(() => new SaveRegistry(), []);
  const [persisted, setPersisted] = useState<PersistenceState | null>(null);
  const [applyUpdate, setApplyUpdate] = useState<(() => void) | null>(null);
  useEffect(() => {
    void persistence?.then(setPersisted);
    subscribeUpdate?.((apply) => setApplyUpdate(() => apply));
  }, [persistence, subscribeUpdate]);
  return (
    <DbContext.Provider value={db}>
      <FirstResultsContext.Provider value={firstResults ?? null}>
        <SyncContext.Provider value={engine ?? null}>
          <SaveRegistryContext.Provider value={registry}>
            <Shell persisted={persisted} applyUpdate={applyUpdate} />
          </SaveRegistryContext.Provider>
        </SyncContext.Provider>
      </FirstResultsContext.Provider>
    </DbContext.Provider>
  );
}

/** The sync states that change what the shell shows (the others only change the status bar). */
const SHELL_STATES: ReadonlySet<string> = new Set(['needs-login', 'update-required', 'signed-out']);

interface ShellProps {
  persisted: PersistenceState | null;
  applyUpdate: (() => void) | null;
}

function Shell({ persisted, applyUpdate }: ShellProps) {
  // Only what the shell shows: a sync round trip's other status changes re-render the status bar, not the page.
  const state = useSyncSelect((status) => (status && SHELL_STATES.has(status.state) ? status.state : 'other'));
  const session = useSession();
  const [rejectedOpen, setRejectedOpen] = useState(false);
  const header = useStickyHeaderHeight();
  return (
    <SessionNameContext.Provider value={session?.user.name ?? null}>
      <header class="app-header" ref={header}>
        <Link href={paths.plans()} class="app-title">
          事業計画トラッカー
        </Link>
        <ErrorBoundary what="同期の状態" compact>
          <StatusBar persistence={persisted} rejectedOpen={rejectedOpen} onToggleRejected={() => setRejectedOpen((open) => !open)} />
        </ErrorBoundary>
      </header>
      <HealthBanner />
      {state === 'needs-login' && <ReloginBanner email={session?.user.email ?? ''} />}
      {state === 'update-required' ? <UpdateRequiredBanner applyUpdate={applyUpdate} /> : applyUpdate && <UpdatePrompt apply={applyUpdate} />}
      {rejectedOpen && (
        <ErrorBoundary what="送信できなかった変更">
          <RejectedPanel onClose={() => setRejectedOpen(false)} />
        </ErrorBoundary>
      )}
      <main id="main">{state === 'signed-out' ? <LoginPage /> : <Page />}</main>
    </SessionNameContext.Provider>
  );
}

/**
 * The header wraps onto more lines on a narrow screen or with a long sync error; sticky bars
 * below it (the plan screen's filters) read its height from --header-height.
 */
function useStickyHeaderHeight() {
  const ref = useRef<HTMLElement>(null);
  useEffect(() => {
    const header = ref.current;
    if (!header || typeof ResizeObserver === 'undefined') return;
    const observer = new ResizeObserver(() => document.documentElement.style.setProperty('--header-height', `${header.offsetHeight}px`));
    observer.observe(header);
    return () => observer.disconnect();
  }, []);
  return ref;
}

/** The screen of the current route, behind its own error boundary: the next route starts afresh. */
function Page() {
  const route = useRoute();
  // A screen opens at the top, unless its history entry keeps a place to go back to (place.ts).
  useEffect(() => {
    if (!entryState().place) window.scrollTo(0, 0);
  }, [route.name]);
  return (
    <ErrorBoundary key={screenKey(route)} what="この画面">
      <Screen route={route} />
    </ErrorBoundary>
  );
}

/** Which screen a route shows: a filter or period changed within it keeps the screen (and its boundary). */
function screenKey(route: Route): string {
  return [route.name, 'planId' in route ? route.planId : '', route.name === 'item' ? route.itemId : ''].join('/');
}

function Screen({ route }: { route: Route }) {
  switch (route.name) {
    case 'plans':
      return <PlanListPage openSingle={route.openSingle} />;
    case 'plan':
      return <PlanPage planId={route.planId} periodId={route.periodId} filter={route.filter} />;
    case 'item':
      // A screen of its own per item: from one item straight to another (a link in the refused
      // changes panel) no typed text, draft or autosave state of the first may carry over.
      return <ItemPage key={`${route.planId}/${route.itemId}`} planId={route.planId} itemId={route.itemId} periodId={route.periodId} filter={route.filter} />;
    case 'kpis':
      return <KpiPage planId={route.planId} />;
    case 'visits':
      return <VisitsPage planId={route.planId} filter={route.filter} />;
    case 'structure':
      return <StructurePage planId={route.planId} />;
    case 'report':
      return <ReportPage planId={route.planId} periodId={route.periodId} filter={route.filter} />;
    case 'dashboard':
      return <DashboardPage planId={route.planId} periodId={route.periodId} />;
    case 'compare':
      return <ComparePage planId={route.planId} withPlanId={route.withPlanId} />;
    case 'importText':
      return <TextImportPage />;
    case 'notFound':
      return (
        <section>
          <h1>ページが見つかりません</h1>
          <Link href={paths.plans()}>計画の一覧へ</Link>
        </section>
      );
  }
}

function HealthBanner() {
  const db = useDb();
  const health = useDbHealth();
  if (health.state === 'ok') return null;
  return (
    <div class="banner banner-error" role="alert">
      <span>{problemText({ code: health.code })}</span>
      {health.state === 'upgrade' ? (
        <button type="button" onClick={() => window.location.reload()}>
          再読み込み
        </button>
      ) : health.state === 'closed' ? (
        <button type="button" onClick={() => void db.reopen().catch(() => undefined)}>
          再接続
        </button>
      ) : null}
    </div>
  );
}

/** Applying an update first writes what is being typed, so nothing is thrown away. */
function UpdatePrompt({ apply }: { apply: () => void }) {
  const registry = useSaveRegistry();
  return (
    <section class="banner banner-info" aria-label="アプリの更新">
      <span>新しいバージョンがあります。入力中の内容は保存してから更新します。</span>
      <button
        type="button"
        onClick={async () => {
          await registry.flushAll();
          apply();
        }}
      >
        更新する
      </button>
    </section>
  );
}

/** The token expired: the app stays usable and keeps every edit; a new login resumes syncing. */
function ReloginBanner({ email }: { email: string }) {
  const [open, setOpen] = useState(false);
  return (
    <>
      <div class="banner banner-warn" role="alert">
        <span>ログインの有効期限が切れました。未同期の変更はこの端末に保存されています。</span>
        <button type="button" aria-expanded={open} onClick={() => setOpen(!open)}>
          {open ? '閉じる' : '再ログイン'}
        </button>
      </div>
      {open && (
        <section class="relogin" aria-label="再ログイン">
          <LoginForm initialEmail={email} again />
        </section>
      )}
    </>
  );
}

/** The server speaks a newer protocol: only a newer app can sync. What is typed is written first. */
function UpdateRequiredBanner({ applyUpdate }: { applyUpdate: (() => void) | null }) {
  const registry = useSaveRegistry();
  return (
    <div class="banner banner-error" role="alert">
      <span>アプリを更新してください。サーバーが新しい版になったため、この版では同期できません。未同期の変更はこの端末に保存されています。</span>
      <button
        type="button"
        onClick={async () => {
          await registry.flushAll();
          if (applyUpdate) applyUpdate();
          else window.location.reload();
        }}
      >
        再読み込みして更新
      </button>
    </div>
  );
}
