/** No 0/O or 1/I: a citizen reads this number over the phone. */
const ALPHABET = 'ABCDEFGHJKLMNPQRSTUVWXYZ23456789';

function randomGroup(length: number): string {
  const bytes = new Uint8Array(length);
  crypto.getRandomValues(bytes);
  // 256 is a multiple of 32, so the modulo adds no bias.
  return Array.from(bytes, (b) => ALPHABET[b % ALPHABET.length]).join('');
}

/** A tracking number like EC-2026-7K3M-Q9XD: EC for état civil, then the year. */
export function newTrackingNumber(now: Date = new Date()): string {
  return `EC-${now.getUTCFullYear()}-${randomGroup(4)}-${randomGroup(4)}`;
}

export const TRACKING_NUMBER = /^EC-\d{4}-[A-HJ-NP-Z2-9]{4}-[A-HJ-NP-Z2-9]{4}$/;
