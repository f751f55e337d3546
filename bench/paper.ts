/** The paper's Table 3: mean cost over 1000 runs, in ms, for files of 64 KB, 256 KB and 1 MB. */
export const paperSizes = [
  { label: '64 KiB', bytes: 64 * 1024, column: '64 KB' },
  { label: '256 KiB', bytes: 256 * 1024, column: '256 KB' },
  { label: '1 MiB', bytes: 1024 * 1024, column: '1 MB' },
] as const;

export type PaperColumn = (typeof paperSizes)[number]['column'];

export const paperTable3Ms: Record<string, Record<PaperColumn, number>> = {
  'RSA encrypt data': { '64 KB': 396, '256 KB': 1592, '1 MB': 6352 },
  'RSA decrypt data': { '64 KB': 418, '256 KB': 1455, '1 MB': 35889 },
  'sign user data': { '64 KB': 5, '256 KB': 4, '1 MB': 4 },
  'verify a digital signature': { '64 KB': 39, '256 KB': 40, '1 MB': 45 },
};

export function paperReference(
  operation: keyof typeof paperTable3Ms,
  column: PaperColumn,
): { label: string; msPerOp: number } {
  const row = paperTable3Ms[operation];
  if (row === undefined) throw new Error(`no paper figure for ${operation}`);
  return { label: `paper Table 3: ${operation}, ${column}`, msPerOp: row[column] };
}
