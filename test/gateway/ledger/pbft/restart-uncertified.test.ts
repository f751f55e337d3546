/**
 * Whole-cluster restart with a certificate lost. Four replicas run to height 8 (K = 4). Replica 2
 * crashes on the input that would certify block 8, before that input's records are durable: it
 * has executed block 8 but holds no certificate for it. The others certify block 8 and make
 * checkpoint 8 stable. Then the whole cluster restarts from storage. The others restore from
 * checkpoint 8 and no longer hold block 8 in memory; replica 2 replays blocks 5..8, finds no
 * certificate for 8, and asks its peers for it. Every peer answers without the block; checkpoint
 * 8 is stable, so block 8 committed: replica 2 leaves it to the archive (a historyGap) and
 * announces from height 9 on, instead of asking forever and never announcing again.
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
const privateKeys = Array.from({ length: n }, (_, index) =>
  crypto.sha256.digest(utf8Encode(`uncertified restart ${index}`)),
);
const publicKeys = privateKeys.map((key) => crypto.p256PublicKey(key));
const parameters = {
  ...defaultReplicaParameters,
  checkpointIntervalSeqs: 4,
  windowSeqs: 8,
  maxBatchRequests: 1,
  genesisTimeMs: 1_000,
  retransmitIntervalMs: 50,
  stateTransferTimeoutMs: 100,
  blockFetchDelayMs: 100,
};

test('a replica that lost the certificate of its last block before a whole-cluster restart announces again', () => {
  const storages = Array.from({ length: n }, () => new MemoryStorage());
  const up = [true, true, true, true];
  let replicas: Replica[] = [];
  let nowMs = parameters.genesisTimeMs;
  const queue: { to: number; from: number; message: unknown }[] = [];
  const boot = () => {
    replicas = storages.map(
      (storage, index) =>
        new Replica(
          { ...parameters, replicaIndex: index, publicKeys, privateKey: privateKeys[index]! },
          {
            crypto,
            application: new DigestLogApp(),
            verifyRequest: () => true,
            authenticateReply: () => new Uint8Array(0),
          },
          storage.load(),
        ),
    );
  };
  const gaps: string[] = [];
  const deliver = (index: number, effects: Effect[]) => {
    // Replica 2 crashes on the input that certifies block 8: none of its effects happen.
    if (
      index === 2 &&
      effects.some(
        (effect) => effect.kind === 'persist' && effect.record.kind === 'certificate' && effect.record.height === 8,
      )
    ) {
      up[2] = false;
      return;
    }
    for (const effect of effects) {
      if (effect.kind === 'persist') storages[index]!.write(effect.record);
      if (effect.kind === 'historyGap') gaps.push(`${index}:${effect.fromHeight}..${effect.toHeight}`);
      const copy = (message: unknown) => JSON.parse(JSON.stringify(message)) as unknown;
      if (effect.kind === 'send') queue.push({ to: effect.to, from: index, message: copy(effect.message) });
      if (effect.kind === 'broadcast')
        for (let to = 0; to < n; to++) if (to !== index) queue.push({ to, from: index, message: copy(effect.message) });
    }
  };
  const run = (durationMs: number) => {
    for (const end = nowMs + durationMs; nowMs < end;) {
      nowMs += 5;
      replicas.forEach((replica, index) => {
        if (up[index]) deliver(index, replica.onTick(nowMs));
      });
      while (queue.length > 0) {
        const { to, from, message } = queue.shift()!;
        if (up[to]) deliver(to, replicas[to]!.onMessage(from, message));
      }
    }
  };
  const request = (requestSeq: number) => ({
    type: 'request',
    clientId: 'c0-0',
    requestSeq,
    payload: toBase64Url(new Uint8Array([requestSeq])),
    auth: '',
  });

  boot();
  for (let seq = 1; seq <= 8; seq++) {
    deliver(0, replicas[0]!.onRequest(request(seq)));
    run(20);
  }
  assert.equal(
    replicas.map((replica) => replica.status().lastExecuted),
    [8, 8, 8, 8],
  );
  assert.is(up[2], false, 'replica 2 crashed before certifying block 8');

  queue.length = 0;
  up.fill(true);
  boot();
  run(2_000);
  assert.equal(
    replicas.map((replica) => replica.status().lastAnnounced),
    [8, 8, 8, 8],
  );
  assert.equal(gaps, ['2:8..8'], 'the block whose certificate replica 2 lost is left to the archive');

  // Announcing goes on after the gap, and old blocks are pruned again.
  for (let seq = 9; seq <= 20; seq++) {
    deliver(0, replicas[0]!.onRequest(request(seq)));
    run(20);
  }
  run(500);
  assert.equal(
    replicas.map((replica) => replica.status().lastAnnounced),
    [20, 20, 20, 20],
  );
  assert.ok(
    replicas.every((replica) => replica.status().blocksHeld <= parameters.windowSeqs),
    'blocks one window below the checkpoint are pruned',
  );
});

test.run();
