/**
 * The application a replica process runs, from its cluster file: the digest log (default), or
 * the book of record under the cluster's genesis document. With the book, the request policy
 * also runs the book's `precheck` on each request's payload (after the client's MAC), through the
 * signature cache the book executes with: a command's signatures are verified when the primary
 * takes the request or a backup accepts the PRE-PREPARE carrying it, and execution finds them
 * remembered. A request whose signatures do not hold is never ordered.
 */
import { readFileSync } from 'node:fs';
import { fromBase64Url } from '../../../shared/bytes.js';
import { BookOfRecord } from '../../../shared/book/book.js';
import type { CryptoProvider } from '../../../shared/crypto/provider.js';
import type { Application } from '../pbft/application.js';
import type { Request } from '../pbft/messages.js';
import type { ClusterConfig } from './cluster-config.js';
import { DigestLogApp } from './digest-log-app.js';

export interface NodeApplication {
  readonly application: Application;
  /** A check of the request's payload after its authentication; absent: none. */
  readonly precheck?: (request: Request) => boolean;
}

export function nodeApplication(cluster: ClusterConfig, crypto: CryptoProvider): NodeApplication {
  const choice = cluster.application;
  if (choice === undefined || choice.kind === 'digest-log') return { application: new DigestLogApp() };
  const book = new BookOfRecord(crypto, JSON.parse(readFileSync(choice.genesisFile, 'utf8')) as unknown);
  return { application: book, precheck: (request) => book.precheck(fromBase64Url(request.payload)) };
}
