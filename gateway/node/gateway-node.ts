/**
 * One aggregator (`gridbid node --config <file>`): a PBFT replica of the book of record, an MQTT
 * broker for its local meters, a ledger client, the authorities this node hosts (RM, MM, trustee
 * shares) with their state in LevelDB, and the feed that publishes the ledger's outputs.
 *
 *   meters --MQTT--> broker --onPublish--> RequestRouter --> RM / MM / edge check --> LedgerClient
 *                                                                                       |  PBFT
 *   meters <--MQTT-- broker <-- LedgerFeed <-- onExecuted / onCertified <-- ReplicaNode <-+
 *
 * Everything a request changes is durable before it is answered (RM and MM write before they
 * reply; the ledger replies only for committed blocks). Data layout under the node's data
 * directory: ledger/ (the replica), client/ (the ledger client's request numbers), rm/, mm/.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { fromBase64Url } from '../../shared/bytes.js';
import { BookOfRecord } from '../../shared/book/book.js';
import { CachedSignatureChecks } from '../../shared/book/signature-checks.js';
import { gridTimeMs } from '../../shared/time/grid-clock.js';
import { Heartbeat } from './heartbeat.js';
import { limits } from '../../shared/limits.js';
import { GridTopics } from '../../shared/protocol/topics.js';
import { handleMmRequest } from '../authorities/mm/mm-endpoint.js';
import { LevelMmStore } from '../authorities/mm/level-mm-store.js';
import { MarketManager, defaultMmConfig } from '../authorities/mm/market-manager.js';
import { LevelRmStore } from '../authorities/rm/level-rm-store.js';
import { RegistrationManager, defaultRmConfig } from '../authorities/rm/registration-manager.js';
import { EmbeddedBroker } from '../broker/embedded-broker.js';
import type { GatewayBroker } from '../broker/gateway-broker.js';
import type { Session } from '../broker/session.js';
import { createNodeCryptoProvider } from '../crypto/node-provider.js';
import { readP256Key } from '../grid/key-files.js';
import type { NodeConfig } from '../grid/node-config.js';
import { Trustee } from '../authorities/tc/trustee.js';
import { LedgerClient } from '../ledger/node/ledger-client.js';
import { ReplicaNode } from '../ledger/node/replica-node.js';
import { AuthorityRelay } from './authority-relay.js';
import { readGridKeys } from './grid-keys.js';
import { isRelayFrame, relayToJson } from './relay-wire.js';
import { LedgerFeed } from './ledger-feed.js';
import { disputesView } from './operator-views.js';
import { RmHost } from './rm-host.js';
import { TrusteePolicy } from './trustee-policy.js';
import { StatusGossip, isStatusFrame } from './status-gossip.js';
import { startBroker } from './start-broker.js';
import { ProofStore } from './proof-store.js';
import { encodeMessage } from '../../shared/protocol/codec.js';
import { type CounterSnapshot, NodeMetrics } from './metrics.js';
import { type Requester, RequestRouter } from './request-router.js';
import type { NodeLog } from './node-log.js';
import { nodeStatus } from './node-status.js';

export interface GatewayNodeOptions {
  readonly config: NodeConfig;
  readonly log: NodeLog;
  /** Called when the node must stop (a failed write): the process should exit non-zero. */
  readonly onFatal?: (error: unknown) => void;
}

export class GatewayNode {
  private statusTimer: NodeJS.Timeout | undefined;
  private relay: AuthorityRelay | undefined;
  private trustees: TrusteePolicy | undefined;
  private stopped = false;

  private constructor(
    readonly config: NodeConfig,
    readonly topics: GridTopics,
    readonly book: BookOfRecord,
    readonly replica: ReplicaNode,
    readonly ledger: LedgerClient,
    readonly broker: GatewayBroker,
    readonly router: RequestRouter,
    readonly feed: LedgerFeed,
    private readonly gossip: StatusGossip,
    private readonly closers: readonly (() => Promise<void>)[],
    private readonly log: NodeLog,
  ) {}

