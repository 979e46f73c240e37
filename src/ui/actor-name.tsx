import { useState } from 'preact/hooks';
import { ACTOR_KEY, useActorName, useDb } from './data/hooks';
import { useSyncEngine } from './data/sync-context';

/**
 * The name notes and changes are written under on this device, for local-only use. With a server
 * people write under their account's name, so before sign-in there is no 記入者 to show.
 */
export function ActorName() {
  const db = useDb();
  const engine = useSyncEngine();
  const name = useActorName();
  const [editing, setEditing] = useState(false);
  const [draft, setDraft] = useState('');
  if (engine) return null;
  if (!editing) {
    return (
      <button
        type="button"
        class="link-button"
        onClick={() => {
          setDraft(name);
          setEditing(true);
        }}
      >
        記入者: {name}
      </button>
    );
  }
  return (
    <form
      class="inline-form"
      onSubmit={async (e) => {
        e.preventDefault();
        const value = draft.trim().slice(0, 50);
        // The write path loads on use: the status bar is on the first screen, which only reads.
        if (value) await (await import('../db/repository')).setMeta(db, ACTOR_KEY, value);
        setEditing(false);
      }}
    >
      <label>
        記入者名
        <input value={draft} maxLength={50} onInput={(e) => setDraft(e.currentTarget.value)} />
      </label>
      <button type="submit">決定</button>
    </form>
  );
}
