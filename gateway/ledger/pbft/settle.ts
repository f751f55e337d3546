/**
 * The settle step: the one place that decides the follow-on work of an input. Handlers record
 * what they learned (a batch committed-local, a stable checkpoint to fetch, a new view whose
 * primary should propose at once) and return; every input then ends here, in this order:
 *
 *   1. execute every committed batch that is next in line (taking the checkpoints that fall due),
 *   2. start the snapshot transfer a step asked for, unless execution has reached it,
 *   3. propose what is queued, as far as the window and the batching rule allow.
 *
 * So no handler runs another step's entry point: the PREPARE handler records that a batch is
 * prepared (or committed-local) and returns; executing it, the checkpoint that falls due and the
 * next proposal happen here. Fetched blocks are the one execution outside this step: state
 * transfer executes them as it checks them against their certificates.
 */
import type { ReplicaCore } from './core.js';
import { executeCommitted } from './execution.js';
import { maybePropose } from './normal-case.js';
import { startWantedSnapshot } from './state-transfer.js';

/** `flush`: a tick, which proposes a partial batch even while another is in flight. */
export function settle(core: ReplicaCore, flush: boolean): void {
  executeCommitted(core);
  startWantedSnapshot(core);
  const flushNow = flush || core.flushDue;
  core.flushDue = false;
  maybePropose(core, flushNow);
}
