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
import { limits } from '../../shared/limits.js';
import { encodeMessage } from '../../shared/protocol/codec.js';
import { GridTopics } from '../../shared/protocol/topics.js';
import { handleMmRequest } from '../authorities/mm/mm-endpoint.js';
import { LevelMmStore } from '../authorities/mm/level-mm-store.js';
import { MarketManager, defaultMmConfig } from '../authorities/mm/market-manager.js';
import { keyFingerprint } from '../authorities/rm/enrolment-registry.js';
import { LevelRmStore } from '../authorities/rm/level-rm-store.js';
import { RegistrationManager, defaultRmConfig } from '../authorities/rm/registration-manager.js';
import { handleRmRequest } from '../authorities/rm/rm-endpoint.js';
import { EmbeddedBroker } from '../broker/embedded-broker.js';
import { ExternalBroker } from '../broker/external-broker.js';
import type { GatewayBroker } from '../broker/gateway-broker.js';
import type { Session } from '../broker/session.js';
import { createNodeCryptoProvider } from '../crypto/node-provider.js';
import { readServiceAccount } from '../grid/key-files.js';
import type { NodeConfig } from '../grid/node-config.js';
import { LedgerClient } from '../ledger/node/ledger-client.js';
import { ReplicaNode } from '../ledger/node/replica-node.js';
import { readGridKeys } from './grid-keys.js';
import { type BookDecision, LedgerFeed } from './ledger-feed.js';
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
    const nowMs = () => Date.now();

    // The book executes with the same signature cache its precheck fills (each signature once).
    const signatureChecks = new CachedSignatureChecks(provider);
    const book = new BookOfRecord(provider, keys.genesisJson, { signatureChecks });

    // RM and MM where this node hosts them; their state survives kill -9 (LevelDB, synced writes).
    let rm: RegistrationManager | undefined;
    if (keys.rm !== undefined) {
      const store = await LevelRmStore.open(join(data, 'rm'));
      closers.push(() => store.close());
      rm = new RegistrationManager({
        provider,
        random: provider.randomBytes,
        blindKey: keys.rm.blindKey,
        challengeKey: keys.rm.challengeKey,
        tcKey: rules.tcKey,
        config: defaultRmConfig(rules.genesis.periodMs),
        store,
      });
    }
    let mm: MarketManager | undefined;
    if (keys.mmKey !== undefined) {
      const store = await LevelMmStore.open(join(data, 'mm'));
      closers.push(() => store.close());
      mm = new MarketManager(provider, keys.mmKey, rules.rmKey, defaultMmConfig(rules.genesis.periodMs), store);
    }

    let broker: GatewayBroker | undefined;
    const publish = (topic: string, payload: string | Uint8Array, retain: boolean): void => {
      broker
        ?.publish(topic, payload, { retain })
        .catch((error: unknown) => log.warn('publishFailed', { topic, error }));
    };
    const feed = new LedgerFeed({
      book,
      topics,
      sha256: provider.sha256,
      maxDepthLevels: limits.maxPublishedDepthLevels,
      publish,
      onDecision: (decision) => {
        followDecision(rm, decision, nowMs(), log);
        if (decision.action !== 'approve') {
          broker
            ?.revokeMeter(decision.meterId)
            .catch((error: unknown) => log.warn('revokeFailed', { meterId: decision.meterId, error }));
        }
      },
    });

    const replica = await ReplicaNode.start({
      cluster: keys.cluster,
      index: config.index,
      privateKey: keys.replicaKey,
      dataDirectory: join(data, 'ledger'),
      application: book,
      precheckRequest: (request) => book.precheck(fromBase64Url(request.payload)),
      crypto: provider,
      onEvent: (event) => log.info(event.kind, { ...event }),
      onExecuted: (block) =>
        feed.executed({
          height: block.height,
          timeMs: block.timeMs,
          requests: block.requests.map((request) => ({ payload: request.payload, result: request.result })),
        }),
      onExecutionGap: (gap) =>
        log.info('executionGap', { fromHeight: gap.fromHeight, toHeight: gap.toHeight, reason: gap.reason }),
      onCertified: (block) => feed.certified(block.header, block.certificate),
      onFatal: (error) => {
        log.error('fatal', { error });
        options.onFatal?.(error);
      },
    });
    closers.unshift(() => replica.stop());

    const ledger = await LedgerClient.connect({
      cluster: keys.cluster,
      clientIndex: config.index,
      privateKey: keys.clientKey,
      lanes: limits.gatewayLedgerLanes,
      stateDirectory: join(data, 'client'),
      crypto: provider,
    });
    closers.unshift(() => ledger.close());

    const router = new RequestRouter({
      topics,
      sha256: provider.sha256,
      nowMs,
      rm: (meterId, request) =>
        rm === undefined
          ? notHosted('RM', config.authorities.rm, nowMs())
          : handleRmRequest(rm, { meterId }, request, nowMs()),
      mm: (clientId, request) =>
        mm === undefined
          ? notHosted('MM', config.authorities.mm, nowMs())
          : handleMmRequest(mm, { clientId }, request, nowMs()),
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
    let endpoint: Record<string, unknown>;
    let started: GatewayBroker;
    if (config.mqtt.kind === 'embedded') {
      const embedded = await EmbeddedBroker.start({
        host: config.mqtt.host,
        port: config.mqtt.port,
        ...(config.mqtt.wsPort === undefined
          ? {}
          : { webSocket: { host: config.mqtt.host, port: config.mqtt.wsPort } }),
        login,
      });
      endpoint = { mqttPort: embedded.port, webSocketPort: embedded.webSocketPort };
      started = embedded;
    } else {
      started = await ExternalBroker.start({
        url: config.mqtt.url,
        account: readServiceAccount(config.mqtt.accountFile),
        services: keys.services,
        login,
        clientId: `gridbid-gateway-${config.index}`,
        // A pseudonym's account lives through its period and the settlement after it.
        accountLifetimeMs: rules.genesis.settlementDeadlineMs,
        onWarning: (event, fields) => log.warn(event, fields),
      });
      endpoint = { mqttUrl: config.mqtt.url };
    }
    broker = started;
    closers.unshift(() => started.close());
    started.onPublish((session, topic, payload, clientId, reply) => {
      const parsed = topics.parse(topic);
      const requester = requesterOf(session, clientId);
      if (parsed === undefined || requester === undefined) return;
      void router.handle(requester, parsed, payload, reply);
    });

    const node = new GatewayNode(config, topics, book, replica, ledger, started, router, feed, closers, log);
    node.publishStatus('online');
    node.statusTimer = setInterval(() => node.publishStatus('online'), limits.nodeStatusIntervalMs);
    log.info('started', {
      index: config.index,
      grid: rules.genesis.gridId,
      ...endpoint,
      hosts: [...(rm === undefined ? [] : ['RM']), ...(mm === undefined ? [] : ['MM'])],
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
    for (const close of this.closers) {
      try {
        await close();
      } catch (error) {
        this.log.warn('stopFailed', { error });
      }
    }
    this.log.info('stopped', { index: this.config.index });
  }

  private publishStatus(state: 'online' | 'offline'): void {
    const status = nodeStatus(state, this.config.index, this.replica.status(), this.broker.sessions(), this.book);
    this.broker
      .publish(this.topics.nodeStatus(this.config.index), JSON.stringify(status), { retain: true })
      .catch(() => {});
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

/** An operator's decision executed by the book, mirrored into RM's registry where RM lives here. */
function followDecision(
  rm: RegistrationManager | undefined,
  decision: BookDecision,
  nowMs: number,
  log: NodeLog,
): void {
  if (rm === undefined) return;
  const provider = createNodeCryptoProvider();
  const fingerprint = keyFingerprint(provider, fromBase64Url(decision.devicePublicKey));
  const done =
    decision.action === 'approve' ? rm.approve(decision.meterId, fingerprint, nowMs) : rm.ban(decision.meterId);
  done.then(
    () => log.info('registryUpdated', { meterId: decision.meterId, action: decision.action }),
    (error: unknown) => log.warn('registryNotUpdated', { meterId: decision.meterId, action: decision.action, error }),
  );
}

async function notHosted(authority: string, host: number, nowMs: number): Promise<Uint8Array> {
  return encodeMessage({
    type: 'error',
    code: 'NOT_HOSTED',
    message: `${authority} is hosted by node ${host}; connect there`,
    timeMs: nowMs,
  });
}
