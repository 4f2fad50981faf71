import { randomBytes } from 'node:crypto';
import { and, asc, eq, ne, sql } from 'drizzle-orm';
import type { Database } from '../db/database.ts';
import { appSecrets, ministryKeys } from '../db/schema/index.ts';
import { newId } from '../ids.ts';
import { KEY_BYTES, open, seal } from './envelope.ts';
import type { MasterKeys } from './master-key.ts';

/** What binds each sealed value to its place (the associated data of AES-GCM). */
const dataKeyPlace = (ministryId: string) => `gov:ministry-key:${ministryId}`;
const secretPlace = (appId: string, name: string) => `gov:secret:${appId}:${name}`;

/** A secret as the API lists it: never its value. */
export interface SecretListing {
  name: string;
  revision: number;
  updatedAt: Date;
  updatedBy: string | null;
}

/**
 * Envelope encryption of app secrets. Each ministry has a random data key,
 * stored wrapped by the master key; each secret is sealed with its
 * ministry's data key. Values are opened only to hand them to a runtime
 * (never to the API), and exist in clear nowhere in the database.
 */
export class SecretVault {
  readonly #keys: MasterKeys;

  constructor(keys: MasterKeys) {
    this.#keys = keys;
  }

  /** Sets (or replaces) a secret, in the caller's transaction. */
  async put(
    tx: Database,
    input: { ministryId: string; appId: string; name: string; value: string; actor: string },
  ): Promise<{ revision: number; created: boolean }> {
    const key = await this.#dataKey(tx, input.ministryId);
    const sealedValue = seal(
      key,
      Buffer.from(input.value, 'utf8'),
      secretPlace(input.appId, input.name),
    );
    const [row] = await tx
      .insert(appSecrets)
      .values({
        id: newId('secret'),
        appId: input.appId,
        name: input.name,
        sealedValue,
        updatedBy: input.actor,
      })
      .onConflictDoUpdate({
        target: [appSecrets.appId, appSecrets.name],
        set: {
          sealedValue,
          revision: sql`${appSecrets.revision} + 1`,
          updatedAt: new Date(),
          updatedBy: input.actor,
        },
      })
      .returning({ revision: appSecrets.revision });
    if (!row) throw new Error('secret upsert returned no row');
    return { revision: row.revision, created: row.revision === 1 };
  }

  /** Removes a secret; false when the app had none by that name. */
  async remove(tx: Database, appId: string, name: string): Promise<boolean> {
    const gone = await tx
      .delete(appSecrets)
      .where(and(eq(appSecrets.appId, appId), eq(appSecrets.name, name)))
      .returning({ id: appSecrets.id });
    return gone.length > 0;
  }

  async list(db: Database, appId: string): Promise<SecretListing[]> {
    return db
      .select({
        name: appSecrets.name,
        revision: appSecrets.revision,
        updatedAt: appSecrets.updatedAt,
        updatedBy: appSecrets.updatedBy,
      })
      .from(appSecrets)
      .where(eq(appSecrets.appId, appId))
      .orderBy(asc(appSecrets.name));
  }

  /** Every secret of an app, opened: for the runtime that starts one of its versions. */
  async reveal(db: Database, ministryId: string, appId: string): Promise<Record<string, string>> {
    const rows = await db
      .select({ name: appSecrets.name, sealedValue: appSecrets.sealedValue })
      .from(appSecrets)
      .where(eq(appSecrets.appId, appId));
    if (rows.length === 0) return {};
    const key = await this.#dataKey(db, ministryId);
    const values: Record<string, string> = {};
    for (const row of rows) {
      values[row.name] = open(key, row.sealedValue, secretPlace(appId, row.name)).toString('utf8');
    }
    return values;
  }

  /**
   * Master-key rotation: every data key wrapped by the previous master key is
   * unwrapped with it and wrapped again with the current one. Secrets are not
   * touched. Idempotent; returns how many keys were rewrapped.
   */
  async rewrap(db: Database): Promise<number> {
    const { current, previous } = this.#keys;
    if (!previous) return 0;
    const stale = await db
      .select()
      .from(ministryKeys)
      .where(ne(ministryKeys.masterKeyId, current.id));
    let count = 0;
    for (const row of stale) {
      if (row.masterKeyId !== previous.id) {
        throw new Error(
          `the data key of ministry ${row.ministryId} is wrapped by master key ${row.masterKeyId}, neither GOV_MASTER_KEY nor GOV_MASTER_KEY_PREVIOUS`,
        );
      }
      const key = open(previous.key, row.wrappedKey, dataKeyPlace(row.ministryId));
      await db
        .update(ministryKeys)
        .set({
          wrappedKey: seal(current.key, key, dataKeyPlace(row.ministryId)),
          masterKeyId: current.id,
          rewrappedAt: new Date(),
        })
        .where(
          and(
            eq(ministryKeys.ministryId, row.ministryId),
            eq(ministryKeys.masterKeyId, previous.id),
          ),
        );
      count += 1;
    }
    return count;
  }

  /** The ministry's data key, made at its first secret. */
  async #dataKey(db: Database, ministryId: string): Promise<Buffer> {
    const { current } = this.#keys;
    await db
      .insert(ministryKeys)
      .values({
        ministryId,
        wrappedKey: seal(current.key, randomBytes(KEY_BYTES), dataKeyPlace(ministryId)),
        masterKeyId: current.id,
      })
      .onConflictDoNothing();
    const [row] = await db
      .select()
      .from(ministryKeys)
      .where(eq(ministryKeys.ministryId, ministryId));
    if (!row) throw new Error(`no data key for ministry ${ministryId}`);
    const master =
      row.masterKeyId === current.id
        ? current
        : row.masterKeyId === this.#keys.previous?.id
          ? this.#keys.previous
          : undefined;
    if (!master) {
      throw new Error(
        `the data key of ministry ${ministryId} is wrapped by master key ${row.masterKeyId}, which this platform was not given: set GOV_MASTER_KEY (and GOV_MASTER_KEY_PREVIOUS while rotating)`,
      );
    }
    return open(master.key, row.wrappedKey, dataKeyPlace(ministryId));
  }
}
