/** The seeded generator on node:crypto's SHA-256, for host-side inputs (fast for megabytes). */
import { createHash } from 'node:crypto';
import type { RandomSource } from '../shared/crypto/random.js';
import { seededRandom } from './random.js';

export function hostSeededRandom(seed: string): RandomSource {
  return seededRandom(seed, (data) => createHash('sha256').update(data).digest());
}
