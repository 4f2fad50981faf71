#!/usr/bin/env node
// The gov CLI runs from TypeScript sources through tsx: no build step to forget.
import { register } from 'tsx/esm/api';

register();
await import('../src/cli/main.ts');
