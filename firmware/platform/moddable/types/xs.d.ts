/** The XS globals the meter uses (the SDK declares them in `xs/includes/xs.d.ts`). */
declare function trace(...parts: (string | number | boolean)[]): void;
