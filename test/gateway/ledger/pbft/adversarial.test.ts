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
 * Unless a test says otherwise n = 4, f = 1: prepared = pre-prepare + 2 prepares, committed =
 * 3 commits, a NEW-VIEW needs 3 VIEW-CHANGEs. Twins are replica `<i>a` and `<i>b`.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { simReplicaParameters } from '../../../sim/cluster.js';
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

test.run();