  static async start(options: GatewayNodeOptions): Promise<GatewayNode> {
    const { config, log } = options;
    const provider = createNodeCryptoProvider();
    const keys = readGridKeys(provider, config);
    const { rules } = keys;
    const topics = new GridTopics(rules.genesis.gridId);
    const data = config.dataDirectory;
    mkdirSync(data, { recursive: true });
    const closers: (() => Promise<void>)[] = [];
    // The grid's clock (faster than the wall clock on a demonstration grid) for everything that
    // reasons about periods; liveness (status gossip) keeps the wall clock.
    const nowMs = () => gridTimeMs(rules.genesis, Date.now());

    // The book executes with the same signature cache its precheck fills (each signature once).
    const signatureChecks = new CachedSignatureChecks(provider);
    const book = new BookOfRecord(provider, keys.genesisJson, { signatureChecks });

    // RM and MM where this node hosts them; their state survives kill -9 (LevelDB, synced writes).
    let broker: GatewayBroker | undefined;
    const publish = (topic: string, payload: string | Uint8Array, retain: boolean): void => {
      broker
        ?.publish(topic, payload, { retain })
        .catch((error: unknown) => log.warn('publishFailed', { topic, error }));
    };
    // The ledger client is connected below; commands the node submits itself wait for it.
    let ledgerClient: LedgerClient | undefined;
    const submit = (payload: Uint8Array): Promise<Uint8Array> =>
      ledgerClient === undefined
        ? Promise.reject(new Error('the ledger client is not connected yet'))
        : ledgerClient.submit(payload);

    let rmHost: RmHost | undefined;
    if (keys.rm !== undefined) {
      const store = await LevelRmStore.open(join(data, 'rm'));
      closers.push(() => store.close());
      const rm = new RegistrationManager({
        provider,
        random: provider.randomBytes,
        blindKey: keys.rm.blindKey,
        challengeKey: keys.rm.challengeKey,
        tcKey: rules.tcKey,
        // Pseudonyms for every period open for trading, so meters may obtain them well before.
        config: defaultRmConfig(rules.genesis.periodMs, rules.genesis.periodsAhead),
        store,
      });
      const operatorKeyFile = config.policy.operatorKeyFile;
      rmHost = new RmHost({
        provider,
        rm,
        store,
        nowMs,
        publishEnrolments: (json) => publish(topics.operatorEnrolments(), json, true),
        ...(config.policy.approveEnrolments && operatorKeyFile !== undefined
          ? { autoApprove: { operatorKey: readP256Key(operatorKeyFile), operatorIndex: 0, submit } }
          : {}),
        log: (event, fields) => log.info(event, fields),
      });
      const started = rmHost;
      closers.unshift(async () => started.close());
    }
    let mm: MarketManager | undefined;
    if (keys.mmKey !== undefined) {
      const store = await LevelMmStore.open(join(data, 'mm'));
      closers.push(() => store.close());
      mm = new MarketManager(provider, keys.mmKey, rules.rmKey, defaultMmConfig(rules.genesis.periodMs), store);
    }

    // Authority requests for RM or MM on another node travel over the replica links.
    const host = rmHost;
    const serveRm =
      host === undefined ? undefined : (meterId: string, request: Uint8Array) => host.serve(meterId, request);
    const serveMm =
      mm === undefined
        ? undefined
        : (clientId: string, request: Uint8Array) => handleMmRequest(mm!, { clientId }, request, nowMs());
    // A demo grid's trustees on this node share for the policy's dispute kinds on their own.
    const trustees = new TrusteePolicy({
      book,
      trustees: keys.trustees.map(
        (trustee) =>
          new Trustee(provider, provider.randomBytes, rules.tcKey, trustee.share, trustee.nodeKey, rules.mmPublicKey, {
            dispute: (disputeId) => book.disputedPseudonym(disputeId),
            certificate: (periodIndex, pseudonym) => book.certificate(periodIndex, pseudonym),
          }),
      ),
      kinds: new Set(config.policy.approveDisputes),
      submit,
      nowMs,
      log: (event, fields) => log.info(event, fields),
    });
    const proofs = new ProofStore(provider.sha256, (height) => book.bookRootAt(height));
    const gossip = new StatusGossip({
      self: config.index,
      replicas: keys.cluster.replicas.length,
      sendTo: (to, frame) => replicaNode?.sendPeerFrame(to, frame),
      publish: (index, json) => publish(topics.nodeStatus(index), json, true),
      nowMs: () => Date.now(),
      staleMs: 3 * limits.nodeStatusIntervalMs,
    });
    let replicaNode: ReplicaNode | undefined;
    const relay = new AuthorityRelay({
      send: (to, frame) => replicaNode?.sendPeerFrame(to, relayToJson(frame)),
      ...(serveRm === undefined ? {} : { rm: serveRm }),
      ...(serveMm === undefined ? {} : { mm: serveMm }),
      timeoutMs: limits.authorityRelayTimeoutMs,
      maxPending: limits.maxPendingAuthorityRelays,
      log: (event, fields) => log.warn(event, fields),
    });
    closers.push(async () => relay.close());

    const feed = new LedgerFeed({
      book,
      topics,
      sha256: provider.sha256,
      maxDepthLevels: limits.maxPublishedDepthLevels,
      publish,
      onDecision: (decision) => {
        void host?.follow(decision);
        if (decision.action !== 'approve') {
          broker
            ?.revokeMeter(decision.meterId)
            .catch((error: unknown) => log.warn('revokeFailed', { meterId: decision.meterId, error }));
        }
      },
    });

    // A quiet grid's clock still moves: idle gateways submit heartbeats (heartbeat.ts).
    const heartbeat = new Heartbeat({
      index: config.index,
      rules: rules.genesis,
      nowMs,
      submit,
      warn: (event, fields) => log.warn(event, fields),
    });
    closers.unshift(async () => heartbeat.stop());

    const replica = await ReplicaNode.start({
      cluster: keys.cluster,
      index: config.index,
      privateKey: keys.replicaKey,
      dataDirectory: join(data, 'ledger'),
      application: book,
      precheckRequest: (request) => book.precheck(fromBase64Url(request.payload)),
      crypto: provider,
      onEvent: (event) => log.info(event.kind, { ...event }),
      onExecuted: (block) => {
        heartbeat.executed();
        proofs.executed(block);
        const disputesTouched = feed.executed({
          height: block.height,
          timeMs: block.timeMs,
          requests: block.requests.map((request) => ({ payload: request.payload, result: request.result })),
        });
        // The open disputes are listed again only after a block that may have changed them.
        if (disputesTouched) {
          publish(topics.operatorDisputes(), JSON.stringify(disputesView(book, limits.maxListedDisputes)), true);
        }
        trustees.afterBlock();
      },
      onExecutionGap: (gap) =>
        log.info('executionGap', { fromHeight: gap.fromHeight, toHeight: gap.toHeight, reason: gap.reason }),
      onCertified: (block) => {
        proofs.certified(block);
        feed.certified(block.header, block.certificate);
      },
      onFatal: (error) => {
        log.error('fatal', { error });
        options.onFatal?.(error);
      },
      onPeerFrame: (from, value) => {
        if (isRelayFrame(value)) relay.receive(from, value);
        else if (isStatusFrame(value)) gossip.receive(from, value);
        else return false;
        return true;
      },
    });
    replicaNode = replica;
    closers.unshift(() => replica.stop());

    const ledger: LedgerClient = await LedgerClient.connect({
      cluster: keys.cluster,
      clientIndex: config.index,
      privateKey: keys.clientKey,
      lanes: limits.gatewayLedgerLanes,
      stateDirectory: join(data, 'client'),
      crypto: provider,
    });
    ledgerClient = ledger;
    closers.unshift(() => ledger.close());

    const router = new RequestRouter({
      topics,
      sha256: provider.sha256,
      nowMs,
      rm: (meterId, request) =>
        serveRm !== undefined
          ? serveRm(meterId, request)
          : relay.request(config.authorities.rm, 'rm', meterId, request),
      mm: (clientId, request) =>
        serveMm !== undefined
          ? serveMm(clientId, request)
          : relay.request(config.authorities.mm, 'mm', clientId, request),
      prove: (request) => encodeMessage(proofs.prove(request)),
      precheck: (payload) => book.precheck(payload),
      submit: (payload) => ledger.submit(payload),
      publish: (topic, payload) => publish(topic, payload, false),
      log: (event, fields) => log.warn(event, fields),
    });

    const login = {
      provider,
      topics,
      rmKey: rules.rmKey,
      periodMs: rules.genesis.periodMs,
      nowMs,
      services: keys.services.map(({ name, role, passwordSha256 }) => ({ name, role, passwordSha256 })),
      meterKey: async (meterId: string) => {
        const meter = book.meter(meterId);
        return meter === undefined ? undefined : { status: meter.status, devicePublicKey: meter.devicePublicKey };
      },
    };
    const { broker: started, endpoint } = await startBroker({
      config,
      login,
      services: keys.services,
      statusTopic: topics.nodeStatus(config.index),
      // A pseudonym's account lives through its period and the settlement after it.
      pseudonymAccountLifetimeMs: rules.genesis.settlementDeadlineMs,
      warn: (event, fields) => log.warn(event, fields),
    });
    broker = started;
    closers.unshift(() => started.close());
    started.onPublish((session, topic, payload, clientId, reply) => {
      const parsed = topics.parse(topic);
      const requester = requesterOf(session, clientId);
      if (parsed === undefined || requester === undefined) return;
      void router.handle(requester, parsed, payload, reply);
    });

    const node = new GatewayNode(config, topics, book, replica, ledger, started, router, feed, gossip, closers, log);
    node.relay = relay;
    node.trustees = trustees;
    if (config.metricsPort !== undefined) {
      const metrics = new NodeMetrics(() => node.counters());
      const host = config.mqtt.kind === 'embedded' ? config.mqtt.host : '127.0.0.1';
      const port = await metrics.listen(host, config.metricsPort);
      closers.unshift(() => metrics.close());
      log.info('metrics', { url: `http://${host}:${port}/metrics` });
    }
    node.publishStatus('online');
    await rmHost?.publish();
    publish(topics.operatorDisputes(), JSON.stringify(disputesView(book, limits.maxListedDisputes)), true);
    node.statusTimer = setInterval(() => node.publishStatus('online'), limits.nodeStatusIntervalMs);
    heartbeat.start();
    log.info('started', {
      index: config.index,
      grid: rules.genesis.gridId,
      ...endpoint,
      hosts: [...(rmHost === undefined ? [] : ['RM']), ...(mm === undefined ? [] : ['MM'])],
      trustees: keys.trustees.map((trustee) => trustee.share.index),
    });
    return node;
  }

