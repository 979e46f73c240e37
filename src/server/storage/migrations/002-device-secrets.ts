// Device secrets: a random secret a successful login hands the device, kept there and sent with
// later logins, which lets the owner of that device past the login throttle (the password is
// still checked). Only its SHA-256 is stored, like a token's.
import type { Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('device_secrets')
    .addColumn('hash', 'text', (c) => c.primaryKey())
    .addColumn('user_id', 'text', (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('created_at', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('device_secrets_user').on('device_secrets').column('user_id').execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('device_secrets').execute();
}
