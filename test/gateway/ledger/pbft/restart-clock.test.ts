/**
 * Timers after a restart run from the time the replica restarts, not from genesis. A backup that
 * crashed with a pre-prepare it had not executed restores it; if its timer counted from genesis,
 * the first tick after a restart days later would find it overdue and start a view change the
 * others never join, leaving the replica out of consensus until the next real one.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { toBase64Url, utf8Encode } from '../../../../shared/bytes.js';
import { createNodeCryptoProvider } from '../../../../gateway/crypto/node-provider.js';
import { DigestLogApp } from '../../../../gateway/ledger/node/digest-log-app.js';
import { defaultReplicaParameters } from '../../../../gateway/ledger/pbft/config.js';
import type { Effect } from '../../../../gateway/ledger/pbft/effects.js';
import { Replica } from '../../../../gateway/ledger/pbft/replica.js';
import { MemoryStorage } from '../../../../gateway/ledger/pbft/storage.js';

const crypto = createNodeCryptoProvider();
const n = 4;
const privateKeys = Array.from({ length: n }, (_, index) => crypto.sha256.digest(utf8Encode(`restart clock ${index}`)));
const publicKeys = privateKeys.map((key) => crypto.p256PublicKey(key));
const parameters = { ...defaultReplicaParameters, genesisTimeMs: 1_000 };
const dayMs = 86_400_000;

function boot(index: number, storage: MemoryStorage, startMs?: number): Replica {
  return new Replica(
    { ...parameters, replicaIndex: index, publicKeys, privateKey: privateKeys[index]! },
    { crypto, application: new DigestLogApp(), verifyRequest: () => true, authenticateReply: () => new Uint8Array(0) },
    storage.load(),
    startMs,
  );
}

/** Ticks as a driver does (every 50 ms, well under the stall threshold) from after `fromMs` to `toMs`. */
function tickUntil(replica: Replica, fromMs: number, toMs: number): void {
  for (let nowMs = Math.min(fromMs + 50, toMs); ; nowMs = Math.min(nowMs + 50, toMs)) {
    replica.onTick(nowMs);
    if (nowMs === toMs) return;
  }
}

function persist(storage: MemoryStorage, effects: readonly Effect[]): void {
  for (const effect of effects) if (effect.kind === 'persist') storage.write(effect.record);
}

/**
 * Replica 2 accepts the primary's pre-prepare for one request and hears nothing more. Returned
 * with its storage: the pre-prepare, and replica 1's PREPARE for it, which replica 2 never got.
 */
function backupWithOpenPrePrepare(): { storage: MemoryStorage; heard: [number, unknown][] } {
  const storage = new MemoryStorage();
  const primary = boot(0, new MemoryStorage());
  const other = boot(1, new MemoryStorage());
  const backup = boot(2, storage);
  const request = { type: 'request', clientId: 'c0-0', requestSeq: 1, payload: toBase64Url(utf8Encode('x')), auth: '' };
  const effects = primary.onRequest(request);
  const prePrepare = effects.find((effect) => effect.kind === 'broadcast' && effect.message.type === 'pre-prepare');
  assert.ok(prePrepare !== undefined && prePrepare.kind === 'broadcast');
  const wire = (): unknown => JSON.parse(JSON.stringify(prePrepare.message));
  persist(storage, backup.onMessage(0, wire()));
  assert.ok(
    storage.load().some((record) => record.kind === 'pre-prepare'),
    'the backup persisted the pre-prepare',
  );
  assert.is(backup.status().lastExecuted, 0);
  const prepare = other
    .onMessage(0, wire())
    .find((effect) => effect.kind === 'broadcast' && effect.message.type === 'prepare');
  assert.ok(prepare !== undefined && prepare.kind === 'broadcast');
  return {
    storage,
    heard: [
      [0, wire()],
      [1, JSON.parse(JSON.stringify(prepare.message))],
    ],
  };
}

test('a backup restarted a day after genesis with an open pre-prepare waits a full timeout before changing view', () => {
  const { storage, heard } = backupWithOpenPrePrepare();
  const startMs = parameters.genesisTimeMs + dayMs;
  const restarted = boot(2, storage, startMs);
  // Its links are up at once: f + 1 replicas are heard before its first tick.
  for (const [from, message] of heard) restarted.onMessage(from, message);
  restarted.onTick(startMs + 10);
  assert.is(restarted.status().status, 'normal', 'no view change at the first tick');
  tickUntil(restarted, startMs + 10, startMs + parameters.viewChangeTimeoutMs);
  assert.is(restarted.status().status, 'normal');
  // The batch still has not executed a full timeout later: now the timer is right to fire.
  tickUntil(restarted, startMs + parameters.viewChangeTimeoutMs, startMs + parameters.viewChangeTimeoutMs + 20);
  assert.is(restarted.status().status, 'view-change');
});

test('a restarted backup that hears from nobody blames nobody until maxViewChangeTimeoutMs has passed', () => {
  const { storage } = backupWithOpenPrePrepare();
  const startMs = parameters.genesisTimeMs + dayMs;
  const restarted = boot(2, storage, startMs);
  tickUntil(restarted, startMs, startMs + parameters.maxViewChangeTimeoutMs - 10);
  assert.is(restarted.status().status, 'normal', 'no view change while it has heard from nobody');
  // Past the bound its timers restart: a full timeout later it blames the primary.
  const boundMs = startMs + parameters.maxViewChangeTimeoutMs;
  tickUntil(restarted, boundMs - 10, boundMs + parameters.viewChangeTimeoutMs - 20);
  assert.is(restarted.status().status, 'normal');
  tickUntil(restarted, boundMs + parameters.viewChangeTimeoutMs - 20, boundMs + parameters.viewChangeTimeoutMs + 100);
  assert.is(restarted.status().status, 'view-change');
});

test('without a start time the clock starts at genesis, as before', () => {
  const { storage } = backupWithOpenPrePrepare();
  const restarted = boot(2, storage);
  restarted.onTick(parameters.genesisTimeMs + 10);
  assert.is(restarted.status().status, 'normal');
});

test.run();
