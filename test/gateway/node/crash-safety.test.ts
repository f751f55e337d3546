/**
 * Crash safety of the gateway grid, real processes and sockets: four meters trade a stream of
 * orders (unique client order ids) while, at seeded random moments, the PBFT primary, a backup
 * and the node hosting RM and MM are each killed with SIGKILL once and started again on their
 * data directories. The seed is printed; GRIDBID_CRASH_SEED=<seed> replays the same schedule.
 *
 * What the meters do: their MQTT is QoS 0, so each order is resent unchanged every second until
 * a reply names it. When its gateway's connection drops, the meter logs in to the next gateway
 * (node 0, 1, 2, 3, round robin) with the same anonymous credential and resends there; a reply
 * meaning "send again" (INTERNAL, QUEUE_FULL) is not final either. The book executes the same
 * signed order once: a repeat is answered `accepted` and changes nothing.
 *
 * Rules guarded: a killed node starts again and rejoins (its status reaches the others' view and
 * height); no acknowledged order is lost (every order a meter saw accepted was executed, accepted,
 * in every replica's chain); no order and no trade is executed twice (later executions of an
 * order change nothing, and the book's trades are exactly those the first executions reported);
 * no certificate is lost (every meter can still order afterwards, and MM answers a repeated
 * certificate request with the same certificate after its restart); every replica holds the same
 * chain, whose replay through a fresh book gives each block's state root.
 *
 * GRIDBID_CRASH_DUMP=<directory> writes every node's log lines there when a node does not rejoin.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { toBase64Url } from '../../../shared/bytes.js';
import { decodeMessage } from '../../../shared/protocol/codec.js';
import { readNodeConfig } from '../../../gateway/grid/node-config.js';
import type { NodeStatusView } from '../../../gateway/node/node-status.js';
import { readStoredBlocks } from '../../../tools/cluster/stored-chain.js';
import { type ReplayedChain, replayChain } from '../../support/book-replay.js';
import { comfortablePeriodMs, obtainPseudonyms, startEnrolledGrid } from '../../support/enrolled-grid.js';
import { type CommandReply, FailoverSession } from '../../support/failover-session.js';
import type { TestGrid } from '../../support/gateway-grid.js';
import { connect, provider, requestReply } from '../../support/mqtt-meter.js';
import type { GridTopics } from '../../../shared/protocol/topics.js';

const gateClosureLeadMs = 5_000;
const seed = Number(process.env['GRIDBID_CRASH_SEED'] ?? Math.floor(Math.random() * 2 ** 31));

/** mulberry32: a small seeded generator, so a failing schedule can be replayed. */
function seeded(state: number): () => number {
  return () => {
    state = (state + 0x6d2b79f5) | 0;
    let t = Math.imul(state ^ (state >>> 15), 1 | state);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** A node's retained status, read on its own broker by a public session. */
async function readStatus(grid: TestGrid, topics: GridTopics, index: number): Promise<NodeStatusView | undefined> {
  try {
    const client = await connect(grid.url(index), {
      clientId: `status-${index}-${Math.random().toString(36).slice(2)}`,
      username: 'public',
      connectTimeout: 1_000,
    });
    try {
      const received = new Promise<NodeStatusView | undefined>((resolve) => {
        const timer = setTimeout(() => resolve(undefined), 1_000);
        client.once('message', (_topic, payload) => {
          clearTimeout(timer);
          resolve(JSON.parse(payload.toString('utf8')) as NodeStatusView);
        });
      });
      await client.subscribeAsync(topics.nodeStatus(index));
      return await received;
    } finally {
      await client.endAsync(true);
    }
  } catch {
    return undefined;
  }
}

async function statuses(grid: TestGrid, topics: GridTopics, indices: readonly number[]) {
  return Promise.all(indices.map((index) => readStatus(grid, topics, index)));
}

interface SentOrder {
  readonly meterId: string;
  readonly clientOrderId: string;
  readonly hash: string;
  reply?: CommandReply;
}

test('orders survive SIGKILL of the primary, a backup and the RM/MM host', async () => {
  console.log(`crash-safety seed ${seed} (GRIDBID_CRASH_SEED=${seed} replays it)`);
  const random = seeded(seed);
  const startedMs = Date.now();
  const periodMs = comfortablePeriodMs(Date.now(), 150_000, gateClosureLeadMs);
  const enrolled = await startEnrolledGrid({
    meterIds: ['m-1', 'm-2', 'm-3', 'm-4'],
    rules: { periodMs, gateClosureLeadMs, periodsAhead: 2 },
  });
  const { grid, topics, meters } = enrolled;
  const n = grid.nodes.length;
  const sessions: FailoverSession[] = [];
  let codes: (number | null)[] = [];
  let stopping = false;
  const sent: SentOrder[] = [];
  const kills: string[] = [];
  const killing = new Set<number>();
  // A node that exits when it was not killed is a failure to report, with what it said.
  const watch = (index: number) =>
    void grid.nodes[index]!.exit.then((code) => {
      if (killing.has(index) || stopping) return;
      const node = grid.nodes[index]!;
      console.log(`node ${index} exited (${code}): ${node.errorOutput.slice(-2_000)}`);
      console.log(JSON.stringify(node.lines.slice(-10)));
    });
  for (let index = 0; index < n; index++) watch(index);
  try {
    const period = Math.floor(Date.now() / periodMs) + 1;
    await obtainPseudonyms(meters, period);
    const certificates = meters.map((meter) => meter.pseudonym!.certificate);
    for (const meter of meters) await meter.close();
    const urls = grid.nodes.map((_, index) => grid.url(index));
    for (const meter of meters) sessions.push(new FailoverSession(meter, urls, topics, 0));
    console.log(`  setup ${Date.now() - startedMs} ms`);

    // The order streams: m-1 and m-2 sell, m-3 and m-4 buy, prices overlapping so most cross.
    let trading = true;
    const streams: Promise<unknown>[] = sessions.map(async (session, index) => {
      const meter = session.meter;
      const side = index < 2 ? 'sell' : 'buy';
      for (let k = 0; trading; k++) {
        const clientOrderId = `${meter.options.meterId}-${k}`;
        const command = meter.sign({
          type: 'order',
          pseudonymPublicKey: meter.pseudonymId,
          periodIndex: period,
          side,
          energyWh: 500 + Math.floor(random() * 1_500),
          limitPriceMinorPerKwh: (side === 'sell' ? 100 : 110) + Math.floor(random() * 20),
          clientOrderId,
          timeMs: Date.now(),
        });
        const order: SentOrder = {
          meterId: meter.options.meterId,
          clientOrderId,
          hash: toBase64Url(provider.sha256.digest(command)),
        };
        sent.push(order);
        order.reply = await session.request(command).catch((error: unknown) => {
          trading = false;
          throw error;
        });
        await sleep(50 + Math.floor(random() * 200));
      }
    });

    const streamsDone = Promise.all(streams);
    streamsDone.catch(() => undefined);

    // The kills, in a seeded order at seeded moments, each node rejoining before the next.
    const roles = ['primary', 'backup', 'authorities'].sort(() => random() - 0.5);
    for (const role of roles) {
      if (!trading) break;
      await sleep(1_500 + Math.floor(random() * 2_500));
      const live = await statuses(grid, topics, [...Array(n).keys()]);
      const primary = live.find((status) => status?.primary)?.index ?? 0;
      const backups = [...Array(n).keys()].filter((index) => index !== primary && index !== 0);
      const victim =
        role === 'primary' ? primary : role === 'authorities' ? 0 : backups[Math.floor(random() * backups.length)]!;
      const acceptedBefore = sent.filter((order) => order.reply?.type === 'book.result').length;
      killing.add(victim);
      await grid.nodes[victim]!.kill();
      const killedMs = Date.now();
      await sleep(300 + Math.floor(random() * 1_200));
      const restarted = grid.start(victim);
      killing.delete(victim);
      watch(victim);
      await restarted.waitFor((line) => line.event === 'started', 30_000, 'start after kill');
      // Rejoined: its status shows the view the others are in and their height at least.
      const others = [...Array(n).keys()].filter((index) => index !== victim);
      const deadline = Date.now() + 30_000;
      let rejoined: NodeStatusView | undefined;
      while (rejoined === undefined) {
        const [mine, ...theirs] = await statuses(grid, topics, [victim, ...others]);
        const view = Math.max(...theirs.map((status) => status?.view ?? 0));
        const height = Math.min(...theirs.map((status) => status?.lastExecuted ?? Infinity));
        if (
          mine !== undefined &&
          mine.view === view &&
          mine.replicaStatus === 'normal' &&
          mine.lastExecuted >= height
        ) {
          rejoined = mine;
        } else if (Date.now() > deadline) {
          if (process.env['GRIDBID_CRASH_DUMP'] !== undefined) {
            grid.nodes.forEach((node, index) =>
              writeFileSync(
                `${process.env['GRIDBID_CRASH_DUMP']}/node-${index}.jsonl`,
                node.lines.map((line) => JSON.stringify(line)).join('\n'),
              ),
            );
          }
          assert.unreachable(`node ${victim} (${role}) did not rejoin: ${JSON.stringify({ mine, theirs })}`);
        } else await sleep(300);
      }
      const acceptedAfter = sent.filter((order) => order.reply?.type === 'book.result').length;
      kills.push(
        `${role}: node ${victim} down ${Date.now() - killedMs} ms to rejoin at view ${rejoined.view}, ` +
          `height ${rejoined.lastExecuted}; orders answered meanwhile ${acceptedAfter - acceptedBefore}`,
      );
    }
    await sleep(1_000);
    trading = false;
    await streamsDone;
    for (const line of kills) console.log(`  ${line}`);

    // Every meter still orders with its certificate.
    for (const [index, session] of sessions.entries()) {
      const meter = session.meter;
      const reply = await session.request(
        meter.sign({
          type: 'order',
          pseudonymPublicKey: meter.pseudonymId,
          periodIndex: period,
          side: index < 2 ? 'sell' : 'buy',
          energyWh: 1_000,
          limitPriceMinorPerKwh: index < 2 ? 200 : 50,
          clientOrderId: `${meter.options.meterId}-last`,
          timeMs: Date.now(),
        }),
      );
      assert.ok(
        reply.type === 'book.result' && reply.outcome === 'accepted',
        `${meter.options.meterId} can still order: ${JSON.stringify(reply)}`,
      );
    }
    // MM, restarted on its store, answers a repeated certificate request with the same certificate.
    const again = meters[0]!;
    for (const session of sessions) await session.close();
    const login = again.anonymousLogin!;
    const anonymous = await connect(grid.url(0), {
      clientId: login.clientId,
      username: 'pseudonym',
      password: Buffer.from(login.request),
    });
    enrolled.clients.push(anonymous);
    const certificate = decodeMessage(
      await requestReply(
        anonymous,
        topics.pseudonym(again.pid, 'mm'),
        topics.pseudonym(again.pid, 'inbox'),
        login.request,
        () => true,
      ),
    );
    assert.ok(certificate.ok && certificate.value.type === 'certificate', JSON.stringify(certificate));
    assert.equal(
      certificate.ok ? certificate.value : undefined,
      certificates[0],
      'the same certificate after the restart',
    );

    const accepted = sent.filter((order) => order.reply?.type === 'book.result' && order.reply.outcome === 'accepted');
    const failovers = sessions.reduce((sum, session) => sum + session.gateways.length - 1, 0);
    const resends = sessions.reduce((sum, session) => sum + session.resends, 0);
    console.log(`  orders ${sent.length}, accepted ${accepted.length}, resends ${resends}, failovers ${failovers}`);
    assert.ok(accepted.length >= 20, `a stream of orders was accepted (${accepted.length})`);

    // Quiet: wait until every node has executed the same height, then stop them all cleanly.
    const quiet = Date.now() + 15_000;
    for (;;) {
      const all = await statuses(grid, topics, [...Array(n).keys()]);
      const heights = new Set(all.map((status) => status?.lastExecuted));
      if ((heights.size === 1 && !heights.has(undefined)) || Date.now() > quiet) break;
      await sleep(300);
    }
    stopping = true;
    codes = await grid.stopNodes();
    assert.equal(codes, [0, 0, 0, 0], 'every node stops cleanly');

    // Every replica's chain, replayed through a fresh book.
    const genesis = JSON.parse(readFileSync(join(grid.directory, 'genesis.json'), 'utf8')) as unknown;
    const chains: ReplayedChain[] = [];
    for (let index = 0; index < n; index++) {
      const data = readNodeConfig(grid.made.nodeConfigFiles[index]!).dataDirectory;
      chains.push(replayChain(genesis, await readStoredBlocks(join(data, 'ledger')), `replica ${index}`));
    }
    console.log(`  heights ${chains.map((chain) => chain.height).join(', ')}`);
    assert.equal(
      chains.map((chain) => [chain.height, chain.headHash]),
      chains.map(() => [chains[0]!.height, chains[0]!.headHash]),
      'every replica holds the same head at the same height',
    );
    for (const [index, chain] of chains.entries()) {
      // No acknowledged order lost: executed, and accepted the first time.
      for (const order of accepted) {
        const first = chain.executions.get(order.hash)?.[0];
        assert.ok(first !== undefined, `replica ${index} lost ${order.clientOrderId}`);
        assert.is(first.outcome, 'accepted', `replica ${index}: ${order.clientOrderId} first executed as accepted`);
      }
      // Nothing executed twice: a repeat changes nothing, and the trades are those first executions made.
      let tradesMade = 0;
      for (const [hash, executions] of chain.executions) {
        tradesMade += executions[0]!.tradeCount ?? 0;
        for (const repeat of executions.slice(1)) {
          assert.ok(
            repeat.orderSeq === undefined && (repeat.tradeCount ?? 0) === 0,
            `replica ${index}: command ${hash} executed again: ${JSON.stringify(repeat)}`,
          );
        }
      }
      const trades = chain.book.trades(period);
      assert.is(
        new Set(trades.map((trade) => trade.tradeId)).size,
        trades.length,
        `replica ${index}: trade ids unique`,
      );
      assert.is(trades.length, tradesMade, `replica ${index}: the book's trades are those the orders made`);
      assert.ok(trades.length > 0, 'orders crossed');
      for (const certificateMade of certificates) {
        assert.ok(
          chain.book.certificate(period, certificateMade.pseudonymPublicKey) !== undefined,
          `replica ${index} holds every certificate`,
        );
      }
    }
    console.log(`  trades ${chains[0]!.book.trades(period).length}, total ${Date.now() - startedMs} ms`);
  } finally {
    stopping = true;
    for (const session of sessions) await session.close();
    const stopped = await enrolled.close();
    if (codes.length === 0) codes = stopped;
  }
});

test.run();
