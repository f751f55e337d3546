/**
 * Each signature verified once per replica. Every key a command is signed with is in the command
 * itself (a pseudonym) or in the genesis document (MM, operators, trustees), so a replica can
 * check a request's signatures before it is ordered, with no book state: `BookOfRecord.precheck`
 * does, and the replica node calls it from its request policy when it accepts a PRE-PREPARE (and
 * for each request of a block it fetches, as the block's certificate allows). A valid signature
 * is remembered under SHA-256(domain || key || signature || signed bytes); when the command is
 * executed, the book's rules verify through the same `SignatureChecks` and find it there.
 *
 * Only valid outcomes are remembered, in a bounded first-in-first-out table: a flood of bad
 * signatures evicts nothing and a forgotten check is simply done again. The table changes how
 * long a check takes, never its answer, so replicas with different histories still agree.
 */
import { concatBytes, toBase64Url, utf8Encode } from '../bytes.js';
import type { CryptoProvider } from '../crypto/provider.js';
import { limits } from '../limits.js';

export interface SignatureChecks {
  /** ECDSA P-256 over SHA-256(message): false for a wrong signature; a malformed key throws BAD_KEY. */
  verify(publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array): boolean;
}

const domain = utf8Encode('gridbid/v1/verified-signature\n');

export class CachedSignatureChecks implements SignatureChecks {
  private readonly verified = new Map<string, true>();
  /** Verifications that found a remembered answer, and those that had to compute it. */
  hits = 0;
  misses = 0;

  constructor(
    private readonly provider: CryptoProvider,
    readonly capacity: number = limits.maxCachedSignatureChecks,
  ) {}

  verify(publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array): boolean {
    const key = toBase64Url(this.provider.sha256.digest(concatBytes(domain, publicKey, signature, message)));
    if (this.verified.has(key)) {
      this.hits++;
      return true;
    }
    this.misses++;
    if (!this.provider.ecdsaP256Verify(publicKey, message, signature)) return false;
    if (this.verified.size >= this.capacity) this.verified.delete(this.verified.keys().next().value!);
    this.verified.set(key, true);
    return true;
  }

  get size(): number {
    return this.verified.size;
  }
}

/**
 * `provider` with its ECDSA verification routed through `checks`: what the book hands the rules,
 * so every signature they check (bills, records, reports, disputes, shares) is checked once.
 */
export function verifyingThrough(provider: CryptoProvider, checks: SignatureChecks): CryptoProvider {
  return {
    name: provider.name,
    sha256: provider.sha256,
    sha384: provider.sha384,
    randomBytes: provider.randomBytes,
    p256PublicKey: (privateKey) => provider.p256PublicKey(privateKey),
    ecdsaP256Sign: (privateKey, message) => provider.ecdsaP256Sign(privateKey, message),
    ecdsaP256Verify: (publicKey, message, signature) => checks.verify(publicKey, message, signature),
    rsaPublicRaw: (key, input) => provider.rsaPublicRaw(key, input),
    rsaPrivateRaw: (key, input) => provider.rsaPrivateRaw(key, input),
  };
}
