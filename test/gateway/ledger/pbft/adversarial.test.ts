/**
 * Hand-built adversarial schedules: each test delivers messages one step at a time to reach a
 * state random schedules almost never reach, where a single weakened rule turns into two correct
 * replicas executing different blocks at one height. The unmodified replica must stay safe on
 * every one of them (PBFT is safe under any schedule with at most f faulty replicas).
 *
 * Twins (Bano et al., 2020): instead of writing Byzantine behaviour, run two copies of one
 * replica, same key and index, in different partitions. Each copy is correct, but together they
 * equivocate or forget what the other said, as a Byzantine replica may. With twins of at most f
 * identities, any violation is the replica's fault, not the schedule's.
 *
 * Where the lie is one the unmodified code never tells (a NEW-VIEW that differs from its plan, a
 * checkpoint nobody signed), the faulty identity's node runs unmodified and the test sends the
 * lie under its key (`ScriptedNetwork.forge`, the forgeries of the simulator's Byzantine
 * replicas). Crash schedules need no faulty replica at all: a node crashes right after sending
 * a given message and restarts from what it had made durable by then.
 *
 * Unless a test says otherwise n = 4, f = 1: prepared = pre-prepare + 2 prepares, committed =
 * 3 commits, a NEW-VIEW needs 3 VIEW-CHANGEs. Twins are replica `<i>a` and `<i>b`.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { Checkpoint, NewView } from '../../../../gateway/ledger/pbft/messages.js';
import {
  type NewViewForgery,
  type ProofForgery,
  commitsForForgery,
  forgeNewView,
  forgedNewerChunk,
} from '../../../sim/byzantine.js';
import { simReplicaParameters } from '../../../sim/cluster.js';
import { nodeProvider, replicaKeys } from '../../../sim/keys.js';
import { ScriptedNetwork } from './scripted-network.js';

/** Long enough for a pre-prepared batch or an awaited request to time out (no back-off yet). */
const timeoutMs = simReplicaParameters.viewChangeTimeoutMs + 50;

function assertSafe(net: ScriptedNetwork): void {
  assert.equal(net.violations(), [], 'safety violated');
}

/** The schedule did what it meant to: `labels` executed at least `height` blocks (the checker compares them). */
function assertExecuted(net: ScriptedNetwork, labels: readonly string[], height: number): void {
  for (const label of labels) {
    const executed = net.executed(label).height;
    assert.ok(executed >= height, `replica ${label} executed ${executed} blocks, expected at least ${height}`);
  }
}

/** Moves the clock past the view-change timeout, then lets the view change and its NEW-VIEW run. */
function changeView(net: ScriptedNetwork): void {
  net.advance(timeoutMs);
  net.deliver({ type: ['view-change', 'new-view'] });
  net.deliver();
}

test('n = 4: commit at f + 1 in one partition, twin 3b helps a second partition commit otherwise: guards the 2f + 1 commit quorum', () => {
  const net = new ScriptedNetwork(4, [3]);
  // Partition 1: replica 2 and twin 3a prepare A and commit; 2 sees only two commits (its own and 3a's).
  net.partition([['0', '1', '2', '3a'], ['3b']]);
  net.request('0', 'client-a', 1);
  net.deliver({ type: 'pre-prepare', view: 0 });
  net.deliver({ type: 'prepare', from: ['2', '3a'], to: ['2', '3a'] });
  net.deliver({ type: 'commit', from: '3a', to: '2' });
  net.drop();
  // Partition 2: 0, 1 and twin 3b (the third of the quorum, with nothing prepared) change view
  // and commit B at height 1. Only a 2f + 1 commit quorum keeps replica 2 from having executed A.
  net.partition([
    ['0', '1', '3b'],
    ['2', '3a'],
  ]);
  changeView(net);
  net.request('1', 'client-b', 2);
  net.deliver();
  assertSafe(net);
  assertExecuted(net, ['0', '1'], 1);
  assert.is(net.executed('2').height, 0, 'two commits of four are not a quorum');
});

