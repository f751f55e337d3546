/**
 * Commit certificates: 2f + 1 replica signatures over one header hash, the proof a light client
 * needs that the consortium committed a block. Any two sets of 2f + 1 among n = 3f + 1 replicas
 * share at least one honest replica, and an honest replica commits one header per height, so two
 * conflicting headers cannot both be certified while at most f replicas are faulty.
 *
 * A well-formed certificate names each signer once and every signature in it verifies; anything
 * else is rejected outright rather than repaired, so checking one is a single pass with one
 * stable error code per kind of fault.
 */
import { bytesEqual, concatBytes, fromBase64Url, toBase64Url, utf8Encode } from '../bytes.js';
import type { JsonValue } from '../codec/json-value.js';
import { decodePoint } from '../crypto/p256.js';
import type { CryptoProvider } from '../crypto/provider.js';
import { GridbidError, ensure, isGridbidError } from '../errors.js';
import { limits } from '../limits.js';
import { hashBytes } from './block.js';

export const commitDomain = 'gridbid/v1/commit\n';
export const signatureBytes = 64;

/** One replica's commit signature: ECDSA P-256, raw r || s. */
export interface CommitVote {
  /** Index of the replica in the replica set, 0 to n - 1. */
  readonly replica: number;
  readonly sig: Uint8Array;
}

export interface CommitCertificate {
  readonly headerHash: Uint8Array;
  readonly signatures: readonly CommitVote[];
}

export interface ReplicaSet {
  /** 65-byte P-256 public keys; a replica's index is its position here. */
  readonly publicKeys: readonly Uint8Array[];
  /** n = 3f + 1 replicas tolerate f faulty ones. */
  readonly n: number;
  readonly f: number;
  /** 2f + 1 signers make a certificate. */
  readonly quorum: number;
}

/**
 * Checks and freezes the consortium's keys. n must be exactly 3f + 1: with more replicas, 2f + 1
 * signers would no longer be enough for two quorums to overlap in an honest replica. Keys must be
 * distinct, or one key would count as several signers.
 */
export function replicaSet(publicKeys: readonly Uint8Array[]): ReplicaSet {
  const n = publicKeys.length;
  ensure(
    n >= 4 && n <= limits.maxReplicas && n % 3 === 1,
    'BAD_INPUT',
    `a replica set has n = 3f + 1 members, 4 to ${limits.maxReplicas}`,
  );
  const keys = publicKeys.map((key, index) => {
    try {
      decodePoint(key);
    } catch (error) {
      if (isGridbidError(error)) throw new GridbidError('BAD_KEY', error.message, `publicKeys.${index}`);
      throw error;
    }
    for (let earlier = 0; earlier < index; earlier++) {
      ensure(
        !bytesEqual(publicKeys[earlier]!, key),
        'BAD_KEY',
        `same key as replica ${earlier}`,
        `publicKeys.${index}`,
      );
    }
    return key.slice();
  });
  const f = (n - 1) / 3;
  return Object.freeze({ publicKeys: Object.freeze(keys), n, f, quorum: 2 * f + 1 });
}

/** What a commit vote signs: the domain line, then the 32-byte header hash. */
export function commitVoteBytes(headerHash: Uint8Array): Uint8Array {
  ensure(headerHash.length === hashBytes, 'BAD_INPUT', `a header hash is ${hashBytes} bytes`);
  return concatBytes(utf8Encode(commitDomain), headerHash);
}

export function signCommitVote(
  provider: CryptoProvider,
  privateKey: Uint8Array,
  replica: number,
  headerHash: Uint8Array,
): CommitVote {
  ensure(Number.isSafeInteger(replica) && replica >= 0, 'BAD_INPUT', 'replica index must be a non-negative integer');
  return { replica, sig: provider.ecdsaP256Sign(privateKey, commitVoteBytes(headerHash)) };
}

/** True when `vote` comes from a member of `replicas` and signs `headerHash`. */
export function verifyCommitVote(
  provider: CryptoProvider,
  replicas: ReplicaSet,
  headerHash: Uint8Array,
  vote: CommitVote,
): boolean {
  if (!isMember(replicas, vote.replica) || vote.sig.length !== signatureBytes) return false;
  return provider.ecdsaP256Verify(replicas.publicKeys[vote.replica]!, commitVoteBytes(headerHash), vote.sig);
}

/**
 * Builds a certificate from the votes a replica collected: unknown signers, bad signatures and
 * repeats are dropped (a repeat counts once), and only the first quorum by replica index is kept,
 * since every extra signature is one more verification on each meter. NO_QUORUM when too few.
 */