  /** Stops everything in the reverse order of starting; the status goes retained "offline". */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    if (this.statusTimer !== undefined) clearInterval(this.statusTimer);
    this.publishStatus('offline');
    // Let the "offline" frames reach the peers before the links close.
    await new Promise((resolve) => setTimeout(resolve, 100));
    for (const close of this.closers) {
      try {
        await close();
      } catch (error) {
        this.log.warn('stopFailed', { error });
      }
    }
    this.log.info('stopped', { index: this.config.index });
  }

  /** This node's status, on its own broker and (by gossip) on every peer's; its counters on its own. */
  private publishStatus(state: 'online' | 'offline'): void {
    this.gossip.own(nodeStatus(state, this.config.index, this.replica.status(), this.broker.sessions(), this.book));
    this.broker
      .publish(this.topics.nodeCounters(this.config.index), JSON.stringify(this.counters()), { retain: true })
      .catch(() => {});
  }

  /** Every counter the node keeps, flat: the counters topic and Prometheus show these. */
  counters(): CounterSnapshot {
    const replica = this.replica.status();
    const broker =
      this.broker instanceof EmbeddedBroker
        ? this.broker.counters()
        : { connectionsRefused: {} as Partial<Record<string, number>> };
    const prefixed = (prefix: string, values: object): CounterSnapshot =>
      Object.fromEntries(
        Object.entries(values)
          .filter((entry): entry is [string, number] => typeof entry[1] === 'number')
          .map(([name, value]) => [`${prefix}_${name}`, value]),
      );
    return {
      ledger_view: replica.replica.view,
      ledger_height: replica.replica.head.height,
      ledger_last_executed: replica.replica.lastExecuted,
      book_commands_executed: this.book.executed,
      ...prefixed('requests', this.router.counters),
      ...prefixed('feed', this.feed.counters),
      ...prefixed('relay', this.relay?.counters ?? {}),
      ...prefixed('ledger_client', this.ledger.counters),
      ...prefixed('broker', broker),
      broker_connections_refused: Object.values(broker.connectionsRefused).reduce<number>(
        (sum, count) => sum + (count ?? 0),
        0,
      ),
      ...prefixed('sessions', this.broker.sessions()),
      trustee_shares_posted: this.trustees?.shares ?? 0,
      ...prefixed('pbft', replica.metrics),
    };
  }
}

/** The identity a request acts for, from the broker's session; monitors and the public make none. */
function requesterOf(session: Session, clientId: string): Requester | undefined {
  switch (session.kind) {
    case 'meter':
    case 'enrolling':
      return { kind: session.kind, meterId: session.meterId };
    case 'pseudonym':
      return { kind: 'pseudonym', pseudonymPublicKey: session.pseudonymPublicKey, pid: session.pid, clientId };
    case 'service':
      return session.role === 'operator' || session.role === 'trustee' ? { kind: session.role } : undefined;
    case 'public':
      return undefined;
  }
}