test('n = 7, twins 5 and 6 (f = 2): replica 4 executes on f + 1 commits in one partition, the other commits B: guards the 2f + 1 commit quorum', () => {
  const net = new ScriptedNetwork(7, [5, 6]);
  // Replica 4 and twins 5a, 6a prepare A (with 3's prepare); 4 gets the twins' commits only.
  net.partition([
    ['0', '1', '2', '3', '4', '5a', '6a'],
    ['5b', '6b'],
  ]);
  net.request('0', 'client-a', 1);
  net.deliver({ type: 'pre-prepare', view: 0 });
  net.deliver({ type: 'prepare', from: ['3', '4', '5a', '6a'], to: ['4', '5a', '6a'] });
  net.deliver({ type: 'commit', from: ['5a', '6a'], to: '4' });
  net.drop();
  // Replicas 0 to 3 and twins 5b, 6b hold no certificate: the view-1 primary starts over at seq 1.
  net.partition([
    ['0', '1', '2', '3', '5b', '6b'],
    ['4', '5a', '6a'],
  ]);
  changeView(net);
  net.request('1', 'client-b', 2);
  net.deliver();
  assertSafe(net);
  assertExecuted(net, ['0', '1', '2', '3'], 1);
  assert.is(net.executed('4').height, 0, 'three commits of seven are not a quorum');
});

test('prepared at a minority in view 0, a later certificate in view 1: guards NEW-VIEW picking the highest-view certificate', () => {
  const net = new ScriptedNetwork(4);
  // View 0: only replica 3 prepares A at seq 1.
  net.request('0', 'client-a', 1);
  net.deliver({ type: 'pre-prepare', view: 0 });
  net.deliver({ type: 'prepare', from: ['1', '2'], to: '3' });
  net.drop();
  // View 1 without replica 3: no certificate reaches the new primary, B commits at seq 1.
  net.partition([['0', '1', '2'], ['3']]);
  changeView(net);
  net.request('1', 'client-b', 2);
  net.deliver();
  assertExecuted(net, ['0', '1', '2'], 1);
  // View 2: backups 0 and 2 await a request the primary never gets; the view change now hears 3.
  net.heal();
  net.request('0', 'client-c', 3);
  net.request('2', 'client-c', 3);
  net.drop({ type: 'request' });
  net.advance(timeoutMs);
  net.deliver({ type: 'view-change', view: 2, to: ['1', '3'] });
  // The view-2 primary decides on its own, 0's and 3's VIEW-CHANGEs: B prepared in view 1 (and
  // committed), A in view 0 at 3. Only the later certificate is safe: A's is older than B's commit.
  net.deliver({ type: 'view-change', view: 2, from: ['0', '3'], to: '2' });
  net.deliver({ view: 2 });
  assertSafe(net);
  assertExecuted(net, ['0', '1', '2', '3'], 1);
});

test('committed at one replica, view change without it: guards VIEW-CHANGE carrying the prepared certificates', () => {
  const net = new ScriptedNetwork(4);
  // View 0: 0, 1, 2 prepare A; only replica 2 sees the commits and executes it.
  net.request('0', 'client-a', 1);
  net.deliver({ type: 'pre-prepare', view: 0 });
  net.deliver({ type: 'prepare', to: ['0', '1', '2'] });
  net.deliver({ type: 'commit', to: '2' });
  net.drop();
  assert.is(net.executed('2').height, 1);
  // View 1 among 0, 1, 3: the certificates of 0 and 1 must bring A back at seq 1.
  net.partition([['0', '1', '3'], ['2']]);
  changeView(net);
  net.request('1', 'client-b', 2);
  net.deliver();
  assertSafe(net);
  assertExecuted(net, ['0', '1', '2', '3'], 1);
});

