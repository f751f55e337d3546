/**
 * TDH2 values (Shoup and Gennaro 1998, written additively over P-256) and their byte forms:
 *   core        c || U || Ubar                  (c: the message length; points: 65 bytes each)
 *   ciphertext  c || U || Ubar || e || f        (e, f: 32 bytes each, below the group order)
 *   share       index (1 byte) || U_i || e_i || f_i
 * The message length is not encoded: the caller knows it from context and passes it to the
 * decoders, which check lengths, points (on the curve) and scalars (below the order).
 */
import { concatBytes } from '../bytes.js';
import { type ErrorCode, ensure } from '../errors.js';
import { limits } from '../limits.js';
import { decodePoint, decodeScalar, encodeScalar } from './p256.js';

export const tdh2PointBytes = 65;
export const tdh2ScalarBytes = 32;

/** The part a meter commits to; deterministic given r. c = KDF(rH) xor message; U = rG; Ubar = r Gbar. */
export interface Tdh2Core {
  readonly c: Uint8Array;
  readonly u: Uint8Array;
  readonly uBar: Uint8Array;
}

/** A core with its validity proof (e, f) under a label that travels beside it. */
export interface Tdh2Ciphertext extends Tdh2Core {
  readonly e: bigint;
  readonly f: bigint;
}

/** Trustee `index`'s U_i = x_i U with a Chaum-Pedersen proof (e, f) that log_U(U_i) = log_G(H_i). */
export interface Tdh2DecryptionShare {
  readonly index: number;
  readonly ui: Uint8Array;
  readonly e: bigint;
  readonly f: bigint;
}

export function tdh2CoreBytes(messageBytes: number): number {
  return messageBytes + 2 * tdh2PointBytes;
}

export function tdh2CiphertextBytes(messageBytes: number): number {
  return tdh2CoreBytes(messageBytes) + 2 * tdh2ScalarBytes;
}

export const tdh2DecryptionShareBytes = 1 + tdh2PointBytes + 2 * tdh2ScalarBytes;

function checkMessageBytes(messageBytes: number): void {
  ensure(
    Number.isSafeInteger(messageBytes) && messageBytes >= 0 && messageBytes <= limits.maxTdh2MessageBytes,
    'BAD_INPUT',
    `TDH2 message length must be 0 to ${limits.maxTdh2MessageBytes} bytes`,
  );
}

export function encodeTdh2Core(core: Tdh2Core): Uint8Array {
  ensure(core.c.length <= limits.maxTdh2MessageBytes, 'MESSAGE_TOO_LONG', 'TDH2 message too long');
  ensure(
    core.u.length === tdh2PointBytes && core.uBar.length === tdh2PointBytes,
    'BAD_INPUT',
    'TDH2 points must be 65 bytes',
  );
  return concatBytes(core.c, core.u, core.uBar);
}

export function decodeTdh2Core(bytes: Uint8Array, messageBytes: number): Tdh2Core {
  checkMessageBytes(messageBytes);
  ensure(bytes.length === tdh2CoreBytes(messageBytes), 'BAD_CIPHERTEXT', 'TDH2 core has the wrong length');
  return readCore(bytes, messageBytes);
}

function readCore(bytes: Uint8Array, messageBytes: number): Tdh2Core {
  const u = bytes.slice(messageBytes, messageBytes + tdh2PointBytes);
  const uBar = bytes.slice(messageBytes + tdh2PointBytes, messageBytes + 2 * tdh2PointBytes);
  decodePoint(u, 'BAD_CIPHERTEXT');
  decodePoint(uBar, 'BAD_CIPHERTEXT');
  return { c: bytes.slice(0, messageBytes), u, uBar };
}

export function encodeTdh2Ciphertext(ciphertext: Tdh2Ciphertext): Uint8Array {
  return concatBytes(encodeTdh2Core(ciphertext), encodeScalar(ciphertext.e), encodeScalar(ciphertext.f));
}

export function decodeTdh2Ciphertext(bytes: Uint8Array, messageBytes: number): Tdh2Ciphertext {
  checkMessageBytes(messageBytes);
  ensure(bytes.length === tdh2CiphertextBytes(messageBytes), 'BAD_CIPHERTEXT', 'TDH2 ciphertext has the wrong length');
  const core = readCore(bytes, messageBytes);
  const [e, f] = readProof(bytes.subarray(tdh2CoreBytes(messageBytes)), 'BAD_CIPHERTEXT');
  return { ...core, e, f };
}

export function encodeTdh2DecryptionShare(share: Tdh2DecryptionShare): Uint8Array {
  ensure(
    Number.isSafeInteger(share.index) && share.index >= 1 && share.index <= limits.maxTrustees,
    'BAD_INPUT',
    'trustee index out of range',
  );
  ensure(share.ui.length === tdh2PointBytes, 'BAD_INPUT', 'U_i must be 65 bytes');
  return concatBytes(Uint8Array.of(share.index), share.ui, encodeScalar(share.e), encodeScalar(share.f));
}

export function decodeTdh2DecryptionShare(bytes: Uint8Array): Tdh2DecryptionShare {
  ensure(bytes.length === tdh2DecryptionShareBytes, 'BAD_PARTIAL', 'TDH2 decryption share has the wrong length');
  const index = bytes[0]!;
  ensure(index >= 1 && index <= limits.maxTrustees, 'BAD_PARTIAL', 'trustee index out of range');
  const ui = bytes.slice(1, 1 + tdh2PointBytes);
  decodePoint(ui, 'BAD_PARTIAL');
  const [e, f] = readProof(bytes.subarray(1 + tdh2PointBytes), 'BAD_PARTIAL');
  return { index, ui, e, f };
}

function readProof(bytes: Uint8Array, code: ErrorCode): [bigint, bigint] {
  return [
    decodeScalar(bytes.subarray(0, tdh2ScalarBytes), code),
    decodeScalar(bytes.subarray(tdh2ScalarBytes, 2 * tdh2ScalarBytes), code),
  ];
}
