/**
 * Renders the message reference (docs/messages.md) from the schemas themselves, so the field
 * list in the docs cannot drift from what the decoder accepts. `npm run docs` rewrites the file;
 * a test fails when the committed copy is stale.
 */
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { limits } from '../../shared/limits.js';
import { messageSchemas, messageTypes, signatureFields } from '../../shared/protocol/messages.js';
import type { Schema } from '../../shared/protocol/schema.js';

export const messageReferencePath = fileURLToPath(new URL('../../docs/messages.md', import.meta.url));

function rows(shape: { readonly [key: string]: Schema<unknown> }, prefix: string): string[] {
  const out: string[] = [];
  for (const [name, schema] of Object.entries(shape)) {
    const optional = schema.optional ? ' (optional)' : '';
    const description = schema.optional ? schema.description.replace(/^optional /, '') : schema.description;
    out.push(`| \`${prefix}${name}\`${optional} | ${description.replace(/\|/g, '\\|')} |`);
    const spec = schema.spec;
    if (spec.kind === 'array' && spec.item.spec.kind === 'object')
      out.push(...rows(spec.item.spec.shape, `${prefix}${name}[].`));
  }
  return out;
}

export function renderMessageReference(): string {
  const lines = [
    '# Message reference',
    '',
    '<!-- Generated from shared/protocol by `npm run docs`; do not edit by hand. -->',
    '',
    'Every message is a JSON object sent as its RFC 8785 canonical form in UTF-8 (at most',
    `${limits.maxPayloadBytes} bytes). Binary values are unpadded base64url. Unknown fields are rejected.`,
    'A signature field covers the domain line `gridbid/v1/<type>/<field>` and a newline, then the',
    'canonical JSON of the message without that signature field and any signature field after it.',
    '',
  ];
  for (const type of messageTypes) {
    const signatures = signatureFields[type];
    lines.push(`## \`${type}\``, '');
    lines.push(
      signatures.length === 0
        ? 'Unsigned (authenticated by the broker ACL or the ledger).'
        : `Signatures: ${signatures.map((s) => `\`${s}\``).join(', ')}.`,
      '',
    );
    lines.push('| field | accepts |', '|---|---|', ...rows(messageSchemas[type].shape, ''), '');
  }
  return lines.join('\n');
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  writeFileSync(messageReferencePath, renderMessageReference());
  console.log(`wrote ${messageReferencePath}`);
}
