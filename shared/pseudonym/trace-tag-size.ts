/**
 * Sizes of a trace tag (see trace-tag.ts), apart so message schemas can name them without
 * importing the encryption: plaintext 1 + maxIdChars bytes, points 65 bytes, scalars 32 bytes.
 */
import { limits } from '../limits.js';

export const traceTagPlaintextBytes = 1 + limits.maxIdChars;
/** c || U || Ubar: what the meter commits to and RM signs. */
export const traceTagCoreBytes = traceTagPlaintextBytes + 2 * 65;
/** c || U || Ubar || e || f: the core with its validity proof, as MM certifies it. */
export const traceTagBytes = traceTagCoreBytes + 2 * 32;
