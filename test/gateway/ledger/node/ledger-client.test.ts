/**
 * The gateway's ledger client and the replicas' execution feed, on four in-process replica
 * nodes running the book of record over loopback links and LevelDB: signed orders submitted
 * through the client come back as their `book.result`s; every node's feed reports the same
 * commands with the same results in the same order, and its certified headers carry valid
 * commit certificates; a client started again on its state directory (after a close, or after
 * its process was killed with SIGKILL) continues above the request numbers it used; a full
 * queue refuses at once with QUEUE_FULL.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { fromBase64Url, toBase64Url } from '../../../../shared/bytes.js';
import { BookOfRecord } from '../../../../shared/book/book.js';
import { GridbidError } from '../../../../shared/errors.js';
import { replicaSet, verifyCertificate } from '../../../../shared/ledger/certificate.js';
import { encodeMessage } from '../../../../shared/protocol/codec.js';
import { signMessage } from '../../../../shared/protocol/signing.js';
import { periodIndexAt, periodStartMs } from '../../../../shared/time/period.js';
import { clientKeyFile, readPrivateKey, replicaKeyFile } from '../../../../gateway/ledger/node/cluster-config.js';
import { LedgerClient } from '../../../../gateway/ledger/node/ledger-client.js';
import type { CommittedBlock } from '../../../../gateway/ledger/pbft/effects.js';
import { type FedBlock, ReplicaNode } from '../../../../gateway/ledger/node/replica-node.js';
import { type MadeCluster, makeCluster } from '../../../../tools/cluster/make-cluster.js';
import { freePorts, repositoryRoot } from '../../../../tools/cluster/replica-process.js';
import { type Pseudonym, genesis as worldGenesis, periodMs, provider, pseudonym } from '../../../shared/book/world.js';

async function until(condition: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

interface Feed {
  readonly executed: FedBlock[];
  readonly certified: CommittedBlock[];
  gaps: number;
}

let directory = '';
let cluster: MadeCluster;
let nodes: ReplicaNode[] = [];
let feeds: Feed[] = [];
let seller: Pseudonym;
let buyer: Pseudonym;
/** The trading period: three ahead of now, so its gate stays open for the whole run. */
let tradingPeriod = 0;
let orderNumber = 0;

function nextOrder(): Uint8Array {
  const k = orderNumber++;
  const who = k % 2 === 0 ? seller : buyer;
  return encodeMessage(
    signMessage(provider, who.privateKey, {
      type: 'order',
      pseudonymPublicKey: who.id,
      periodIndex: tradingPeriod,
      side: k % 2 === 0 ? 'sell' : 'buy',
      energyWh: 1_000,
      limitPriceMinorPerKwh: 250,
      clientOrderId: `o${k}`,
      timeMs: periodStartMs(periodIndexAt(Date.now(), periodMs), periodMs),
    }),
  );
}

const hex = (bytes: Uint8Array | undefined) => (bytes === undefined ? '-' : Buffer.from(bytes).toString('hex'));

/** A `book.result` for exactly `payload`. */
function checkResult(payload: Uint8Array, result: Uint8Array): { outcome: string; command: string } {
  const parsed = JSON.parse(Buffer.from(result).toString('utf8')) as {
    type: string;
    commandHash: string;
    outcome: string;
    command: string;
  };
  assert.is(parsed.type, 'book.result');
  assert.is(parsed.commandHash, toBase64Url(provider.sha256.digest(payload)), 'the result is of this command');
  return parsed;
}

/** Client `clientIndex` (each test its own: one state directory per client identity). */
function connect(
  clientIndex: number,
  stateDirectory: string,
  options: { lanes: number; seqReserve?: number; maxQueued?: number },
) {
  return LedgerClient.connect({
    cluster: cluster.config,
    clientIndex,
    privateKey: readPrivateKey(clientKeyFile(cluster.keyDirectory, clientIndex)),
    stateDirectory,
    ...options,
  });
}