export function assembleCertificate(
  provider: CryptoProvider,
  replicas: ReplicaSet,
  headerHash: Uint8Array,
  votes: readonly CommitVote[],
): CommitCertificate {
  const candidates = [...votes].sort((a, b) => a.replica - b.replica);
  const chosen: CommitVote[] = [];
  for (const vote of candidates) {
    if (chosen.length === replicas.quorum) break;
    if (chosen.at(-1)?.replica === vote.replica) continue;
    if (verifyCommitVote(provider, replicas, headerHash, vote))
      chosen.push({ replica: vote.replica, sig: vote.sig.slice() });
  }
  ensure(chosen.length === replicas.quorum, 'NO_QUORUM', `${chosen.length} valid votes, ${replicas.quorum} needed`);
  return { headerHash: headerHash.slice(), signatures: chosen };
}

/**
 * Throws unless `certificate` certifies `headerHash`: BAD_CERTIFICATE when it names another
 * header, UNKNOWN_SIGNER / DUPLICATE_SIGNER for a signer outside the set or named twice,
 * NO_QUORUM below 2f + 1 signers, BAD_SIGNATURE when any signature fails. The cheap structural
 * checks run first, so a malformed certificate costs no signature verification.
 */
export function verifyCertificate(
  provider: CryptoProvider,
  replicas: ReplicaSet,
  headerHash: Uint8Array,
  certificate: CommitCertificate,
): void {
  ensure(
    bytesEqual(certificate.headerHash, headerHash),
    'BAD_CERTIFICATE',
    'certificate is for another header',
    'headerHash',
  );
  const signers = new Set<number>();
  certificate.signatures.forEach((vote, i) => {
    ensure(
      isMember(replicas, vote.replica),
      'UNKNOWN_SIGNER',
      `no replica ${String(vote.replica)}`,
      `signatures.${i}.replica`,
    );
    ensure(
      !signers.has(vote.replica),
      'DUPLICATE_SIGNER',
      `replica ${vote.replica} signed twice`,
      `signatures.${i}.replica`,
    );
    signers.add(vote.replica);
  });
  ensure(
    signers.size >= replicas.quorum,
    'NO_QUORUM',
    `${signers.size} signers, ${replicas.quorum} needed`,
    'signatures',
  );
  certificate.signatures.forEach((vote, i) => {
    ensure(
      verifyCommitVote(provider, replicas, headerHash, vote),
      'BAD_SIGNATURE',
      `replica ${vote.replica}'s signature does not verify`,
      `signatures.${i}.sig`,
    );
  });
}

/** The certificate as a JSON object (bytes as base64url). */
export function certificateToJson(certificate: CommitCertificate): { [key: string]: JsonValue } {
  return {
    headerHash: toBase64Url(certificate.headerHash),
    signatures: certificate.signatures.map((vote) => ({ replica: vote.replica, sig: toBase64Url(vote.sig) })),
  };
}

/**
 * Reads a certificate from decoded JSON. Only the shape is checked here (BAD_CERTIFICATE);
 * membership, repeats and signatures are verifyCertificate's job, against a replica set.
 */
export function certificateFromJson(value: unknown): CommitCertificate {
  const record = objectWith(value, ['headerHash', 'signatures'], '');
  const list = record.signatures;
  ensure(
    Array.isArray(list) && list.length <= limits.maxReplicas,
    'BAD_CERTIFICATE',
    `must be an array of at most ${limits.maxReplicas} signatures`,
    'signatures',
  );
  const signatures = list.map((item: unknown, i): CommitVote => {
    const vote = objectWith(item, ['replica', 'sig'], `signatures.${i}`);
    ensure(
      Number.isSafeInteger(vote.replica) && (vote.replica as number) >= 0,
      'BAD_CERTIFICATE',
      'must be a non-negative integer',
      `signatures.${i}.replica`,
    );
    return { replica: vote.replica as number, sig: decodeBytes(vote.sig, signatureBytes, `signatures.${i}.sig`) };
  });
  return { headerHash: decodeBytes(record.headerHash, hashBytes, 'headerHash'), signatures };
}

function isMember(replicas: ReplicaSet, replica: number): boolean {
  return Number.isSafeInteger(replica) && replica >= 0 && replica < replicas.n;
}

function objectWith(value: unknown, fields: readonly string[], path: string): Record<string, unknown> {
  ensure(
    typeof value === 'object' && value !== null && !Array.isArray(value),
    'BAD_CERTIFICATE',
    'must be an object',
    path,
  );
  const record = value as Record<string, unknown>;
  for (const key of Object.keys(record)) {
    ensure(fields.includes(key), 'BAD_CERTIFICATE', 'unknown field', path === '' ? key : `${path}.${key}`);
  }
  return record;
}

function decodeBytes(value: unknown, length: number, path: string): Uint8Array {
  ensure(typeof value === 'string', 'BAD_CERTIFICATE', 'must be a base64url string', path);
  let bytes: Uint8Array;
  try {
    bytes = fromBase64Url(value);
  } catch (error) {
    if (isGridbidError(error)) throw new GridbidError('BAD_CERTIFICATE', error.message, path);
    throw error;
  }
  ensure(bytes.length === length, 'BAD_CERTIFICATE', `must be ${length} bytes`, path);
  return bytes;
}
