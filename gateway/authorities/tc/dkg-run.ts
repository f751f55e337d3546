/**
 * A whole key-generation ceremony in one process: every trustee's state machine, a broadcast
 * that hands each message to every other trustee, and the three deadlines called in turn. For
 * tests and for a one-machine demonstration; in production each trustee runs its own
 * `DkgTrustee` and the ledger carries the messages. This process sees every share, so the key
 * it makes is only as secret as the process.
 *
 * `network` stands between a sender and the broadcast: it returns the messages to deliver
 * instead (none to drop one, several to add some), which is how tests play a cheating dealer.
 */
import type { CryptoProvider } from '../../../shared/crypto/provider.js';
import type { RandomSource } from '../../../shared/crypto/random.js';
import type { ThresholdPublicKey } from '../../../shared/crypto/threshold-key.js';
import { bytesEqual } from '../../../shared/bytes.js';
import { GridbidError, ensure, isGridbidError } from '../../../shared/errors.js';
import type { DkgCeremony } from './dkg-ceremony.js';
import { type DkgMessage, senderOf } from './dkg-messages.js';
import { type DkgResult, DkgTrustee } from './dkg-trustee.js';

export type CeremonyStep = 'dealt' | 'complained' | 'complaints closed' | 'finished';

export interface CeremonyProgress {
  readonly step: CeremonyStep;
  /** Messages broadcast in this step. */
  readonly messages: number;
  /** Messages a trustee refused in this step (see `CeremonyOutcome.refused`). */
  readonly refused: number;
}

export interface RefusedMessage {
  readonly trustee: number;
  readonly message: DkgMessage;
  readonly error: GridbidError;
}

export interface CeremonyOptions {
  readonly provider: CryptoProvider;
  readonly random: RandomSource;
  readonly ceremony: DkgCeremony;
  /** 32-byte node private keys, trustee i at index i - 1. */
  readonly nodePrivateKeys: readonly Uint8Array[];
  /** Trustees that take no part at all (crashed before dealing). */
  readonly absent?: readonly number[];
  /** Trustees played by an adversary: their results are not required to agree. */
  readonly byzantine?: readonly number[];
  readonly network?: (message: DkgMessage) => readonly DkgMessage[];
  readonly onProgress?: (progress: CeremonyProgress) => void;
}

export interface CeremonyOutcome {
  readonly key: ThresholdPublicKey;
  readonly qualified: readonly number[];
  /** Each participating trustee's result, by trustee number (absent ones missing). */
  readonly results: ReadonlyMap<number, DkgResult>;
  readonly refused: readonly RefusedMessage[];
}

export function runCeremony(options: CeremonyOptions): CeremonyOutcome {
  const { ceremony } = options;
  ensure(options.nodePrivateKeys.length === ceremony.trustees, 'BAD_LENGTH', 'one node key per trustee');
  // Each trustee sends one deal, at most n - 1 complaints and 2(n - 1) answers; more is a looping network.
  const maxMessages = 3 * ceremony.trustees * ceremony.trustees;
  const absent = new Set(options.absent ?? []);
  const byzantine = new Set(options.byzantine ?? []);
  const trustees: DkgTrustee[] = [];
  for (let index = 1; index <= ceremony.trustees; index++) {
    if (absent.has(index)) continue;
    trustees.push(
      new DkgTrustee({
        provider: options.provider,
        random: options.random,
        ceremony,
        index,
        nodePrivateKey: options.nodePrivateKeys[index - 1]!,
      }),
    );
  }
  const refused: RefusedMessage[] = [];
  const network = options.network ?? ((message: DkgMessage) => [message]);

  /** Broadcasts `outgoing` and every reply it provokes, until the network is quiet. */
  const broadcast = (step: CeremonyStep, outgoing: readonly DkgMessage[]): void => {
    const queue = outgoing.flatMap(network);
    const refusedBefore = refused.length;
    let sent = 0;
    while (queue.length > 0) {
      const message = queue.shift()!;
      ensure(++sent <= maxMessages, 'DKG_FAILED', 'the network keeps producing messages');
      for (const trustee of trustees) {
        if (trustee.index === senderOf(message)) continue;
        try {
          queue.push(...trustee.receive(message).flatMap(network));
        } catch (error) {
          if (!isGridbidError(error)) throw error;
          refused.push({ trustee: trustee.index, message, error });
        }
      }
    }
    options.onProgress?.({ step, messages: sent, refused: refused.length - refusedBefore });
  };

  broadcast(
    'dealt',
    trustees.map((trustee) => trustee.deal()),
  );
  broadcast(
    'complained',
    trustees.flatMap((trustee) => trustee.finishDealing()),
  );
  broadcast(
    'complaints closed',
    trustees.flatMap((trustee) => trustee.finishComplaints()),
  );

  const results = new Map<number, DkgResult>();
  let agreed: DkgResult | undefined;
  for (const trustee of trustees) {
    let result: DkgResult;
    try {
      result = trustee.finishAnswers();
    } catch (error) {
      if (byzantine.has(trustee.index)) continue;
      throw error;
    }
    results.set(trustee.index, result);
    if (byzantine.has(trustee.index)) continue;
    if (agreed === undefined) agreed = result;
    else ensure(sameOutput(agreed, result), 'DKG_FAILED', `trustee ${trustee.index} ended with another key`);
  }
  if (agreed === undefined) throw new GridbidError('DKG_FAILED', 'no honest trustee took part');
  options.onProgress?.({ step: 'finished', messages: 0, refused: 0 });
  return { key: agreed.key, qualified: agreed.qualified, results, refused };
}

function sameOutput(a: DkgResult, b: DkgResult): boolean {
  return (
    a.qualified.join() === b.qualified.join() &&
    bytesEqual(a.key.publicKey, b.key.publicKey) &&
    a.key.verificationKeys.every((key, index) => bytesEqual(key, b.key.verificationKeys[index]!))
  );
}
