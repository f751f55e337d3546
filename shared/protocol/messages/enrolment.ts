/**
 * DESIGN 4.1, enrolment: a meter announces its device key once and an operator approves it;
 * afterwards it logs in to the broker with a fresh device signature as its MQTT password.
 */
import { ecdsaSignature, clientId, meterId, p256PublicKey, timeMs } from '../fields.js';
import { literal, object, oneOf, text } from '../schema.js';

export const enrolmentRequest = object({
  type: literal('enrolment.request'),
  meterId,
  devicePublicKey: p256PublicKey,
  timeMs,
  /** By the device key: proves the meter holds it. */
  sig: ecdsaSignature,
});

export const enrolmentStatus = object({
  type: literal('enrolment.status'),
  meterId,
  /** `suspended`: caught in cut-and-choose, or too many unfinished sessions, until an operator clears it. */
  status: oneOf(['pending', 'approved', 'suspended', 'rejected', 'banned']),
  /** First 16 hex digits of SHA-256(devicePublicKey), shown on the meter and to the operator. */
  fingerprint: text(16, 16, /^[0-9a-f]+$/, 'lower-case hex'),
  timeMs,
});

export const deviceLogin = object({
  type: literal('device.login'),
  meterId,
  clientId,
  timeMs,
  /** By the device key over this message: the MQTT password of an identity session. */
  sig: ecdsaSignature,
});
