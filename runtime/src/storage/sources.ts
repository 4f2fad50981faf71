import { readFile } from 'node:fs/promises';

/**
 * The platform's own Workers code for storage, kept as plain JavaScript
 * files beside this one (workerd runs them as they are) and read once.
 */
const cache = new Map<string, Promise<string>>();

function source(file: string): Promise<string> {
  let text = cache.get(file);
  if (!text) {
    text = readFile(new URL(file, import.meta.url), 'utf8');
    cache.set(file, text);
  }
  return text;
}

/** The app-side module of a KV binding (`gov:kv`). */
export const kvBindingSource = () => source('./kv-binding.js');

/** The app-side module of a D1 binding (`gov:d1`). */
export const d1BindingSource = () => source('./d1-binding.js');

/** The app-side module of an R2 binding (`gov:r2`). */
export const r2BindingSource = () => source('./r2-binding.js');

/** The storage service's worker and the modules it imports. */
export const storageWorkerSource = () => source('./storage-worker.js');
export const storageHttpSource = () => source('./storage-http.js');
export const r2BucketSource = () => source('./r2-bucket.js');
