/**
 * Which inbox message answers a request: a reply of one of the expected types, a `book.result`
 * naming the request's hash (a ledger command), or an `error` naming the request (by its id or
 * hash). Anything else on the inbox (bills, payments, late replies) is not this request's.
 */
import { toBase64Url } from '../../../shared/bytes.js';
import type { HashFunction } from '../../../shared/crypto/hash.js';
import { decodeMessage } from '../../../shared/protocol/codec.js';
import type { MessageType } from '../../../shared/protocol/messages.js';

export function replyMatcher(
  sha256: HashFunction,
  request: Uint8Array,
  types: readonly MessageType[],
): (reply: Uint8Array) => boolean {
  const requestHash = toBase64Url(sha256.digest(request));
  const decoded = decodeMessage(request);
  const requestId =
    decoded.ok && 'requestId' in decoded.value ? (decoded.value as { requestId: string }).requestId : undefined;
  return (reply) => {
    const message = decodeMessage(reply);
    if (!message.ok) return false;
    const value = message.value;
    if (value.type === 'error') {
      return (requestId !== undefined && value.requestId === requestId) || value.commandHash === requestHash;
    }
    if (value.type === 'book.result') return value.commandHash === requestHash;
    if (!types.includes(value.type)) return false;
    // A proof names the request it answers: another proof on the inbox (the meter asks several
    // at once) is not this one's. Issuance replies are checked by the exchange that sent them.
    return value.type !== 'proof' || value.requestId === requestId;
  };
}
