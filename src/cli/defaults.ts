/** Defaults shared by every command. */
export const DEFAULT_PORT_FALLBACK = 8700;
