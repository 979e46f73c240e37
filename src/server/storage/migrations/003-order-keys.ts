// Sibling order became an order key (src/model/order-key.ts): the integer `order` of every
// stored section, item and KPI, and the values of a 並び順 conflict, turn into the key of that
// integer (0 → "a0", 1 → "a1", …), which keeps every plan's order. Devices turn their own copies
// the same way (their database version 4), so versions are left as they are: nothing needs to be
// pulled again. History rows keep the integers they recorded.
import { sql, type Kysely } from 'kysely';
import { upgradeOrders } from '../../../model/order-key';

interface Row {
  table_name: string;
  id: string;
  data: string;
}

export async function up(db: Kysely<unknown>): Promise<void> {
  const { rows } = await sql<Row>`select table_name, id, data from records where table_name in ('sections', 'items', 'kpis', 'conflicts')`.execute(db);
  for (const row of rows) {
    const record = JSON.parse(row.data) as Record<string, unknown>;
    const keyed = upgradeOrders(row.table_name, record);
    if (keyed !== record) await sql`update records set data = ${JSON.stringify(keyed)} where table_name = ${row.table_name} and id = ${row.id}`.execute(db);
  }
}
