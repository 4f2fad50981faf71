// The chain's rules live in the shared contract, so that the CLI checks the
// log exactly as the platform writes it.
export { canonicalJson, GENESIS_HASH, recordHash } from '@gov/contract';
