/**
 * Mutual authentication of a replica link, and its per-frame MACs. Each side sends a hello
 * (role, index, fresh nonce, ephemeral P-256 ECDH key), then a proof: its node key's signature
 * over the transcript of both hellos. Both derive two directional HMAC keys from the ECDH
 * secret and the transcript (HKDF-SHA-256). Every later frame carries a counter and a MAC over
 * it, so frames cannot be forged, replayed, reordered or moved to another link. Payloads are not
 * encrypted: consortium messages are not secret, only their origin matters.
 */
import { createECDH, createHmac, hkdfSync, timingSafeEqual } from 'node:crypto';
import { concatBytes, fromBase64Url, toBase64Url, utf8Encode } from '../../../shared/bytes.js';
import type { CryptoProvider } from '../../../shared/crypto/provider.js';
import { GridbidError, ensure } from '../../../shared/errors.js';

export type PeerRole = 'replica' | 'client';

export interface Hello {
  readonly role: PeerRole;
  /** Replica index, or the client's index in the configured client list. */
  readonly index: number;
  readonly nonce: string;
  readonly ephemeralKey: string;
}

const domain = 'gridbid/v1/pbft-link\n';
export const macBytes = 16;
export const counterBytes = 8;

export function makeHello(
  provider: CryptoProvider,
  role: PeerRole,
  index: number,
): { hello: Hello; ecdh: ReturnType<typeof createECDH> } {
  const ecdh = createECDH('prime256v1');
  ecdh.generateKeys();
  return {
    hello: {
      role,
      index,
      nonce: toBase64Url(provider.randomBytes(32)),
      ephemeralKey: toBase64Url(ecdh.getPublicKey()),
    },
    ecdh,
  };
}

export function parseHello(bytes: Uint8Array): Hello {
  let value: unknown;
  try {
    value = JSON.parse(Buffer.from(bytes).toString('utf8'));
  } catch {
    throw new GridbidError('MALFORMED_JSON', 'hello is not JSON');
  }
  const hello = value as Partial<Hello>;
  ensure(
    typeof value === 'object' &&
      value !== null &&
      (hello.role === 'replica' || hello.role === 'client') &&
      Number.isSafeInteger(hello.index) &&
      (hello.index as number) >= 0 &&
      (hello.index as number) < 1024 &&
      typeof hello.nonce === 'string' &&
      typeof hello.ephemeralKey === 'string' &&
      Object.keys(value).length === 4,
    'BAD_FORMAT',
    'malformed hello',
  );
  ensure(
    fromBase64Url(hello.nonce!).length === 32 && fromBase64Url(hello.ephemeralKey!).length === 65,
    'BAD_FORMAT',
    'malformed hello',
  );
  return hello as Hello;
}

/** The transcript both sides sign: dialer's hello first, so it is the same bytes on both ends. */
export function transcript(dialer: Hello, acceptor: Hello): Uint8Array {
  return utf8Encode(`${domain}${JSON.stringify(dialer)}\n${JSON.stringify(acceptor)}`);
}

export function signTranscript(
  provider: CryptoProvider,
  nodeKey: Uint8Array,
  bytes: Uint8Array,
  signerIsDialer: boolean,
): Uint8Array {
  return provider.ecdsaP256Sign(nodeKey, concatBytes(utf8Encode(signerIsDialer ? 'dialer\n' : 'acceptor\n'), bytes));
}

export function verifyTranscript(
  provider: CryptoProvider,
  publicKey: Uint8Array,
  bytes: Uint8Array,
  signature: Uint8Array,
  signerIsDialer: boolean,
): boolean {
  return provider.ecdsaP256Verify(
    publicKey,
    concatBytes(utf8Encode(signerIsDialer ? 'dialer\n' : 'acceptor\n'), bytes),
    signature,
  );
}

export interface LinkKeys {
  readonly sendKey: Buffer;
  readonly receiveKey: Buffer;
}

export function deriveLinkKeys(
  ecdh: ReturnType<typeof createECDH>,
  peerEphemeralKey: string,
  transcriptBytes: Uint8Array,
  isDialer: boolean,
): LinkKeys {
  const secret = ecdh.computeSecret(fromBase64Url(peerEphemeralKey));
  const material = Buffer.from(hkdfSync('sha256', secret, transcriptBytes, 'gridbid/v1/pbft-link-keys', 64));
  const dialerToAcceptor = material.subarray(0, 32);
  const acceptorToDialer = material.subarray(32);
  return isDialer
    ? { sendKey: dialerToAcceptor, receiveKey: acceptorToDialer }
    : { sendKey: acceptorToDialer, receiveKey: dialerToAcceptor };
}

/** counter (8 bytes) || MAC (16 bytes) || payload. */
export function sealFrame(key: Buffer, counter: bigint, payload: Uint8Array): Uint8Array {
  const counterField = Buffer.alloc(counterBytes);
  counterField.writeBigUInt64BE(counter);
  const mac = createHmac('sha256', key).update(counterField).update(payload).digest().subarray(0, macBytes);
  return concatBytes(counterField, mac, payload);
}

/** Checks the MAC and that the counter is the expected next one; returns the payload. */
export function openFrame(key: Buffer, expectedCounter: bigint, frame: Uint8Array): Uint8Array {
  ensure(frame.length >= counterBytes + macBytes, 'BAD_FORMAT', 'frame too short');
  const buffer = Buffer.from(frame.buffer, frame.byteOffset, frame.byteLength);
  const counter = buffer.readBigUInt64BE(0);
  const mac = buffer.subarray(counterBytes, counterBytes + macBytes);
  const payload = buffer.subarray(counterBytes + macBytes);
  const expected = createHmac('sha256', key)
    .update(buffer.subarray(0, counterBytes))
    .update(payload)
    .digest()
    .subarray(0, macBytes);
  ensure(timingSafeEqual(mac, expected), 'BAD_SIGNATURE', 'frame MAC does not verify');
  ensure(counter === expectedCounter, 'BAD_FORMAT', 'frame counter out of order (replayed or dropped frame)');
  return payload;
}
