/**
 * Tracking numbers for requests, such as EC-2026-7K3M-Q9XD: EC for état
 * civil, the year, then two groups of four characters. A citizen reads the
 * number over the phone or copies it from an SMS, so the alphabet has no
 * 0/O and no 1/I. 32^8 (about 10^12) numbers a year: collisions are
 * negligible for a ministry's volume, and the store that will keep requests
 * should still refuse a duplicate.
 */
export const TRACKING_ALPHABET = 'ABCDEFGHJKLMNPQRSTUVWXYZ23456789';

export const TRACKING_NUMBER = /^EC-\d{4}-[A-HJ-NP-Z2-9]{4}-[A-HJ-NP-Z2-9]{4}$/;

function randomGroup(length: number): string {
  const bytes = new Uint8Array(length);
  crypto.getRandomValues(bytes);
  // 256 is a multiple of 32, so the modulo adds no bias.
  return Array.from(bytes, (b) => TRACKING_ALPHABET[b % TRACKING_ALPHABET.length]).join('');
}

/** A new, cryptographically random tracking number for a request made at `now`. */
export function newTrackingNumber(now: Date = new Date()): string {
  return `EC-${now.getUTCFullYear()}-${randomGroup(4)}-${randomGroup(4)}`;
}
