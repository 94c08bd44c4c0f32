// WEBHOOK_URLS: https only; plain http only for loopback receivers of the local server (API.md).

const LOOPBACK_HOSTS = new Set(['127.0.0.1', 'localhost', '[::1]']);

export function isLoopbackHost(hostname: string): boolean {
  return LOOPBACK_HOSTS.has(hostname) || /^127(\.\d{1,3}){3}$/.test(hostname);
}

/** Why a receiver URL is not acceptable in this stage, or undefined when it is. */
export function webhookUrlProblem(raw: string, stage: string): string | undefined {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return 'is not a URL';
  }
  if (url.username || url.password) return 'must not carry credentials';
  if (url.protocol === 'https:') return undefined;
  if (url.protocol === 'http:' && stage === 'local' && isLoopbackHost(url.hostname)) return undefined;
  return stage === 'local' ? 'must be https (or http to a loopback host)' : 'must be https in a deployed stage';
}

export function splitWebhookUrls(raw: string): string[] {
  return raw
    .split(',')
    .map((part) => part.trim())
    .filter((part) => part !== '');
}
