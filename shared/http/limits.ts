/** The largest request body a function accepts (413 payload_too_large above it). */
export const MAX_BODY_BYTES = 16 * 1024;
