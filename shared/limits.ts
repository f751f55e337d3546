/**
 * Every protocol limit in one place, with its unit in its name. Decoders, validators and the
 * authorities read them from here; nothing else hard-codes a bound.
 */
export const limits = {
  /** Largest MQTT payload any gridbid message may have (bytes of UTF-8 JSON). */
  maxPayloadBytes: 65_536,
  /** Deepest JSON nesting accepted before schema validation. */
  maxJsonDepth: 8,
  /** Longest array in any message. */
  maxArrayItems: 64,

  /** Identifiers chosen by people or devices: meter ids, client order ids, payment references. */
  maxIdChars: 64,
  /** Free text, e.g. an error's message. */
  maxTextChars: 512,

  /**
   * Cut-and-choose candidates per issuance session (k). The floor keeps a cheat's chance per
   * attempt at 1/16 or less: RM refuses to start with fewer, and a meter refuses to commit fewer.
   */
  minCandidates: 16,
  maxCandidates: 32,
  /** The k RM expects unless configured otherwise: a cheat succeeds with probability 1/k. */
  cutAndChooseCandidates: 16,
  /**
   * Unfinished issuance sessions in a row (a protocol slip, or a commit never opened by the end of
   * its period) after which RM suspends a meter: a cheater must not abort whenever RM's choice
   * misses its bad candidate and simply try again next period.
   */
  maxUnfinishedIssuanceSessions: 3,
  /**
   * Requests of one meter RM holds at once, one running and the rest waiting their turn (new
   * enrolments, which share one queue, are bounded alike); more are refused until some finish.
   */
  maxQueuedRmRequestsPerMeter: 8,
  /** Enrolment requests of all meters waiting at RM at once (they share one lane: a grid's first boot). */
  maxQueuedEnrolments: 4_096,
  /** How long an enrolment request stays pending without an operator's approval (24 hours). */
  pendingEnrolmentTtlMs: 24 * 60 * 60 * 1000,
  /**
   * Counter values the meter's randomness reserves per write to flash: each value yields 32
   * bytes, and the new high-water mark is saved before any value of the block is used.
   */
  meterRandomCounterBlock: 1_024,

  /** RSA moduli the protocol accepts (RM blind-signing key, TC key). */
  minRsaModulusBits: 2048,
  maxRsaModulusBits: 4096,

  /** Delivery periods are numbered from the Unix epoch; a period index fits well within this. */
  maxPeriodIndex: 100_000_000,
  /** Times are integer milliseconds since the Unix epoch (until year 2286). */
  maxTimeMs: 9_999_999_999_999,

  /** One order's energy: 1 Wh to 10 MWh. */
  minOrderEnergyWh: 1,
  maxOrderEnergyWh: 10_000_000,
  /** Limit prices in minor currency units per kWh (e.g. cents/kWh), 1 to 1,000,000. */
  minPriceMinorPerKwh: 1,
  maxPriceMinorPerKwh: 1_000_000,
  /** Any money amount in minor units: at most maxOrderEnergyWh * maxPriceMinorPerKwh / 1000. */
  maxAmountMinor: 10_000_000_000,
  /** Resting orders one pseudonym may have in one period's book. */
  maxOpenOrdersPerPseudonym: 16,
  /** Resting orders one period's book may hold (both sides). */
  maxBookOrders: 200_000,
  /** Delivery periods open for trading at once (e.g. the next 24 hours of 15-minute periods). */
  maxOpenPeriods: 96,
  /** Metered energy per pseudonym and period. */
  maxMeteredEnergyWh: 100_000_000,
  /**
   * Imbalance penalty rate in minor units per kWh of a seller's shortfall: ten times the highest
   * price. The delivery tolerance and the non-delivery threshold are energies of one period, so
   * they are bounded by maxMeteredEnergyWh.
   */
  maxPenaltyMinorPerKwh: 10_000_000,

  /** Threshold tracing: trustees n and threshold t. */
  maxTrustees: 32,
  /** TDH2 threshold encryption: longest plaintext (a trace tag's is under 300 bytes) and label. */
  maxTdh2MessageBytes: 1_024,
  maxTdh2LabelBytes: 1_024,
  /** Fewest trustees, and smallest threshold t, a TC key may have: t = 1 would be no sharing. */
  minTrustees: 2,
  /** Custodians one trustee may split a backup of its key share among (n_c, and t_c <= n_c). */
  maxShareCustodians: 32,

  /** Encrypted payment details in a bill (ciphertext bytes). */
  maxSealedBytes: 4_096,

  /** Ledger replicas n = 3f + 1; 31 tolerates f = 10 and keeps certificates within maxArrayItems. */
  maxReplicas: 31,
  /**
   * Requests one block's batch may hold: the primary cuts batches at this size. It bounds the
   * Merkle tree, so an inclusion proof has at most 12 hashes.
   */
  maxBatchRequests: 4_096,
  /**
   * Commands a gateway's ledger client holds waiting for a free lane; one more is refused at once
   * (QUEUE_FULL) rather than buffered without bound while the ledger is slow or down.
   */
  maxQueuedLedgerSubmissions: 4_096,
  /** Headers a light client holds by default (the latest is always among them). */
  maxLightClientHeaders: 10_000,

  /** The book of record (shared/book): grid parameters a genesis document may choose, and its own bounds. */
  /** Operators whose keys sign enrolment approvals and bans. */
  maxOperators: 16,
  /** Delivery period lengths a grid may choose: 1 minute to 1 day. */
  minPeriodMs: 60_000,
  maxPeriodMs: 24 * 60 * 60 * 1000,
  /**
   * How much faster than the wall clock a demonstration grid's clock may run (genesis
   * `timeScale`): at 3,600 an hour of grid time passes in a second.
   */
  maxTimeScale: 3_600,
  /** Longest settlement deadline (from the trade) and delivery report window (after the period): 7 days. */
  maxSettlementDeadlineMs: 7 * 24 * 60 * 60 * 1000,
  maxDeliveryReportWindowMs: 7 * 24 * 60 * 60 * 1000,
  /** Pseudonym certificates the book registers per period: far above any microgrid's meter count. */
  maxCertificatesPerPeriod: 100_000,
  /**
   * Orders one pseudonym may place in one period's book. The book remembers every client order
   * id used, so a signed order executes once however often it is replayed.
   */
  maxOrdersPerPseudonymPerPeriod: 1_000,
  /** Meters the book holds (approved and banned). */
  maxMeters: 1_000_000,
  /**
   * How long the book keeps a period after it ends: then its trades, reports, penalties, disputes
   * and certificates leave the state (they stay in the chain's blocks). 30 days, well past the
   * longest settlement deadline and report window, so nothing pending is ever forgotten.
   */
  bookRetentionMs: 30 * 24 * 60 * 60 * 1000,
  /** Signature checks a replica remembers (valid ones), so a request checked before execution is not checked again. */
  maxCachedSignatureChecks: 65_536,
  /** Largest RSA public exponent in a genesis document, in bytes. */
  maxRsaExponentBytes: 8,

  /**
   * When a meter asks MM for period E's certificate: at a moment drawn uniformly from a window
   * in the period before E, fixed by E alone, so the request's time says nothing about when RM
   * issued the credential (issuance for E is done before the window opens). The window closes
   * this long before E starts, leaving time for retries...
   */
  certificateWindowLeadMs: 60_000,
  /** ...and opens this long before it closes (clipped to the period before E). */
  certificateWindowMs: 6 * 60_000,
  /**
   * Random ids a meter draws, fresh for each request and anonymous session: 16 bytes are 22
   * base64url characters, within MQTT 3.1.1's client id length.
   */
  randomIdBytes: 16,

  /**
   * The gateway's MQTT broker (gateway/broker). A login message (`enrolment.request`,
   * `device.login`) is accepted only if its time is this close to the gateway's clock, and a
   * certificate request's coarse time only if a clock this close could have written it: a
   * password seen once is worth nothing minutes later.
   */
  maxLoginClockSkewMs: 5 * 60_000,
  /**
   * What one client session may publish (the gateway's own service account is not limited):
   * messages per second and the burst it may send at once, far above what an honest meter or
   * operator sends (a few orders or requests a minute)...
   */
  brokerMessagesPerSecond: 10,
  brokerMessageBurst: 40,
  /** ...and bytes (topic and payload) per second and at once: the burst holds four payloads of the largest size. */
  brokerBytesPerSecond: 65_536,
  brokerByteBurst: 4 * 65_536,
  /**
   * Publishes over its allowance a session may have dropped (the count refills at
   * brokerMessagesPerSecond) before it is disconnected: only a client that keeps sending far
   * past its rate, not one with an occasional burst, loses its connection.
   */
  brokerFloodDropMessages: 400,
  /** Largest MQTT packet a client may send (a payload at the cap plus topic and headers). */
  maxMqttPacketBytes: 65_536 + 4_096,
  /**
   * An external broker (gateway/broker/external-broker): how long the gateway waits for the
   * answer to one administration command, how often it deletes the accounts of pseudonyms whose
   * period and settlement are over, and the registration requests per second (burst: ten
   * seconds' worth) it handles from all anonymous registrants together.
   */
  brokerCommandTimeoutMs: 10_000,
  brokerAccountSweepMs: 30_000,
  registrationsPerSecond: 50,
  /** Identities whose publish allowance the gateway tracks at once (all are forgotten past it). */
  maxBrokerLimiters: 100_000,
  /**
   * MM's durable state (gateway/authorities/mm). Certificate requests run one at a time (each
   * reads the pseudonym's and the tag's records, decides and writes before the next reads), and
   * at most this many wait; more are refused until some finish.
   */
  maxQueuedMmRequests: 4_096,
  /** Certificates (each with its trace tag) one LevelDB batch deletes when MM forgets ended periods. */
  maxMmForgetBatchRecords: 10_000,

  /**
   * The gateway node (gateway/node): commands it keeps in flight to the ledger at once (PBFT
   * client lanes), price levels per side it publishes in a period's depth, and how often it
   * republishes its retained status.
   */
  gatewayLedgerLanes: 64,
  /**
   * Authority requests relayed to the node hosting RM or MM: how long one waits for its reply
   * (RM's issuance steps take well under a second) and how many wait at once.
   */
  authorityRelayTimeoutMs: 10_000,
  maxPendingAuthorityRelays: 1_024,
  maxPublishedDepthLevels: 20,
  /** Meters listed on operator/enrolments (pending first) and disputes on operator/disputes. */
  maxListedEnrolments: 1_000,
  maxListedDisputes: 200,
  /** Recent blocks whose commands a gateway can prove on request (and the book roots it keeps for them). */
  maxProvableBlocks: 4_096,
  /**
   * The largest command and result a `proof` carries, so that a proof (with its header,
   * certificate and two paths) stays within maxPayloadBytes; orders, bills and records are far
   * smaller.
   */
  maxProvableCommandBytes: 16_384,
  maxProvableResultBytes: 8_192,
  maxRememberedBookRoots: 4_096,
  nodeStatusIntervalMs: 2_000,
} as const;
