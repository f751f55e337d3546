/** Field schemas shared by several messages, each bounded by `limits`. */
import { limits } from '../limits.js';
import { traceTagBytes } from '../pseudonym/trace-tag-size.js';
import { bytes, integer, text } from './schema.js';

const maxRsaBytes = limits.maxRsaModulusBits / 8;
const minRsaBytes = limits.minRsaModulusBits / 8;

/** Identifiers people or devices choose: letters, digits, `.`, `_`, `-`, `:`. */
export const identifier = text(1, limits.maxIdChars, /^[A-Za-z0-9._:-]+$/, 'letters, digits, ".", "_", "-" or ":"');
export const meterId = identifier;
export const requestId = identifier;
export const clientId = identifier;
export const clientOrderId = identifier;
export const tradeId = identifier;
export const disputeId = identifier;

export const timeMs = integer(0, limits.maxTimeMs);
export const periodIndex = integer(0, limits.maxPeriodIndex);
export const candidateIndex = integer(0, limits.maxCandidates - 1);
export const trusteeIndex = integer(1, limits.maxTrustees);

/** SEC 1 uncompressed P-256 point; on-curve checks happen where signatures are verified. */
export const p256PublicKey = bytes(65);
/** ECDSA P-256 raw r || s. */
export const ecdsaSignature = bytes(64);
/** A value the size of an RSA modulus (2048 to 4096 bits): blinded messages, signatures, tags. */
export const rsaValue = bytes(minRsaBytes, maxRsaBytes);
/** A TDH2 trace tag with its validity proof, as MM certifies it (see pseudonym/trace-tag.ts). */
export const traceTag = bytes(traceTagBytes);
/** A 32-byte seed from which a trace tag's randomness is derived. */
export const traceSeed = bytes(32);
/** SHA-256 output. */
export const sha256Digest = bytes(32);
/** RFC 9474 Prepare prefix: 32 bytes. */
export const randomPrefix = bytes(32);

export const energyWh = integer(limits.minOrderEnergyWh, limits.maxOrderEnergyWh);
export const meteredEnergyWh = integer(0, limits.maxMeteredEnergyWh);
export const priceMinorPerKwh = integer(limits.minPriceMinorPerKwh, limits.maxPriceMinorPerKwh);
export const amountMinor = integer(0, limits.maxAmountMinor);
