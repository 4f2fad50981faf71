import type { Values } from './request.ts';

/**
 * The few KV methods the procedure uses, as Workers and Gov provide them
 * (`kv_namespaces` in wrangler.jsonc). Typed here so the app needs no
 * Cloudflare type package.
 */
export interface KvNamespace {
  get(key: string, type: 'json'): Promise<unknown>;
  put(key: string, value: string): Promise<void>;
}

/** Where a request stands, as the citizen sees it on the tracking page. */
export type RequestStatus = 'recue' | 'en_traitement' | 'prete' | 'remise';

/** A request as it is kept: what the citizen sent, and where it stands. */
export interface StoredRequest {
  trackingNumber: string;
  receivedAt: string;
  status: RequestStatus;
  values: Values;
}

const keyOf = (trackingNumber: string) => `demande:${trackingNumber}`;

/** Keeps a new request under its tracking number; false if that number is taken. */
export async function saveNewRequest(kv: KvNamespace, request: StoredRequest): Promise<boolean> {
  // 32^8 numbers a year make a collision rare; it still never overwrites one.
  if ((await kv.get(keyOf(request.trackingNumber), 'json')) !== null) return false;
  await kv.put(keyOf(request.trackingNumber), JSON.stringify(request));
  return true;
}

export async function findRequest(
  kv: KvNamespace,
  trackingNumber: string,
): Promise<StoredRequest | undefined> {
  const found = (await kv.get(keyOf(trackingNumber), 'json')) as StoredRequest | null;
  return found ?? undefined;
}
