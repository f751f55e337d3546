/**
 * The application a replica node runs until the market state machine is plugged in: it orders
 * opaque payloads and folds each one into a hash chain. Cheap and deterministic, so the node's
 * measured cost is the consensus itself; and any replica that executed a different sequence
 * (order, duplicates, block time) ends with a different state root, which checkpoints expose.
 * The result of a request is its position in the total order (8 bytes, big-endian).
 */
import { createHash } from 'node:crypto';
import { fromBase64Url, toBase64Url } from '../../../shared/bytes.js';
import { ensure } from '../../../shared/errors.js';
import type { Application, ExecutionContext } from '../pbft/application.js';

const domain = 'gridbid/v1/digest-log\n';

export class DigestLogApp implements Application {
  private executed = 0;
  private chain: Uint8Array = new Uint8Array(32);

  execute(payload: Uint8Array, context: ExecutionContext): Uint8Array {
    this.executed++;
    this.chain = new Uint8Array(
      createHash('sha256')
        .update(domain)
        .update(this.chain)
        .update(`${context.clientId}\n${context.requestSeq}\n${context.height}\n${context.timeMs}\n${context.index}\n`)
        .update(payload)
        .digest(),
    );
    const result = new Uint8Array(8);
    new DataView(result.buffer).setBigUint64(0, BigInt(this.executed));
    return result;
  }

  get executedRequests(): number {
    return this.executed;
  }

  stateRoot(): Uint8Array {
    return new Uint8Array(createHash('sha256').update(domain).update('root\n').update(this.snapshot()).digest());
  }

  snapshot(): Uint8Array {
    return new TextEncoder().encode(JSON.stringify({ executed: this.executed, chain: toBase64Url(this.chain) }));
  }

  restore(snapshot: Uint8Array): void {
    const value = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(snapshot)) as {
      executed?: unknown;
      chain?: unknown;
    };
    ensure(
      Number.isSafeInteger(value.executed) && (value.executed as number) >= 0 && typeof value.chain === 'string',
      'BAD_FORMAT',
      'not a digest-log snapshot',
    );
    const chain = fromBase64Url(value.chain as string);
    ensure(chain.length === 32, 'BAD_FORMAT', 'not a digest-log snapshot');
    this.executed = value.executed as number;
    this.chain = chain;
  }
}
