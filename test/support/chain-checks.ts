/**
 * What users of the ledger rely on, checked on the chains the replicas stored: every chain is
 * complete and linked, all chains are the same block for block, and every request a client had
 * acknowledged is in every chain exactly once.
 */
import * as assert from 'uvu/assert';
import type { StoredBlockSummary } from '../../tools/cluster/stored-chain.js';

export interface AcknowledgedRequest {
  readonly clientId: string;
  readonly requestSeq: number;
}

const requestKey = (request: AcknowledgedRequest): string => `${request.clientId}#${request.requestSeq}`;

/** Heights 1..height all present, in order, each linked to the one before, and nothing above. */
export function checkLinkedChain(chain: readonly StoredBlockSummary[], height: number, who: string): void {
  const stored = new Set(chain.map((block) => block.height));
  const missing: number[] = [];
  for (let h = 1; h <= height && missing.length < 10; h++) if (!stored.has(h)) missing.push(h);
  assert.equal(missing, [], `${who} lacks blocks ${missing.join(', ')} of 1..${height}`);
  assert.is(chain.length, height, `${who} stores ${chain.length} blocks, expected ${height}`);
  for (let h = 2; h <= height; h++) {
    assert.is(chain[h - 1]!.previousHash, chain[h - 2]!.hash, `${who}: block ${h} does not link to block ${h - 1}`);
  }
}

/** Every chain linked up to `height`, and the same block at every height on every replica. */
export function checkChainsAgree(chains: readonly (readonly StoredBlockSummary[])[], height: number): void {
  chains.forEach((chain, index) => checkLinkedChain(chain, height, `replica ${index}`));
  for (let h = 0; h < height; h++) {
    const hashes = chains.map((chain) => chain[h]!.hash);
    assert.is(new Set(hashes).size, 1, `replicas disagree on block ${h + 1}: ${hashes.join(', ')}`);
  }
}

/** Each acknowledged request occurs exactly once in each replica's chain (not lost, not executed twice). */
export function checkAcknowledgedOnce(
  chains: readonly (readonly StoredBlockSummary[])[],
  acknowledged: readonly AcknowledgedRequest[],
): void {
  chains.forEach((chain, index) => {
    const occurrences = new Map<string, number>();
    for (const block of chain) for (const key of block.requests) occurrences.set(key, (occurrences.get(key) ?? 0) + 1);
    const missing: string[] = [];
    const repeated: string[] = [];
    for (const request of acknowledged) {
      const count = occurrences.get(requestKey(request)) ?? 0;
      if (count === 0) missing.push(requestKey(request));
      else if (count > 1) repeated.push(`${requestKey(request)} (${count} times)`);
    }
    assert.is(
      missing.length,
      0,
      `replica ${index}: ${missing.length} acknowledged requests missing from its chain: ${missing.slice(0, 5).join(', ')}`,
    );
    assert.is(
      repeated.length,
      0,
      `replica ${index}: ${repeated.length} acknowledged requests more than once in its chain: ${repeated.slice(0, 5).join(', ')}`,
    );
  });
}