test.before(async () => {
  directory = mkdtempSync(join(tmpdir(), 'gridbid-ledger-client-'));
  cluster = makeCluster({ directory, host: '127.0.0.1', ports: await freePorts(4), clients: 4 });
  const current = periodIndexAt(Date.now(), periodMs);
  tradingPeriod = current + 3;
  const genesis = {
    ...worldGenesis,
    timeMs: periodStartMs(current, periodMs),
    periodsAhead: 4,
    replicaPublicKeys: cluster.config.replicas.map((replica) => toBase64Url(replica.publicKey)),
  };
  seller = pseudonym('meter-seller', tradingPeriod);
  buyer = pseudonym('meter-buyer', tradingPeriod);
  feeds = [0, 1, 2, 3].map(() => ({ executed: [], certified: [], gaps: 0 }));
  nodes = await Promise.all(
    [0, 1, 2, 3].map((index) => {
      const book = new BookOfRecord(provider, genesis);
      const feed = feeds[index]!;
      return ReplicaNode.start({
        cluster: cluster.config,
        index,
        privateKey: readPrivateKey(replicaKeyFile(cluster.keyDirectory, index)),
        dataDirectory: join(directory, `replica-${index}`),
        crypto: provider,
        application: book,
        precheckRequest: (request) => book.precheck(fromBase64Url(request.payload)),
        onExecuted: (block) => feed.executed.push(block),
        onExecutionGap: () => feed.gaps++,
        onCertified: (block) => feed.certified.push(block),
      });
    }),
  );
});

test.after(async () => {
  await Promise.all(nodes.map((node) => node.stop()));
  rmSync(directory, { recursive: true, force: true });
});

test('signed orders through the ledger client return their book results, and every feed agrees', async () => {
  const client = await connect(0, join(directory, 'client-0'), { lanes: 4 });
  try {
    const certificates = [seller, buyer].map((who) => encodeMessage(who.certificate));
    const certified = await Promise.all(certificates.map((payload) => client.submitTracked(payload)));
    certified.forEach((outcome, i) => assert.is(checkResult(certificates[i]!, outcome.result).outcome, 'accepted'));
    const orders = Array.from({ length: 12 }, nextOrder);
    const outcomes = await Promise.all(orders.map((payload) => client.submitTracked(payload)));
    outcomes.forEach((outcome, i) => {
      const result = checkResult(orders[i]!, outcome.result);
      assert.is(result.command, 'order');
      assert.is(result.outcome, 'accepted');
    });
    assert.is(client.counters.submitted, 14);
    assert.is(client.counters.accepted, 14);
    assert.is(client.counters.rejected, 0);

    // Every node's feed: the same blocks, commands and results, in height order.
    const height = () => Math.max(...nodes.map((node) => node.status().replica.lastExecuted));
    await until(
      () =>
        feeds.every(
          (feed) => feed.executed.at(-1)?.height === height() && feed.certified.at(-1)?.header.height === height(),
        ),
      10_000,
      'every feed at the same executed and certified height',
    );
    const lines = feeds.map((feed) =>
      feed.executed.flatMap((block) =>
        block.requests.map(
          (request) =>
            `${block.height} ${hex(block.headerHash)} ${request.index} ${request.clientId} ${request.requestSeq} ${hex(request.payload)} ${hex(request.result)}`,
        ),
      ),
    );
    for (const other of lines.slice(1)) assert.equal(other, lines[0]);
    for (const feed of feeds) {
      assert.is(feed.gaps, 0);
      assert.equal(
        feed.executed.map((block) => block.height),
        Array.from({ length: feed.executed.length }, (_, i) => i + 1),
      );
    }
    // What the client was told is what the feed says was executed for its request.
    const submitted = [...certificates, ...orders];
    [...certified, ...outcomes].forEach((outcome, i) => {
      const found = lines[0]!.filter((line) => line.includes(` ${outcome.clientId} ${outcome.requestSeq} `));
      assert.is(found.length, 1);
      assert.ok(found[0]!.endsWith(` ${hex(submitted[i])} ${hex(outcome.result)}`));
    });
    // Certified headers are the executed ones, with valid commit certificates.
    const replicas = replicaSet(cluster.config.replicas.map((replica) => replica.publicKey));
    for (const feed of feeds) {
      for (const block of feed.certified) {
        const executed = feed.executed[block.header.height - 1]!;
        assert.is(hex(block.certificate.headerHash), hex(executed.headerHash));
        verifyCertificate(provider, replicas, executed.headerHash, block.certificate);
      }
    }
  } finally {
    await client.close();
  }
});

