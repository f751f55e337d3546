/** The JSON values gridbid messages are made of. Numbers are always safe integers. */
export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };
