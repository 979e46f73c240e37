// The app shell: providers, header with the always-visible status, banners for storage
// trouble and updates, and the page for the current route.
import { useEffect, useMemo, useState } from 'preact/hooks';
import type { TrackerDb } from '../db/database';
import { DbContext, useDbHealth, useDb } from '../db/hooks';
import type { PersistenceState } from '../db/persistence';
import { lazyPage } from './lazy-page';
import { Link } from './link';
import { PlanListPage } from './plan-list-page';
// The plan screen is where people spend their time: it ships with the entry, not lazily.
import { PlanPage } from './plan-page';
import { paths, useRoute } from './router';
import { SaveRegistry, SaveRegistryContext, useSaveRegistry } from './save-registry';
import { StatusBar } from './status-bar';

const ItemPage = lazyPage(() => import('./item-page').then((m) => m.ItemPage));
const KpiPage = lazyPage(() => import('./kpi-page').then((m) => m.KpiPage));
const StructurePage = lazyPage(() => import('./structure-page').then((m) => m.StructurePage));

export interface AppProps {
  db: TrackerDb;
  persistence?: Promise<PersistenceState>;
  /** Resolves the update prompt: set by the service worker registration when a version waits. */
  subscribeUpdate?: (onReady: (apply: () => void) => void) => void;
}

export function App({ db, persistence, subscribeUpdate }: AppProps) {
  const registry = useMemo(() => new SaveRegistry(), []);
  const [persisted, setPersisted] = useState<PersistenceState | null>(null);
  const [applyUpdate, setApplyUpdate] = useState<(() => void) | null>(null);
  useEffect(() => {
    void persistence?.then(setPersisted);
    subscribeUpdate?.((apply) => setApplyUpdate(() => apply));
  }, [persistence, subscribeUpdate]);
  return (
    <DbContext.Provider value={db}>
      <SaveRegistryContext.Provider value={registry}>
        <header class="app-header">
          <Link href={paths.plans()} class="app-title">
            事業計画トラッカー
          </Link>
          <StatusBar persistence={persisted} />
        </header>
        <HealthBanner />
        {applyUpdate && <UpdatePrompt apply={applyUpdate} />}
        <main id="main">
          <Page />
        </main>
      </SaveRegistryContext.Provider>
    </DbContext.Provider>
  );
}

function Page() {
  const route = useRoute();
  useEffect(() => window.scrollTo(0, 0), [route.name]);
  switch (route.name) {
    case 'plans':
      return <PlanListPage />;
    case 'plan':
      return <PlanPage planId={route.planId} periodId={route.periodId} />;
    case 'item':
      return <ItemPage planId={route.planId} itemId={route.itemId} periodId={route.periodId} />;
    case 'kpis':
      return <KpiPage planId={route.planId} />;
    case 'structure':
      return <StructurePage planId={route.planId} />;
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
      <span>{health.message}</span>
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
    <div class="banner banner-info" role="region" aria-label="アプリの更新">
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
    </div>
  );
}