test('a client started again on its state directory continues above the request numbers it used', async () => {
  const state = join(directory, 'client-1');
  const first = await connect(1, state, { lanes: 2, seqReserve: 2 });
  const used: number[] = [];

  try {
    for (let i = 0; i < 5; i++) {
      const payload = nextOrder();
      const outcome = await first.submitTracked(payload);
      checkResult(payload, outcome.result);
      used.push(outcome.requestSeq);
    }
    // Two more left in flight when the process goes: they may or may not execute.
    for (let i = 0; i < 2; i++) first.submit(nextOrder()).catch(() => undefined);
    assert.ok(first.counters.reservations >= 3, 'the reservation moved during the run');
  } finally {
    await first.close();
  }
  const second = await connect(1, state, { lanes: 2, seqReserve: 2 });
  try {
    for (let i = 0; i < 3; i++) {
      const payload = nextOrder();
      const outcome = await second.submitTracked(payload);
      // Executed afresh: a reused number would be ignored or answered with an old result.
      assert.is(checkResult(payload, outcome.result).command, 'order');
      assert.ok(outcome.requestSeq > Math.max(...used) + 1, `${outcome.requestSeq} is above every number used`);
    }
  } finally {
    await second.close();
  }
});

test('a client process killed with SIGKILL and started again continues above what it sent', async () => {
  const state = join(directory, 'client-3');
  const payloadFile = join(directory, 'client-3-payloads.json');
  writeFileSync(payloadFile, JSON.stringify(Array.from({ length: 40 }, () => toBase64Url(nextOrder()))));
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', 'test/support/ledger-client-process.ts', cluster.clusterFile, '3', state, payloadFile],
    { cwd: repositoryRoot, stdio: ['ignore', 'pipe', 'inherit'] },
  );
  const exited = new Promise((resolve) => child.once('exit', resolve));
  const seen: number[] = [];
  try {
    await new Promise<void>((resolve, reject) => {
      let buffered = '';
      child.stdout!.on('data', (chunk: Buffer) => {
        buffered += chunk.toString('utf8');
        const lines = buffered.split('\n');
        buffered = lines.pop()!;
        for (const line of lines) seen.push((JSON.parse(line) as { requestSeq: number }).requestSeq);
        // Killed mid-run, with a request in flight and the reservation moved several times.
        if (seen.length >= 6) resolve();
      });
      child.once('exit', () => reject(new Error(`the client process exited after ${seen.length} results`)));
    });
  } finally {
    child.kill('SIGKILL');
    await exited;
  }
  const restarted = await connect(3, state, { lanes: 1, seqReserve: 2 });
  try {
    const payload = nextOrder();
    const outcome = await restarted.submitTracked(payload);
    assert.is(checkResult(payload, outcome.result).command, 'order');
    assert.ok(outcome.requestSeq > Math.max(...seen) + 1, `${outcome.requestSeq} above ${Math.max(...seen)}`);
  } finally {
    await restarted.close();
  }
});

test('a full queue refuses at once with QUEUE_FULL', async () => {
  const client = await connect(2, join(directory, 'client-2'), { lanes: 1, maxQueued: 2 });
  try {
    const taken = [nextOrder(), nextOrder(), nextOrder()].map((payload) => client.submit(payload));
    let refused: unknown;
    await client.submit(nextOrder()).catch((error: unknown) => (refused = error));
    assert.ok(refused instanceof GridbidError && refused.code === 'QUEUE_FULL', String(refused));
    assert.is(client.counters.rejected, 1);
    assert.is(client.counters.queued, 2);
    assert.is((await Promise.all(taken)).length, 3);
    assert.is(client.counters.accepted, 3);
    assert.is(client.queueLength, 0);
  } finally {
    await client.close();
  }
  let closed: unknown;
  await client.submit(nextOrder()).catch((error: unknown) => (closed = error));
  assert.ok(closed instanceof GridbidError && closed.code === 'CLIENT_CLOSED');
});

test.run();
