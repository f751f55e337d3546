/**
 * Secret key files of a grid directory, one JSON object per file, written with mode 0600 in a
 * 0700 directory and never committed:
 *
 *   P-256 key      {"privateKey": "<base64url of the 32-byte scalar>"}  (replicas, clients, MM,
 *                  RM's challenge key, operators: the format cluster-config.ts reads)
 *   RSA key        {"rsa": {"n", "e", "d", "p", "q", "dp", "dq", "qi"}}  base64url big-endian (RM)
 *   trustee        {"trustee": i, "nodeKey": "<scalar>", "share": "<x_i, 32 bytes>"}
 *   service        {"name", "role", "password"}  an MQTT service account's own password
 *
 * Every reader checks what it reads and fails with a typed error naming the file.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { bigIntToBytes, bytesToBigInt, fromBase64Url, toBase64Url } from '../../shared/bytes.js';
import { decodePrivateScalar } from '../../shared/crypto/ecdsa-p256.js';
import { type RsaPrivateKey, rsaPrivateKey } from '../../shared/crypto/rsa-key.js';
import type { KeyShare } from '../../shared/crypto/threshold-key.js';
import { GridbidError, ensure } from '../../shared/errors.js';
import { type ServiceRole, serviceRoles } from '../broker/session.js';

function writeSecret(path: string, value: unknown): void {
  writeFileSync(path, JSON.stringify(value, null, 2) + '\n', { mode: 0o600 });
}

function readObject(path: string): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    throw new GridbidError('BAD_KEY', `${path}: ${error instanceof Error ? error.message : String(error)}`);
  }
  ensure(typeof value === 'object' && value !== null && !Array.isArray(value), 'BAD_KEY', `${path} is not an object`);
  return value as Record<string, unknown>;
}

function text(object: Record<string, unknown>, field: string, path: string): string {
  const value = object[field];
  ensure(typeof value === 'string' && value.length > 0, 'BAD_KEY', `${path} has no ${field}`);
  return value;
}

export function writeP256Key(path: string, privateKey: Uint8Array): void {
  decodePrivateScalar(privateKey);
  writeSecret(path, { privateKey: toBase64Url(privateKey) });
}

export function readP256Key(path: string): Uint8Array {
  const key = fromBase64Url(text(readObject(path), 'privateKey', path));
  decodePrivateScalar(key);
  return key;
}

const rsaFields = ['n', 'e', 'd', 'p', 'q', 'dp', 'dq', 'qi'] as const;

export function writeRsaKey(path: string, key: RsaPrivateKey): void {
  const rsa = Object.fromEntries(
    rsaFields.map((field) => [
      field,
      toBase64Url(bigIntToBytes(key[field], Math.ceil(key[field].toString(16).length / 2))),
    ]),
  );
  writeSecret(path, { rsa });
}

export function readRsaKey(path: string): RsaPrivateKey {
  const rsa = readObject(path).rsa;
  ensure(typeof rsa === 'object' && rsa !== null, 'BAD_KEY', `${path} has no rsa key`);
  const parts = Object.fromEntries(
    rsaFields.map((field) => [field, bytesToBigInt(fromBase64Url(text(rsa as Record<string, unknown>, field, path)))]),
  ) as Record<(typeof rsaFields)[number], bigint>;
  return rsaPrivateKey(parts);
}

export interface TrusteeKey {
  readonly nodeKey: Uint8Array;
  readonly share: KeyShare;
}

export function writeTrusteeKey(path: string, key: TrusteeKey): void {
  writeSecret(path, {
    trustee: key.share.index,
    nodeKey: toBase64Url(key.nodeKey),
    share: toBase64Url(bigIntToBytes(key.share.secret, 32)),
  });
}

export function readTrusteeKey(path: string): TrusteeKey {
  const object = readObject(path);
  const index = object.trustee;
  ensure(typeof index === 'number' && Number.isSafeInteger(index) && index >= 1, 'BAD_KEY', `${path}: bad trustee`);
  const nodeKey = fromBase64Url(text(object, 'nodeKey', path));
  decodePrivateScalar(nodeKey);
  return { nodeKey, share: { index, secret: bytesToBigInt(fromBase64Url(text(object, 'share', path))) } };
}

/** A service account as its own file holds it: the password itself (the broker keeps only its hash). */
export interface ServiceCredentials {
  readonly name: string;
  readonly role: ServiceRole;
  readonly password: string;
}

export function writeServiceAccount(path: string, account: ServiceCredentials): void {
  writeSecret(path, account);
}

export function readServiceAccount(path: string): ServiceCredentials {
  const object = readObject(path);
  const role = text(object, 'role', path);
  ensure((serviceRoles as readonly string[]).includes(role), 'BAD_KEY', `${path}: unknown role ${role}`);
  return { name: text(object, 'name', path), role: role as ServiceRole, password: text(object, 'password', path) };
}