test('twin primary proposes A to one side and B to the other: guards the 2f prepare quorum', () => {
  const net = new ScriptedNetwork(4, [0]);
  // View 0: twin 0a proposes A to 2 and 3, which prepare and commit it; only 3 executes.
  // Twin 0b proposes B to 1, which holds just its own prepare for it.
  net.partition([
    ['0a', '2', '3'],
    ['0b', '1'],
  ]);
  net.request('0a', 'client-a', 1);
  net.request('0b', 'client-b', 2);
  net.deliver({ type: 'pre-prepare', view: 0 });
  net.deliver({ type: 'prepare', from: ['2', '3'] });
  net.deliver({ type: 'commit', to: '3' });
  net.drop();
  assert.is(net.executed('3').height, 1);
  // View 1 among 0b, 1, 2: 2 reports A prepared in view 0. With 2f prepares required 1 has no
  // certificate for B; with f its own prepare is one, and as the new primary it lists its own
  // VIEW-CHANGE first, so B wins the tie between two view-0 certificates.
  net.partition([
    ['0b', '1', '2'],
    ['0a', '3'],
  ]);
  changeView(net);
  net.deliver();
  assertSafe(net);
  assertExecuted(net, ['1', '2', '3'], 1);
});

test('crashes only: 1 and 2 crash right after sending their COMMITs, 3 executes A, the view change is without 3: guards the prepared certificate made durable before the COMMIT', () => {
  const net = new ScriptedNetwork(4);
  // View 0: backups 1, 2 and 3 prepare A at seq 1; the primary never sees their prepares. 1 and 2
  // crash right after their COMMITs leave (they keep only what was durable by then); 3 gets both
  // and executes A.
  net.request('0', 'client-a', 1);
  net.deliver({ type: 'pre-prepare', view: 0 });
  net.crashAfter('1', 'commit');
  net.crashAfter('2', 'commit');
  net.deliver({ type: 'prepare', to: ['1', '2', '3'] });
  net.deliver({ type: 'commit', to: '3' });
  net.drop();
  assert.is(net.executed('3').height, 1);
  assert.ok(!net.node('1').up && !net.node('2').up, 'replicas 1 and 2 crashed after their commits');
  // 1 and 2 restart cut off from 3, and what they re-send in view 0 is lost: only the view change
  // can finish seq 1, and of the three VIEW-CHANGEs only theirs can carry A's certificate, from
  // their storage. Without it the view-1 primary starts over at seq 1 with B.
  net.partition([['0', '1', '2'], ['3']]);
  net.restart('1');
  net.restart('2');
  net.drop();
  // Their links come up: they hear what 0 and each other re-send (a restarted replica blames no
  // primary before it has heard from f + 1 replicas), while 0 hears nothing of theirs.
  net.advance(simReplicaParameters.retransmitIntervalMs);
  net.deliver({ to: ['1', '2'] });
  net.drop();
  changeView(net);
  net.request('1', 'client-b', 2);
  net.deliver();
  assertSafe(net);
  assertExecuted(net, ['0', '1', '2'], 1);
});

/**
 * View 0 proposes A and B at seqs 1 and 2 (n = 4); every replica prepares both, only 3 gets the
 * commits and executes them. Then 3 is cut off and the others change to view 1, whose primary 1
 * is faulty: it keeps the VIEW-CHANGEs but bends the re-issued pre-prepares (`time`: A and B at
 * another block time, same batches; `seq`: A and B swapped, in plan order), re-signs them and the
 * NEW-VIEW with its own key, and sends its COMMITs for them. A backup that takes that NEW-VIEW
 * commits the bent pre-prepares with the faulty primary's vote and executes blocks 1 and 2 other
 * than 3 did; one that recomputes the plan refuses it, and view 2 re-issues A and B.
 */
