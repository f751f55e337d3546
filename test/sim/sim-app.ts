/**
 * What the simulator replicates: a factory that builds each replica's application (at boot and
 * at every restart, which then restores from storage), and the application's public view, the
 * part of its state a reader of the ledger sees. The checker compares the views of correct
 * replicas at every height they execute, beside the state root the block header already covers:
 * a root that hides a difference, or an accessor that reads the state wrongly, shows up there.
 */
import type { JsonValue } from '../../shared/codec/json-value.js';
import type { HashFunction } from '../../shared/crypto/hash.js';
import type { Application, ExecutionContext } from '../../gateway/ledger/pbft/application.js';
import type { Request } from '../../gateway/ledger/pbft/messages.js';
import { CounterApp } from './counter-app.js';

export interface SimApplication<A extends Application> {
  readonly name: string;
  /** A fresh application for replica `index`, in its genesis state. */
  create(index: number): A;
  /** The state a ledger reader sees (trades, disputes, ...), compared across correct replicas per height. */
  view?(app: A): JsonValue;
  /**
   * The replica's request policy beyond the simulator's own (an empty auth): what it checks
   * before it orders or accepts a request, e.g. a command's signatures. Default: everything.
   */
  admit?(app: A, request: Request): boolean;
  /**
   * What a Byzantine replica puts in the snapshots it forges: its own application, so a replica
   * fooled into installing one would hold a real state at a height it never had. Without it,
   * forged snapshots hold a made-up counter state.
   */
  forgeable?: boolean;
}

export function counterApplication(hash: HashFunction): SimApplication<CounterApp> {
  return {
    name: 'counter',
    create: () => new CounterApp(hash),
    view: (app) => ({ executed: app.executed }),
  };
}

/**
 * `app` as the replica sees it, telling `onBlock` the height of each block that executed at
 * least one request, once the block's requests have run. The replica asks for the state root
 * right after a block's last request and before anything else, so the first `stateRoot()` after
 * requests of a height closes that height. A restore (restart, state transfer) forgets an open one.
 */
export function observedApplication(
  app: Application,
  onBlock: (height: number, stateRoot: Uint8Array) => void,
): Application {
  let open: number | undefined;
  return {
    execute(payload: Uint8Array, context: ExecutionContext): Uint8Array {
      open = context.height;
      return app.execute(payload, context);
    },
    stateRoot(): Uint8Array {
      const root = app.stateRoot();
      if (open !== undefined) {
        const height = open;
        open = undefined;
        onBlock(height, root);
      }
      return root;
    },
    snapshot: () => app.snapshot(),
    restore(snapshot: Uint8Array): void {
      open = undefined;
      app.restore(snapshot);
    },
  };
}