function forgedNewViewSchedule(forgery: NewViewForgery): ScriptedNetwork {
  const net = new ScriptedNetwork(4, [], [1]);
  net.request('0', 'client-a', 1);
  net.request('0', 'client-b', 2);
  net.advance(10, ['0']); // the tick flushes B into its own pre-prepare
  net.deliver({ type: 'pre-prepare', view: 0 });
  net.deliver({ type: 'prepare' });
  net.deliver({ type: 'commit', to: '3' });
  net.drop();
  assertExecuted(net, ['3'], 2);
  net.partition([['0', '1', '2'], ['3']]);
  net.advance(timeoutMs);
  net.deliver({ type: 'view-change' });
  const honest = net.peek({ type: 'new-view', from: '1' })[0]?.message as NewView | undefined;
  assert.ok(honest !== undefined && honest.prePrepares.length === 2, 'primary 1 re-issues seqs 1 and 2');
  net.drop({ type: 'new-view' });
  const key = replicaKeys(4).privateKeys[1]!;
  const forged = forgeNewView(nodeProvider, key, honest, forgery, 500)!;
  net.forge('1', ['0', '2'], forged);
  for (const commit of commitsForForgery(nodeProvider, key, honest, forged)) net.forge('1', ['0', '2'], commit);
  net.deliver();
  return net;
}

for (const forgery of ['time', 'seq'] as const) {
  test(`faulty new primary 1 re-issues A and B bent (${forgery}) after 3 executed them: guards backups checking each re-issued pre-prepare (seq and proposal) against the plan they recompute`, () => {
    const net = forgedNewViewSchedule(forgery);
    assertSafe(net);
    for (const label of ['0', '2'])
      assert.ok(net.node(label).replica.metrics.badNewView >= 1, `replica ${label} refused the forged NEW-VIEW`);
    // The faulty primary's view times out; view 2 re-issues A and B as prepared.
    changeView(net);
    assertSafe(net);
    assertExecuted(net, ['0', '2'], 2);
  });
}

/**
 * 3 is cut off while 0, 1, 2 run past two checkpoints (K = 4, L = 8); after the heal it sees
 * checkpoint 12 stable and asks 0, the first signer, for its snapshot. Faulty 0 first answers
 * with a whole snapshot it made up for checkpoint 16, newer, which would re-target the transfer,
 * with a proof that is no proof (`own`: its CHECKPOINT alone; `repeated`: that one 3 times;
 * `borrowed`: under the indices of 1 and 2 with its own signature; `stale`: the real proof of
 * checkpoint 12). Taken, 3 would install a state no correct replica ever had.
 */
for (const forgery of ['own', 'repeated', 'borrowed', 'stale'] as const satisfies readonly ProofForgery[]) {
  test(`faulty peer answers state transfer with a newer checkpoint on a forged proof (${forgery}): guards the 2f + 1 proof of a re-targeted transfer`, () => {
    const net = new ScriptedNetwork(4, [], [0]);
    net.partition([['0', '1', '2'], ['3']]);
    for (let i = 1; i <= 12; i++) {
      net.request('0', `client-${i % 3}`, i);
      net.deliver();
    }
    assertExecuted(net, ['1', '2'], 12);
    net.heal();
    net.drop();
    net.advance(simReplicaParameters.retransmitIntervalMs, ['0', '1', '2']);
    const proof = net
      .peek({ type: 'checkpoint', to: '3' })
      .map((envelope) => envelope.message as unknown as Checkpoint)
      .filter((message) => message.seq === 12);
    net.deliver({ type: 'checkpoint', to: '3' });
    assert.is(net.peek({ type: 'snapshot-request', from: '3', to: '0' }).length, 1, '3 asks 0 for checkpoint 12');
    const chunk = forgedNewerChunk(nodeProvider, replicaKeys(4).privateKeys[0]!, 0, 4, 16, net.nowMs, forgery, proof);
    net.forge('0', '3', chunk);
    net.deliver({ type: 'snapshot-chunk', to: '3' });
    assertSafe(net);
    assert.ok(net.node('3').replica.metrics.badCheckpointProof >= 1, 'the forged proof was refused');
    // The real transfer goes on and 3 joins the others at checkpoint 12.
    net.deliver();
    net.advance(1_000, ['0', '1', '2', '3']);
    net.deliver();
    assertSafe(net);
    assert.is(net.executed('3').headHash, net.executed('1').headHash);
  });
}

test.run();
